"""Receivable lines of kind 'speed_reduction': the credit for days at reduced speed

receivable_lines.kind gains 'speed_reduction' (a negative line monthly billing adds for the days
a subscription spent at reduced speed, models/billing/reduction_credits.py).

Revision ID: k5c1e3d5f7a9
Revises: k1a2b3c4d5e6
Create Date: 2026-12-06 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "k5c1e3d5f7a9"
down_revision = "k1a2b3c4d5e6"
branch_labels = None
depends_on = None

OLD_KINDS = "kind IN ('plan', 'discount', 'billing_event', 'boleto_fee', 'other')"
NEW_KINDS = (
    "kind IN ('plan', 'discount', 'billing_event', 'boleto_fee', 'other', 'speed_reduction')"
)


def _kinds(check: str) -> None:
    with op.batch_alter_table("receivable_lines") as batch_op:
        batch_op.drop_constraint(op.f("ck_receivable_lines_kind_known"), type_="check")
        batch_op.create_check_constraint(op.f("ck_receivable_lines_kind_known"), sa.text(check))


def upgrade():
    _kinds(NEW_KINDS)


def downgrade():
    # the credits stay on their bills (their amounts the sum of the lines), as discounts
    op.execute("UPDATE receivable_lines SET kind = 'discount' WHERE kind = 'speed_reduction'")
    _kinds(OLD_KINDS)
