"""Tasks run on a real Celery worker against committed data, and their changes are audited."""

from datetime import timedelta
from pathlib import Path

import pytest
from celery import shared_task

from models.customers.registration import update_customer
from models.db import db
from models.effects import after_commit
from tests.waiting import wait_until
from tests.web.customer_payloads import pf_payload


def send_after_commit(task, *args, **kwargs) -> None:
    """Queue `task` through the outbox, by its name."""
    after_commit(task.name, *args, **kwargs)


@shared_task(name="tests.rename_customer")
def rename_customer(code: int, new_name: str, requested_by: int) -> None:
    """A task shaped like the real ones: ids in, acting for the user in `requested_by`."""
    update_customer(code, {"name": new_name})  # the task base class commits


def test_task_changes_are_recorded_as_system_for_the_requesting_user(
    app, client, celery_worker, make_user, token_for
):
    attendant = make_user("carla", "attendant")
    headers = {"Authorization": f"Bearer {token_for(attendant)}"}
    code = client.post("/api/v1/customers", json=pf_payload(), headers=headers).json["code"]

    with app.app_context():
        send_after_commit(
            rename_customer, code, "Nome Trocado Pela Tarefa", requested_by=attendant.id
        )
        db.session.commit()

    def renamed():
        body = client.get(f"/api/v1/customers/{code}", headers=headers).json
        return body["name"] == "Nome Trocado Pela Tarefa"

    assert wait_until(renamed), "the worker did not apply the task"
    newest = client.get(f"/api/v1/customers/{code}/history", headers=headers).json["items"][0]
    assert newest["username"] == "carla"
    assert newest["by_system"] is True
    assert newest["ip"] is None
    assert [c["field"] for c in newest["changes"]] == ["name"]


def _name_of(client, headers, code):
    return client.get(f"/api/v1/customers/{code}", headers=headers).json["name"]


@pytest.fixture
def requester_and_code(client, admin, make_user) -> tuple[int, int]:
    """An attendant who asks for a task, and the code of a customer it would rename."""
    user = make_user("dora", "attendant")
    code = client.post("/api/v1/customers", json=pf_payload(), headers=admin).json["code"]
    return user.id, code


def test_a_transaction_that_ends_without_commit_sends_no_task(
    app, client, celery_worker, admin, requester_and_code, tasks_settled
):
    user_id, code = requester_and_code
    with app.app_context():
        send_after_commit(rename_customer, code, "Desfeito", requested_by=user_id)
        db.session.rollback()
        send_after_commit(rename_customer, code, "Fechado", requested_by=user_id)
        db.session.close()
        db.session.commit()  # a later commit must not send what the rollback or close dropped
    assert tasks_settled()  # whatever was sent has run by now
    assert _name_of(client, admin, code) not in ("Desfeito", "Fechado")


def test_a_savepoint_rollback_keeps_the_task_of_the_outer_transaction(
    app, client, celery_worker, admin, requester_and_code
):
    user_id, code = requester_and_code
    with app.app_context():
        send_after_commit(rename_customer, code, "Mantido", requested_by=user_id)
        savepoint = db.session.begin_nested()
        savepoint.rollback()
        db.session.commit()
    assert wait_until(lambda: _name_of(client, admin, code) == "Mantido")


def test_the_token_purge_task_runs_on_the_worker(app, client, celery_worker, make_user, token_for):
    from tasks.staff import purge_expired_tokens

    user = make_user("rui", "technician")
    live = token_for(user)
    expired = token_for(user, ttl=timedelta(seconds=-1))
    revoked = token_for(user)
    client.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {revoked}"})

    def token_rows():
        with app.app_context():
            return db.session.scalar(db.text("SELECT count(*) FROM auth_tokens"))

    assert token_rows() == 3
    purge_expired_tokens.delay()
    assert wait_until(lambda: token_rows() == 1), "expired and revoked tokens were not purged"
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {live}"}).status_code == 200
    gone = client.get("/api/v1/me", headers={"Authorization": f"Bearer {expired}"})
    assert gone.status_code == 401


def test_every_beat_entry_names_a_registered_task(app):
    celery = app.extensions["celery"]
    celery.loader.import_default_modules()
    schedule = celery.conf.beat_schedule
    assert "sweep-scheduled-tasks" in schedule
    for name, entry in schedule.items():
        assert entry["task"] in celery.tasks, f"beat entry {name} names an unknown task"


@shared_task(name="tests.rename_then_fail")
def rename_then_fail(code: int, new_name: str, marker: str) -> None:
    """Changes a customer, then fails: the task base class must roll the change back."""
    update_customer(code, {"name": new_name})
    db.session.flush()
    Path(marker).write_text("ran")
    raise RuntimeError("the task fails after its change")


def test_a_task_that_raises_leaves_nothing_behind(
    app, client, celery_worker, admin, requester_and_code, tmp_path, tasks_settled
):
    _, code = requester_and_code
    before = client.get(f"/api/v1/customers/{code}/history", headers=admin).json["total"]
    marker = tmp_path / "ran"

    rename_then_fail.delay(code, "Nunca Gravado", str(marker))

    assert wait_until(marker.exists), "the worker did not run the task"
    assert tasks_settled()  # past the task's end, where the base class rolls back
    assert _name_of(client, admin, code) != "Nunca Gravado"
    after = client.get(f"/api/v1/customers/{code}/history", headers=admin).json["total"]
    assert after == before  # no history for a change that did not happen
