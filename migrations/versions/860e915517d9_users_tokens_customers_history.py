"""users, tokens, customers, history

Revision ID: 860e915517d9
Revises: 
Create Date: 2026-11-28 07:25:21.431569

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '860e915517d9'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        # Trigram indexes for substring search; needs CREATE privilege on the database.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table('customers',
    sa.Column('code', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=2), nullable=False),
    sa.Column('name', sa.String(length=150), nullable=False),
    sa.Column('trade_name', sa.String(length=150), nullable=True),
    sa.Column('document', sa.String(length=14), nullable=False),
    sa.Column('state_registration', sa.String(length=20), nullable=True),
    sa.Column('address_street', sa.String(length=120), nullable=True),
    sa.Column('address_number', sa.String(length=20), nullable=True),
    sa.Column('address_complement', sa.String(length=120), nullable=True),
    sa.Column('address_district', sa.String(length=120), nullable=True),
    sa.Column('address_city', sa.String(length=120), nullable=True),
    sa.Column('address_state', sa.String(length=2), nullable=True),
    sa.Column('address_cep', sa.String(length=8), nullable=True),
    sa.Column('address_reference', sa.String(length=120), nullable=True),
    sa.Column('condominium', sa.String(length=120), nullable=True),
    sa.Column('phone', sa.String(length=11), nullable=True),
    sa.Column('fax', sa.String(length=11), nullable=True),
    sa.Column('mobile', sa.String(length=11), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('billing_street', sa.String(length=120), nullable=True),
    sa.Column('billing_number', sa.String(length=20), nullable=True),
    sa.Column('billing_complement', sa.String(length=120), nullable=True),
    sa.Column('billing_district', sa.String(length=120), nullable=True),
    sa.Column('billing_city', sa.String(length=120), nullable=True),
    sa.Column('billing_state', sa.String(length=2), nullable=True),
    sa.Column('billing_cep', sa.String(length=8), nullable=True),
    sa.Column('billing_reference', sa.String(length=120), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('search_name', sa.Text(), nullable=False),
    sa.Column('search_contact', sa.Text(), nullable=False),
    sa.Column('search_city', sa.Text(), nullable=False),
    sa.CheckConstraint("kind IN ('PF', 'PJ')", name=op.f('ck_customers_kind_known')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_customers')),
    sa.UniqueConstraint('document', name=op.f('uq_customers_document')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customers_active'), ['active'], unique=False)
        batch_op.create_index('ix_customers_document_prefix', ['document'], unique=False, postgresql_ops={'document': 'varchar_pattern_ops'})
        batch_op.create_index('ix_customers_search_city_prefix', ['search_city'], unique=False, postgresql_ops={'search_city': 'text_pattern_ops'})
        batch_op.create_index('ix_customers_search_contact_trgm', ['search_contact'], unique=False, postgresql_using='gin', postgresql_ops={'search_contact': 'gin_trgm_ops'})
        batch_op.create_index('ix_customers_search_name_trgm', ['search_name'], unique=False, postgresql_using='gin', postgresql_ops={'search_name': 'gin_trgm_ops'})

    op.create_table('login_throttle',
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('window_started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('username', name=op.f('pk_login_throttle'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('full_name', sa.String(length=150), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('admin', 'attendant', 'finance', 'technician')", name=op.f('ck_users_role_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_table('auth_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_auth_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auth_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_auth_tokens_token_hash'))
    )
    with op.batch_alter_table('auth_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auth_tokens_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_auth_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('history',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.Column('by_system', sa.Boolean(), nullable=False),
    sa.Column('request_id', sa.String(length=64), nullable=True),
    sa.Column('entity', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.String(length=40), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('changes', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('customer_code', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_history_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_history'))
    )
    with op.batch_alter_table('history', schema=None) as batch_op:
        batch_op.create_index('ix_history_customer_code_at', ['customer_code', 'at'], unique=False)



def downgrade():
    with op.batch_alter_table('history', schema=None) as batch_op:
        batch_op.drop_index('ix_history_customer_code_at')

    op.drop_table('history')
    with op.batch_alter_table('auth_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auth_tokens_user_id'))
        batch_op.drop_index(batch_op.f('ix_auth_tokens_expires_at'))

    op.drop_table('auth_tokens')
    op.drop_table('users')
    op.drop_table('login_throttle')
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_index('ix_customers_search_name_trgm', postgresql_using='gin', postgresql_ops={'search_name': 'gin_trgm_ops'})
        batch_op.drop_index('ix_customers_search_contact_trgm', postgresql_using='gin', postgresql_ops={'search_contact': 'gin_trgm_ops'})
        batch_op.drop_index('ix_customers_search_city_prefix', postgresql_ops={'search_city': 'text_pattern_ops'})
        batch_op.drop_index('ix_customers_document_prefix', postgresql_ops={'document': 'varchar_pattern_ops'})
        batch_op.drop_index(batch_op.f('ix_customers_active'))

    op.drop_table('customers')
