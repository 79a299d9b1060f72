"""The plan catalog ("Planos", manual [6]): what an ISP sells, and the RADIUS group behind it."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from models.audit import Audited
from models.clock import utcnow
from models.db import UTCDateTime, db, flush_or_conflict, get_row, paginate
from models.errors import Conflict, Invalid
from models.service import radius
from models.service.access_attributes import OFFER_CODE_MAX_LENGTH

KINDS = ("internet", "email", "hosting", "voip")
# FreeRADIUS's rlm_sql schema keeps group names in VARCHAR(64).
RADIUS_GROUP_MAX_LENGTH = 64


class Plan(Audited, db.Model):
    """A plan customers subscribe to; internet plans carry their speeds to RADIUS by group."""

    __tablename__ = "plans"
    __table_args__ = (
        CheckConstraint(f"kind IN {KINDS!r}", name="kind_known"),
        CheckConstraint("price >= 0", name="price_not_negative"),
        # One plan per group: renaming a plan's group moves exactly that plan's logins.
        Index("uq_plans_radius_group", "radius_group", unique=True),
        Index("uq_plans_offer_code", "offer_code", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    download_kbps: Mapped[int | None] = mapped_column(Integer)
    upload_kbps: Mapped[int | None] = mapped_column(Integer)
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    radius_group: Mapped[str | None] = mapped_column(String(RADIUS_GROUP_MAX_LENGTH))
    # Anatel's access report (models/service/access_attributes.py) and the consumer rules'
    # offer code, printed on boletos and invoices; unique when given.
    access_medium: Mapped[str | None] = mapped_column(String(16))
    technology: Mapped[str | None] = mapped_column(String(16))
    product: Mapped[str | None] = mapped_column(String(16))
    offer_code: Mapped[str | None] = mapped_column(String(OFFER_CODE_MAX_LENGTH))
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


def get_plan(plan_id: int, for_update: bool = False) -> Plan:
    """The plan with `plan_id`, or NotFound."""
    return get_row(Plan, plan_id, "Plan", for_update)


def _save(plan: Plan) -> Plan:
    """Add and flush; a name another plan has is a conflict."""
    if plan.radius_group == radius.policy().suspended_group:
        raise Invalid.field("radius_group", "Is the group of suspended logins.")
    if (plan.radius_group or "").startswith(radius.REDUCED_GROUP_PREFIX):
        prefix = radius.REDUCED_GROUP_PREFIX
        raise Invalid.field("radius_group", f"{prefix}* names the groups of reduced speeds.")
    db.session.add(plan)
    taken = Conflict(f"Another plan is named {plan.name!r}.", {"name": ["Already taken."]})
    group = f"Another plan uses RADIUS group {plan.radius_group!r}."
    group_taken = Conflict(group, {"radius_group": ["Already taken."]})
    offer = f"Another plan has offer code {plan.offer_code!r}."
    offer_taken = Conflict(offer, {"offer_code": ["Already taken."]})
    flush_or_conflict(
        "uq_plans_name",
        taken,
        {"uq_plans_radius_group": group_taken, "uq_plans_offer_code": offer_taken},
    )
    return plan


def create_plan(data: dict) -> Plan:
    """Add a plan to the catalog from validated input (schemas.service.plans.PlanInput).

    An internet plan without a RADIUS group gets its own, `plano-<id>`.
    """
    plan = _save(Plan(**{"active": True, **data}))
    if plan.kind == "internet" and plan.radius_group is None:
        plan.radius_group = f"plano-{plan.id}"
        db.session.flush()
    _write_group(plan, previous_group=None)
    return plan


def _write_group(plan: Plan, previous_group: str | None) -> None:
    """Keep the plan's RADIUS group (its rate limit) and its logins' membership up to date."""
    if plan.radius_group is None:
        return
    radius.write_plan_group(plan.radius_group, plan.upload_kbps, plan.download_kbps)
    if previous_group not in (None, plan.radius_group):
        radius.rename_group(previous_group, plan.radius_group)


def update_plan(plan_id: int, changes: dict) -> Plan:
    """Change some of a plan's fields (subscriptions keep the price they were sold at)."""
    plan = get_plan(plan_id, for_update=True)
    previous_group = plan.radius_group
    for key, value in changes.items():
        setattr(plan, key, value)
    _save(plan)
    _write_group(plan, previous_group)
    return plan


def list_plans(
    kind: str | None, active: bool | None, page: int, per_page: int
) -> tuple[list[Plan], int]:
    """Plans by name, optionally of one kind or activity."""
    query = db.select(Plan).order_by(Plan.name, Plan.id)
    if kind is not None:
        query = query.where(Plan.kind == kind)
    if active is not None:
        query = query.where(Plan.active == active)
    return paginate(query, page, per_page)
