"""Who read connection records (issue 22, Marco Civil art. 13): connection_record_reads, one
row per read of radacct rows (extract, export job, personal-data document), admins only

Revision ID: k3a1c5e7f9b2
Revises: k2a1b3c5d7e9
Create Date: 2026-12-06 14:23:02.322732

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = 'k3a1c5e7f9b2'
down_revision = 'k2a1b3c5d7e9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('connection_record_reads',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=True),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.Column('request_id', sa.String(length=64), nullable=True),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('export_id', sa.Integer(), nullable=True),
    sa.Column('customer_code', sa.Integer(), nullable=True),
    sa.Column('filters', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=True),
    sa.CheckConstraint("channel IN ('api', 'console', 'export', 'personal_data')", name=op.f('ck_connection_record_reads_channel_known')),
    sa.ForeignKeyConstraint(['export_id'], ['exports.id'], name=op.f('fk_connection_record_reads_export_id_exports'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_connection_record_reads_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_connection_record_reads')),
    sa.UniqueConstraint('export_id', name=op.f('uq_connection_record_reads_export_id'))
    )
    with op.batch_alter_table('connection_record_reads', schema=None) as batch_op:
        batch_op.create_index('ix_connection_record_reads_at', ['at'], unique=False)
        batch_op.create_index('ix_connection_record_reads_customer_code_at', ['customer_code', 'at'], unique=False)
        batch_op.create_index('ix_connection_record_reads_user_id_at', ['user_id', 'at'], unique=False)



def downgrade():
    with op.batch_alter_table('connection_record_reads', schema=None) as batch_op:
        batch_op.drop_index('ix_connection_record_reads_user_id_at')
        batch_op.drop_index('ix_connection_record_reads_customer_code_at')
        batch_op.drop_index('ix_connection_record_reads_at')

    op.drop_table('connection_record_reads')
