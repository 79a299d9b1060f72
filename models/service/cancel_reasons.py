"""Why subscriptions are cancelled: a list admins keep, seeded with the usual reasons [6.4.1]."""

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from models.audit import Audited
from models.db import db, flush_or_conflict, get_row, insert_or_ignore
from models.errors import Conflict, Invalid

SEEDED = (
    "Inadimplência",
    "Mudança de endereço",
    "Mudou para outro provedor",
    "Insatisfação com o serviço",
    "Problemas técnicos",
    "Dificuldades financeiras",
    "Falecimento do titular",
    "Outros",
)


class CancelReason(Audited, db.Model):
    """One reason staff may give for a cancellation; withdrawn ones stay for old records."""

    __tablename__ = "cancel_reasons"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


def seed_reasons() -> int:
    """Add the usual reasons that are missing (the migration adds them to a new database)."""
    rows = [{"name": name, "active": True} for name in SEEDED]
    return insert_or_ignore(CancelReason.__table__, rows, ("name",))


def list_reasons(active: bool | None) -> list[CancelReason]:
    query = db.select(CancelReason).order_by(CancelReason.name)
    if active is not None:
        query = query.where(CancelReason.active == active)
    return list(db.session.scalars(query))


def _save(reason: CancelReason) -> CancelReason:
    db.session.add(reason)
    taken = Conflict(f"{reason.name!r} is already a reason.", {"name": ["Already taken."]})
    flush_or_conflict("uq_cancel_reasons_name", taken)
    return reason


def create_reason(data: dict) -> CancelReason:
    return _save(CancelReason(**{"active": True, **data}))


def update_reason(reason_id: int, changes: dict) -> CancelReason:
    reason = get_row(CancelReason, reason_id, "Cancel reason", for_update=True)
    for key, value in changes.items():
        setattr(reason, key, value)
    return _save(reason)


def usable_reason(name: str | None, field: str = "cancel_reason") -> str:
    """`name` if it is one of the active reasons, else Invalid naming `field`."""
    if name is None:
        raise Invalid.field(field, "Required to cancel: one of GET /api/v1/cancel-reasons.")
    found = db.session.scalar(
        db.select(CancelReason).where(CancelReason.name == name, CancelReason.active.is_(True))
    )
    if found is None:
        raise Invalid.field(field, "Not one of the cancel reasons (GET /api/v1/cancel-reasons).")
    return found.name
