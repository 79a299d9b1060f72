"""the plan catalog

Revision ID: 7c3a9e2b1f64
Revises: 6b2f1d4c8e53
Create Date: 2026-11-28 14:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7c3a9e2b1f64"
down_revision = "6b2f1d4c8e53"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("download_kbps", sa.Integer(), nullable=True),
        sa.Column("upload_kbps", sa.Integer(), nullable=True),
        sa.Column("price", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("radius_group", sa.String(length=64), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('internet', 'email', 'hosting', 'voip')", name=op.f("ck_plans_kind_known")
        ),
        sa.CheckConstraint("price >= 0", name=op.f("ck_plans_price_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans")),
        sa.UniqueConstraint("name", name=op.f("uq_plans_name")),
    )
    op.create_index(op.f("ix_plans_active"), "plans", ["active"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_plans_active"), table_name="plans")
    op.drop_table("plans")
