"""call_reprices (re-pricing a period's calls), a trigram index on mailbox addresses (customer
search by e-mail finds a plan's mailbox), and items' MACs in the one canonical notation
(aa:bb:cc:dd:ee:ff, as equipment stores them)

Revision ID: h6c0a1b2c3d4
Revises: h5b0b01e7001
Create Date: 2026-12-05 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "h6c0a1b2c3d4"
down_revision = "h5b0b01e7001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "call_reprices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("cost_before", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("cost_after", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("requested_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_reprices")),
    )
    with op.batch_alter_table("subscription_items") as batch_op:
        batch_op.create_index(
            "ix_subscription_items_address_trgm",
            ["address"],
            unique=False,
            postgresql_using="gin",
            postgresql_ops={"address": "gin_trgm_ops"},
        )
    op.execute("UPDATE subscription_items SET mac = lower(mac) WHERE mac IS NOT NULL")


def downgrade():
    with op.batch_alter_table("subscription_items") as batch_op:
        batch_op.drop_index(
            "ix_subscription_items_address_trgm",
            postgresql_using="gin",
            postgresql_ops={"address": "gin_trgm_ops"},
        )
    op.drop_table("call_reprices")
