"""boletos (one per receivable paid by boleto) and the notices' foreign key to receivables

Revision ID: 9e5f6d1e3a05
Revises: 9a7f6d1e3a07
Create Date: 2026-11-28 22:01:41.814752

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9e5f6d1e3a05'
down_revision = "9a7f6d1e3a07"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('boletos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('receivable_id', sa.Integer(), nullable=False),
    sa.Column('customer_code', sa.Integer(), nullable=False),
    sa.Column('bank', sa.String(length=3), nullable=False),
    sa.Column('agreement', sa.String(length=20), nullable=False),
    sa.Column('sequence', sa.BigInteger(), nullable=False),
    sa.Column('nosso_numero', sa.String(length=30), nullable=False),
    sa.Column('barcode', sa.String(length=44), nullable=False),
    sa.Column('digitable_line', sa.String(length=47), nullable=False),
    sa.Column('pix_code', sa.Text(), nullable=True),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_code'], ['customers.code'], name=op.f('fk_boletos_customer_code_customers')),
    sa.ForeignKeyConstraint(['receivable_id'], ['receivables.id'], name=op.f('fk_boletos_receivable_id_receivables')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_boletos')),
    sa.UniqueConstraint('receivable_id', name=op.f('uq_boletos_receivable_id'))
    )
    with op.batch_alter_table('boletos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_boletos_customer_code'), ['customer_code'], unique=False)

    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_notices_receivable_id_receivables'), 'receivables', ['receivable_id'], ['id'])



def downgrade():
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notices_receivable_id_receivables'), type_='foreignkey')

    with op.batch_alter_table('boletos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_boletos_customer_code'))

    op.drop_table('boletos')
