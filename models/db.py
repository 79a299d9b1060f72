"""The SQLAlchemy handle, column types shared by every model, and generic row helpers.

What differs per database lives behind models/backend.py; the helpers models use most are
re-exported here (claim_due, lock_rows, upsert ...), so models import them from one place.
"""

from collections.abc import Sequence
from datetime import UTC

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData, TypeDecorator, event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Session

from models.backend import (
    JSONType,
    claim_due,
    is_unavailable,
    is_unique_violation,
    lock_rows,
    upsert,
)
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


class UTCDateTime(TypeDecorator):
    """An instant stored in UTC; always read back timezone-aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, _):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value, _):
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


def insert_or_ignore(table, rows: dict | list[dict], unique_on: Sequence[str]) -> int:
    """Insert rows whose key `unique_on` is new; rows whose key exists are skipped silently.

    For effects that must happen once (DESIGN.md, rule 5): a retried task inserts nothing.
    Returns how many rows were inserted.
    """
    rows = [rows] if isinstance(rows, dict) else rows
    if not rows:
        return 0
    key = [table.c[name] for name in unique_on]
    statement = (upsert(table).values(rows).on_conflict_do_nothing(index_elements=key)).returning(
        *key
    )  # the drivers' rowcount is not reliable for multi-row inserts
    return len(db.session.execute(statement).all())


def get_for_update(model, key):
    """The row of `model` with primary key `key`, locked until the transaction ends (or None).

    SQLite has no row locks and ignores FOR UPDATE: `lock_rows` takes its write lock first.
    """
    lock_rows(model, [key])
    # OF the model's table only: a joined-eager relationship (a subscription's plan) would
    # otherwise lock the related row too, and serialise everyone sharing it.
    return db.session.get(model, key, with_for_update={"of": model}, populate_existing=True)


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


# Re-exported from the seam (models/backend.py) for the models that use them.
__all__ = [
    "JSONType",
    "claim_due",
    "is_unavailable",
    "is_unique_violation",
    "lock_rows",
    "upsert",
]
