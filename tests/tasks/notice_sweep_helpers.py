"""Helpers for the notice sweep tests: customers' options, payments, what the server got."""

from datetime import date
from decimal import Decimal

from models.audit import set_actor
from models.billing.receivables import settle
from models.customers.consents import record_consents
from models.customers.customer_options import CustomerOptions
from models.db import db
from models.notices.notices import Notice
from tasks.notices import sweep_notices
from tests.builders import BUILDER


def set_option(app, code: int, **flags) -> None:
    """Switch the customer's option flags (as staff would, recorded in history)."""
    with app.app_context():
        set_actor(db.session, BUILDER)
        options = db.session.get(CustomerOptions, code)
        for flag, value in flags.items():
            setattr(options, flag, value)
        db.session.commit()


def withdraw_email_consent(app, code: int) -> None:
    with app.app_context():
        set_actor(db.session, BUILDER)
        record_consents(code, {"email": {"given": False, "how": "phone"}})
        db.session.commit()


def pay(app, receivable_id: int, paid_on: date) -> None:
    with app.app_context():
        set_actor(db.session, BUILDER)
        settle(receivable_id, paid_on, Decimal("99.90"))
        db.session.commit()


def sweep(app, day: date) -> dict:
    """Run the daily sweep here as of `day`; the suite's worker sends what it claimed."""
    with app.app_context():
        return sweep_notices.apply(args=[day.isoformat()]).get()


def notices(app, kind: str | None = None) -> list[tuple[int, str, int, str]]:
    """(receivable_id, kind, stage, status) of every notice, in id order."""
    with app.app_context():
        query = db.select(Notice.receivable_id, Notice.kind, Notice.stage, Notice.status)
        if kind:
            query = query.where(Notice.kind == kind)
        return [tuple(row) for row in db.session.execute(query.order_by(Notice.id))]


def message_keys(server) -> list[str]:
    """The notices the server received, by Message-ID (kind.receivable.stage)."""
    return sorted(m["Message-ID"].split("@")[0].removeprefix("<notice.") for m in server.messages)
