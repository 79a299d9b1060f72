"""notices.sending_batch: the run of the task sending a notice, so recovery can tell which one of
a dead worker's batch may have reached the server

Revision ID: 9f1a2b3c4d5e
Revises: 9e5f6d1e3a05
Create Date: 2026-11-29 00:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "9f1a2b3c4d5e"
down_revision = "9e5f6d1e3a05"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("notices", sa.Column("sending_batch", sa.String(length=36), nullable=True))


def downgrade():
    with op.batch_alter_table("notices") as batch_op:
        batch_op.drop_column("sending_batch")
