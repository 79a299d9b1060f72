"""boleto sequences: the next nosso número per bank agreement

Revision ID: 9b2f6d1e3a02
Revises: 9c3f6d1e3a03
Create Date: 2026-11-28 21:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9b2f6d1e3a02'
down_revision = "9c3f6d1e3a03"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('boleto_sequences',
    sa.Column('bank', sa.String(length=3), nullable=False),
    sa.Column('agreement', sa.String(length=20), nullable=False),
    sa.Column('next_value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('bank', 'agreement', name=op.f('pk_boleto_sequences'))
    )


def downgrade():
    op.drop_table('boleto_sequences')
