"""Trust unlocks and suspension holds through the API: rules, bad input, history and roles."""

from datetime import timedelta

import pytest

from models.billing.suspension_holds import SuspensionHold, TrustUnlock
from models.db import db
from tests.builders import build_subscription
from tests.tasks.billing.test_auto_suspension import _today, debtor, subscription, sweep
from tests.web.api_helpers import API
from tests.web.api_helpers import assert_envelope as _envelope

# debtor() (test_auto_suspension) builds for the suspension stage alone.
pytestmark = pytest.mark.usefixtures("suspension_stage_alone")

WRITERS = ("admin", "attendant", "finance")
CODES = {403: "forbidden", 404: "not_found", 409: "conflict", 422: "validation_error"}


def assert_envelope(response, status):
    return _envelope(response, status, CODES[status])


def suspended_debtor(app, client, admin) -> tuple[int, int]:
    """A customer whose subscription the sweep suspended for non-payment."""
    code, subscription_id, _ = debtor(app, client, admin)
    assert sweep(app)["suspended"] == 1
    return code, subscription_id


def unlock(client, headers, code, until):
    body = {"until": until if isinstance(until, str) else until.isoformat()}
    return client.post(f"{API}/customers/{code}/trust-unlock", json=body, headers=headers)


def hold(client, headers, subscription_id, body):
    url = f"{API}/subscriptions/{subscription_id}/suspension-hold"
    return client.post(url, json=body, headers=headers)


def rows(app, model) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model))


def history(client, admin, code, entity) -> list[dict]:
    found = client.get(f"{API}/customers/{code}/history?per_page=200", headers=admin).json
    return [entry for entry in found["items"] if entry["entity"] == entity]


@pytest.mark.parametrize("role", WRITERS)
def test_staff_unlock_a_customer_until_a_date(app, client, admin, headers_for, role):
    code, subscription_id = suspended_debtor(app, client, admin)
    until = _today(app) + timedelta(days=app.config["BILLING"]["trust_unlock_max_days"])
    headers = headers_for(role)

    response = unlock(client, headers, code, until)
    assert response.status_code == 201, response.get_json()
    body = response.json
    assert body["until"] == until.isoformat() and body["granted_on"] == _today(app).isoformat()
    assert body["granted_by"] and response.headers["Location"].endswith(
        f"/customers/{code}/trust-unlocks"
    )
    assert subscription(client, admin, subscription_id)["status"] == "active"
    listed = client.get(f"{API}/customers/{code}/trust-unlocks", headers=headers).json
    assert [item["id"] for item in listed["items"]] == [body["id"]] and listed["total"] == 1
    (granted,) = history(client, admin, code, "trust_unlocks")
    assert granted["action"] == "create" and granted["username"] == body["granted_by"]
    enabled = [
        entry
        for entry in history(client, admin, code, "subscriptions")
        if {"field": "status", "old": "suspended", "new": "active"} in entry["changes"]
    ]
    assert len(enabled) == 1 and enabled[0]["username"] == body["granted_by"]


def test_once_per_period_then_409_saying_when(app, client, admin):
    code, _ = suspended_debtor(app, client, admin)
    today = _today(app)
    assert unlock(client, admin, code, today).status_code == 201
    assert sweep(app, today + timedelta(days=1))["suspended"] == 1

    response = unlock(client, admin, code, today + timedelta(days=1))
    assert_envelope(response, 409)
    period = app.config["BILLING"]["trust_unlock_period_days"]
    next_on = (today + timedelta(days=period)).isoformat()
    assert response.json["errors"] == {"next_possible_on": [next_on]}
    assert next_on in response.json["message"]
    assert rows(app, TrustUnlock) == 1


def test_nothing_suspended_for_non_payment_is_409_and_records_nothing(app, client, admin):
    code, subscription_id, _ = debtor(app, client, admin)
    url = f"{API}/subscriptions/{subscription_id}/suspend"
    assert client.post(url, headers=admin).status_code == 200  # by staff: not for unlocking
    assert_envelope(unlock(client, admin, code, _today(app)), 409)
    assert rows(app, TrustUnlock) == 0 and history(client, admin, code, "trust_unlocks") == []
    assert subscription(client, admin, subscription_id)["status"] == "suspended"


@pytest.mark.parametrize(
    "until",
    ["past", "too_far", "2025-02-30", "amanhã", 20250101, None],
)
def test_bad_until_is_422_naming_it_and_changes_nothing(app, client, admin, until):
    code, subscription_id = suspended_debtor(app, client, admin)
    today, max_days = _today(app), app.config["BILLING"]["trust_unlock_max_days"]
    value = {
        "past": (today - timedelta(days=1)).isoformat(),
        "too_far": (today + timedelta(days=max_days + 1)).isoformat(),
    }.get(until, until)
    url = f"{API}/customers/{code}/trust-unlock"
    response = client.post(url, json={"until": value}, headers=admin)
    assert_envelope(response, 422)
    assert "until" in response.json["errors"]
    assert rows(app, TrustUnlock) == 0
    assert subscription(client, admin, subscription_id)["status"] == "suspended"


def test_unlock_body_shape_and_unknown_customer(app, client, admin):
    code, _ = suspended_debtor(app, client, admin)
    url = f"{API}/customers/{code}/trust-unlock"
    until = _today(app).isoformat()
    assert_envelope(client.post(url, json={}, headers=admin), 422)
    response = client.post(url, json={"until": until, "extra": 1}, headers=admin)
    assert_envelope(response, 422)
    assert "extra" in response.json["errors"]
    assert_envelope(unlock(client, admin, 999_999, until), 404)
    assert_envelope(client.get(f"{API}/customers/999999/trust-unlocks", headers=admin), 404)
    assert rows(app, TrustUnlock) == 0


@pytest.mark.parametrize("role", WRITERS)
def test_staff_hold_a_subscription_and_lift_it(app, client, admin, headers_for, role):
    headers = headers_for(role)
    subscription_id = build_subscription(app)
    code = subscription(client, admin, subscription_id)["customer_code"]
    until = (_today(app) + timedelta(days=10)).isoformat()

    response = hold(client, headers, subscription_id, {"until": until, "reason": "Negociando"})
    assert response.status_code == 201, response.get_json()
    assert response.json["until"] == until and response.json["lifted_at"] is None
    assert response.headers["Location"].endswith(
        f"/subscriptions/{subscription_id}/suspension-holds"
    )
    again = hold(client, headers, subscription_id, {"until": until, "reason": "De novo"})
    assert_envelope(again, 409)

    lifted = client.delete(
        f"{API}/subscriptions/{subscription_id}/suspension-hold", headers=headers
    )
    assert lifted.status_code == 200 and lifted.json["lifted_at"] is not None
    gone = client.delete(f"{API}/subscriptions/{subscription_id}/suspension-hold", headers=headers)
    assert_envelope(gone, 404)
    listed = client.get(f"{API}/subscriptions/{subscription_id}/suspension-holds", headers=headers)
    assert listed.json["total"] == 1 and listed.json["items"][0]["lifted_by"]
    actions = [entry["action"] for entry in history(client, admin, code, "suspension_holds")]
    assert sorted(actions) == ["create", "update"]


@pytest.mark.parametrize(
    "body",
    [
        {"until": "yesterday", "reason": "Negociando"},
        {"until": "2025-13-01", "reason": "Negociando"},
        {"reason": "Negociando"},
        {"until": "2099-01-01"},
        {"until": "2099-01-01", "reason": " "},
        {"until": "2099-01-01", "reason": "x" * 201},
        {"until": "2099-01-01", "reason": "Negociando", "note": "?"},
    ],
)
def test_bad_hold_input_is_422_and_changes_nothing(app, client, admin, body):
    subscription_id = build_subscription(app)
    if body.get("until") == "yesterday":
        body = {**body, "until": (_today(app) - timedelta(days=1)).isoformat()}
    response = hold(client, admin, subscription_id, body)
    assert_envelope(response, 422)
    assert response.json["errors"]
    assert rows(app, SuspensionHold) == 0


def test_a_cancelled_or_unknown_subscription_cannot_be_held(app, client, admin):
    subscription_id = build_subscription(app)
    cancel = {"cancel_reason": "Outros"}
    url = f"{API}/subscriptions/{subscription_id}/cancel"
    assert client.post(url, json=cancel, headers=admin).status_code == 200
    body = {"until": (_today(app) + timedelta(days=3)).isoformat(), "reason": "Negociando"}
    assert_envelope(hold(client, admin, subscription_id, body), 409)
    assert_envelope(hold(client, admin, 999_999, body), 404)
    assert rows(app, SuspensionHold) == 0


def test_a_technician_reads_but_cannot_unlock_or_hold(app, client, admin, headers_for):
    technician = headers_for("technician")
    code, subscription_id = suspended_debtor(app, client, admin)
    today = _today(app)
    assert_envelope(unlock(client, technician, code, today), 403)
    body = {"until": today.isoformat(), "reason": "Negociando"}
    assert_envelope(hold(client, technician, subscription_id, body), 403)
    assert hold(client, admin, subscription_id, body).status_code == 201
    url = f"{API}/subscriptions/{subscription_id}/suspension-hold"
    assert_envelope(client.delete(url, headers=technician), 403)
    assert rows(app, TrustUnlock) == 0
    for path in (
        f"/customers/{code}/trust-unlocks",
        f"/subscriptions/{subscription_id}/suspension-holds",
    ):
        response = client.get(f"{API}{path}", headers=technician)
        assert response.status_code == 200, response.get_json()
    assert subscription(client, admin, subscription_id)["status"] == "suspended"
