"""The backend seam: every difference between PostgreSQL and SQLite, and nothing else.

Callers ask for what they need by intent (a column type, an index, an INSERT that takes
ON CONFLICT, a claim, a lock, an estimate, a bulk copy); only this module and
models/backend_copy.py (PostgreSQL's COPY and cursors through psycopg) look at the database.
models/db.py re-exports the statement helpers, so most code imports them from there.
"""

import json
import sqlite3
from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Engine,
    Index,
    Integer,
    Text,
    TypeDecorator,
    any_,
    bindparam,
    cast,
    event,
    func,
    literal,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, INET, JSONB, TIMESTAMP
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError


def _db():
    """The SQLAlchemy handle; imported late because models.db imports this module."""
    from models.db import db

    return db


def _on_postgresql() -> bool:
    return _db().session.get_bind().dialect.name == "postgresql"


def has_server_features() -> bool:
    """Whether the database plans, copies and streams on its own (PostgreSQL, not SQLite):
    planner row estimates, COPY, named cursors, a second connection reading in parallel."""
    return _on_postgresql()


# Connections.


def embedded_database_url(folder) -> str:
    """The embedded default: a SQLite file in `folder` (a new machine needs nothing but Python)."""
    return f"sqlite:///{folder / 'provedor.sqlite'}"


def connection_options(database_url: str) -> dict:
    """Engine options for the database at `database_url` (besides the generic ones)."""
    if database_url.startswith("sqlite"):
        # Web, worker and beat share one file: wait for a lock instead of failing at once.
        return {"connect_args": {"timeout": 30}}
    return {"pool_pre_ping": True}  # survive a database restart


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    """Let web, worker and beat share one SQLite file: WAL readers never block the writer."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def set_lock_timeout(connection, timeout: str) -> None:
    """Give up waiting on a row lock after `timeout` in this transaction (SQLite: no-op)."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{timeout}'")


# Column types.

JSONType = JSON().with_variant(JSONB(), "postgresql")
# Big keys on PostgreSQL (as FreeRADIUS's bigserial); SQLite's autoincrement needs INTEGER.
BigKey = BigInteger().with_variant(Integer, "sqlite")
# An IP address: PostgreSQL's inet, text on SQLite.
Inet = Text().with_variant(INET(), "postgresql")


class RadiusTime(TypeDecorator):
    """An instant as FreeRADIUS's own queries store it: timestamptz on PostgreSQL, Unix epoch
    seconds on SQLite (its rlm_sql_sqlite queries write strftime('%s')). Read back aware, UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Integer())
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value, dialect):
        if value is None or dialect.name != "sqlite":
            return value
        return int(value.timestamp())

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if dialect.name == "sqlite":
            return datetime.fromtimestamp(int(value), UTC)
        return value if value.tzinfo else value.replace(tzinfo=UTC)


def whole_seconds_timestamp() -> TIMESTAMP:
    """A local timestamp rounded to the second, for a CAST in PostgreSQL-formatted output."""
    return TIMESTAMP(precision=0)


def address_text(column):
    """An address column as text: host() on PostgreSQL's inet (no /32), as stored on SQLite."""
    if _on_postgresql():
        return func.host(column)
    return cast(column, Text)


def address_value(value):
    """An IP address to compare with an address column, typed as the column is stored: an
    `inet` on PostgreSQL, so that the column's indexes serve the comparison."""
    if _on_postgresql():
        return cast(literal(str(value)), INET)
    return literal(str(value))


# Indexes and table options.

# Never reuse an autoincremented key, even after a failed insert (PostgreSQL never does).
NEVER_REUSE_KEYS = {"sqlite_autoincrement": True}


def partial(condition: str) -> dict:
    """Index keywords: index only the rows where the SQL `condition` holds."""
    return {"postgresql_where": text(condition), "sqlite_where": text(condition)}


def partial_on_flag(flag: str) -> dict:
    """Index keywords: index only the rows whose boolean column `flag` is true."""
    return {"postgresql_where": text(flag), "sqlite_where": text(f"{flag} = 1")}


def trigram_index(name: str, column: str) -> Index:
    """A GIN trigram index on PostgreSQL, for substring search (a plain index on SQLite)."""
    return Index(name, column, postgresql_using="gin", postgresql_ops={column: "gin_trgm_ops"})


def prefix_index(name: str, column: str, ops: str = "text_pattern_ops") -> Index:
    """An index that serves LIKE 'prefix%' whatever the collation (`ops`: the column's)."""
    return Index(name, column, postgresql_ops={column: ops})


def covering_index(name: str, *columns: str, include: list[str]) -> Index:
    """An index on `columns` that also holds `include`, for index-only scans (PostgreSQL)."""
    return Index(name, *columns, postgresql_include=include)


# Statements.


def upsert(table):
    """The database's own INSERT, which knows ON CONFLICT (PostgreSQL and SQLite alike)."""
    if _on_postgresql():
        return postgresql_insert(table)
    return sqlite_insert(table)


def lock_rows(model, keys: list) -> None:
    """On SQLite, take the database's write lock before reading rows to change.

    SQLite has no row locks: a no-op UPDATE of the rows takes the write lock now, so a parallel
    change waits for our commit before it reads. Columns with an onupdate default (updated_at)
    are set to themselves, or it would fire. PostgreSQL locks rows with the caller's
    SELECT ... FOR UPDATE; this does nothing there.
    """
    if keys and not _on_postgresql():
        db = _db()
        table = model.__table__
        (pk,) = table.primary_key.columns
        unchanged = {c.name: c for c in table.columns if c.primary_key or c.onupdate is not None}
        db.session.execute(db.update(table).where(pk.in_(keys)).values(unchanged))


def claim_due(table, due, claimed: dict, limit: int, order_by=None) -> list:
    """Mark up to `limit` rows matching `due` with `claimed` values; return their keys.

    Rows are taken in `order_by` order: a column or a tuple of them (default: the key).

    Only one claimer can win a row: PostgreSQL skips rows another transaction has locked
    (FOR UPDATE SKIP LOCKED), so parallel sweeps share the work; elsewhere the UPDATE re-checks
    `due`, and SQLite runs one writer at a time. `claimed` must make `due` false (e.g. a new
    status), or the next sweep claims the same rows again.
    """
    db = _db()
    (pk,) = table.primary_key.columns
    order = order_by if isinstance(order_by, tuple) else (order_by if order_by is not None else pk,)
    candidates = db.select(pk).where(due).order_by(*order)
    candidates = candidates.limit(limit)
    if _on_postgresql():
        # A materialized CTE runs the locking SELECT once: as a plain IN (subquery) PostgreSQL
        # may run it again per row and claim more than `limit` rows (seen: 2 for a limit of 1).
        picked = candidates.with_for_update(skip_locked=True).cte("picked")
        picked = picked.prefix_with("MATERIALIZED", dialect="postgresql")
        candidates = db.select(picked.c[pk.name])
    statement = (
        db.update(table).where(pk.in_(candidates.scalar_subquery()), due).values(claimed)
    ).returning(pk)
    return list(db.session.scalars(statement))


def among(column, values: list):
    """`column IN values` for a long list (a sweep's thousand keys): one array parameter on
    PostgreSQL (`= ANY(%s)`), so the statement's text stays the same whatever the count and no
    thousand placeholders are rendered, converted and planned; an expanding IN elsewhere."""
    if not _on_postgresql():
        return column.in_(values)
    return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))


def in_subquery_among_others(column, subquery):
    """`column IN (subquery)` for a condition ORed with others on the same table.

    PostgreSQL cannot join a subquery that is one branch of an OR: `IN (subquery)` there would
    filter every row. `= ANY(ARRAY(subquery))` instead runs the subquery once and looks its
    values up in `column`'s index, a bitmap the other branches' indexes are ORed with.
    """
    if not _on_postgresql():
        return column.in_(subquery)
    return column == func.any(func.array(subquery.scalar_subquery()))


def estimated_count(query) -> int:
    """The planner's row estimate for `query` (PostgreSQL only): costs a plan, not a scan."""
    db = _db()
    compiled = query.compile(dialect=db.engine.dialect)
    plan = (
        db.session.connection()
        .exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", compiled.params)
        .scalar_one()
    )
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


# Errors.


def is_unique_violation(error: IntegrityError, constraint_name: str) -> bool:
    """Whether the unique constraint (or unique index) `constraint_name` refused the row.

    PostgreSQL names the constraint. SQLite names only the columns ("UNIQUE constraint
    failed: t.a, t.b"), so they are compared with the named constraint's own columns.
    """
    diag = getattr(error.orig, "diag", None)
    if diag is not None:
        return diag.constraint_name == constraint_name
    if getattr(error.orig, "sqlite_errorname", "") not in (
        "SQLITE_CONSTRAINT_UNIQUE",
        "SQLITE_CONSTRAINT_PRIMARYKEY",
    ):
        return False
    columns = _unique_columns(constraint_name)
    failed = str(error.orig).partition("constraint failed: ")[2]
    return columns is not None and [c.strip() for c in failed.split(",")] == columns


def _unique_columns(constraint_name: str) -> list[str] | None:
    """`table.column` names of a unique constraint or index declared in the models."""
    for table in _db().metadata.tables.values():
        candidates = [*table.constraints, *table.indexes]
        for item in candidates:
            if item.name == constraint_name and getattr(item, "unique", True):
                return [f"{table.name}.{column.name}" for column in item.columns]
    return None


# PostgreSQL's SQLSTATEs (or their classes) that mean "not now" rather than "not this":
# 08 connection exception, 57P01-57P03 shutting down / starting up, 53300 too many connections.
_UNAVAILABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03", "53300")
# SQLite: the file cannot be opened, or stayed locked past the busy timeout.
_UNAVAILABLE_SQLITE_CODES = (sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_BUSY)


def is_unavailable(error: DBAPIError) -> bool:
    """Whether `error` says the database cannot be reached or used now, so that the same
    request may succeed later; not a statement it refused (a constraint, a timeout, a bug)."""
    if error.connection_invalidated:
        return True  # the connection broke under a statement
    original = error.orig
    if isinstance(original, sqlite3.Error):
        code = getattr(original, "sqlite_errorcode", None)
        return code is not None and (code & 0xFF) in _UNAVAILABLE_SQLITE_CODES
    if not isinstance(error, OperationalError | InterfaceError):
        return False
    # psycopg gives no SQLSTATE when it never reached a server (refused, unknown host) or
    # the server turned the connection away (no such database or role, a bad password).
    sqlstate = getattr(original, "sqlstate", None)
    return sqlstate is None or sqlstate.startswith(_UNAVAILABLE_SQLSTATES)
