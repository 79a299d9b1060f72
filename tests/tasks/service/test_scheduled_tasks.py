"""Scheduled tasks run by beat's sweep on a real worker: applied once, recorded, re-checked."""

from datetime import timedelta

import pytest
from sqlalchemy import text

from models.clock import local_today
from models.db import db
from models.service.scheduled_tasks import apply_task, claim_due_tasks
from tasks.service import apply_scheduled_tasks, sweep_scheduled_tasks
from tests.builders import build_customer, build_login, build_subscription
from tests.waiting import wait_until

pytestmark = pytest.mark.calendar  # also run at the calendar's edges (conftest)


def _schedule(client, headers, code, subscription_id, kind, run_on, **extra):
    body = {"subscription_id": subscription_id, "kind": kind, "run_on": run_on.isoformat()}
    response = client.post(
        f"/api/v1/customers/{code}/scheduled-tasks", json={**body, **extra}, headers=headers
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def _task(client, headers, code, task_id):
    return client.get(f"/api/v1/customers/{code}/scheduled-tasks/{task_id}", headers=headers).json


def _today(app):
    with app.app_context():
        return local_today()


def _sweep_until_finished(client, headers, code, task_ids):
    sweep_scheduled_tasks.delay()
    return wait_until(
        lambda: all(
            _task(client, headers, code, task_id)["status"] in ("done", "failed")
            for task_id in task_ids
        ),
        timeout=60,
    )


def _group_of(app, username):
    with app.app_context():
        return db.session.scalar(
            text("SELECT groupname FROM radusergroup WHERE username = :u"), {"u": username}
        )


def test_a_due_suspension_is_applied_by_the_sweep_and_recorded_for_its_scheduler(
    app, client, celery_worker, headers_for, make_user
):
    attendant_headers = headers_for("attendant")
    code = build_customer(app)
    subscription_id = build_subscription(app, customer_code=code)
    build_login(app, subscription_id, "agendado")
    task_id = _schedule(client, attendant_headers, code, subscription_id, "suspend", _today(app))

    assert _sweep_until_finished(client, attendant_headers, code, [task_id])
    task = _task(client, attendant_headers, code, task_id)
    assert task["status"] == "done" and task["executed_at"] is not None
    subscription = client.get(f"/api/v1/subscriptions/{subscription_id}", headers=attendant_headers)
    assert subscription.json["status"] == "suspended"
    assert _group_of(app, "agendado") == "suspenso"
    history = client.get(f"/api/v1/customers/{code}/history", headers=attendant_headers).json
    change = next(
        entry
        for entry in history["items"]
        if entry["entity"] == "subscriptions" and entry["action"] == "update"
    )
    assert change["by_system"] is True
    assert change["username"] == task["scheduled_by"]
    assert {"field": "status", "old": "active", "new": "suspended"} in change["changes"]


def test_a_task_not_yet_due_is_left_alone(app, client, admin, celery_worker):
    code = build_customer(app)
    subscription_id = build_subscription(app, customer_code=code)
    tomorrow = _today(app) + timedelta(days=1)
    later = _schedule(client, admin, code, subscription_id, "suspend", tomorrow)
    today = _schedule(
        client, admin, code, build_subscription(app, customer_code=code), "suspend", _today(app)
    )
    assert _sweep_until_finished(client, admin, code, [today])
    assert _task(client, admin, code, later)["status"] == "pending"


def test_a_task_that_no_longer_applies_fails_with_the_reason(app, client, admin, celery_worker):
    code = build_customer(app)
    subscription_id = build_subscription(app, customer_code=code)
    task_id = _schedule(client, admin, code, subscription_id, "suspend", _today(app))
    now = client.post(f"/api/v1/subscriptions/{subscription_id}/suspend", headers=admin)
    assert now.status_code == 200  # staff suspended it at once, before the sweep

    assert _sweep_until_finished(client, admin, code, [task_id])
    task = _task(client, admin, code, task_id)
    assert task["status"] == "failed"
    assert "is suspended" in task["failure_reason"]


def test_cancelling_withdraws_the_subscription_s_pending_tasks(app, client, admin):
    code = build_customer(app)
    subscription_id = build_subscription(app, customer_code=code)
    later = _schedule(client, admin, code, subscription_id, "suspend", _today(app) + timedelta(3))
    other = _schedule(client, admin, code, build_subscription(app, customer_code=code),
                      "suspend", _today(app) + timedelta(3))  # fmt: skip
    cancelled = client.post(
        f"/api/v1/subscriptions/{subscription_id}/cancel",
        json={"cancel_reason": "Outros"},
        headers=admin,
    )
    assert cancelled.status_code == 200
    withdrawn = _task(client, admin, code, later)
    assert (withdrawn["status"], withdrawn["failure_reason"]) == (
        "cancelled",
        "The subscription was cancelled.",
    )
    assert _task(client, admin, code, other)["status"] == "pending"


def test_a_scheduled_cancellation_withdraws_the_tasks_after_it(app, client, admin):
    code = build_customer(app)
    subscription_id = build_subscription(app, customer_code=code)
    # Scheduled first: a suspension in 9 days; then a cancellation for today.
    after = _schedule(client, admin, code, subscription_id, "suspend", _today(app) + timedelta(9))
    cancel = _schedule(
        client, admin, code, subscription_id, "cancel", _today(app), cancel_reason="Outros"
    )
    with app.app_context():
        assert claim_due_tasks(10, timedelta(minutes=5)) == [cancel]
        db.session.commit()
    apply_scheduled_tasks([cancel])
    assert _task(client, admin, code, cancel)["status"] == "done"
    assert _task(client, admin, code, after)["status"] == "cancelled"


def test_a_withdrawn_task_is_never_applied(app, client, admin, celery_worker):
    code = build_customer(app)
    subscription_id = build_subscription(app, customer_code=code)
    withdrawn = _schedule(client, admin, code, subscription_id, "suspend", _today(app))
    response = client.patch(
        f"/api/v1/customers/{code}/scheduled-tasks/{withdrawn}",
        json={"status": "cancelled"},
        headers=admin,
    )
    assert response.status_code == 200
    other = _schedule(
        client, admin, code, build_subscription(app, customer_code=code), "suspend", _today(app)
    )

    assert _sweep_until_finished(client, admin, code, [other])
    assert _task(client, admin, code, withdrawn)["status"] == "cancelled"
    subscription = client.get(f"/api/v1/subscriptions/{subscription_id}", headers=admin)
    assert subscription.json["status"] == "active"


def test_a_scheduled_cancellation_removes_the_logins_from_radius(app, client, admin, celery_worker):
    code = build_customer(app)
    subscription_id = build_subscription(app, customer_code=code)
    build_login(app, subscription_id, "cancelado")
    task_id = _schedule(
        client, admin, code, subscription_id, "cancel", _today(app), cancel_reason="Outros"
    )
    assert _sweep_until_finished(client, admin, code, [task_id])
    subscription = client.get(f"/api/v1/subscriptions/{subscription_id}", headers=admin).json
    assert (subscription["status"], subscription["cancel_reason"]) == ("cancelled", "Outros")
    with app.app_context():
        rows = db.session.scalar(
            text("SELECT count(*) FROM radcheck WHERE username = 'cancelado'")
        ) + db.session.scalar(
            text("SELECT count(*) FROM radusergroup WHERE username = 'cancelado'")
        )
    assert rows == 0


def test_a_claim_whose_worker_vanished_is_claimed_again_after_its_lease(app, client, admin):
    code = build_customer(app)
    subscription_id = build_subscription(app, customer_code=code)
    task_id = _schedule(client, admin, code, subscription_id, "suspend", _today(app))
    with app.app_context():
        assert claim_due_tasks(10, timedelta(seconds=-1)) == [task_id]  # its lease is over
        db.session.commit()
        assert claim_due_tasks(10, timedelta(minutes=5)) == [task_id]  # taken again
        db.session.commit()
        assert claim_due_tasks(10, timedelta(minutes=5)) == []  # now leased: nobody else
        db.session.commit()


def test_applying_the_same_task_twice_changes_things_once(app, client, admin):
    code = build_customer(app)
    subscription_id = build_subscription(app, customer_code=code)
    task_id = _schedule(client, admin, code, subscription_id, "suspend", _today(app))
    with app.app_context():
        claim_due_tasks(10, timedelta(minutes=5))
        db.session.commit()
        apply_task(task_id)
        db.session.commit()
        apply_task(task_id)  # a duplicated message, or a redelivery after the lease
        db.session.commit()
        changes = db.session.scalar(
            text(
                "SELECT count(*) FROM history WHERE entity = 'subscriptions' "
                "AND action = 'update' AND entity_id = :id"
            ),
            {"id": str(subscription_id)},
        )
    assert changes == 1
    assert _task(client, admin, code, task_id)["status"] == "done"


def test_claims_without_a_worker_starting_do_not_count_as_attempts(app, client, admin):
    code = build_customer(app)
    subscription_id = build_subscription(app, customer_code=code)
    task_id = _schedule(client, admin, code, subscription_id, "suspend", _today(app))
    with app.app_context():
        for _ in range(8):  # workers down for hours: the sweep keeps re-claiming it
            assert claim_due_tasks(10, timedelta(seconds=-1)) == [task_id]
            db.session.commit()
    apply_scheduled_tasks([task_id])  # a worker at last
    assert _task(client, admin, code, task_id)["status"] == "done"
    assert (
        client.get(f"/api/v1/subscriptions/{subscription_id}", headers=admin).json["status"]
        == "suspended"
    )


def test_a_later_task_of_the_same_subscription_waits_for_the_earlier_one(app, client, admin):
    code = build_customer(app)
    subscription_id = build_subscription(app, customer_code=code)
    today = _today(app)
    suspend = _schedule(client, admin, code, subscription_id, "suspend", today)
    enable = _schedule(client, admin, code, subscription_id, "enable", today)
    with app.app_context():
        assert claim_due_tasks(10, timedelta(minutes=5)) == [suspend]  # not both at once
        db.session.commit()
    apply_scheduled_tasks([suspend])
    with app.app_context():
        assert claim_due_tasks(10, timedelta(minutes=5)) == [enable]
        db.session.commit()
    apply_scheduled_tasks([enable])
    statuses = [_task(client, admin, code, task)["status"] for task in (suspend, enable)]
    assert statuses == ["done", "done"]
    assert (
        client.get(f"/api/v1/subscriptions/{subscription_id}", headers=admin).json["status"]
        == "active"
    )
