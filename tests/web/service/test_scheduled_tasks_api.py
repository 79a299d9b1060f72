"""Scheduled suspend / enable / cancel (the API: no worker runs here) and the cancel reasons."""

from datetime import date, timedelta

import pytest
from sqlalchemy import text

from models.clock import local_today
from models.db import db
from tests.builders import build_customer, build_subscription
from tests.web.api_helpers import API, assert_envelope

pytestmark = pytest.mark.calendar  # also run at the calendar's edges (conftest)

REASONS = f"{API}/cancel-reasons"
SEEDED = [
    "Dificuldades financeiras",
    "Falecimento do titular",
    "Inadimplência",
    "Insatisfação com o serviço",
    "Mudança de endereço",
    "Mudou para outro provedor",
    "Outros",
    "Problemas técnicos",
]


def tasks_url(code: int) -> str:
    return f"{API}/customers/{code}/scheduled-tasks"


def today(app) -> date:
    with app.app_context():
        return local_today()


def on(app, days: int) -> str:
    return (today(app) + timedelta(days=days)).isoformat()


def schedule(client, headers, code: int, sub_id: int, kind: str, run_on: str, **fields):
    body = {"subscription_id": sub_id, "kind": kind, "run_on": run_on, **fields}
    return client.post(tasks_url(code), json=body, headers=headers)


def scheduled(client, headers, code, sub_id, kind, run_on, **fields) -> dict:
    response = schedule(client, headers, code, sub_id, kind, run_on, **fields)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def tasks_of(client, headers, code: int, **query) -> dict:
    response = client.get(tasks_url(code), query_string=query, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def customer_with_subscription(app) -> tuple[int, int]:
    code = build_customer(app)
    return code, build_subscription(app, code)


def status_of(client, headers, sub_id: int) -> str:
    return client.get(f"{API}/subscriptions/{sub_id}", headers=headers).get_json()["status"]


# --- scheduling -------------------------------------------------------------------------------


def test_a_scheduled_suspension_is_pending_and_names_who_scheduled_it(app, client, headers_for):
    code, sub_id = customer_with_subscription(app)
    staff = headers_for("attendant")

    response = schedule(client, staff, code, sub_id, "suspend", on(app, 10))

    assert response.status_code == 201, response.get_json()
    task = response.get_json()
    assert response.headers["Location"] == f"{tasks_url(code)}/{task['id']}"
    assert (task["customer_code"], task["subscription_id"], task["kind"]) == (
        code,
        sub_id,
        "suspend",
    )
    assert (task["run_on"], task["status"], task["scheduled_by"]) == (
        on(app, 10),
        "pending",
        "attendant.user",
    )
    assert task["cancel_reason"] is None and task["executed_at"] is None
    assert client.get(response.headers["Location"], headers=staff).get_json() == task
    assert status_of(client, staff, sub_id) == "active"  # nothing happens before its day


def test_a_cancellation_is_scheduled_with_a_listed_reason(app, client, admin):
    code, sub_id = customer_with_subscription(app)
    task = scheduled(client, admin, code, sub_id, "cancel", on(app, 0), cancel_reason="Outros")
    assert (task["kind"], task["cancel_reason"], task["run_on"]) == ("cancel", "Outros", on(app, 0))


@pytest.mark.parametrize(
    ("kind", "fields", "field"),
    [
        ("cancel", {}, "cancel_reason"),
        ("cancel", {"cancel_reason": "Não quis mais"}, "cancel_reason"),
        ("suspend", {"cancel_reason": "Outros"}, "cancel_reason"),
        ("suspend", {"run_on": "yesterday"}, "run_on"),
        ("suspend", {"run_on": "2026-02-30"}, "run_on"),
        ("pause", {}, "kind"),
        ("suspend", {"subscription_id": "1"}, "subscription_id"),
        ("suspend", {"subscription_id": 999}, "subscription_id"),
        ("suspend", {"color": "blue"}, "color"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_schedules_nothing(
    app, client, admin, kind, fields, field
):
    code, sub_id = customer_with_subscription(app)
    body = {"subscription_id": sub_id, "kind": kind, "run_on": on(app, 5), **fields}
    if body["run_on"] == "yesterday":
        body["run_on"] = on(app, -1)

    response = client.post(tasks_url(code), json=body, headers=admin)

    assert field in assert_envelope(response, 422, "validation_error")["errors"]
    assert tasks_of(client, admin, code)["total"] == 0


def test_another_customer_s_subscription_is_refused(app, client, admin):
    mine = build_customer(app)
    _, theirs = customer_with_subscription(app)

    response = schedule(client, admin, mine, theirs, "suspend", on(app, 5))

    assert "subscription_id" in assert_envelope(response, 422, "validation_error")["errors"]
    assert tasks_of(client, admin, mine)["total"] == 0


def test_an_unknown_customer_is_404(app, client, admin):
    sub_id = build_subscription(app)
    response = schedule(client, admin, 999, sub_id, "suspend", on(app, 5))
    assert_envelope(response, 404, "not_found")
    assert_envelope(client.get(tasks_url(999), headers=admin), 404, "not_found")


def test_suspending_a_suspended_subscription_is_a_conflict(app, client, admin):
    code, sub_id = customer_with_subscription(app)
    client.post(f"{API}/subscriptions/{sub_id}/suspend", headers=admin)

    assert_envelope(schedule(client, admin, code, sub_id, "suspend", on(app, 5)), 409, "conflict")
    assert tasks_of(client, admin, code)["total"] == 0


def test_enabling_an_active_subscription_is_a_conflict(app, client, admin):
    code, sub_id = customer_with_subscription(app)
    assert_envelope(schedule(client, admin, code, sub_id, "enable", on(app, 5)), 409, "conflict")
    assert tasks_of(client, admin, code)["total"] == 0


def test_enabling_after_a_scheduled_suspension_is_allowed(app, client, admin):
    code, sub_id = customer_with_subscription(app)
    scheduled(client, admin, code, sub_id, "suspend", on(app, 10))

    before = schedule(client, admin, code, sub_id, "enable", on(app, 5))
    assert_envelope(before, 409, "conflict")  # the suspension has not happened by then
    after = scheduled(client, admin, code, sub_id, "enable", on(app, 20))
    assert (after["kind"], after["status"]) == ("enable", "pending")


def test_a_withdrawn_suspension_no_longer_allows_enabling(app, client, admin):
    code, sub_id = customer_with_subscription(app)
    task = scheduled(client, admin, code, sub_id, "suspend", on(app, 10))
    client.patch(f"{tasks_url(code)}/{task['id']}", json={"status": "cancelled"}, headers=admin)

    assert_envelope(schedule(client, admin, code, sub_id, "enable", on(app, 20)), 409, "conflict")


def test_nothing_is_scheduled_on_a_cancelled_subscription(app, client, admin):
    code, sub_id = customer_with_subscription(app)
    client.post(
        f"{API}/subscriptions/{sub_id}/cancel", json={"cancel_reason": "Outros"}, headers=admin
    )
    for kind, fields in (("suspend", {}), ("enable", {}), ("cancel", {"cancel_reason": "Outros"})):
        response = schedule(client, admin, code, sub_id, kind, on(app, 5), **fields)
        assert_envelope(response, 409, "conflict")


# --- listing and withdrawing ------------------------------------------------------------------


def test_the_list_is_newest_first_and_filters_by_status(app, client, admin):
    code, sub_id = customer_with_subscription(app)
    first = scheduled(client, admin, code, sub_id, "suspend", on(app, 10))
    second = scheduled(client, admin, code, sub_id, "enable", on(app, 20))
    client.patch(f"{tasks_url(code)}/{first['id']}", json={"status": "cancelled"}, headers=admin)

    assert [t["id"] for t in tasks_of(client, admin, code)["items"]] == [second["id"], first["id"]]
    assert [t["id"] for t in tasks_of(client, admin, code, status="pending")["items"]] == [
        second["id"]
    ]
    assert [t["id"] for t in tasks_of(client, admin, code, status="cancelled")["items"]] == [
        first["id"]
    ]
    bad = client.get(tasks_url(code), query_string={"status": "paused"}, headers=admin)
    assert "status" in assert_envelope(bad, 422, "validation_error")["errors"]


def test_a_pending_task_is_withdrawn_once(app, client, headers_for):
    code, sub_id = customer_with_subscription(app)
    staff = headers_for("attendant")
    task = scheduled(client, staff, code, sub_id, "suspend", on(app, 10))
    url = f"{tasks_url(code)}/{task['id']}"

    response = client.patch(url, json={"status": "cancelled"}, headers=staff)

    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {**task, "status": "cancelled"}
    again = client.patch(url, json={"status": "cancelled"}, headers=staff)
    assert_envelope(again, 409, "conflict")
    assert client.get(url, headers=staff).get_json()["status"] == "cancelled"


@pytest.mark.parametrize(
    "body", [{}, {"status": "done"}, {"status": "pending"}, {"run_on": "2030-01-01"}]
)
def test_a_task_only_takes_being_withdrawn(app, client, admin, body):
    code, sub_id = customer_with_subscription(app)
    task = scheduled(client, admin, code, sub_id, "suspend", on(app, 10))
    url = f"{tasks_url(code)}/{task['id']}"

    assert_envelope(client.patch(url, json=body, headers=admin), 422, "validation_error")
    assert client.get(url, headers=admin).get_json() == task


def test_another_customer_s_task_is_404(app, client, admin):
    code, sub_id = customer_with_subscription(app)
    other = build_customer(app)
    task = scheduled(client, admin, code, sub_id, "suspend", on(app, 10))
    url = f"{tasks_url(other)}/{task['id']}"

    assert_envelope(client.get(url, headers=admin), 404, "not_found")
    withdrawn = client.patch(url, json={"status": "cancelled"}, headers=admin)
    assert_envelope(withdrawn, 404, "not_found")
    assert tasks_of(client, admin, code)["items"] == [task]


@pytest.mark.parametrize("role", ["finance", "technician"])
def test_finance_and_technicians_read_tasks_but_cannot_schedule_or_withdraw(
    app, client, admin, headers_for, role
):
    code, sub_id = customer_with_subscription(app)
    task = scheduled(client, admin, code, sub_id, "suspend", on(app, 10))
    staff = headers_for(role)

    assert tasks_of(client, staff, code)["items"] == [task]
    response = schedule(client, staff, code, sub_id, "cancel", on(app, 12), cancel_reason="Outros")
    assert_envelope(response, 403, "forbidden")
    url = f"{tasks_url(code)}/{task['id']}"
    assert_envelope(
        client.patch(url, json={"status": "cancelled"}, headers=staff), 403, "forbidden"
    )
    assert tasks_of(client, admin, code)["items"] == [task]


def test_the_sweep_claims_a_task_due_today(app, client, admin):
    """No worker here: the sweep's claim runs in this process, as beat's task would run it."""
    from models.service.scheduled_tasks import claim_due_tasks

    code, sub_id = customer_with_subscription(app)
    task = scheduled(client, admin, code, sub_id, "suspend", on(app, 0))
    later = scheduled(client, admin, code, sub_id, "enable", on(app, 1))

    with app.app_context():
        claimed = claim_due_tasks(10, timedelta(minutes=5))
        db.session.commit()

    assert claimed == [task["id"]]
    assert tasks_of(client, admin, code, status="running")["items"][0]["id"] == task["id"]
    assert tasks_of(client, admin, code, status="pending")["items"][0]["id"] == later["id"]


def run_as_claimed(app, task_id: int) -> None:
    """Mark the task claimed (as the sweep does) and apply it in this process, as a worker."""
    from tasks.service import apply_scheduled_tasks

    with app.app_context():
        db.session.execute(
            text("UPDATE scheduled_tasks SET status = 'running' WHERE id = :i"),
            {"i": task_id},
        )
        db.session.commit()
    apply_scheduled_tasks([task_id])


@pytest.mark.parametrize(
    ("kind", "fields", "status"),
    [("suspend", {}, "suspended"), ("cancel", {"cancel_reason": "Outros"}, "cancelled")],
)
def test_a_claimed_task_changes_the_subscription_and_is_done(
    app, client, admin, kind, fields, status
):
    code, sub_id = customer_with_subscription(app)
    task = scheduled(client, admin, code, sub_id, kind, on(app, 0), **fields)

    run_as_claimed(app, task["id"])

    done = client.get(f"{tasks_url(code)}/{task['id']}", headers=admin).get_json()
    assert (done["status"], done["failure_reason"]) == ("done", None)
    assert done["executed_at"] is not None
    sub = client.get(f"{API}/subscriptions/{sub_id}", headers=admin).get_json()
    assert sub["status"] == status
    assert sub["cancel_reason"] == fields.get("cancel_reason")


# --- cancel reasons ---------------------------------------------------------------------------


def reasons(client, headers, **query) -> list[dict]:
    response = client.get(REASONS, query_string=query, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


@pytest.mark.parametrize("role", ["admin", "attendant", "finance", "technician"])
def test_every_role_reads_the_seeded_reasons_by_name(client, headers_for, role):
    listed = reasons(client, headers_for(role))
    assert [r["name"] for r in listed] == sorted(SEEDED)
    assert all(r["active"] for r in listed)


def test_an_admin_adds_a_reason_once(client, admin):
    response = client.post(REASONS, json={"name": "Viagem longa"}, headers=admin)

    assert response.status_code == 201, response.get_json()
    reason = response.get_json()
    assert (reason["name"], reason["active"]) == ("Viagem longa", True)
    assert reason in reasons(client, admin)
    duplicate = client.post(REASONS, json={"name": "Viagem longa"}, headers=admin)
    assert "name" in assert_envelope(duplicate, 409, "conflict")["errors"]
    assert len(reasons(client, admin)) == len(SEEDED) + 1


@pytest.mark.parametrize(
    "body", [{}, {"name": "X"}, {"name": "Viagem", "active": "no"}, {"name": "Ok!", "x": 1}]
)
def test_a_bad_reason_is_422(client, admin, body):
    assert_envelope(client.post(REASONS, json=body, headers=admin), 422, "validation_error")
    assert len(reasons(client, admin)) == len(SEEDED)


def test_a_reason_cannot_be_renamed_to_another_s_name(client, admin):
    outros = next(r for r in reasons(client, admin) if r["name"] == "Outros")
    url = f"{REASONS}/{outros['id']}"
    assert_envelope(
        client.patch(url, json={"name": "Problemas técnicos"}, headers=admin), 409, "conflict"
    )
    assert outros in reasons(client, admin)


def test_a_withdrawn_reason_is_refused_for_new_cancellations(app, client, admin):
    code, sub_id = customer_with_subscription(app)
    outros = next(r for r in reasons(client, admin) if r["name"] == "Outros")

    response = client.patch(f"{REASONS}/{outros['id']}", json={"active": False}, headers=admin)

    assert response.get_json() == {**outros, "active": False}
    assert "Outros" not in [r["name"] for r in reasons(client, admin, active="true")]
    now = client.post(
        f"{API}/subscriptions/{sub_id}/cancel", json={"cancel_reason": "Outros"}, headers=admin
    )
    assert "cancel_reason" in assert_envelope(now, 422, "validation_error")["errors"]
    later = schedule(client, admin, code, sub_id, "cancel", on(app, 5), cancel_reason="Outros")
    assert "cancel_reason" in assert_envelope(later, 422, "validation_error")["errors"]
    assert status_of(client, admin, sub_id) == "active"


@pytest.mark.parametrize("role", ["attendant", "finance", "technician"])
def test_only_admins_change_the_reasons(client, admin, headers_for, role):
    staff = headers_for(role)
    outros = next(r for r in reasons(client, admin) if r["name"] == "Outros")

    created = client.post(REASONS, json={"name": "Viagem longa"}, headers=staff)
    assert_envelope(created, 403, "forbidden")
    changed = client.patch(f"{REASONS}/{outros['id']}", json={"active": False}, headers=staff)
    assert_envelope(changed, 403, "forbidden")
    assert [r["name"] for r in reasons(client, admin)] == sorted(SEEDED)
    assert outros in reasons(client, admin)


def test_an_unknown_reason_is_404(client, admin):
    missing = client.patch(f"{REASONS}/999", json={"active": False}, headers=admin)
    assert_envelope(missing, 404, "not_found")


def test_ids_beyond_integer_are_refused_not_a_500(app, client, admin):
    code, _ = customer_with_subscription(app)
    response = schedule(client, admin, code, 2**40, "suspend", on(app, 1))
    assert "subscription_id" in assert_envelope(response, 422, "validation_error")["errors"]
    agenda = client.get(f"{API}/installations", query_string={"technician": 2**40}, headers=admin)
    assert "technician" in assert_envelope(agenda, 422, "validation_error")["errors"]
