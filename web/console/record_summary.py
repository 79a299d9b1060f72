"""The record's summary header [5]: what an attendant reads in one glance on every record page.

Each plan and its status, open debts (how many, how much, the oldest overdue due date), the
logins online now and the equipment lent: each part only for the roles that may read its area
(web/permissions.py: a technician sees no receivables, finance no RADIUS sessions). It runs on
every record page: a handful of small indexed queries, through the same model functions the API
uses (no rule written twice).
"""

from sqlalchemy import case, func

from models.billing.receivables import OWED, Receivable, balance_column
from models.clock import local_today
from models.db import db
from models.service.equipment_lending import HELD, customer_equipment
from models.service.items import live_logins
from models.service.radius import open_sessions
from models.service.subscriptions import ACTIVE, CANCELLED, SUSPENDED, Subscription
from web.console.blueprint import is_fragment_request
from web.permissions import READ
from web.security import may

STATUS_LABELS = {ACTIVE: "Ativo", SUSPENDED: "Suspenso", CANCELLED: "Cancelado"}
STATUS_CLASSES = {ACTIVE: "ativo", SUSPENDED: "suspenso", CANCELLED: "cancelado"}  # console.css
EQUIPMENT_SHOWN = 10  # the header lists this many items; the count is always whole
# In force first (active, suspended), then cancelled; newest first within each.
_ORDER = {ACTIVE: 0, SUSPENDED: 1, CANCELLED: 2}


def _plans(customer_code: int) -> list[dict]:
    query = db.select(Subscription).where(Subscription.customer_code == customer_code)
    subscriptions = sorted(
        db.session.scalars(query), key=lambda sub: (_ORDER.get(sub.status, 3), -sub.id)
    )
    return [
        {
            "id": sub.id,
            "plan": sub.plan.name,
            "status": sub.status,
            "status_label": STATUS_LABELS.get(sub.status, sub.status),
            "status_class": STATUS_CLASSES.get(sub.status, ""),
            "reason": sub.suspension_reason if sub.status == SUSPENDED else None,
        }
        for sub in subscriptions
    ]


def _debts(customer_code: int) -> dict:
    """Owed receivables (open or partially paid): count, what is still owed, oldest overdue."""
    today = local_today()
    overdue = Receivable.due_date < today
    count, total, overdue_count, oldest = db.session.execute(
        db.select(
            func.count(),
            func.coalesce(func.sum(balance_column()), 0),
            func.count(case((overdue, 1))),
            func.min(case((overdue, Receivable.due_date))),
        ).where(Receivable.customer_code == customer_code, Receivable.status.in_(OWED))
    ).one()
    return {
        "count": count,
        "total": total,
        "overdue_count": overdue_count,
        "oldest_overdue": oldest,
    }


def _online(subscription_ids: list[int]) -> list[dict]:
    """The customer's logins with a session open now, one entry per login (its oldest session)."""
    logins = live_logins(subscription_ids) if subscription_ids else []
    sessions = open_sessions([login.username for login in logins])
    online: dict[str, dict] = {}
    for session in sorted(sessions, key=lambda s: (s.acctstarttime is None, s.acctstarttime or 0)):
        online.setdefault(
            session.username,
            {
                "username": session.username,
                "since": session.acctstarttime,
                "ip": session.framedipaddress,
            },
        )
    return sorted(online.values(), key=lambda login: login["username"])


def _equipment(customer_code: int) -> dict:
    assignments, count = customer_equipment(customer_code, None, HELD, 1, EQUIPMENT_SHOWN)
    items = [
        {
            "type": lent.equipment.type,
            "model": lent.equipment.model,
            "patrimony_number": lent.equipment.patrimony_number,
        }
        for lent in assignments
    ]
    return {"count": count, "lent": items}


def record_summary(customer_code: int, swapped: bool = False) -> dict:
    """The header's parts this user's role may read; a part left out is not shown at all.

    An htmx request for a tab gets the tab alone (no header): nothing is computed for it, unless
    the tab swaps the header in too (`swapped`: Financeiro after a payment or a cancel).
    """
    if is_fragment_request() and not swapped:
        return {}
    summary: dict = {}
    plans = _plans(customer_code) if may("subscriptions", READ) else None
    if plans is not None:
        summary["plans"] = plans
    if may("receivables", READ):
        summary["debts"] = _debts(customer_code)
    if may("radius", READ):
        if plans is None:
            ids = db.select(Subscription.id).where(Subscription.customer_code == customer_code)
            ids = list(db.session.scalars(ids))
        else:
            ids = [plan["id"] for plan in plans]
        summary["online"] = _online(ids)
    if may("equipment", READ):
        summary["equipment"] = _equipment(customer_code)
    return summary
