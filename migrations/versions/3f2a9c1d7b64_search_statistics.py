"""finer planner statistics on the customer search columns

The planner estimates LIKE '%term%' from the column's histogram. With the default 100
buckets a term matching 1-3 % of a million customers was estimated anywhere from 93 to
28,000 rows from one ANALYZE to the next, which flipped customer search between its two
plans (docs/BENCHMARKS.md). 1,000 buckets keep the estimates on the right side.

Revision ID: 3f2a9c1d7b64
Revises: 860e915517d9
Create Date: 2026-11-28 08:00:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "3f2a9c1d7b64"
down_revision = "860e915517d9"
branch_labels = None
depends_on = None

COLUMNS = ("search_name", "search_contact")


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        for column in COLUMNS:
            op.execute(f"ALTER TABLE customers ALTER COLUMN {column} SET STATISTICS 1000")
        op.execute("ANALYZE customers")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for column in COLUMNS:
            op.execute(f"ALTER TABLE customers ALTER COLUMN {column} SET STATISTICS -1")
