"""login_addresses: where each user logged in from (spared by the per-account ceiling);
users.logins_unlocked_at: when an admin last lifted a user's failed-login locks

Revision ID: h1a7c3e9d2f0
Revises: 9f1a2b3c4d5e
Create Date: 2026-12-05 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "h1a7c3e9d2f0"
down_revision = "9f1a2b3c4d5e"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "login_addresses",
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("username", "ip", name=op.f("pk_login_addresses")),
    )
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("logins_unlocked_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("logins_unlocked_at")
    op.drop_table("login_addresses")
