"""search by address; list customers in name order

- search_address: the main address folded as the model's mapper event folds it (street,
  number, district, condominium and the CEP's 8 digits), filled in for existing rows, with a
  trigram index and 1,000-bucket statistics like the other search columns (3f2a9c1d7b64).
- ix_customers_search_name_code: a b-tree on (search_name, code), including active, that
  alphabetical lists (sort=name) walk, so a common term stops after one page instead of
  sorting every match; a name search reads only the index (index-only scan).
- search_name and search_city are folded again: fold() now turns Unicode dashes (en dash,
  minus sign, ...) into "-" and Unicode spaces into " ".

The backfill reads and writes the table in batches of BATCH rows; the indexes are built
afterwards. At a million customers the whole upgrade took 77 s on the benchmark machine
(docs/BENCHMARKS.md). It rewrites every row in the migration's transaction, so changes to
customers wait until it commits: run it in a quiet hour, and `VACUUM (ANALYZE) customers`
afterwards to make the old row versions' space reusable.

Revision ID: 6b2f1d4c8e53
Revises: 5a1e0c3b7d42
Create Date: 2026-11-28 16:00:00.000000

"""
import unicodedata

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "6b2f1d4c8e53"
down_revision = "5a1e0c3b7d42"
branch_labels = None
depends_on = None

BATCH = 5_000
ADDRESS_PARTS = (
    "address_street",
    "address_number",
    "address_district",
    "condominium",
    "address_cep",
)
customers = sa.table(
    "customers",
    sa.column("code", sa.Integer),
    *(
        sa.column(name, sa.Text)
        for name in ("name", "trade_name", "address_city", *ADDRESS_PARTS)
    ),
    sa.column("search_name", sa.Text),
    sa.column("search_city", sa.Text),
    sa.column("search_address", sa.Text),
)


# --- A copy of models.customers.identifiers.fold as of this revision (migrations never import the app) ---
def _ascii_separator(char):
    if char == "\u2212":  # minus sign
        return "-"
    category = unicodedata.category(char)
    if category == "Pd":
        return "-"
    return " " if category == "Zs" else char


def _normalize_separators(text):
    if text.isascii():
        return text
    return "".join(_ascii_separator(char) for char in text)


def _fold(text):
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_normalize_separators(bare).lower().split())


# --- The search columns, as models.customers.customers._refresh_search_columns derives them ----------
def _search_columns(row):
    address = (getattr(row, part) for part in ADDRESS_PARTS)
    return {
        "b_code": row.code,
        "b_name": _fold(f"{row.name} {row.trade_name or ''}"),
        "b_city": _fold(row.address_city or ""),
        "b_address": _fold(" ".join(part for part in address if part)),
    }


def _backfill():
    conn = op.get_bind()
    read = sa.select(
        customers.c.code,
        customers.c.name,
        customers.c.trade_name,
        customers.c.address_city,
        *(customers.c[part] for part in ADDRESS_PARTS),
    ).order_by(customers.c.code)
    write = (
        customers.update()
        .where(customers.c.code == sa.bindparam("b_code"))
        .values(
            search_name=sa.bindparam("b_name"),
            search_city=sa.bindparam("b_city"),
            search_address=sa.bindparam("b_address"),
        )
    )
    last = 0
    while True:
        rows = conn.execute(read.where(customers.c.code > last).limit(BATCH)).all()
        if not rows:
            return
        conn.execute(write, [_search_columns(row) for row in rows])
        last = rows[-1].code


def upgrade():
    with op.batch_alter_table("customers", schema=None, recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column("search_address", sa.Text(), server_default="", nullable=False)
        )
    _backfill()
    with op.batch_alter_table("customers", schema=None, recreate="never") as batch_op:
        batch_op.create_index(
            "ix_customers_search_address_trgm",
            ["search_address"],
            unique=False,
            postgresql_using="gin",
            postgresql_ops={"search_address": "gin_trgm_ops"},
        )
        batch_op.create_index(
            "ix_customers_search_name_code",
            ["search_name", "code"],
            unique=False,
            postgresql_include=["active"],
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE customers ALTER COLUMN search_address SET STATISTICS 1000")
        op.execute("ANALYZE customers")


def downgrade():
    with op.batch_alter_table("customers", schema=None, recreate="never") as batch_op:
        batch_op.drop_index("ix_customers_search_name_code")
        batch_op.drop_index(
            "ix_customers_search_address_trgm",
            postgresql_using="gin",
            postgresql_ops={"search_address": "gin_trgm_ops"},
        )
        batch_op.drop_column("search_address")
