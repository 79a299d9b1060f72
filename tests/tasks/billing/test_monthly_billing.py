"""Monthly billing: the lines of each receivable, and every subscription billed exactly once.

Exactly once is checked the ways it can fail: the run repeated, two runs at the same time, and
a real worker killed in the middle of a run, then the run again.
"""

import os
import signal
import subprocess
import sys
import threading
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text

from models.billing.billing_events import add_installments
from models.billing.monthly_billing import BILLING_LEAD_DAYS
from models.billing.receivables import Receivable, ReceivableLine
from models.clock import local_today, utcnow
from models.db import db
from models.service.subscriptions import Subscription
from tasks.billing import run_monthly_billing
from tests.builders import build_customer, build_plan, build_subscription
from tests.waiting import wait_until
from tests.web.api_helpers import API
from tests.web.customers.test_customer_options import all_options

pytestmark = pytest.mark.calendar  # also run at the calendar's edges (conftest)

ROOT = Path(__file__).resolve().parents[3]
CELERY = Path(sys.executable).parent / "celery"


def _months(app) -> tuple[date, date, date]:
    """The first days of the next three months (first due dates cannot be in the past)."""
    with app.app_context():
        first = (local_today().replace(day=28) + timedelta(days=4)).replace(day=1)
    second = (first + timedelta(days=32)).replace(day=1)
    return first, second, (second + timedelta(days=32)).replace(day=1)


def _sql(app, statement: str, **params) -> list[tuple]:
    with app.app_context():
        return [tuple(row) for row in db.session.execute(text(statement), params)]


def _receivables(app, subscription_id: int) -> list[tuple]:
    r = Receivable.__table__.c
    query = (
        db.select(r.id, r.billing_month, r.due_date, r.amount, r.status)
        .where(r.subscription_id == subscription_id)
        .order_by(r.billing_month)
    )
    with app.app_context():
        return [tuple(row) for row in db.session.execute(query)]


def _lines(app, receivable_id: int) -> list[tuple]:
    line = ReceivableLine.__table__.c
    query = (
        db.select(line.kind, line.description, line.amount)
        .where(line.receivable_id == receivable_id)
        .order_by(line.id)
    )
    with app.app_context():
        return [tuple(row) for row in db.session.execute(query)]


def _bill(run_on: date, **kwargs) -> int:
    return run_monthly_billing(run_on.isoformat(), **kwargs)  # the task, run in this process


def _subscribe(app, month: date, code=None, **fields) -> int:
    first_due = month.replace(day=fields.pop("due_day", 10))
    return build_subscription(
        app, customer_code=code, due_day=first_due.day, first_due_date=first_due, **fields
    )


def _boleto_fee_customer(client, admin, app, default_method: dict | None) -> int:
    code = build_customer(app)
    response = client.put(
        f"{API}/customers/{code}/options",
        json=all_options(charge_boleto_fee=True),
        headers=admin,
    )
    assert response.status_code == 200, response.get_json()
    if default_method is not None:
        response = client.post(
            f"{API}/customers/{code}/payment-methods",
            json={**default_method, "is_default": True},
            headers=admin,
        )
        assert response.status_code == 201, response.get_json()
    return code


def test_the_lines_plan_discount_and_boleto_fee_only_with_the_flag_and_boleto(app, client, admin):
    month, _, _ = _months(app)
    plan_id = build_plan(app, name="Fibra 300", price="120.00")
    plain = _subscribe(app, month, plan_id=plan_id, discount=Decimal("20.00"))
    no_method = _boleto_fee_customer(client, admin, app, None)
    with_fee = _subscribe(app, month, code=no_method, plan_id=plan_id)
    boleto = _boleto_fee_customer(client, admin, app, {"method": "boleto"})
    with_fee_too = _subscribe(app, month, code=boleto, plan_id=plan_id)
    debit = _boleto_fee_customer(
        client,
        admin,
        app,
        {"method": "phone_bill_debit", "ddd": "11", "phone": "33334444", "contract_number": "T-1"},
    )
    without_fee = _subscribe(app, month, code=debit, plan_id=plan_id)

    assert _bill(month) == 4

    label = f"Plano Fibra 300 ({month:%m/%Y})"
    (receivable,) = _receivables(app, plain)
    assert receivable[1:] == (month, month.replace(day=10), Decimal("100.00"), "open")
    assert _lines(app, receivable[0]) == [
        ("plan", label, Decimal("120.00")),
        ("discount", "Desconto", Decimal("-20.00")),
    ]
    fee = ("boleto_fee", "Tarifa de boleto", Decimal(app.config["BILLING"]["boleto_fee"]))
    for charged in (with_fee, with_fee_too):
        (receivable,) = _receivables(app, charged)
        assert _lines(app, receivable[0]) == [("plan", label, Decimal("120.00")), fee]
        assert receivable[3] == Decimal("120.00") + fee[2]
    (receivable,) = _receivables(app, without_fee)
    assert _lines(app, receivable[0]) == [("plan", label, Decimal("120.00"))]


def test_billing_events_are_taken_one_per_month_per_source(app):
    first, second, third = _months(app)
    subscription_id = _subscribe(app, first)
    with app.app_context():
        code = db.session.get(Subscription, subscription_id).customer_code
        add_installments(code, subscription_id, "Roteador", Decimal("100.00"), 3, "sale:1")
        add_installments(code, subscription_id, "ONU", Decimal("50.00"), 2, "sale:2")
        db.session.commit()

    for month in (first, second, third):
        _bill(month)
    found = _receivables(app, subscription_id)
    assert [row[1] for row in found] == [first, second, third]
    events = [[line for line in _lines(app, row[0]) if line[0] == "billing_event"] for row in found]
    assert events == [
        [
            ("billing_event", "Roteador (1/3)", Decimal("33.34")),
            ("billing_event", "ONU (1/2)", Decimal("25.00")),
        ],
        [
            ("billing_event", "Roteador (2/3)", Decimal("33.33")),
            ("billing_event", "ONU (2/2)", Decimal("25.00")),
        ],
        [("billing_event", "Roteador (3/3)", Decimal("33.33"))],
    ]
    assert [row[3] for row in found] == [Decimal("158.24"), Decimal("158.23"), Decimal("133.23")]
    billed = _sql(
        app, "SELECT status, receivable_id FROM billing_events ORDER BY source_key, sequence"
    )
    assert billed == [
        ("billed", found[0][0]),
        ("billed", found[1][0]),
        ("billed", found[2][0]),
        ("billed", found[0][0]),
        ("billed", found[1][0]),
    ]


def test_which_subscriptions_and_months_are_billed(app):
    first, second, _ = _months(app)
    active = _subscribe(app, first)
    suspended = _subscribe(app, first)
    cancelled = _subscribe(app, first)
    starts_later = _subscribe(app, second, due_day=5)
    with app.app_context():
        db.session.execute(
            db.update(Subscription).where(Subscription.id == suspended).values(status="suspended")
        )
        db.session.execute(
            db.update(Subscription).where(Subscription.id == cancelled).values(status="cancelled")
        )
        db.session.commit()

    before_lead = first.replace(day=10) - timedelta(days=11)  # due in 11 days: not yet
    assert _bill(before_lead) == 0
    assert _bill(first) == 2
    assert [len(_receivables(app, sid)) for sid in (active, suspended, cancelled)] == [1, 1, 0]
    assert _receivables(app, starts_later) == []

    _bill(second)
    (receivable,) = _receivables(app, starts_later)
    assert receivable[1:3] == (second, second.replace(day=5))
    late = second.replace(day=20)  # billing did not run for days: due the day it is made
    _bill(late)
    assert [row[2] for row in _receivables(app, active)] == [
        first.replace(day=10),
        second.replace(day=10),
    ]


def test_an_inactive_customers_subscriptions_are_never_billed(app):
    first, _, _ = _months(app)
    billed, inactive = _subscribe(app, first), _subscribe(app, first)
    with app.app_context():  # deactivating is refused with a subscription; data may differ
        code = db.session.get(Subscription, inactive).customer_code
        db.session.execute(text("UPDATE customers SET active = false WHERE code = :c"), {"c": code})
        db.session.commit()
    assert _bill(first) == 1
    assert len(_receivables(app, billed)) == 1 and _receivables(app, inactive) == []


def test_a_billed_receivable_is_in_the_customer_history(app, client, admin):
    month, _, _ = _months(app)
    subscription_id = _subscribe(app, month)
    _bill(month)
    (receivable,) = _receivables(app, subscription_id)
    with app.app_context():
        code = db.session.get(Subscription, subscription_id).customer_code
    history = client.get(f"{API}/customers/{code}/history", headers=admin).get_json()
    entry = next(item for item in history["items"] if item["entity"] == "receivables")
    assert entry["action"] == "create" and entry["entity_id"] == str(receivable[0])
    assert entry["by_system"] is True and entry["username"] == "system"
    changes = {change["field"]: change["new"] for change in entry["changes"]}
    assert changes["amount"] == "99.90"
    assert changes["source_key"] == f"monthly:{subscription_id}:{month:%Y-%m}"


# --- exactly once -------------------------------------------------------------------------------


def _bulk_subscriptions(app, month: date, count: int) -> list[int]:
    """`count` active subscriptions due on day 1-28 of `month`, written in bulk."""
    code, plan_id = build_customer(app), build_plan(app)
    now = utcnow()
    rows = [
        {"customer_code": code, "plan_id": plan_id, "status": "active"}
        | {"due_day": 1 + n % 28, "price": Decimal("99.90"), "discount": Decimal(n % 3)}
        | {"first_due_date": month.replace(day=1 + n % 28), "created_at": now, "updated_at": now}
        for n in range(count)
    ]
    with app.app_context():
        ids = list(db.session.scalars(db.insert(Subscription).returning(Subscription.id), rows))
        db.session.commit()
        return ids


def _assert_billed_once(app, ids: list[int], month: date) -> None:
    per_subscription = _sql(
        app,
        "SELECT subscription_id, count(*) FROM receivables GROUP BY subscription_id",
    )
    assert sorted(per_subscription) == [(sid, 1) for sid in sorted(ids)]
    mismatched = _sql(
        app,
        "SELECT r.id FROM receivables r JOIN receivable_lines l ON l.receivable_id = r.id"
        " GROUP BY r.id, r.amount HAVING round(sum(l.amount), 2) <> round(r.amount, 2)"
        " OR sum(CASE WHEN l.kind = 'plan' THEN 1 ELSE 0 END) <> 1",
    )
    assert mismatched == []
    histories = _sql(
        app,
        "SELECT count(*), count(DISTINCT entity_id) FROM history WHERE entity = 'receivables'",
    )
    assert histories == [(len(ids), len(ids))]


def test_running_twice_creates_nothing_more(app):
    month, _, _ = _months(app)
    # every due day (1-28) is within reach, and none of the next month even after a February
    run_on = month.replace(day=28 - BILLING_LEAD_DAYS)
    ids = _bulk_subscriptions(app, month, 300)
    assert _bill(run_on, chunk=70) == 300
    assert _bill(run_on, chunk=70) == 0
    assert _bill(run_on) == 0
    _assert_billed_once(app, ids, month)


def test_two_runs_at_the_same_time_bill_each_subscription_once(app):
    month, _, _ = _months(app)
    run_on = month.replace(day=28 - BILLING_LEAD_DAYS)
    ids = _bulk_subscriptions(app, month, 600)
    results, errors = [], []

    def run():
        try:
            results.append(_bill(run_on, chunk=50))
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sum(results) == 600
    _assert_billed_once(app, ids, month)


def _start_worker(settings, queue: str, log: Path) -> subprocess.Popen:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=settings.database_url,
        CELERY_BROKER_URL=settings.broker_url,
        PROVEDOR_VAR_DIR=str(settings.var_dir),
        PYTHONPATH=str(ROOT),
    )
    command = [CELERY, "-A", "tasks.worker", "worker", "-c", "1", "-Q", queue, "-l", "INFO"]
    command += ["-n", f"{queue}@%h"]
    with log.open("a") as out:
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


@pytest.mark.slow
def test_a_worker_killed_mid_run_then_a_rerun_bills_each_subscription_once(app, settings, tmp_path):
    month, _, _ = _months(app)
    run_on = month.replace(day=28 - BILLING_LEAD_DAYS)
    ids = _bulk_subscriptions(app, month, 3000)
    log = tmp_path / "worker.log"
    queue = "billing-kill-test"
    worker = _start_worker(settings, queue, log)

    def made() -> int:
        return _sql(app, "SELECT count(*) FROM receivables")[0][0]

    try:
        run_monthly_billing.apply_async(
            kwargs={"run_date": run_on.isoformat(), "chunk": 25}, queue=queue
        )
        assert wait_until(lambda: made() > 0, timeout=90, interval=0.05), log.read_text()[-3000:]
    finally:
        os.killpg(worker.pid, signal.SIGKILL)  # no warm shutdown: the run is mid-flight
        worker.wait(timeout=10)
    partial = made()
    assert 0 < partial < len(ids), "the worker was not killed mid-run"

    assert _bill(run_on) == len(ids) - partial
    _assert_billed_once(app, ids, month)
