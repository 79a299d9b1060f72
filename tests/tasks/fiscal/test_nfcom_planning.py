"""Which bills beat's sweep invoices: telecom plans' bills issued from the settings' first day,
none twice, none of a cancelled bill, and a mark so that it never reads old receivables again
(without skipping one whose transaction was still open when it passed)."""

from datetime import timedelta

import time_machine

from models.clock import utcnow
from models.db import db
from models.fiscal import issuing
from models.fiscal.fiscal_settings import fiscal_settings
from tasks.chunks import commit_in_chunks
from tests.builders import build_plan, build_receivable, build_subscription
from tests.fiscal_service import connect, invoice_row, telecom_bill, telecom_plan


def _plan(app, now) -> int:
    """The sweep's planning step, as tasks.fiscal.sweep runs it; the invoices made."""
    with app.app_context():
        start = issuing.planning_start()
        made = commit_in_chunks(lambda after: issuing.plan_invoices(after, 2, now), start)
        issuing.advance_planning(start, now)
        db.session.commit()
        return made


def _mark(app) -> int:
    with app.app_context():
        return fiscal_settings().planned_through


def test_only_telecom_bills_from_the_first_day_are_planned_once_each(app, svrs, override_settings):
    connect(app, svrs, override_settings)
    plan_id = telecom_plan(app)
    telecom = [telecom_bill(app, plan_id) for _ in range(3)]
    hosting = build_receivable(
        app, subscription_id=build_subscription(app, plan_id=build_plan(app, kind="hosting"))
    )
    manual = build_receivable(app)  # no subscription: typed in by hand
    assert _plan(app, utcnow()) == 3
    assert _plan(app, utcnow()) == 0  # again: nothing more
    assert all(invoice_row(app, r).status == "pending" for r in telecom)
    assert invoice_row(app, hosting) is None and invoice_row(app, manual) is None


def test_the_mark_moves_past_settled_receivables_only_and_not_while_issuing_is_off(
    app, svrs, override_settings
):
    connect(app, svrs, override_settings, active=False)
    plan_id = telecom_plan(app)
    first = telecom_bill(app, plan_id)
    later = utcnow() + timedelta(minutes=11)
    assert _plan(app, later) == 0 and _mark(app) == 0  # off: nothing planned, nothing passed

    connect(app, svrs, override_settings)
    assert _plan(app, utcnow()) == 1 and _mark(app) == 0  # too recent to be passed for good
    with time_machine.travel(later, tick=False):
        second = telecom_bill(app, plan_id)
        assert _plan(app, later) == 1 and _mark(app) == first
    assert invoice_row(app, second).status == "pending"


def test_an_a1_no_configured_key_opens_leaves_the_invoice_incomplete_with_the_reason(
    app, svrs, override_settings
):
    from cryptography.fernet import Fernet

    from models.customers.settings import CustomerSettings

    connect(app, svrs, override_settings)
    receivable_id = telecom_bill(app, telecom_plan(app))
    _plan(app, utcnow())
    # The key the A1 was stored under dropped without `payment-methods rotate-keys`.
    override_settings(CustomerSettings, card_keys=(Fernet.generate_key().decode(),))
    with app.app_context():
        issuing.sign_pending([invoice_row(app, receivable_id).id], utcnow())
        db.session.commit()
    invoice = invoice_row(app, receivable_id)
    assert invoice.status == "incomplete" and invoice.number is None
    assert "CARD_ENCRYPTION_KEYS" in invoice.reason
