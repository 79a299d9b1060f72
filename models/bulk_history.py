"""History for rows inserted or updated around the ORM (set-based sweeps), as the audit
listener writes it.

The audit listener (models/audit.py) sees ORM objects only, too slow for thousands of rows a
sweep inserts or changes in one statement; these entries carry the same fields, so the
customer's history shows the rows all the same.
"""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import String, bindparam, cast, insert, literal, select

from models.audit import HistoryEntry, current_actor
from models.backend import JSONType, among
from models.clock import utcnow
from models.db import db


def _plain(value):
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value) if isinstance(value, Decimal) else value


def record_created(model, ids: list[int]) -> None:
    """One "create" entry per row of `model` with a key in `ids` (its customer_code's history)."""
    if not ids:
        return
    table = model.__table__
    shown = [column for column in table.columns if column.name not in model.__audit_ignore__]
    actor = current_actor(db.session)
    who = {"username": actor.username, "user_id": actor.user_id, "ip": actor.ip}
    who |= {"by_system": actor.by_system, "request_id": actor.request_id, "at": utcnow()}
    entries = [
        who
        | {"entity": table.name, "entity_id": str(row["id"]), "action": "create"}
        | {"customer_code": row["customer_code"], "changes": _changes(row)}
        for row in db.session.execute(select(*shown).where(table.c.id.in_(ids))).mappings()
    ]
    db.session.execute(insert(HistoryEntry.__table__), entries)


def _changes(row) -> list[dict]:
    return [{"field": k, "old": None, "new": _plain(v)} for k, v in row.items() if v is not None]


def record_updated(model, ids: list[int], changes: dict[str, tuple]) -> None:
    """One "update" entry per row of `model` with a key in `ids`, all with the same `changes`
    (field -> (old, new)), in one INSERT ... SELECT: the history of a set-based UPDATE that
    set those fields alike on every row (the rows' customer_code says whose history)."""
    if not ids:
        return
    table = model.__table__
    actor = current_actor(db.session)
    fields = [
        {"field": k, "old": _plain(old), "new": _plain(new)} for k, (old, new) in changes.items()
    ]
    entries = select(
        bindparam("at", utcnow(), type_=HistoryEntry.__table__.c.at.type),
        literal(actor.user_id, HistoryEntry.__table__.c.user_id.type),
        literal(actor.username),
        literal(actor.ip, String),
        literal(actor.by_system),
        literal(actor.request_id, String),
        literal(table.name),
        cast(table.c.id, String),
        literal("update"),
        literal(fields, JSONType),
        table.c.customer_code,
    ).where(among(table.c.id, ids))
    columns = ["at", "user_id", "username", "ip", "by_system", "request_id", "entity", "entity_id",
               "action", "changes", "customer_code"]  # fmt: skip
    db.session.execute(insert(HistoryEntry.__table__).from_select(columns, entries))
