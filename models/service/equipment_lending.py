"""Lending equipment to a customer's subscription [6.5.1-6.5.3] and "Retirar Item".

One assignment row per item lent: which subscription, the responsible and the confirming
staff, who recorded it and when, and when it came back and who took it. Lending is all or
nothing: the items are locked in id order (no deadlock between two lendings), then each must
be in stock. A partial unique index keeps at most one open assignment per item, whatever
the locks. A sale (later) marks the items `sold` and ties them to its record.
"""

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, cast
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.audit import Audited, HistoryEntry, current_actor
from models.backend import partial
from models.clock import utcnow
from models.customers.customers import get_customer
from models.db import UTCDateTime, db, flush_or_conflict, get_row, lock_rows, paginate
from models.errors import Conflict, Invalid, NotFound
from models.service.equipment import IN_STOCK, LENT, Equipment, get_equipment
from models.service.subscriptions import CANCELLED, Subscription, get_subscription
from models.staff.users import User, find_user

_OPEN = partial("returned_at IS NULL")
HELD, RETURNED, ALL = "held", "returned", "all"


class EquipmentAssignment(Audited, db.Model):
    """One item lent to a subscription: by whom, confirmed by whom, and its return."""

    __tablename__ = "equipment_assignments"
    __table_args__ = (
        # An item is with one customer at a time (the row locks make this the rare loser).
        Index("uq_equipment_assignments_open", "equipment_id", unique=True, **_OPEN),
        Index("ix_equipment_assignments_customer_code", "customer_code", "subscription_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    equipment_id: Mapped[int] = mapped_column(ForeignKey("equipment.id"), index=True)
    customer_code: Mapped[int] = mapped_column(ForeignKey("customers.code"))
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"))
    # Usernames: users are never renamed nor deleted (only deactivated).
    responsible_user: Mapped[str] = mapped_column(String(80))
    confirming_user: Mapped[str] = mapped_column(String(80))
    lent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lent_by: Mapped[str] = mapped_column(String(80))
    lent_by_user_id: Mapped[int | None] = mapped_column(Integer)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    returned_by: Mapped[str | None] = mapped_column(String(80))
    returned_by_user_id: Mapped[int | None] = mapped_column(Integer)

    equipment: Mapped[Equipment] = relationship(lazy="joined", innerjoin=True)

    def audit_customer_code(self) -> int:
        return self.customer_code


def _subscription_of(customer_code: int, subscription_id: int) -> Subscription:
    subscription = db.session.get(Subscription, subscription_id)
    if subscription is None or subscription.customer_code != customer_code:
        raise Invalid.field("subscription_id", "Not a subscription of this customer.")
    return get_subscription(subscription_id, for_update=True)


def _staff(username: str, field: str) -> User:
    user = find_user(username)
    if user is None or not user.active:
        raise Invalid.field(field, f"No active staff user {username!r}.")
    return user


def _locked_items(ids: list[int]) -> list[Equipment]:
    """The items, locked in id order so two lendings never wait on each other in a cycle."""
    ids = sorted(set(ids))
    lock_rows(Equipment, ids)
    query = (
        db.select(Equipment)
        .where(Equipment.id.in_(ids))
        .order_by(Equipment.id)
        .with_for_update(of=Equipment)
        .execution_options(populate_existing=True)
    )
    found = list(db.session.scalars(query))
    missing = sorted(set(ids) - {item.id for item in found})
    if missing:
        listed = ", ".join(str(i) for i in missing)
        raise Invalid.field("items", f"No equipment with id {listed}.")
    return found


def _check_in_stock(items: list[Equipment]) -> None:
    unavailable = [item for item in items if item.status != IN_STOCK]
    if unavailable:
        listed = ", ".join(
            f"{item.id} (nº {item.patrimony_number}, {item.status})" for item in unavailable
        )
        raise Conflict(f"Not in stock: {listed}.", {"items": [f"Not in stock: {listed}."]})


def lend_equipment(customer_code: int, data: dict, status: str = LENT) -> list[EquipmentAssignment]:
    """Lend in-stock items to a subscription of the customer, all of them or none.

    `status` SOLD hands them over sold (models/billing/equipment_sales.py records the sale).
    """
    get_customer(customer_code)
    subscription = _subscription_of(customer_code, data["subscription_id"])
    responsible = _staff(data["responsible_user"], "responsible_user")
    confirming = _staff(data["confirming_user"], "confirming_user")
    if confirming.id == responsible.id:
        raise Invalid.field("confirming_user", "Someone other than the responsible user.")
    items = _locked_items(data["items"])
    if subscription.status == CANCELLED:
        raise Conflict(f"Subscription {subscription.id} is cancelled: it takes no equipment.")
    _check_in_stock(items)
    actor = current_actor(db.session)
    assignments = []
    for item in items:
        item.status, item.customer_code, item.subscription_id = (
            status,
            customer_code,
            subscription.id,
        )
        assignment = EquipmentAssignment(
            equipment=item,
            customer_code=customer_code,
            subscription_id=subscription.id,
            responsible_user=responsible.username,
            confirming_user=confirming.username,
            lent_by=actor.username,
            lent_by_user_id=actor.user_id,
        )
        db.session.add(assignment)
        assignments.append(assignment)
    taken = Conflict("An item was lent meanwhile.", {"items": ["Not in stock."]})
    flush_or_conflict("uq_equipment_assignments_open", taken)
    return assignments


def return_equipment(customer_code: int, assignment_id: int) -> EquipmentAssignment:
    """Give a lent item back to stock ("Retirar Item"): now, taken by the current user."""
    assignment = get_row(EquipmentAssignment, assignment_id, "Equipment assignment", True)
    if assignment.customer_code != customer_code:
        raise NotFound(f"Equipment assignment {assignment_id} not found.")
    if assignment.returned_at is not None:
        raise Conflict(f"Equipment assignment {assignment_id} was already returned.")
    item = get_equipment(assignment.equipment_id, for_update=True)
    if item.status != LENT:
        raise Conflict(f"Equipment {item.patrimony_number} is {item.status}, not lent.")
    actor = current_actor(db.session)
    assignment.returned_at, assignment.returned_by = utcnow(), actor.username
    assignment.returned_by_user_id = actor.user_id
    item.status, item.customer_code, item.subscription_id = IN_STOCK, None, None
    db.session.flush()
    return assignment


def customer_equipment(
    customer_code: int, subscription_id: int | None, state: str, page: int, per_page: int
) -> tuple[list[EquipmentAssignment], int]:
    """What the customer holds (or held), per subscription, newest lending first."""
    get_customer(customer_code)
    query = db.select(EquipmentAssignment).where(EquipmentAssignment.customer_code == customer_code)
    if subscription_id is not None:
        query = query.where(EquipmentAssignment.subscription_id == subscription_id)
    if state == HELD:
        query = query.where(EquipmentAssignment.returned_at.is_(None))
    elif state == RETURNED:
        query = query.where(EquipmentAssignment.returned_at.is_not(None))
    order = (EquipmentAssignment.lent_at.desc(), EquipmentAssignment.id.desc())
    return paginate(query.order_by(*order), page, per_page)


def equipment_history(
    equipment_id: int, entities: Collection[str], page: int, per_page: int
) -> tuple[list, int]:
    """Every change to the item and to its lendings, of those `entities` (the reader's), newest
    first."""
    get_equipment(equipment_id)
    lendings = db.select(cast(EquipmentAssignment.id, String)).where(
        EquipmentAssignment.equipment_id == equipment_id
    )
    mine = (HistoryEntry.entity == Equipment.__tablename__) & (
        HistoryEntry.entity_id == str(equipment_id)
    )
    its_lendings = (HistoryEntry.entity == EquipmentAssignment.__tablename__) & (
        HistoryEntry.entity_id.in_(lendings.scalar_subquery())
    )
    query = db.select(HistoryEntry).where(mine | its_lendings, HistoryEntry.entity.in_(entities))
    return paginate(query.order_by(HistoryEntry.at.desc(), HistoryEntry.id.desc()), page, per_page)
