"""customer documents [5.8]: uploaded files, described, stored under server-chosen names

Revision ID: 8f6e5c0d2f06
Revises: 8c3e5c0d2f03
Create Date: 2026-11-28 20:55:24

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8f6e5c0d2f06'
down_revision = "8c3e5c0d2f03"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('customer_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_code', sa.Integer(), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('search_description', sa.String(length=200), nullable=False),
    sa.Column('observation', sa.Text(), nullable=True),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('stored_name', sa.String(length=40), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('uploaded_by', sa.String(length=80), nullable=False),
    sa.Column('uploaded_by_user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['customer_code'], ['customers.code'], name=op.f('fk_customer_documents_customer_code_customers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_documents')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_customer_documents_stored_name'))
    )
    with op.batch_alter_table('customer_documents', schema=None) as batch_op:
        batch_op.create_index('ix_customer_documents_customer_code_uploaded_at', ['customer_code', 'uploaded_at'], unique=False)


def downgrade():
    with op.batch_alter_table('customer_documents', schema=None) as batch_op:
        batch_op.drop_index('ix_customer_documents_customer_code_uploaded_at')

    op.drop_table('customer_documents')
