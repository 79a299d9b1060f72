"""Automatic suspension for non-payment: who the sweep suspends, exactly once, and lifting it.

The sweep runs in this process (the task called directly) so a test can give it a date; the
lifting on payment runs on a real Celery worker, sent after the payment's commit.
"""

import threading
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import text

from models.billing.auto_suspension import SUSPENSION, overdue_boundary
from models.billing.receivables import settle
from models.billing.settings import BillingPolicy
from models.clock import local_today, zone
from models.db import db
from models.notices import notices
from models.settings import current
from tasks.billing import lift_if_paid, sweep_auto_suspension
from tests.builders import build_customer, build_login, build_receivable, build_subscription
from tests.outbox import recorded_effects
from tests.waiting import wait_until
from tests.web.api_helpers import API
from tests.web.customers.test_customer_options import all_options

# Also run at the calendar's edges (conftest). These tests are of the suspension stage alone.
pytestmark = [pytest.mark.calendar, pytest.mark.usefixtures("suspension_stage_alone")]


def _swept(suspended=0, enabled=0) -> dict:
    return {
        "enabled": enabled,
        "restored": 0,
        "reduced": 0,
        "suspended": suspended,
        "terminated": 0,
    }


def _today(app) -> date:
    with app.app_context():
        return local_today()


def _days(app) -> int:
    with app.app_context():
        return current(BillingPolicy).auto_suspend_after_days


def announce(app, code: int, receivable_id: int, on: date, kind: str = SUSPENSION) -> None:
    """The notice announcing a ladder stage (the suspension by default), claimed and sent (by
    its operations) on `on`."""
    moment = datetime.combine(on, time(9), tzinfo=zone())
    with time_machine.travel(moment, tick=False), app.app_context():
        notice = notices.claim_notice(receivable_id, kind, 0, code)
        db.session.commit()
        notices.start_sending({notice.id: "devedor@example.com"}, "batch")
        db.session.commit()
        assert notices.mark_sent(notice.id, "batch") is not None
        db.session.commit()


def debtor(
    app, client, admin, auto_suspend=True, late_by=30, logins=(), today=None, announced=True
):
    """A customer with `auto_suspend` as given, a subscription (with RADIUS logins) and a bill
    due `late_by` days before `today` (its suspension notice sent the day after it was due
    unless not `announced`); returns (code, subscription id, receivable id)."""
    code = build_customer(app)
    response = client.put(
        f"{API}/customers/{code}/options",
        json=all_options(auto_suspend=auto_suspend),
        headers=admin,
    )
    assert response.status_code == 200, response.get_json()
    subscription_id = build_subscription(app, customer_code=code)
    for username in logins:
        build_login(app, subscription_id, username)
    due = (today or _today(app)) - timedelta(days=late_by)
    receivable_id = build_receivable(app, customer_code=code, due_date=due)
    if announced:
        announce(app, code, receivable_id, due + timedelta(days=1))
    return code, subscription_id, receivable_id


def sweep(app, run_on: date | None = None, **kwargs) -> dict:
    return sweep_auto_suspension((run_on or _today(app)).isoformat(), **kwargs)


def subscription(client, admin, subscription_id) -> dict:
    return client.get(f"{API}/subscriptions/{subscription_id}", headers=admin).get_json()


def group_of(app, username):
    with app.app_context():
        return db.session.scalar(
            text("SELECT groupname FROM radusergroup WHERE username = :u"), {"u": username}
        )


def status_changes(client, admin, code, subscription_id) -> list[dict]:
    """The history entries that changed the subscription's status, oldest first."""
    history = client.get(f"{API}/customers/{code}/history?per_page=200", headers=admin).json
    return [
        entry
        for entry in reversed(history["items"])
        if entry["entity"] == "subscriptions"
        and entry["entity_id"] == str(subscription_id)
        and entry["action"] == "update"
        and any(change["field"] == "status" for change in entry["changes"])
    ]


def test_an_overdue_customer_is_suspended_for_non_payment_and_radius_follows(app, client, admin):
    code, subscription_id, _ = debtor(app, client, admin, logins=("devedor",))
    plan_group = group_of(app, "devedor")

    assert sweep(app) == _swept(suspended=1, enabled=0)
    found = subscription(client, admin, subscription_id)
    assert found["status"] == "suspended"
    assert found["suspended_for"] == "non_payment"
    assert found["suspension_reason"] == "inadimplência"
    assert group_of(app, "devedor") == "suspenso" != plan_group
    (change,) = status_changes(client, admin, code, subscription_id)
    assert change["by_system"] is True and change["username"] == "system"
    assert {"field": "status", "old": "active", "new": "suspended"} in change["changes"]
    assert {"field": "suspension_reason", "old": None, "new": "inadimplência"} in change["changes"]


def test_only_auto_suspend_customers_overdue_by_more_than_n_days(app, client, admin):
    days = _days(app)
    _, without_flag, _ = debtor(app, client, admin, auto_suspend=False, logins=())
    _, not_late_enough, _ = debtor(app, client, admin, late_by=days - 3, logins=())
    _, late, _ = debtor(app, client, admin, late_by=days + 10, logins=())
    _, cancelled, _ = debtor(app, client, admin, logins=())
    body = {"cancel_reason": "Outros"}
    response = client.post(f"{API}/subscriptions/{cancelled}/cancel", json=body, headers=admin)
    assert response.status_code == 200, response.get_json()

    assert sweep(app)["suspended"] == 1
    assert subscription(client, admin, without_flag)["status"] == "active"
    assert subscription(client, admin, not_late_enough)["status"] == "active"
    assert subscription(client, admin, late)["status"] == "suspended"
    assert subscription(client, admin, cancelled)["status"] == "cancelled"


def test_the_due_date_moves_to_the_next_business_day_before_counting(app, client, admin):
    # N days after a Monday, a bill due on the Saturday before it is exactly N days late (it
    # could be paid on that Monday), not N + 2: only the Friday's bill is late by more than N.
    days, monday = _days(app), date(2025, 6, 2)
    today = monday + timedelta(days=days)
    saturday, friday = date(2025, 5, 31), date(2025, 5, 30)
    with app.app_context():
        assert overdue_boundary(today, days) == saturday  # due before it: overdue
    _, on_saturday, _ = debtor(app, client, admin, late_by=(today - saturday).days, today=today)
    _, on_friday, _ = debtor(app, client, admin, late_by=(today - friday).days, today=today)

    assert sweep(app, today)["suspended"] == 1
    assert subscription(client, admin, on_saturday)["status"] == "active"
    assert subscription(client, admin, on_friday)["status"] == "suspended"


def test_exactly_once_when_the_sweep_runs_twice_and_at_the_same_time(app, client, admin):
    subscriptions = [debtor(app, client, admin, logins=(f"par{n}",))[:2] for n in range(6)]
    results, errors = [], []

    def run():
        try:
            results.append(sweep(app, chunk=2))
        except Exception as error:  # reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert sum(result["suspended"] for result in results) == 6
    assert sweep(app) == _swept(suspended=0, enabled=0)
    for n, (code, subscription_id) in enumerate(subscriptions):
        assert subscription(client, admin, subscription_id)["status"] == "suspended"
        assert len(status_changes(client, admin, code, subscription_id)) == 1
        assert group_of(app, f"par{n}") == "suspenso"


def _pay(client, admin, receivable_id, today):
    body = {"paid_on": today.isoformat(), "amount": "99.90"}
    response = client.post(f"{API}/receivables/{receivable_id}/payments", json=body, headers=admin)
    assert response.status_code == 200, response.get_json()


def test_payment_enables_at_once_on_a_worker_and_staff_suspensions_stay(
    app, client, admin, celery_worker
):
    today = _today(app)
    code, subscription_id, receivable_id = debtor(app, client, admin, logins=("pagante",))
    plan_group = group_of(app, "pagante")
    by_staff = build_subscription(app, customer_code=code)
    assert client.post(f"{API}/subscriptions/{by_staff}/suspend", headers=admin).status_code == 200
    second_bill = build_receivable(app, customer_code=code, due_date=today - timedelta(days=40))
    assert sweep(app)["suspended"] == 1
    assert subscription(client, admin, by_staff)["suspended_for"] == "staff"

    _pay(client, admin, receivable_id, today)
    assert lift_if_paid(code) == 0  # another bill is still overdue: stays suspended
    assert subscription(client, admin, subscription_id)["status"] == "suspended"

    _pay(client, admin, second_bill, today)
    assert wait_until(
        lambda: subscription(client, admin, subscription_id)["status"] == "active", timeout=60
    ), "the payment did not enable the subscription"
    found = subscription(client, admin, subscription_id)
    assert found["suspended_for"] is None and found["suspension_reason"] is None
    assert group_of(app, "pagante") == plan_group
    assert subscription(client, admin, by_staff)["status"] == "suspended"
    enabled = status_changes(client, admin, code, subscription_id)[-1]
    assert {"field": "status", "old": "suspended", "new": "active"} in enabled["changes"]
    assert enabled["by_system"] is True
    who_paid = client.get(f"{API}/me", headers=admin).json["username"]
    assert enabled["username"] == who_paid  # done by the system for whoever recorded it


def test_cancelling_the_overdue_bill_enables_at_once_on_a_worker(app, client, admin, celery_worker):
    _, subscription_id, receivable_id = debtor(app, client, admin)
    assert sweep(app)["suspended"] == 1
    cancelled = client.post(
        f"{API}/receivables/{receivable_id}/cancel", json={"reason": "Cobrado por engano"},
        headers=admin,
    )  # fmt: skip
    assert cancelled.status_code == 200, cancelled.get_json()
    assert wait_until(
        lambda: subscription(client, admin, subscription_id)["status"] == "active", timeout=60
    ), "cancelling the only overdue bill did not enable the subscription"


def test_the_daily_sweep_enables_when_the_payment_task_was_lost(app, client, admin):
    _, subscription_id, receivable_id = debtor(app, client, admin)
    assert sweep(app)["suspended"] == 1
    with app.app_context(), recorded_effects():
        settle(receivable_id, _today(app), Decimal("99.90"))
        db.session.commit()  # no task sent: as if its message were lost
    assert sweep(app) == _swept(suspended=0, enabled=1)
    assert subscription(client, admin, subscription_id)["status"] == "active"
    assert sweep(app) == _swept(suspended=0, enabled=0)


def test_a_scheduled_suspension_is_not_lifted_by_payment(app, client, admin):
    code, subscription_id, receivable_id = debtor(app, client, admin, late_by=1)
    with app.app_context():
        from models.service.scheduled_tasks import apply_task, claim_due_tasks, schedule

        schedule(
            code, {"subscription_id": subscription_id, "kind": "suspend", "run_on": _today(app)}
        )
        db.session.commit()
        (task_id,) = claim_due_tasks(10, timedelta(minutes=5))
        apply_task(task_id)
        db.session.commit()
    assert subscription(client, admin, subscription_id)["suspended_for"] == "schedule"
    _pay(client, admin, receivable_id, _today(app))
    assert lift_if_paid(code) == 0
    assert sweep(app) == _swept(suspended=0, enabled=0)
    assert subscription(client, admin, subscription_id)["status"] == "suspended"


def test_a_trust_unlock_keeps_the_sweep_off_until_its_date_then_it_suspends_again(
    app, client, admin
):
    today = _today(app)
    code, subscription_id, _ = debtor(app, client, admin, logins=("confianca",))
    assert sweep(app)["suspended"] == 1
    until = today + timedelta(days=2)
    response = client.post(
        f"{API}/customers/{code}/trust-unlock", json={"until": until.isoformat()}, headers=admin
    )
    assert response.status_code == 201, response.get_json()
    assert subscription(client, admin, subscription_id)["status"] == "active"
    assert group_of(app, "confianca") != "suspenso"

    for day in (today, until):
        assert sweep(app, day) == _swept(suspended=0, enabled=0)
    assert subscription(client, admin, subscription_id)["status"] == "active"
    assert sweep(app, until + timedelta(days=1))["suspended"] == 1
    assert subscription(client, admin, subscription_id)["suspended_for"] == "non_payment"
    assert group_of(app, "confianca") == "suspenso"


def test_a_hold_keeps_the_sweep_off_the_subscription_until_its_date_or_lifted(app, client, admin):
    today = _today(app)
    code, held, _ = debtor(app, client, admin, logins=())
    other = build_subscription(app, customer_code=code)
    until = today + timedelta(days=5)
    body = {"until": until.isoformat(), "reason": "Cliente negociando"}
    response = client.post(f"{API}/subscriptions/{held}/suspension-hold", json=body, headers=admin)
    assert response.status_code == 201, response.get_json()

    assert sweep(app, until)["suspended"] == 1
    assert subscription(client, admin, held)["status"] == "active"
    assert subscription(client, admin, other)["status"] == "suspended"
    assert sweep(app, until + timedelta(days=1))["suspended"] == 1
    assert subscription(client, admin, held)["status"] == "suspended"


def test_lifting_a_hold_early_lets_the_next_sweep_suspend(app, client, admin):
    today = _today(app)
    _, held, _ = debtor(app, client, admin, logins=())
    body = {"until": (today + timedelta(days=30)).isoformat(), "reason": "Acordo"}
    assert (
        client.post(
            f"{API}/subscriptions/{held}/suspension-hold", json=body, headers=admin
        ).status_code
        == 201
    )
    assert sweep(app)["suspended"] == 0
    response = client.delete(f"{API}/subscriptions/{held}/suspension-hold", headers=admin)
    assert response.status_code == 200 and response.json["lifted_by"]
    assert sweep(app)["suspended"] == 1
    assert subscription(client, admin, held)["status"] == "suspended"


def _notice_days(app) -> int:
    with app.app_context():
        return current(BillingPolicy).suspension_notice_days


def test_nobody_is_suspended_without_the_notice_sent_long_enough_before(app, client, admin):
    today = _today(app)
    _, never_told, _ = debtor(app, client, admin, announced=False)
    code, told_late, receivable_id = debtor(app, client, admin, announced=False)
    told_on = today - timedelta(days=_notice_days(app) - 1)  # one day short
    announce(app, code, receivable_id, told_on)
    code, skipped, receivable_id = debtor(app, client, admin, announced=False)
    with app.app_context():  # no e-mail went out (no address, no consent...): not told
        notice = notices.claim_notice(receivable_id, SUSPENSION, 0, code)
        notices.skip([notice.id], notices.NO_ADDRESS)
        db.session.commit()

    assert sweep(app)["suspended"] == 0
    for subscription_id in (never_told, told_late, skipped):
        assert subscription(client, admin, subscription_id)["status"] == "active"
    assert sweep(app, today + timedelta(days=1))["suspended"] == 1  # the announced date
    assert subscription(client, admin, told_late)["status"] == "suspended"
    assert subscription(client, admin, never_told)["status"] == "active"


def test_a_notice_for_a_bill_paid_since_does_not_announce_another(app, client, admin):
    today = _today(app)
    code, subscription_id, announced_bill = debtor(app, client, admin)
    other = build_receivable(app, customer_code=code, due_date=today - timedelta(days=25))
    _pay(client, admin, announced_bill, today)
    assert sweep(app)["suspended"] == 0  # the other bill was never announced
    announce(app, code, other, today - timedelta(days=_notice_days(app)))
    assert sweep(app)["suspended"] == 1
    assert subscription(client, admin, subscription_id)["status"] == "suspended"


def test_a_partially_paid_bill_stays_overdue_for_the_sweep(app, client, admin, celery_worker):
    today = _today(app)
    _, subscription_id, receivable_id = debtor(app, client, admin)
    body = {"paid_on": today.isoformat(), "amount": "50.00"}
    url = f"{API}/receivables/{receivable_id}/payments"
    paid = client.post(url, json=body, headers=admin)
    assert paid.status_code == 200 and paid.json["status"] == "partially_paid"
    assert sweep(app)["suspended"] == 1
    assert subscription(client, admin, subscription_id)["status"] == "suspended"

    body["amount"] = "49.90"  # the rest: the worker lifts the suspension at once
    assert client.post(url, json=body, headers=admin).json["status"] == "paid"
    assert wait_until(
        lambda: subscription(client, admin, subscription_id)["status"] == "active", timeout=60
    ), "paying the balance did not enable the subscription"
