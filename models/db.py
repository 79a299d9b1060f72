"""The SQLAlchemy handle, column types shared by every model, and what differs per database."""

import sqlite3
from collections.abc import Sequence
from datetime import UTC

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import JSON, DateTime, MetaData, TypeDecorator, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Session

from models.errors import NotFound

# Stable constraint names, so Alembic migrations can drop and alter them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with the naming convention above."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)

# Largest value of an INTEGER key; ids beyond it cannot exist (and would overflow the query).
MAX_INT_ID = 2**31 - 1

JSONType = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator):
    """An instant stored in UTC; always read back timezone-aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


_UNSAVED = "unsaved_writes"


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _context) -> None:
    session.info[_UNSAVED] = True


@event.listens_for(Session, "do_orm_execute")
def _note_write(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_UNSAVED] = True


@event.listens_for(Session, "after_transaction_end")
def _forget_writes(session: Session, transaction) -> None:
    if transaction.parent is None:  # the outermost transaction committed or rolled back
        session.info.pop(_UNSAVED, None)


def has_unsaved_writes(session: Session) -> bool:
    """Whether the session wrote in a transaction that has neither committed nor rolled back.

    A request or task that ends like this loses its writes silently; the app checks it.
    """
    return session.info.get(_UNSAVED, False)


def paginate(query, page: int, per_page: int) -> tuple[list, int]:
    """One page of an ordered select, and the number of rows the whole select has."""
    total = db.session.scalar(
        db.select(db.func.count()).select_from(query.order_by(None).subquery())
    )
    items = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return list(items), total


# What differs per database, in one place: operations call these, never the dialects.


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def dialect_insert(table):
    """The database's own INSERT, which knows ON CONFLICT (PostgreSQL and SQLite alike)."""
    if _dialect() == "postgresql":
        return postgresql_insert(table)
    return sqlite_insert(table)


def insert_or_ignore(table, rows: dict | list[dict], unique_on: Sequence[str]) -> int:
    """Insert rows whose key `unique_on` is new; rows whose key exists are skipped silently.

    For effects that must happen once (DESIGN.md, rule 5): a retried task inserts nothing.
    Returns how many rows were inserted.
    """
    rows = [rows] if isinstance(rows, dict) else rows
    if not rows:
        return 0
    key = [table.c[name] for name in unique_on]
    statement = (
        dialect_insert(table).values(rows).on_conflict_do_nothing(index_elements=key)
    ).returning(*key)  # the drivers' rowcount is not reliable for multi-row inserts
    return len(db.session.execute(statement).all())


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
    for table in db.metadata.tables.values():
        candidates = [*table.constraints, *table.indexes]
        for item in candidates:
            if item.name == constraint_name and getattr(item, "unique", True):
                return [f"{table.name}.{column.name}" for column in item.columns]
    return None


def get_for_update(model, key):
    """The row of `model` with primary key `key`, locked until the transaction ends (or None).

    SQLite has no row locks and ignores FOR UPDATE: `lock_rows` takes its write lock first.
    """
    lock_rows(model, [key])
    # OF the model's table only: a joined-eager relationship (a subscription's plan) would
    # otherwise lock the related row too, and serialise everyone sharing it.
    return db.session.get(model, key, with_for_update={"of": model}, populate_existing=True)


def lock_rows(model, keys: list) -> None:
    """On SQLite, take the database's write lock before reading rows to change.

    SQLite has no row locks: a no-op UPDATE of the rows takes the write lock now, so a parallel
    change waits for our commit before it reads. Columns with an onupdate default (updated_at)
    are set to themselves, or it would fire. PostgreSQL locks rows with the caller's
    SELECT ... FOR UPDATE; this does nothing there.
    """
    if _dialect() == "sqlite" and keys:
        table = model.__table__
        (pk,) = table.primary_key.columns
        unchanged = {c.name: c for c in table.columns if c.primary_key or c.onupdate is not None}
        db.session.execute(db.update(table).where(pk.in_(keys)).values(unchanged))


def get_or_none(model, key: int):
    """The row of `model` whose integer key is `key`, or None (a key beyond INTEGER too)."""
    return db.session.get(model, key) if 0 < key <= MAX_INT_ID else None


def get_row(model, key: int, what: str, for_update: bool = False):
    """The row of `model` whose integer key is `key` (locked when `for_update`), or NotFound.

    A key beyond INTEGER cannot exist, and would overflow the query: it is simply not found.
    """
    row = None
    if 0 < key <= MAX_INT_ID:
        row = get_for_update(model, key) if for_update else db.session.get(model, key)
    if row is None:
        raise NotFound(f"{what} {key} not found.")
    return row


def flush_or_conflict(
    constraint_name: str, conflict: Exception, also: dict[str, Exception] | None = None
) -> None:
    """Flush; a violation of the unique `constraint_name` raises `conflict` instead.

    `also` maps more unique constraints of the row to their own conflicts.

    Callers check first for a helpful message; this catches the parallel writer that got in
    between. The caller rolls back (the web error handler does).
    """
    try:
        db.session.flush()
    except IntegrityError as error:
        for name, raised in {constraint_name: conflict, **(also or {})}.items():
            if is_unique_violation(error, name):
                raise raised from None
        raise


def claim_due(table, due, claimed: dict, limit: int, order_by=None) -> list:
    """Mark up to `limit` rows matching `due` with `claimed` values; return their keys.

    Rows are taken in `order_by` order: a column or a tuple of them (default: the key).

    Only one claimer can win a row: PostgreSQL skips rows another transaction has locked
    (FOR UPDATE SKIP LOCKED), so parallel sweeps share the work; elsewhere the UPDATE re-checks
    `due`, and SQLite runs one writer at a time. `claimed` must make `due` false (e.g. a new
    status), or the next sweep claims the same rows again.
    """
    (pk,) = table.primary_key.columns
    order = order_by if isinstance(order_by, tuple) else (order_by if order_by is not None else pk,)
    candidates = db.select(pk).where(due).order_by(*order)
    candidates = candidates.limit(limit)
    if _dialect() == "postgresql":
        # A materialized CTE runs the locking SELECT once: as a plain IN (subquery) PostgreSQL
        # may run it again per row and claim more than `limit` rows (seen: 2 for a limit of 1).
        picked = candidates.with_for_update(skip_locked=True).cte("picked")
        picked = picked.prefix_with("MATERIALIZED", dialect="postgresql")
        candidates = db.select(picked.c[pk.name])
    statement = (
        db.update(table).where(pk.in_(candidates.scalar_subquery()), due).values(claimed)
    ).returning(pk)
    return list(db.session.scalars(statement))


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
