"""boletos.demo: a boleto issued on the built-in demonstration account says so for ever

Revision ID: h5b0b01e7001
Revises: h5a1c0ffee01
Create Date: 2026-12-05 13:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "h5b0b01e7001"
down_revision = "h5a1c0ffee01"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "boletos",
        sa.Column("demo", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade():
    with op.batch_alter_table("boletos") as batch_op:
        batch_op.drop_column("demo")
