"""observations on customers (some of mandatory reading) and who has read them

Revision ID: 8d4e5c0d2f04
Revises: 8f6e5c0d2f06
Create Date: 2026-11-28 20:54:43.176164

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "8d4e5c0d2f04"
down_revision = "8f6e5c0d2f06"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "observations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_code", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("mandatory_reading", sa.Boolean(), nullable=False),
        sa.Column("text_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_code"],
            ["customers.code"],
            name=op.f("fk_observations_customer_code_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_observations_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_observations")),
    )
    op.create_index(
        "ix_observations_customer_code_created_at",
        "observations",
        ["customer_code", "created_at"],
        unique=False,
    )
    op.create_table(
        "observation_reads",
        sa.Column("observation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["observation_id"],
            ["observations.id"],
            name=op.f("fk_observation_reads_observation_id_observations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_observation_reads_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("observation_id", "user_id", name=op.f("pk_observation_reads")),
    )
    op.create_index(
        op.f("ix_observation_reads_user_id"), "observation_reads", ["user_id"], unique=False
    )


def downgrade():
    op.drop_index(op.f("ix_observation_reads_user_id"), table_name="observation_reads")
    op.drop_table("observation_reads")
    op.drop_index("ix_observations_customer_code_created_at", table_name="observations")
    op.drop_table("observations")
