"""receivables (contas a receber), their lines, and billing events (installments)

Revision ID: 9a1f6d1e3a01
Revises: 9d4f6d1e3a04
Create Date: 2026-11-28 21:38:24.525748

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '9a1f6d1e3a01'
down_revision = "9d4f6d1e3a04"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('receivables',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_code', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('issue_date', sa.Date(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.Column('paid_amount', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('cancel_reason', sa.String(length=200), nullable=True),
    sa.Column('cancelled_by', sa.String(length=80), nullable=True),
    sa.Column('billing_month', sa.Date(), nullable=True),
    sa.Column('source_key', sa.String(length=80), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('open', 'paid', 'cancelled')", name=op.f('ck_receivables_status_known')),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_receivables_amount_not_negative')),
    sa.ForeignKeyConstraint(['customer_code'], ['customers.code'], name=op.f('fk_receivables_customer_code_customers')),
    sa.ForeignKeyConstraint(['subscription_id'], ['subscriptions.id'], name=op.f('fk_receivables_subscription_id_subscriptions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_receivables')),
    sa.UniqueConstraint('source_key', name=op.f('uq_receivables_source_key'))
    )
    with op.batch_alter_table('receivables', schema=None) as batch_op:
        batch_op.create_index('ix_receivables_customer_code_due_date', ['customer_code', 'due_date'], unique=False)
        batch_op.create_index('ix_receivables_status_due_date', ['status', 'due_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_receivables_subscription_id'), ['subscription_id'], unique=False)

    op.create_table('billing_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_code', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('receivable_id', sa.Integer(), nullable=True),
    sa.Column('source_key', sa.String(length=80), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'billed', 'cancelled')", name=op.f('ck_billing_events_status_known')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_billing_events_amount_positive')),
    sa.ForeignKeyConstraint(['customer_code'], ['customers.code'], name=op.f('fk_billing_events_customer_code_customers')),
    sa.ForeignKeyConstraint(['receivable_id'], ['receivables.id'], name=op.f('fk_billing_events_receivable_id_receivables')),
    sa.ForeignKeyConstraint(['subscription_id'], ['subscriptions.id'], name=op.f('fk_billing_events_subscription_id_subscriptions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_events')),
    sa.UniqueConstraint('source_key', 'sequence', name='uq_billing_events_source_key_sequence')
    )
    with op.batch_alter_table('billing_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_events_receivable_id'), ['receivable_id'], unique=False)
        batch_op.create_index('ix_billing_events_subscription_id_status', ['subscription_id', 'status'], unique=False)

    op.create_table('receivable_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('receivable_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('billing_event_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('plan', 'discount', 'billing_event', 'boleto_fee', 'other')", name=op.f('ck_receivable_lines_kind_known')),
    sa.ForeignKeyConstraint(['billing_event_id'], ['billing_events.id'], name=op.f('fk_receivable_lines_billing_event_id_billing_events')),
    sa.ForeignKeyConstraint(['receivable_id'], ['receivables.id'], name=op.f('fk_receivable_lines_receivable_id_receivables')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_receivable_lines'))
    )
    with op.batch_alter_table('receivable_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_receivable_lines_billing_event_id'), ['billing_event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_receivable_lines_receivable_id'), ['receivable_id'], unique=False)



def downgrade():
    with op.batch_alter_table('receivable_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_receivable_lines_receivable_id'))
        batch_op.drop_index(batch_op.f('ix_receivable_lines_billing_event_id'))

    op.drop_table('receivable_lines')
    with op.batch_alter_table('billing_events', schema=None) as batch_op:
        batch_op.drop_index('ix_billing_events_subscription_id_status')
        batch_op.drop_index(batch_op.f('ix_billing_events_receivable_id'))

    op.drop_table('billing_events')
    with op.batch_alter_table('receivables', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_receivables_subscription_id'))
        batch_op.drop_index('ix_receivables_status_due_date')
        batch_op.drop_index('ix_receivables_customer_code_due_date')

    op.drop_table('receivables')
