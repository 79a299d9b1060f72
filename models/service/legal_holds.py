"""Legal holds ("guarda judicial", "preservação"): a customer's connection records kept past the
retention period while an authority's order is in force.

A hold names the order (ofício, processo) and why; it is placed and lifted by an admin, both in
the customer's history (the model is audited). While any hold of a customer is in force, the
retention job (models/service/connection_records.py) keeps every radacct row of a username the
customer has had: the logins the customer has now or had (deleted ones too, as the connection
extract counts them: a login is never renamed, a new one replaces it) and the usernames noted on
the hold when it was placed. Logins are matched by name because radacct knows only names; a name
another customer used before, or takes later, is kept too, which errs on the side of the order.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.audit import Audited, current_actor
from models.backend import JSONType
from models.clock import utcnow
from models.customers.customers import get_customer
from models.db import UTCDateTime, db, get_row, paginate
from models.errors import Conflict
from models.service.items import RADIUS_LOGIN, Item


class LegalHold(Audited, db.Model):
    """An order to keep one customer's connection records past the retention period."""

    __tablename__ = "legal_holds"
    __table_args__ = (
        Index("ix_legal_holds_customer_code_lifted_at", "customer_code", "lifted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_code: Mapped[int] = mapped_column(ForeignKey("customers.code"))
    reference: Mapped[str] = mapped_column(String(120))  # the ofício or processo number
    reason: Mapped[str] = mapped_column(Text)
    usernames: Mapped[list] = mapped_column(JSONType, default=list)  # as placed
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    placed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    placed_by: Mapped[str] = mapped_column(String(80))
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_by: Mapped[str | None] = mapped_column(String(80))
    lift_reason: Mapped[str | None] = mapped_column(Text)

    def audit_customer_code(self) -> int:
        return self.customer_code

    @property
    def in_force(self) -> bool:
        return self.lifted_at is None


def customer_usernames(code: int) -> set[str]:
    """Every RADIUS username the customer has had: a login's name never changes (another login
    replaces it), and a deleted login keeps its row and name, so their logins, deleted ones
    included, are all of them."""
    return set(
        db.session.scalars(
            db.select(Item.username).where(
                Item.customer_code == code, Item.kind == RADIUS_LOGIN, Item.username.is_not(None)
            )
        )
    )


def place_hold(code: int, reference: str, reason: str) -> LegalHold:
    """Keep the customer's connection records until the hold is lifted."""
    get_customer(code, for_update=True)
    actor = current_actor(db.session)
    hold = LegalHold(
        customer_code=code,
        reference=reference,
        reason=reason,
        usernames=sorted(customer_usernames(code)),
        placed_at=utcnow(),
        placed_by_id=actor.user_id,
        placed_by=actor.username,
    )
    db.session.add(hold)
    db.session.flush()
    return hold


def get_hold(hold_id: int, for_update: bool = False) -> LegalHold:
    """The hold with `hold_id`, or NotFound."""
    return get_row(LegalHold, hold_id, "Legal hold", for_update)


def lift_hold(hold_id: int, reason: str) -> LegalHold:
    """End a hold (the order was revoked or fulfilled): retention applies again."""
    hold = get_hold(hold_id, for_update=True)
    if hold.lifted_at is not None:
        raise Conflict(f"Legal hold {hold_id} was already lifted.")
    hold.lifted_at = utcnow()
    hold.lifted_by = current_actor(db.session).username
    hold.lift_reason = reason
    db.session.flush()
    return hold


def list_holds(
    customer_code: int | None, in_force: bool | None, page: int, per_page: int
) -> tuple[list[LegalHold], int]:
    """Holds, newest first; of one customer, or only those in force (or lifted)."""
    query = db.select(LegalHold)
    if customer_code is not None:
        get_customer(customer_code)
        query = query.where(LegalHold.customer_code == customer_code)
    if in_force is not None:
        lifted = LegalHold.lifted_at.is_(None) if in_force else LegalHold.lifted_at.is_not(None)
        query = query.where(lifted)
    return paginate(query.order_by(LegalHold.id.desc()), page, per_page)


def held_usernames() -> set[str]:
    """The usernames whose connection records no retention may delete now."""
    held = set()
    holds = db.session.execute(
        db.select(LegalHold.customer_code, LegalHold.usernames).where(LegalHold.lifted_at.is_(None))
    ).all()
    for code in {code for code, _ in holds}:
        held |= customer_usernames(code)
    for _, names in holds:
        held.update(names or ())
    return held
