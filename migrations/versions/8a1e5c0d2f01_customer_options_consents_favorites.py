"""customer options (one row per customer, backfilled), fiscal activity codes, consents, favorites

Revision ID: 8a1e5c0d2f01
Revises: 8d4e5c0d2f04
Create Date: 2026-11-28 21:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8a1e5c0d2f01'
down_revision = "8d4e5c0d2f04"
branch_labels = None
depends_on = None

FLAGS = (
    'auto_suspend',
    'charge_boleto_fee',
    'itemized_invoice',
    'charge_extra_email',
    'allow_promotional_discounts',
    'send_boleto_email',
    'send_overdue_notice',
)
# The default of CUSTOMER_DEFAULT_OPTIONS when this revision was written.
DEFAULT_ON = ('auto_suspend', 'send_boleto_email', 'send_overdue_notice')


def upgrade():
    op.create_table('fiscal_activity_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fiscal_activity_codes')),
    sa.UniqueConstraint('code', name=op.f('uq_fiscal_activity_codes_code'))
    )
    op.create_table('consent_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_code', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=12), nullable=False),
    sa.Column('given', sa.Boolean(), nullable=False),
    sa.Column('how', sa.String(length=12), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('by', sa.String(length=80), nullable=False),
    sa.Column('by_user_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("channel IN ('email', 'sms', 'whatsapp', 'phone_call')", name=op.f('ck_consent_records_channel_known')),
    sa.CheckConstraint("how IN ('in_person', 'phone', 'web', 'contract', 'email', 'whatsapp')", name=op.f('ck_consent_records_how_known')),
    sa.ForeignKeyConstraint(['by_user_id'], ['users.id'], name=op.f('fk_consent_records_by_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['customer_code'], ['customers.code'], name=op.f('fk_consent_records_customer_code_customers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_records'))
    )
    with op.batch_alter_table('consent_records', schema=None) as batch_op:
        batch_op.create_index('ix_consent_records_customer_channel', ['customer_code', 'channel', 'id'], unique=False)

    op.create_table('customer_options',
    sa.Column('customer_code', sa.Integer(), nullable=False),
    *[sa.Column(flag, sa.Boolean(), nullable=False) for flag in FLAGS],
    sa.Column('fiscal_activity_code', sa.String(length=12), nullable=True),
    sa.ForeignKeyConstraint(['customer_code'], ['customers.code'], name=op.f('fk_customer_options_customer_code_customers')),
    sa.ForeignKeyConstraint(['fiscal_activity_code'], ['fiscal_activity_codes.code'], name=op.f('fk_customer_options_fiscal_activity_code_fiscal_activity_codes')),
    sa.PrimaryKeyConstraint('customer_code', name=op.f('pk_customer_options'))
    )
    # Every existing customer gets the default options, before the indexes are built.
    options = sa.table('customer_options', sa.column('customer_code'), *[sa.column(f) for f in FLAGS])
    customers = sa.table('customers', sa.column('code'))
    op.execute(
        options.insert().from_select(
            ['customer_code', *FLAGS],
            sa.select(customers.c.code, *[sa.literal(f in DEFAULT_ON, sa.Boolean()) for f in FLAGS]),
        )
    )
    with op.batch_alter_table('customer_options', schema=None) as batch_op:
        for flag in FLAGS:
            batch_op.create_index(f'ix_customer_options_{flag}_on', ['customer_code'], unique=False, postgresql_where=sa.text(flag), sqlite_where=sa.text(f'{flag} = 1'))

    op.create_table('favorites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=80), nullable=False),
    sa.Column('target', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_favorites_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_favorites')),
    sa.UniqueConstraint('user_id', 'target', name=op.f('uq_favorites_user_id'))
    )


def downgrade():
    op.drop_table('favorites')
    with op.batch_alter_table('customer_options', schema=None) as batch_op:
        for flag in FLAGS:
            batch_op.drop_index(f'ix_customer_options_{flag}_on')
    op.drop_table('customer_options')
    with op.batch_alter_table('consent_records', schema=None) as batch_op:
        batch_op.drop_index('ix_consent_records_customer_channel')
    op.drop_table('consent_records')
    op.drop_table('fiscal_activity_codes')
