"""Billing an equipment sale on a real Celery worker: both modes, and exactly once whatever
happens to the task: sent twice, run at the same time, replayed, its worker killed mid-task and
the task delivered again, or its message lost and the beat sweep sending it again. Then the
monthly billing takes the installments, one a month. Both backends.
"""

import os
import signal
import subprocess
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text

from models.audit import set_actor
from models.billing.equipment_sales import sell_equipment
from models.clock import local_today
from models.db import db
from schemas.billing.equipment_sales import SaleInput
from tasks.billing import bill_sale, sweep_unbilled_sales
from tests.builders import BUILDER, build_customer, build_equipment, build_subscription
from tests.outbox import recorded_effects
from tests.tasks.billing.test_monthly_billing import _bill, _lines, _months, _receivables
from tests.waiting import wait_until
from tests.web.api_helpers import API

ROOT = Path(__file__).resolve().parents[3]
CELERY = Path(sys.executable).parent / "celery"
INSTALLMENTS = [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]


@pytest.fixture
def staff(make_user):
    make_user("joao.tecnico", "technician")
    make_user("ana.supervisora", "admin")


def _sale(app, sub_id: int, terms: dict, patrimony: int = 301) -> int:
    """A sale recorded as the API records it, but its task never sent (a lost message)."""
    with app.app_context():
        query = text("SELECT customer_code FROM subscriptions WHERE id = :id")
        code = db.session.scalar(query, {"id": sub_id})
    item = build_equipment(app, patrimony)
    body = {
        "subscription_id": sub_id,
        "responsible_user": "joao.tecnico",
        "confirming_user": "ana.supervisora",
        "items": [item],
        "sale": terms,
    }
    with app.app_context(), recorded_effects():
        set_actor(db.session, BUILDER)
        _, sale = sell_equipment(code, SaleInput().load(body))
        db.session.commit()
        return sale.id


def _in_installments(price="100.00", installments=3) -> dict:
    return {"price": price, "mode": "billing_event", "installments": installments}


def _sql(app, statement: str, **params) -> list[tuple]:
    with app.app_context():
        return [tuple(row) for row in db.session.execute(text(statement), params)]


def _money(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))  # SQLite answers raw SQL in floats


def _events(app, sale_id: int) -> list[tuple]:
    found = _sql(
        app,
        "SELECT sequence, amount, status FROM billing_events WHERE source_key = :key "
        "ORDER BY sequence",
        key=f"sale:{sale_id}",
    )
    return [(sequence, _money(amount), status) for sequence, amount, status in found]


def _status(app, sale_id: int) -> str:
    return _sql(app, "SELECT status FROM equipment_sales WHERE id = :id", id=sale_id)[0][0]


def _billed(app, sale_id: int, timeout: float = 30) -> bool:
    return wait_until(lambda: _status(app, sale_id) == "billed", timeout=timeout)


def _assert_billed_once(app, sale_id: int) -> None:
    """Three events adding up to the price, each created (and recorded) once, and no receivable."""
    assert _events(app, sale_id) == [(n, a, "pending") for n, a in enumerate(INSTALLMENTS, 1)]
    created = _sql(
        app,
        "SELECT count(*), count(DISTINCT entity_id) FROM history "
        "WHERE entity = 'billing_events' AND action = 'create'",
    )
    assert created == [(3, 3)]
    assert _sql(app, "SELECT count(*) FROM receivables") == [(0,)]


def test_a_sale_in_installments_is_billed_as_events_by_the_worker(
    app, client, admin, celery_worker, staff
):
    code = build_customer(app)
    sub_id = build_subscription(app, code)
    item = build_equipment(app, 301)
    body = {
        "subscription_id": sub_id,
        "responsible_user": "joao.tecnico",
        "confirming_user": "ana.supervisora",
        "items": [item],
        "sale": _in_installments(),
    }
    answer = client.post(f"{API}/customers/{code}/equipment", json=body, headers=admin)
    assert answer.status_code == 201, answer.get_json()
    sale_id = answer.get_json()["sale"]["id"]

    assert _billed(app, sale_id)
    _assert_billed_once(app, sale_id)
    (sale,) = client.get(f"{API}/customers/{code}/equipment-sales", headers=admin).json["items"]
    assert sale["status"] == "billed" and sale["receivable"] is None
    assert [(e["sequence"], e["amount"], e["status"]) for e in sale["billing_events"]] == [
        (1, "33.34", "pending"),
        (2, "33.33", "pending"),
        (3, "33.33", "pending"),
    ]
    assert sale["billing_events"][0]["description"].endswith("nº 301 (1/3)")
    history = client.get(f"{API}/customers/{code}/history", headers=admin).json["items"]
    billed = [e for e in history if e["entity"] == "equipment_sales" and e["action"] == "update"]
    assert billed and billed[0]["by_system"] is True


def test_a_sale_as_a_receivable_is_billed_as_one_receivable(
    app, client, admin, celery_worker, staff
):
    code = build_customer(app)
    sub_id = build_subscription(app, code)
    with app.app_context():
        due = local_today() + timedelta(days=20)
    terms = {"price": "450.00", "mode": "receivable", "due_date": due.isoformat()}
    item = build_equipment(app, 302)
    body = {
        "subscription_id": sub_id,
        "responsible_user": "joao.tecnico",
        "confirming_user": "ana.supervisora",
        "items": [item],
        "sale": terms,
    }
    answer = client.post(f"{API}/customers/{code}/equipment-sales", json=body, headers=admin)
    assert answer.status_code == 201, answer.get_json()
    sale_id = answer.get_json()["id"]

    assert _billed(app, sale_id)
    bill_sale.delay(sale_id)  # once more: nothing more
    wait_until(lambda: False, timeout=2)
    (receivable,) = client.get(f"{API}/customers/{code}/receivables", headers=admin).json["items"]
    assert (receivable["amount"], receivable["due_date"]) == ("450.00", due.isoformat())
    assert receivable["status"] == "open" and receivable["subscription_id"] is None
    assert [line["amount"] for line in receivable["lines"]] == ["450.00"]
    sale = client.get(answer.headers["Location"], headers=admin).json
    assert sale["receivable"]["id"] == receivable["id"] and sale["billing_events"] == []
    key = _sql(app, "SELECT source_key FROM receivables")
    assert key == [(f"sale:{sale_id}",)]
    assert _sql(app, "SELECT count(*) FROM billing_events") == [(0,)]


def test_the_task_sent_twice_bills_once(app, celery_worker, staff):
    sale_id = _sale(app, build_subscription(app), _in_installments())
    bill_sale.delay(sale_id)
    bill_sale.delay(sale_id)
    assert _billed(app, sale_id)
    bill_sale.delay(sale_id)  # and after it was billed
    assert wait_until(lambda: False, timeout=2) is False  # the worker would have run it by now
    _assert_billed_once(app, sale_id)


def test_tasks_running_at_the_same_time_bill_once(app, celery_worker, staff):
    sale_ids = [
        _sale(app, build_subscription(app), _in_installments(), patrimony=400 + n) for n in range(3)
    ]
    for _ in range(3):  # the worker runs two at a time
        for sale_id in sale_ids:
            bill_sale.delay(sale_id)
    assert all(_billed(app, sale_id) for sale_id in sale_ids)
    wait_until(lambda: False, timeout=2)  # the duplicates have run
    for sale_id in sale_ids:
        assert _events(app, sale_id) == [(n, a, "pending") for n, a in enumerate(INSTALLMENTS, 1)]
    assert _sql(app, "SELECT count(*) FROM billing_events") == [(9,)]


def test_a_replay_of_a_sale_whose_status_was_lost_creates_nothing_more(app, celery_worker, staff):
    """The keys, not only the status, make it once: were the sale pending again, say."""
    events_sale = _sale(app, build_subscription(app), _in_installments())
    with app.app_context():
        due = (local_today() + timedelta(days=5)).isoformat()
    receivable_sale = _sale(
        app, build_subscription(app), {"price": "80.00", "mode": "receivable", "due_date": due}, 302
    )
    for sale_id in (events_sale, receivable_sale):
        bill_sale.delay(sale_id)
        assert _billed(app, sale_id)
    with app.app_context():
        db.session.execute(text("UPDATE equipment_sales SET status = 'pending', billed_at = NULL"))
        db.session.commit()
    for sale_id in (events_sale, receivable_sale):
        bill_sale.delay(sale_id)
        assert _billed(app, sale_id)
    assert len(_events(app, events_sale)) == 3
    assert _sql(app, "SELECT count(*) FROM billing_events") == [(3,)]
    ((count, total),) = _sql(app, "SELECT count(*), sum(amount) FROM receivables")
    assert (count, _money(total)) == (1, Decimal("80.00"))


def test_a_lost_message_is_recovered_by_the_sweep(app, celery_worker, staff):
    sale_id = _sale(app, build_subscription(app), _in_installments())  # its task never sent
    assert sweep_unbilled_sales.apply().get() == 0  # too recent: its own task may be on the way
    assert _status(app, sale_id) == "pending"

    sweep_unbilled_sales.delay(older_than_seconds=0)
    assert _billed(app, sale_id)
    _assert_billed_once(app, sale_id)
    celery = app.extensions["celery"]
    entry = celery.conf.beat_schedule["sweep-unbilled-sales"]
    assert entry["task"] == sweep_unbilled_sales.name and entry["schedule"] <= 300


def _start_crash_worker(settings, queue: str, pause: Path, log: Path) -> subprocess.Popen:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=settings.database_url,
        CELERY_BROKER_URL=settings.broker_url,
        CELERY_VISIBILITY_TIMEOUT="3",  # Redis hands the dead worker's message out again soon
        PROVEDOR_VAR_DIR=str(settings.var_dir),
        PYTHONPATH=str(ROOT),
        SALE_PAUSE_FILE=str(pause),
    )
    command = [CELERY, "-A", "tests.tasks.sale_crash_worker", "worker", "-c", "1", "-Q", queue]
    command += ["-n", f"{queue}@%h", "-l", "INFO"]
    with log.open("a") as out:
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def _succeeded(log: Path) -> str:
    """The outcomes of the tasks that succeeded, as the worker logged them."""
    lines = log.read_text().splitlines()
    return "\n".join(
        f"succeeded in {line.rsplit(': ', 1)[-1]}" for line in lines if " succeeded in " in line
    )


def _kill(worker: subprocess.Popen) -> None:
    os.killpg(worker.pid, signal.SIGKILL)  # no warm shutdown: the task is mid-flight
    worker.wait(timeout=30)


@pytest.mark.slow
@pytest.mark.parametrize("stage", ["before_commit", "after_commit"])
def test_a_worker_killed_mid_task_then_the_task_again_bills_once(
    app, settings, tmp_path, celery_worker, staff, stage
):
    sale_id = _sale(app, build_subscription(app), _in_installments())
    queue, pause, log = f"sale-kill-{stage}", tmp_path / "pause", tmp_path / "worker.log"
    pause.write_text(stage)
    worker = _start_crash_worker(settings, queue, pause, log)
    try:
        bill_sale.apply_async([sale_id], queue=queue)
        paused = wait_until(lambda: pause.read_text().startswith("paused"), timeout=90)
        assert paused, log.read_text()[-3000:]
    finally:
        _kill(worker)
    if stage == "before_commit":  # the billing was written, not committed: gone with the worker
        assert (_status(app, sale_id), _events(app, sale_id)) == ("pending", [])
    else:  # committed, but the message not acknowledged: it comes back
        assert _status(app, sale_id) == "billed" and len(_events(app, sale_id)) == 3

    if settings.broker_url.startswith("redis"):
        wait_until(lambda: False, timeout=4)  # past the visibility timeout: redelivered at start
        worker = _start_crash_worker(settings, queue, pause, log)
        try:
            outcome = "'billed'" if stage == "before_commit" else "'already billed'"
            ran = wait_until(lambda: f"succeeded in {outcome}" in _succeeded(log), timeout=90)
            assert ran, log.read_text()[-3000:]
        finally:
            _kill(worker)
    else:  # the filesystem broker does not redeliver: the sweep sends it again
        sweep_unbilled_sales.delay(older_than_seconds=0)
        bill_sale.delay(sale_id)  # and a duplicate, as a redelivery would be
        assert _billed(app, sale_id)
        wait_until(lambda: False, timeout=2)
    _assert_billed_once(app, sale_id)


def test_the_monthly_billing_takes_one_installment_a_month(app, celery_worker, staff):
    first, second, third = _months(app)
    fourth = (third + timedelta(days=32)).replace(day=1)
    sub_id = build_subscription(app, due_day=10, first_due_date=first.replace(day=10))
    sale_id = _sale(app, sub_id, _in_installments())
    bill_sale.delay(sale_id)
    assert _billed(app, sale_id)

    for month in (first, second, third, fourth):
        assert _bill(month) == 1
    found = _receivables(app, sub_id)
    assert [row[1] for row in found] == [first, second, third, fourth]
    taken = [
        [(line[1], line[2]) for line in _lines(app, row[0]) if line[0] == "billing_event"]
        for row in found
    ]
    (description,) = _sql(app, "SELECT description FROM billing_events WHERE sequence = 1")[0]
    base = description.removesuffix(" (1/3)")
    assert taken == [
        [(f"{base} (1/3)", Decimal("33.34"))],
        [(f"{base} (2/3)", Decimal("33.33"))],
        [(f"{base} (3/3)", Decimal("33.33"))],
        [],
    ]
    plan = found[3][3]
    assert [row[3] - plan for row in found[:3]] == INSTALLMENTS
    assert [row[2] for row in _events(app, sale_id)] == ["billed"] * 3
    assert _bill(third) == 0  # a month billed again takes nothing more
    assert sum(len(t) for t in taken) == 3
