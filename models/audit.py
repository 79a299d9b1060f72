"""Change history: one mechanism for every audited model, written in the same transaction.

A model opts in by inheriting `Audited`. On every flush the session listener below records who
(the `Actor` put in `session.info`), from where, when, and each changed column with its old and
new value. Routes and tasks never write history by hand.
"""

from collections.abc import Collection
from dataclasses import asdict, dataclass
from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    event,
    insert,
    inspect,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.backend import BigKey
from models.clock import utcnow
from models.db import JSONType, UTCDateTime, db, paginate

REDACTED = "***"


@dataclass(frozen=True)
class Actor:
    """Who is changing data: a staff user through the API, or the system acting for one."""

    username: str
    user_id: int | None = None
    ip: str | None = None
    by_system: bool = False
    request_id: str | None = None


SYSTEM = Actor(username="system", by_system=True)


def set_actor(session: Session, actor: Actor) -> None:
    """Attribute every change flushed by this session from now on to `actor`."""
    session.info["actor"] = actor


def current_actor(session: Session) -> Actor:
    return session.info.get("actor", SYSTEM)


class Audited:
    """Mixin: changes to this model are recorded in the history table."""

    # Columns whose changes are not worth recording (derived or bookkeeping columns).
    __audit_ignore__: frozenset[str] = frozenset({"created_at", "updated_at"})
    # Columns whose change is recorded, but never their values.
    __audit_redact__: frozenset[str] = frozenset()

    def audit_customer_code(self) -> int | None:
        """The customer whose history shows this change, if any."""
        return None

    def audit_field_name(self, key: str) -> str:
        """The name shown in history for a mapped attribute."""
        return key

    def audit_value(self, key: str, value):
        """The value shown in history for a mapped attribute (e.g. a CPF formatted)."""
        return value


class HistoryEntry(db.Model):
    """One change to one audited row: who, from where, when, and what (field by field)."""

    __tablename__ = "history"
    __table_args__ = (
        Index("ix_history_customer_code_at", "customer_code", "at"),
        # One row's history, or one table's, for rows of no customer (fiscal settings, plans).
        Index("ix_history_entity_entity_id_at", "entity", "entity_id", "at"),
    )

    id: Mapped[int] = mapped_column(BigKey, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    username: Mapped[str] = mapped_column(String(80))
    ip: Mapped[str | None] = mapped_column(String(45))
    by_system: Mapped[bool] = mapped_column(Boolean, default=False)
    request_id: Mapped[str | None] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(10))
    changes: Mapped[list] = mapped_column(JSONType)
    customer_code: Mapped[int | None] = mapped_column(Integer)


def _plain(value):
    """A JSON-friendly copy of a column value."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _changes(obj: Audited, creating: bool) -> list[dict]:
    state = inspect(obj)
    changes = []
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in obj.__audit_ignore__:
            continue
        history = state.attrs[key].history
        if creating:
            old, new = None, getattr(obj, key)
        elif history.has_changes():
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
        else:
            continue
        if old == new:
            continue
        if key in obj.__audit_redact__:
            old = REDACTED if old is not None else None
            new = REDACTED if new is not None else None
        else:
            old, new = obj.audit_value(key, old), obj.audit_value(key, new)
        changes.append({"field": obj.audit_field_name(key), "old": _plain(old), "new": _plain(new)})
    return changes


def _entry(obj: Audited, action: str, changes: list[dict], actor: Actor) -> dict:
    mapper = inspect(obj).mapper
    entity_id = ",".join(str(part) for part in mapper.primary_key_from_instance(obj))
    return {
        **asdict(actor),
        "at": utcnow(),
        "entity": mapper.local_table.name,
        "entity_id": entity_id,
        "action": action,
        "changes": changes,
        "customer_code": obj.audit_customer_code(),
    }


@event.listens_for(Session, "after_flush")
def _record_history(session: Session, _flush_context) -> None:
    """Write one history row per created, changed or deleted audited object in this flush."""
    actor = current_actor(session)
    rows = []
    for obj in session.new:
        if isinstance(obj, Audited):
            rows.append(_entry(obj, "create", _changes(obj, creating=True), actor))
    for obj in session.dirty:
        if isinstance(obj, Audited) and (changes := _changes(obj, creating=False)):
            rows.append(_entry(obj, "update", changes, actor))
    for obj in session.deleted:
        if isinstance(obj, Audited):
            rows.append(_entry(obj, "delete", [], actor))
    if rows:
        session.connection().execute(insert(HistoryEntry.__table__), rows)


def history_for_customer(
    code: int, entities: Collection[str], page: int, per_page: int
) -> tuple[list[HistoryEntry], int]:
    """A customer's history of those `entities` (the reader's), newest first, one page of it
    and the total; filtered in SQL, so pages and total agree."""
    query = (
        db.select(HistoryEntry)
        .where(HistoryEntry.customer_code == code, HistoryEntry.entity.in_(entities))
        .order_by(HistoryEntry.at.desc(), HistoryEntry.id.desc())
    )
    return paginate(query, page, per_page)


def entity_history(
    entity: str, entity_id: str | None, entities: Collection[str], page: int, per_page: int
) -> tuple[list[HistoryEntry], int]:
    """The changes to one table's rows (one row's, with `entity_id`), newest first, if the
    reader may read that table's history (`entities`); for rows of no customer's record."""
    query = db.select(HistoryEntry).where(
        HistoryEntry.entity == entity, HistoryEntry.entity.in_(entities)
    )
    if entity_id is not None:
        query = query.where(HistoryEntry.entity_id == entity_id)
    return paginate(query.order_by(HistoryEntry.at.desc(), HistoryEntry.id.desc()), page, per_page)
