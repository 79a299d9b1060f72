"""RADIUS work of the workers: Disconnect-Requests retried and reported, ghost sessions closed,
and the rate limit of a plan's group following the plan."""

import json
import socket
from datetime import timedelta

import pytest
from sqlalchemy import text

from models.clock import utcnow
from models.db import db
from models.service import radius
from models.service.radius import RadAcct, RadiusPolicy
from models.service.radius_disconnects import claim_for_sending, record_outcome
from models.service.subscription_changes import change_status
from tasks.service import DICTIONARY, close_ghost_sessions, retry_disconnects, send_requests
from tests.builders import build_login, build_open_session, build_subscription
from tests.outbox import recorded_effects
from tests.radius_stand_in import NasStandIn

SECRET = "segredo-do-nas"


@pytest.fixture
def policy(override_settings):
    """Change RADIUS settings for one test: `policy(blocked_pool=...)`; restored afterwards."""

    def change(**settings) -> None:
        override_settings(RadiusPolicy, **settings)

    return change


@pytest.fixture
def quick_policy(policy):
    """Short waits and two attempts, so giving up on a silent NAS takes a second."""
    policy(disconnect_timeout_s=0.3, disconnect_attempts=2)


def _register_nas(app, port: int) -> None:
    with app.app_context():
        radius.add_nas(
            {"nasname": "127.0.0.1", "shortname": "nas", "secret": SECRET, "coa_port": port}
        )
        db.session.commit()


def _suspend_with_a_session(app, client, admin, username: str) -> None:
    """Suspend through the operation, its message held back: the test sends it."""
    subscription_id = build_subscription(app)
    build_login(app, subscription_id, username)
    build_open_session(app, username, f"sessao-{username}")
    with app.app_context(), recorded_effects():
        change_status(subscription_id, "suspend")
        db.session.commit()


def _disconnect_ids(app) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(text("SELECT id FROM radius_disconnects ORDER BY id")))


def _make_due(app) -> None:
    with app.app_context():
        db.session.execute(text("UPDATE radius_disconnects SET next_attempt_at = :t"),
                           {"t": utcnow() - timedelta(seconds=1)})  # fmt: skip
        db.session.commit()


def test_an_answering_nas_acks_and_the_request_is_done(app, client, admin, quick_policy):
    nas = NasStandIn(SECRET, DICTIONARY)
    try:
        _register_nas(app, nas.port)
        _suspend_with_a_session(app, client, admin, "ouvido")
        (disconnect_id,) = _disconnect_ids(app)
        with app.app_context():
            send_requests.run([disconnect_id])
        (request,) = nas.requests()
        assert (request.user_name, request.acct_session_id) == ("ouvido", "sessao-ouvido")
    finally:
        nas.close()
    row = client.get("/api/v1/radius/disconnects", headers=admin).json["items"][0]
    assert (row["status"], row["attempts"], row["last_error"]) == ("acked", 1, None)


def test_a_silent_nas_is_retried_then_reported_failed(app, client, admin, quick_policy):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:  # receives, never answers
        silent.bind(("127.0.0.1", 0))
        _register_nas(app, silent.getsockname()[1])
        _suspend_with_a_session(app, client, admin, "surdo")
        (disconnect_id,) = _disconnect_ids(app)
        with app.app_context():
            send_requests.run([disconnect_id])
        first = client.get("/api/v1/radius/disconnects", headers=admin).json["items"][0]
        assert (first["status"], first["attempts"]) == ("pending", 1)
        assert "No answer" in first["last_error"]

        _make_due(app)  # the backoff is over
        with app.app_context():
            assert retry_disconnects.run() == 1

    failed = client.get("/api/v1/radius/disconnects?status=failed", headers=admin).json
    assert [(d["username"], d["attempts"]) for d in failed["items"]] == [("surdo", 2)]
    # Reporting it never undid the suspension.
    subscription_id = failed["items"][0]["subscription_id"]
    assert (
        client.get(f"/api/v1/subscriptions/{subscription_id}", headers=admin).json["status"]
        == "suspended"
    )


def test_a_request_not_yet_due_is_not_sent_again(app, client, admin, quick_policy):
    _suspend_with_a_session(app, client, admin, "semnas")  # no NAS registered at all
    (disconnect_id,) = _disconnect_ids(app)
    with app.app_context():
        send_requests.run([disconnect_id])
        assert retry_disconnects.run() == 0  # waiting out its backoff
    row = client.get("/api/v1/radius/disconnects", headers=admin).json["items"][0]
    assert row["attempts"] == 1 and "not in the nas table" in row["last_error"]


def test_ghost_sessions_are_closed_at_their_last_update(app):
    stale_at = utcnow() - timedelta(hours=2)
    build_open_session(app, "fantasma", "velha", last_seen=stale_at)  # 5-minute interims
    build_open_session(app, "vivo", "recente")
    # Quiet for 2 hours, but its NAS sends interims every 3 hours: not a ghost yet.
    build_open_session(app, "lento", "espacada", last_seen=stale_at, interval=3 * 3600)
    # Its NAS sends no interim updates at all: time says nothing about it.
    build_open_session(app, "calado", "sem-interim", last_seen=stale_at, interval=None)
    with app.app_context():
        assert close_ghost_sessions.run() == 1
        sessions = {row.acctsessionid: row for row in db.session.scalars(db.select(RadAcct))}
    ghost = sessions["velha"]
    assert ghost.acctterminatecause == "Stale-Session"
    assert abs((ghost.acctstoptime - stale_at).total_seconds()) < 1
    still_open = {name for name, row in sessions.items() if row.acctstoptime is None}
    assert still_open == {"recente", "espacada", "sem-interim"}


def test_a_plan_s_new_speeds_reach_its_group(app, client, admin):
    plan = client.post(
        "/api/v1/plans",
        json={"name": "Fibra 300", "kind": "internet", "price": "99.90"}
        | {"download_kbps": 300_000, "upload_kbps": 150_000},
        headers=admin,
    ).json
    changed = client.patch(
        f"/api/v1/plans/{plan['id']}", json={"download_kbps": 500_000}, headers=admin
    )
    assert changed.status_code == 200
    with app.app_context():
        rows = db.session.execute(
            text("SELECT attribute, value FROM radgroupreply WHERE groupname = :g"),
            {"g": plan["radius_group"]},
        ).all()
    assert rows == [("Mikrotik-Rate-Limit", "150000k/500000k")]


def test_renaming_a_plan_s_group_moves_its_logins(app, client, admin):
    plan = client.post(
        "/api/v1/plans",
        json={"name": "Fibra 100", "kind": "internet", "price": "79.90", "download_kbps": 100},
        headers=admin,
    ).json
    build_login(app, build_subscription(app, plan_id=plan["id"]), "mudagrupo")
    response = client.patch(
        f"/api/v1/plans/{plan['id']}", json={"radius_group": "fibra-100"}, headers=admin
    )
    assert response.status_code == 200
    with app.app_context():
        group = db.session.scalar(
            text("SELECT groupname FROM radusergroup WHERE username = 'mudagrupo'")
        )
        old_rows = db.session.scalar(
            text("SELECT count(*) FROM radgroupreply WHERE groupname = :g"),
            {"g": plan["radius_group"]},
        )
    assert (group, old_rows) == ("fibra-100", 0)


def test_with_a_blocked_pool_suspended_logins_are_accepted_into_it(app, client, admin, policy):
    policy(blocked_pool="bloqueados")
    subscription_id = build_subscription(app)
    build_login(app, subscription_id, "devedor")
    response = client.post(f"/api/v1/subscriptions/{subscription_id}/suspend", headers=admin)
    assert response.status_code == 200
    with app.app_context():
        group = db.session.scalar(
            text("SELECT groupname FROM radusergroup WHERE username = 'devedor'")
        )
        replies = db.session.execute(
            text("SELECT attribute, value FROM radgroupreply WHERE groupname = :g"), {"g": group}
        ).all()
        rejects = db.session.scalar(
            text("SELECT count(*) FROM radgroupcheck WHERE groupname = :g"), {"g": group}
        )
    assert (group, replies, rejects) == ("suspenso", [("Framed-Pool", "bloqueados")], 0)


def test_a_sender_that_took_too_long_records_nothing(app, client, admin, quick_policy):
    nas = NasStandIn(SECRET, DICTIONARY)
    try:
        _register_nas(app, nas.port)
        _suspend_with_a_session(app, client, admin, "lento")
        (disconnect_id,) = _disconnect_ids(app)
        with app.app_context():
            stale = claim_for_sending(disconnect_id)  # a sender that then hangs past its lease
            db.session.commit()
            _make_due(app)
            send_requests.run([disconnect_id])  # another sender takes it and gets the ACK
            assert not record_outcome(disconnect_id, stale[1], None, "No answer.", 2)
            db.session.commit()
    finally:
        nas.close()
    row = client.get("/api/v1/radius/disconnects", headers=admin).json["items"][0]
    assert (row["status"], row["attempts"]) == ("acked", 1)


def test_enabling_drops_unsent_requests_and_a_new_suspension_owes_a_new_one(app, client, admin):
    subscription_id = build_subscription(app)
    build_login(app, subscription_id, "vaievem")
    build_open_session(app, "vaievem", "sessao")
    with app.app_context(), recorded_effects():  # no worker sends them meanwhile
        for action in ("suspend", "enable", "suspend"):
            change_status(subscription_id, action)
            db.session.commit()
    rows = client.get("/api/v1/radius/disconnects", headers=admin).json["items"]
    assert [(row["cause"], row["status"]) for row in reversed(rows)] == [
        ("suspend", "superseded"),
        ("suspend", "pending"),
    ]


def test_a_plan_cannot_take_another_plan_s_group_or_the_suspended_one(client, admin):
    first = client.post(
        "/api/v1/plans",
        json={"name": "Plano A", "kind": "internet", "price": "50.00"},
        headers=admin,
    ).json
    second = client.post(
        "/api/v1/plans",
        json={"name": "Plano B", "kind": "internet", "price": "60.00"},
        headers=admin,
    ).json
    taken = client.patch(
        f"/api/v1/plans/{second['id']}", json={"radius_group": first["radius_group"]}, headers=admin
    )
    assert taken.status_code == 409 and "radius_group" in taken.json["errors"]
    suspended = client.patch(
        f"/api/v1/plans/{second['id']}", json={"radius_group": "suspenso"}, headers=admin
    )
    assert suspended.status_code == 422 and "radius_group" in suspended.json["errors"]
    unchanged = client.get(f"/api/v1/plans/{second['id']}", headers=admin).json
    assert unchanged["radius_group"] == second["radius_group"]


def test_registering_a_nas_is_recorded_without_its_secret(app, client, admin):
    body = {"nasname": "10.0.0.1", "shortname": "bras-1", "secret": "segredo-forte"}
    assert client.post("/api/v1/radius/nas", json=body, headers=admin).status_code == 201
    with app.app_context():
        (changes,) = db.session.scalars(text("SELECT changes FROM history WHERE entity = 'nas'"))
    changes = changes if isinstance(changes, list) else json.loads(changes)
    assert {"field": "secret", "old": None, "new": "***"} in changes
    assert "segredo-forte" not in json.dumps(changes)


def test_a_changed_suspension_setting_takes_effect_at_the_next_suspension(
    app, client, admin, policy
):
    first, second = build_subscription(app), build_subscription(app)
    build_login(app, first, "antes")
    build_login(app, second, "depois")
    assert client.post(f"/api/v1/subscriptions/{first}/suspend", headers=admin).status_code == 200
    policy(blocked_pool="bloqueados")
    response = client.post(f"/api/v1/subscriptions/{second}/suspend", headers=admin)
    assert response.status_code == 200
    with app.app_context():
        checks = db.session.execute(
            text("SELECT attribute FROM radgroupcheck WHERE groupname = 'suspenso'")
        ).all()
        replies = db.session.execute(
            text("SELECT attribute, value FROM radgroupreply WHERE groupname = 'suspenso'")
        ).all()
    assert (checks, replies) == ([], [("Framed-Pool", "bloqueados")])
