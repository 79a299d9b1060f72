"""Connection records (issue 22): radacct partitioned by month on PostgreSQL, its start time
required (the partition key), and legal holds on customers' records

On PostgreSQL the existing radacct (rows and all) becomes a table partitioned by RANGE of
acctstarttime: the old table is renamed, the partitioned one made like it, with a partition per
UTC month from its oldest row's month to three months ahead and a default partition, the rows
copied, the indexes and the sequence kept. A partitioned table's keys must hold the partition
key, so the primary key becomes (radacctid, acctstarttime) and FreeRADIUS's session key is
unique as (acctuniqueid, acctstarttime) (see docs/OPERATIONS.md: FreeRADIUS's ON CONFLICT
follows). SQLite keeps its plain table.

Revision ID: k2a1b3c5d7e9
Revises: k5c1e3d5f7a9
Create Date: 2026-12-06 14:30:00

"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "k2a1b3c5d7e9"
down_revision = "k5c1e3d5f7a9"
branch_labels = None
depends_on = None

OPEN = "acctstoptime IS NULL"
# (name, columns, partial) as models/service/radius.py RadAcct declares them.
INDEXES = (
    ("radacct_active_session_idx", "acctuniqueid", OPEN),
    ("radacct_bulk_close", "nasipaddress, acctstarttime", None),
    ("radacct_start_user_idx", "acctstarttime, username", None),
    ("ix_radacct_open_username", "username", OPEN),
    ("ix_radacct_open_updated", "acctupdatetime", OPEN),
    ("ix_radacct_username_start", "username, acctstarttime", None),
)
MONTHS_AHEAD = 3
MONTHS_BACK = 60


def _next_month(start: datetime) -> datetime:
    return datetime(start.year + start.month // 12, start.month % 12 + 1, 1, tzinfo=UTC)


def _month(moment: datetime) -> datetime:
    moment = moment.astimezone(UTC)
    return datetime(moment.year, moment.month, 1, tzinfo=UTC)


def _create_indexes(table: str) -> None:
    for name, columns, where in INDEXES:
        partial = f" WHERE {where}" if where else ""
        op.execute(f"CREATE INDEX {name} ON {table} ({columns}){partial}")


def _drop_indexes() -> None:
    for name, _columns, _where in INDEXES:
        op.execute(f"DROP INDEX {name}")


def _backfill_start(now_sql: str) -> None:
    """A start time for rows without one (FreeRADIUS always writes it; a hand-made row may not)."""
    op.execute(
        "UPDATE radacct SET acctstarttime = "
        f"COALESCE(acctupdatetime, acctstoptime, {now_sql}) WHERE acctstarttime IS NULL"
    )


def _partition_postgresql() -> None:
    bind = op.get_bind()
    _backfill_start("now()")
    _drop_indexes()
    op.execute("ALTER TABLE radacct DROP CONSTRAINT uq_radacct_acctuniqueid")
    op.execute("ALTER TABLE radacct DROP CONSTRAINT pk_radacct")
    op.execute("ALTER TABLE radacct RENAME TO radacct_unpartitioned")
    op.execute(
        "CREATE TABLE radacct (LIKE radacct_unpartitioned INCLUDING DEFAULTS) "
        "PARTITION BY RANGE (acctstarttime)"
    )
    op.execute("ALTER TABLE radacct ALTER COLUMN acctstarttime SET NOT NULL")
    op.execute(
        "ALTER TABLE radacct ADD CONSTRAINT pk_radacct PRIMARY KEY (radacctid, acctstarttime)"
    )
    op.execute(
        "ALTER TABLE radacct ADD CONSTRAINT uq_radacct_acctuniqueid_acctstarttime "
        "UNIQUE (acctuniqueid, acctstarttime)"
    )
    oldest = bind.execute(sa.text("SELECT min(acctstarttime) FROM radacct_unpartitioned")).scalar()
    now = datetime.now(UTC)
    month = _month(min(oldest, now) if oldest else now)
    floor = datetime(now.year - MONTHS_BACK // 12, now.month, 1, tzinfo=UTC)
    month = max(month, floor)  # older rows (a clock gone wrong) live in the default partition
    last = _month(now)
    for _ in range(MONTHS_AHEAD):
        last = _next_month(last)
    while month <= last:
        upper = _next_month(month)
        op.execute(
            f"CREATE TABLE radacct_y{month.year:04d}m{month.month:02d} PARTITION OF radacct "
            f"FOR VALUES FROM ('{month.isoformat()}') TO ('{upper.isoformat()}')"
        )
        month = upper
    op.execute("CREATE TABLE radacct_default PARTITION OF radacct DEFAULT")
    op.execute("INSERT INTO radacct SELECT * FROM radacct_unpartitioned")
    _create_indexes("radacct")
    op.execute("ALTER SEQUENCE radacct_radacctid_seq OWNED BY radacct.radacctid")
    op.execute("DROP TABLE radacct_unpartitioned")
    op.execute("ANALYZE radacct")


def _unpartition_postgresql() -> None:
    op.execute("CREATE TABLE radacct_plain (LIKE radacct INCLUDING DEFAULTS)")
    op.execute("INSERT INTO radacct_plain SELECT * FROM radacct")
    op.execute("ALTER SEQUENCE radacct_radacctid_seq OWNED BY radacct_plain.radacctid")
    op.execute("DROP TABLE radacct")  # its partitions and indexes with it
    op.execute("ALTER TABLE radacct_plain RENAME TO radacct")
    op.execute("ALTER TABLE radacct ALTER COLUMN acctstarttime DROP NOT NULL")
    op.execute("ALTER TABLE radacct ADD CONSTRAINT pk_radacct PRIMARY KEY (radacctid)")
    op.execute(
        "ALTER TABLE radacct ADD CONSTRAINT uq_radacct_acctuniqueid UNIQUE (acctuniqueid)"
    )
    _create_indexes("radacct")


def upgrade():
    op.create_table(
        "legal_holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_code", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=120), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "usernames",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("placed_by_id", sa.Integer(), nullable=True),
        sa.Column("placed_by", sa.String(length=80), nullable=False),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lifted_by", sa.String(length=80), nullable=True),
        sa.Column("lift_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_code"], ["customers.code"],
            name=op.f("fk_legal_holds_customer_code_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["placed_by_id"], ["users.id"],
            name=op.f("fk_legal_holds_placed_by_id_users"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_holds")),
    )
    op.create_index(
        "ix_legal_holds_customer_code_lifted_at", "legal_holds", ["customer_code", "lifted_at"]
    )
    if op.get_bind().dialect.name == "postgresql":
        _partition_postgresql()
    else:
        _backfill_start("CAST(strftime('%s', 'now') AS INTEGER)")
        with op.batch_alter_table("radacct") as batch_op:
            batch_op.alter_column("acctstarttime", existing_type=sa.Integer(), nullable=False)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        _unpartition_postgresql()
    else:
        with op.batch_alter_table("radacct") as batch_op:
            batch_op.alter_column("acctstarttime", existing_type=sa.Integer(), nullable=True)
    op.drop_index("ix_legal_holds_customer_code_lifted_at", table_name="legal_holds")
    op.drop_table("legal_holds")
