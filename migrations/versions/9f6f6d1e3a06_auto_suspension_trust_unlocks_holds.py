"""automatic suspension for non-payment: why a subscription is suspended, trust unlocks, holds

Revision ID: 9f6f6d1e3a06
Revises: 9a1f6d1e3a01
Create Date: 2026-11-28 22:01:56.868221

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "9f6f6d1e3a06"
down_revision = "9a1f6d1e3a01"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "trust_unlocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_code", sa.Integer(), nullable=False),
        sa.Column("granted_on", sa.Date(), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("granted_by_id", sa.Integer(), nullable=True),
        sa.Column("granted_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_code"], ["customers.code"],
            name=op.f("fk_trust_unlocks_customer_code_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["granted_by_id"], ["users.id"],
            name=op.f("fk_trust_unlocks_granted_by_id_users"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trust_unlocks")),
    )
    op.create_index(
        "ix_trust_unlocks_customer_code_until", "trust_unlocks", ["customer_code", "until"]
    )
    op.create_table(
        "suspension_holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("customer_code", sa.Integer(), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lifted_by", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"],
            name=op.f("fk_suspension_holds_created_by_id_users"), ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"], ["subscriptions.id"],
            name=op.f("fk_suspension_holds_subscription_id_subscriptions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suspension_holds")),
    )
    op.create_index(
        "ix_suspension_holds_subscription_id_until",
        "suspension_holds",
        ["subscription_id", "until"],
    )
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("suspended_for", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("suspension_reason", sa.String(length=120), nullable=True))
        batch_op.create_check_constraint(
            "suspended_for_known", "suspended_for IN ('non_payment', 'staff', 'schedule')"
        )


def downgrade():
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_constraint("suspended_for_known", type_="check")
        batch_op.drop_column("suspension_reason")
        batch_op.drop_column("suspended_for")
    op.drop_index("ix_suspension_holds_subscription_id_until", table_name="suspension_holds")
    op.drop_table("suspension_holds")
    op.drop_index("ix_trust_unlocks_customer_code_until", table_name="trust_unlocks")
    op.drop_table("trust_unlocks")
