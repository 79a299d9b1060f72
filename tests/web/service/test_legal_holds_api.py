"""Legal holds on connection records and the retention's API: admin only, in the history."""

import pytest

from tests.builders import build_customer, build_login, build_subscription
from tests.outbox import recorded_effects

API = "/api/v1"
ORDER = {"reference": "Ofício 77/2030 - 2ª Vara Federal", "reason": "Processo 0001234-56"}
OTHER_ROLES = ("attendant", "finance", "technician")


def _place(client, admin, code, body=None):
    return client.post(
        f"{API}/customers/{code}/legal-holds", json=ORDER if body is None else body, headers=admin
    )


def test_an_admin_places_lists_and_lifts_a_hold(app, client, admin):
    subscription = build_subscription(app)
    build_login(app, subscription, "cliente.pppoe")
    code = client.get(f"{API}/subscriptions/{subscription}", headers=admin).json["customer_code"]
    other = build_customer(app)

    placed = _place(client, admin, code)
    assert placed.status_code == 201, placed.json
    hold = placed.json
    assert placed.headers["Location"].endswith(f"/legal-holds/{hold['id']}")
    assert (hold["customer_code"], hold["reference"], hold["reason"]) == (
        code,
        ORDER["reference"],
        ORDER["reason"],
    )
    assert hold["usernames"] == ["cliente.pppoe"]
    assert hold["in_force"] is True and hold["placed_by"] == "admin.user"
    assert _place(client, admin, other).status_code == 201

    everyone = client.get(f"{API}/legal-holds", headers=admin).json
    assert everyone["total"] == 2
    mine = client.get(f"{API}/legal-holds?customer_code={code}", headers=admin).json
    assert [h["id"] for h in mine["items"]] == [hold["id"]]
    assert client.get(f"{API}/legal-holds/{hold['id']}", headers=admin).json == hold

    lifted = client.post(
        f"{API}/legal-holds/{hold['id']}/lift", json={"reason": "Ordem cumprida"}, headers=admin
    )
    assert lifted.status_code == 200
    assert lifted.json["in_force"] is False
    assert (lifted.json["lifted_by"], lifted.json["lift_reason"]) == (
        "admin.user",
        "Ordem cumprida",
    )
    again = client.post(
        f"{API}/legal-holds/{hold['id']}/lift", json={"reason": "xx"}, headers=admin
    )
    assert again.status_code == 409
    in_force = client.get(f"{API}/legal-holds?in_force=true", headers=admin).json["items"]
    assert [h["customer_code"] for h in in_force] == [other]
    lifted_ones = client.get(f"{API}/legal-holds?in_force=false", headers=admin).json["items"]
    assert [h["id"] for h in lifted_ones] == [hold["id"]]

    # In the customer's history, for admins only (who is under an order is confidential).
    history = client.get(f"{API}/customers/{code}/history", headers=admin).json["items"]
    entries = [e for e in history if e["entity"] == "legal_holds"]
    assert [e["action"] for e in entries] == ["update", "create"]


def test_holds_are_hidden_from_other_roles_history(app, client, admin, headers_for):
    code = build_customer(app)
    assert _place(client, admin, code).status_code == 201
    for role in OTHER_ROLES:
        response = client.get(f"{API}/customers/{code}/history", headers=headers_for(role))
        assert response.status_code == 200
        assert all(e["entity"] != "legal_holds" for e in response.json["items"]), role


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_every_route_is_admin_only(app, client, admin, headers_for, role):
    code = build_customer(app)
    hold_id = _place(client, admin, code).json["id"]
    headers = headers_for(role)
    calls = [
        ("get", f"{API}/legal-holds", None),
        ("post", f"{API}/customers/{code}/legal-holds", ORDER),
        ("get", f"{API}/legal-holds/{hold_id}", None),
        ("post", f"{API}/legal-holds/{hold_id}/lift", {"reason": "sem ordem"}),
        ("get", f"{API}/connection-records/retention", None),
        ("post", f"{API}/connection-records/retention/run", None),
    ]
    with recorded_effects() as sent:
        for method, url, body in calls:
            response = getattr(client, method)(url, json=body, headers=headers)
            assert response.status_code == 403, (method, url, response.json)
    assert sent == []
    assert client.get(f"{API}/legal-holds/{hold_id}", headers=admin).json["in_force"] is True
    assert client.get(f"{API}/legal-holds", headers=admin).json["total"] == 1


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"reference": "Ofício 1"},
        {"reason": "sem número"},
        {"reference": "", "reason": "Processo"},
        {"reference": "x" * 121, "reason": "Processo"},
        {**ORDER, "until": "2031-01-01"},
        {"reference": "Ofício\u00001", "reason": "Processo"},
    ],
)
def test_bad_input_is_refused(app, client, admin, body):
    code = build_customer(app)
    assert _place(client, admin, code, body).status_code == 422
    assert client.get(f"{API}/legal-holds", headers=admin).json["total"] == 0


def test_unknown_customer_or_hold(app, client, admin):
    assert _place(client, admin, 999).status_code == 404
    assert client.get(f"{API}/legal-holds/999", headers=admin).status_code == 404
    beyond = 2**63  # no such id fits a column: not found, never an overflow
    assert client.get(f"{API}/legal-holds/{beyond}", headers=admin).status_code == 404
    huge = client.post(f"{API}/legal-holds/{beyond}/lift", json={"reason": "x y"}, headers=admin)
    assert huge.status_code == 404
    assert _place(client, admin, beyond).status_code == 404
    assert client.get(f"{API}/legal-holds?customer_code={beyond}", headers=admin).status_code == 422
    lift = client.post(f"{API}/legal-holds/999/lift", json={"reason": "x y"}, headers=admin)
    assert lift.status_code == 404
    assert client.get(f"{API}/legal-holds?customer_code=999", headers=admin).status_code == 404
    code = build_customer(app)
    hold_id = _place(client, admin, code).json["id"]
    no_reason = client.post(f"{API}/legal-holds/{hold_id}/lift", json={}, headers=admin)
    assert no_reason.status_code == 422


def test_retention_status_and_run(app, client, admin, backend):
    code = build_customer(app)
    _place(client, admin, code)
    status = client.get(f"{API}/connection-records/retention", headers=admin)
    assert status.status_code == 200
    body = status.json
    assert (body["retention_days"], body["minimum_days"], body["holds_in_force"]) == (365, 365, 1)
    assert body["partitioned"] is (backend == "postgresql")
    assert bool(body["partitions"]) is (backend == "postgresql")
    with recorded_effects() as sent:
        run = client.post(f"{API}/connection-records/retention/run", headers=admin)
    assert run.status_code == 202 and run.json == {"queued": True}
    assert [name for name, *_ in sent] == ["tasks.radius.purge_connection_records"]
