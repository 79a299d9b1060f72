"""login failures counted per (username, client IP) and per IP

A lock per username alone let anyone lock any account from anywhere. The counters are
short-lived (a lockout window), so the table is recreated rather than migrated.

Revision ID: 5a1e0c3b7d42
Revises: 3f2a9c1d7b64
Create Date: 2026-11-28 13:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5a1e0c3b7d42"
down_revision = "3f2a9c1d7b64"
branch_labels = None
depends_on = None


def _create(*key_columns, extra=()):
    op.create_table(
        "login_throttle",
        *key_columns,
        sa.Column("failures", sa.Integer(), nullable=False),
        *extra,
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint(
            *(column.name for column in key_columns), name=op.f("pk_login_throttle")
        ),
    )


def upgrade():
    op.drop_table("login_throttle")
    # username '' holds the failures of the IP across all usernames.
    _create(
        sa.Column("ip", sa.String(length=45), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        # an IP's logins started and not yet finished (its row only)
        extra=[sa.Column("in_flight", sa.Integer(), nullable=False)],
    )


def downgrade():
    op.drop_table("login_throttle")
    _create(sa.Column("username", sa.String(length=80), nullable=False))
