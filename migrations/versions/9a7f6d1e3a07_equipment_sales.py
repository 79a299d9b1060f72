"""equipment sales: the sale of lent items and how it is billed (events or a receivable)

Revision ID: 9a7f6d1e3a07
Revises: 9f6f6d1e3a06
Create Date: 2026-11-28 22:01:39.785140

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "9a7f6d1e3a07"
down_revision = "9f6f6d1e3a06"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('equipment_sales',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_code', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('price', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('installments', sa.Integer(), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('billed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(mode = 'billing_event' AND installments IS NOT NULL AND due_date IS NULL) OR (mode = 'receivable' AND due_date IS NOT NULL AND installments IS NULL)", name=op.f('ck_equipment_sales_terms_match_mode')),
    sa.CheckConstraint("mode IN ('billing_event', 'receivable')", name=op.f('ck_equipment_sales_mode_known')),
    sa.CheckConstraint("status IN ('pending', 'billed')", name=op.f('ck_equipment_sales_status_known')),
    sa.CheckConstraint('price > 0', name=op.f('ck_equipment_sales_price_positive')),
    sa.ForeignKeyConstraint(['customer_code'], ['customers.code'], name=op.f('fk_equipment_sales_customer_code_customers')),
    sa.ForeignKeyConstraint(['subscription_id'], ['subscriptions.id'], name=op.f('fk_equipment_sales_subscription_id_subscriptions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_equipment_sales'))
    )
    with op.batch_alter_table('equipment_sales', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_equipment_sales_customer_code'), ['customer_code'], unique=False)
        batch_op.create_index('ix_equipment_sales_status_created_at', ['status', 'created_at'], unique=False)

    op.create_table('equipment_sale_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sale_id', sa.Integer(), nullable=False),
    sa.Column('equipment_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['equipment_id'], ['equipment.id'], name=op.f('fk_equipment_sale_items_equipment_id_equipment')),
    sa.ForeignKeyConstraint(['sale_id'], ['equipment_sales.id'], name=op.f('fk_equipment_sale_items_sale_id_equipment_sales')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_equipment_sale_items')),
    sa.UniqueConstraint('equipment_id', name=op.f('uq_equipment_sale_items_equipment_id'))
    )
    with op.batch_alter_table('equipment_sale_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_equipment_sale_items_sale_id'), ['sale_id'], unique=False)



def downgrade():
    with op.batch_alter_table('equipment_sale_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_equipment_sale_items_sale_id'))

    op.drop_table('equipment_sale_items')
    with op.batch_alter_table('equipment_sales', schema=None) as batch_op:
        batch_op.drop_index('ix_equipment_sales_status_created_at')
        batch_op.drop_index(batch_op.f('ix_equipment_sales_customer_code'))

    op.drop_table('equipment_sales')
