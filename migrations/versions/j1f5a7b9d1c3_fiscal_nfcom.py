"""NFCom (issue 21): fiscal_settings (the issuer, its A1 encrypted; one row), nfcom_series
(the next number per environment and series),
plan_fiscal_profiles (each plan's item and taxes), nfcom_invoices (one per telecom bill:
number, key, signed XML, SEFAZ's answer), the customers' IBGE municipality codes, and an index
of the history by entity (the history of rows of no customer: fiscal settings, plan profiles)

Revision ID: j1f5a7b9d1c3
Revises: i0e4f6a8b0c2
Create Date: 2026-12-06 11:14:00.366147

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'j1f5a7b9d1c3'
down_revision = 'i0e4f6a8b0c2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('fiscal_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('environment', sa.String(length=12), nullable=False),
    sa.Column('cnpj', sa.String(length=14), nullable=True),
    sa.Column('ie', sa.String(length=14), nullable=True),
    sa.Column('regime', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=60), nullable=True),
    sa.Column('trade_name', sa.String(length=60), nullable=True),
    sa.Column('street', sa.String(length=60), nullable=True),
    sa.Column('number', sa.String(length=60), nullable=True),
    sa.Column('complement', sa.String(length=60), nullable=True),
    sa.Column('district', sa.String(length=60), nullable=True),
    sa.Column('city_code', sa.String(length=7), nullable=True),
    sa.Column('city', sa.String(length=60), nullable=True),
    sa.Column('uf', sa.String(length=2), nullable=True),
    sa.Column('cep', sa.String(length=8), nullable=True),
    sa.Column('phone', sa.String(length=12), nullable=True),
    sa.Column('email', sa.String(length=60), nullable=True),
    sa.Column('series', sa.Integer(), nullable=False),
    sa.Column('first_issue_date', sa.Date(), nullable=True),
    sa.Column('qr_code_base', sa.String(length=200), nullable=False),
    sa.Column('certificate_encrypted', sa.Text(), nullable=True),
    sa.Column('certificate_password_encrypted', sa.Text(), nullable=True),
    sa.Column('certificate_cnpj', sa.String(length=14), nullable=True),
    sa.Column('certificate_valid_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('key_secret_encrypted', sa.Text(), nullable=False),
    sa.Column('planned_through', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("environment IN ('homologacao', 'producao')", name=op.f('ck_fiscal_settings_environment_known')),
    sa.CheckConstraint('id = 1', name=op.f('ck_fiscal_settings_one_row')),
    sa.CheckConstraint('series BETWEEN 0 AND 999', name=op.f('ck_fiscal_settings_series_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fiscal_settings'))
    )
    op.create_table('nfcom_series',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('environment', sa.String(length=12), nullable=False),
    sa.Column('series', sa.Integer(), nullable=False),
    sa.Column('next_number', sa.Integer(), nullable=False),
    sa.CheckConstraint('next_number BETWEEN 1 AND 999999999', name=op.f('ck_nfcom_series_number_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nfcom_series')),
    sa.UniqueConstraint('environment', 'series', name='uq_nfcom_series_environment_series')
    )
    op.create_table('plan_fiscal_profiles',
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('classification', sa.String(length=7), nullable=False),
    sa.Column('service_type', sa.Integer(), nullable=False),
    sa.Column('cfop', sa.String(length=4), nullable=True),
    sa.Column('icms_by_uf', sa.JSON(), nullable=False),
    sa.Column('pis_cst', sa.String(length=2), nullable=True),
    sa.Column('pis_rate', sa.Numeric(precision=7, scale=4), nullable=True),
    sa.Column('cofins_cst', sa.String(length=2), nullable=True),
    sa.Column('cofins_rate', sa.Numeric(precision=7, scale=4), nullable=True),
    sa.Column('fust_rate', sa.Numeric(precision=7, scale=4), nullable=True),
    sa.Column('funttel_rate', sa.Numeric(precision=7, scale=4), nullable=True),
    sa.Column('ibs_cbs_cst', sa.String(length=3), nullable=True),
    sa.Column('ibs_cbs_classification', sa.String(length=6), nullable=True),
    sa.Column('ibs_uf_rate', sa.Numeric(precision=7, scale=4), nullable=True),
    sa.Column('ibs_mun_rate', sa.Numeric(precision=7, scale=4), nullable=True),
    sa.Column('cbs_rate', sa.Numeric(precision=7, scale=4), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_plan_fiscal_profiles_plan_id_plans')),
    sa.PrimaryKeyConstraint('plan_id', name=op.f('pk_plan_fiscal_profiles'))
    )
    op.create_table('nfcom_invoices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('receivable_id', sa.Integer(), nullable=False),
    sa.Column('customer_code', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('environment', sa.String(length=12), nullable=True),
    sa.Column('series', sa.Integer(), nullable=True),
    sa.Column('number', sa.Integer(), nullable=True),
    sa.Column('access_key', sa.String(length=44), nullable=True),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('signed_xml', sa.LargeBinary(), nullable=True),
    sa.Column('digest', sa.String(length=28), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('sending_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('protocol', sa.String(length=20), nullable=True),
    sa.Column('authorized_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('protocol_xml', sa.LargeBinary(), nullable=True),
    sa.Column('authorized_xml', sa.LargeBinary(), nullable=True),
    sa.Column('pdf', sa.LargeBinary(), nullable=True),
    sa.Column('cancel_justification', sa.String(length=255), nullable=True),
    sa.Column('cancel_requested_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancel_protocol', sa.String(length=20), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancel_xml', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_code'], ['customers.code'], name=op.f('fk_nfcom_invoices_customer_code_customers')),
    sa.ForeignKeyConstraint(['receivable_id'], ['receivables.id'], name=op.f('fk_nfcom_invoices_receivable_id_receivables')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nfcom_invoices')),
    sa.UniqueConstraint('environment', 'access_key', name='uq_nfcom_invoices_environment_access_key'),
    sa.UniqueConstraint('receivable_id', name=op.f('uq_nfcom_invoices_receivable_id')),
    sa.UniqueConstraint('environment', 'series', 'number', name='uq_nfcom_invoices_environment_series_number')
    )
    with op.batch_alter_table('nfcom_invoices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nfcom_invoices_customer_code'), ['customer_code'], unique=False)
        batch_op.create_index('ix_nfcom_invoices_status_next', ['status', 'next_attempt_at'], unique=False)

    with op.batch_alter_table('history', schema=None) as batch_op:
        batch_op.create_index('ix_history_entity_entity_id_at', ['entity', 'entity_id', 'at'], unique=False)

    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address_city_code', sa.String(length=7), nullable=True))
        batch_op.add_column(sa.Column('billing_city_code', sa.String(length=7), nullable=True))



def downgrade():
    with op.batch_alter_table('history', schema=None) as batch_op:
        batch_op.drop_index('ix_history_entity_entity_id_at')

    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_column('billing_city_code')
        batch_op.drop_column('address_city_code')

    with op.batch_alter_table('nfcom_invoices', schema=None) as batch_op:
        batch_op.drop_index('ix_nfcom_invoices_status_next')
        batch_op.drop_index(batch_op.f('ix_nfcom_invoices_customer_code'))

    op.drop_table('nfcom_invoices')
    op.drop_table('plan_fiscal_profiles')
    op.drop_table('nfcom_series')
    op.drop_table('fiscal_settings')
