"""Receivables through the API: listing and filters, settling, cancelling, manual ones, roles."""

from datetime import timedelta
from decimal import Decimal

import pytest

from models.billing.billing_events import add_installments
from models.clock import local_today
from models.db import db
from models.service.subscriptions import Subscription
from tasks.billing import run_monthly_billing
from tests.builders import build_customer, build_receivable, build_subscription
from tests.web.api_helpers import API, assert_envelope

pytestmark = pytest.mark.calendar  # also run at the calendar's edges (conftest)

ROLES = ("admin", "attendant", "finance", "technician")


def _today(app):
    with app.app_context():
        return local_today()


def _url(receivable_id: int, action: str = "") -> str:
    return f"{API}/receivables/{receivable_id}" + (f"/{action}" if action else "")


def _history(client, headers, code: int) -> list[dict]:
    body = client.get(f"{API}/customers/{code}/history", headers=headers).get_json()
    return [entry for entry in body["items"] if entry["entity"] == "receivables"]


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(db.text("SELECT count(*) FROM receivables"))


def test_a_receivable_reads_with_its_lines(app, client, admin):
    code = build_customer(app)
    receivable_id = build_receivable(app, customer_code=code, amount="79.90")
    body = client.get(_url(receivable_id), headers=admin).get_json()
    assert body["customer_code"] == code and body["amount"] == "79.90"
    assert body["status"] == "open" and body["paid_on"] is None
    assert body["lines"] == [
        {
            "id": body["lines"][0]["id"],
            "description": "Plano",
            "amount": "79.90",
            "kind": "plan",
            "billing_event_id": None,
        }
    ]
    assert_envelope(client.get(_url(999), headers=admin), 404, "not_found")
    assert_envelope(client.get(_url(2**40), headers=admin), 404, "not_found")


def test_the_list_filters_by_customer_status_and_due_dates(app, client, admin):
    today = _today(app)
    first, second = build_customer(app), build_customer(app)
    early = build_receivable(app, customer_code=first, due_date=today + timedelta(days=1))
    late = build_receivable(app, customer_code=first, due_date=today + timedelta(days=30))
    other = build_receivable(app, customer_code=second, due_date=today + timedelta(days=5))
    client.post(
        _url(other, "payments"), json={"paid_on": str(today), "amount": "99.90"}, headers=admin
    )

    def ids(url, **query):
        response = client.get(url, query_string=query, headers=admin)
        assert response.status_code == 200, response.get_json()
        return [item["id"] for item in response.get_json()["items"]]

    assert ids(f"{API}/receivables") == [late, other, early]  # due date, newest first
    assert ids(f"{API}/receivables", customer_code=first) == [late, early]
    assert ids(f"{API}/receivables", status="paid") == [other]
    assert ids(f"{API}/receivables", due_from=str(today + timedelta(days=2))) == [late, other]
    assert ids(f"{API}/receivables", due_to=str(today + timedelta(days=5))) == [other, early]
    assert ids(f"{API}/customers/{first}/receivables", status="open") == [late, early]
    page = client.get(f"{API}/receivables", query_string={"per_page": 1, "page": 2}, headers=admin)
    assert page.get_json()["total"] == 3 and len(page.get_json()["items"]) == 1
    assert_envelope(client.get(f"{API}/customers/999/receivables", headers=admin), 404, "not_found")


@pytest.mark.parametrize("prefix", ["", "/customers/{code}"])
def test_a_due_range_that_ends_before_it_starts_is_a_422(app, client, admin, prefix):
    code = build_customer(app)
    query = {"due_from": "2026-12-10", "due_to": "2026-12-01"}
    url = f"{API}{prefix.format(code=code)}/receivables"
    body = assert_envelope(
        client.get(url, query_string=query, headers=admin), 422, "validation_error"
    )
    assert set(body["errors"]) == {"due_from"}
    for bad in ({"status": "late"}, {"due_from": "2026-13-01"}, {"per_page": 500}):
        assert_envelope(
            client.get(f"{API}/receivables", query_string=bad, headers=admin),
            422,
            "validation_error",
        )


def test_a_payment_settles_it_once_and_is_in_history(app, client, admin):
    code = build_customer(app)
    receivable_id = build_receivable(app, customer_code=code)
    today = _today(app)
    paid = client.post(
        _url(receivable_id, "payments"),
        json={"paid_on": str(today), "amount": "105.00"},
        headers=admin,
    )
    assert paid.status_code == 200, paid.get_json()
    body = paid.get_json()
    assert (body["status"], body["paid_on"], body["paid_amount"]) == ("paid", str(today), "105.00")
    assert body["amount"] == "99.90"  # what was owed stays; more received is recorded as such
    assert (body["balance"], body["overpaid"]) == ("0.00", "5.10")
    again = client.post(
        _url(receivable_id, "payments"),
        json={"paid_on": str(today), "amount": "1.00"},
        headers=admin,
    )
    assert_envelope(again, 409, "conflict")
    update = next(entry for entry in _history(client, admin, code) if entry["action"] == "update")
    assert {"field": "status", "old": "open", "new": "paid"} in update["changes"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"paid_on": "FUTURE", "amount": "10.00"}, "paid_on"),
        ({"paid_on": "TODAY", "amount": "-1.00"}, "amount"),
        ({"paid_on": "TODAY", "amount": "0.00"}, "amount"),
        ({"paid_on": "TODAY", "amount": "0"}, "amount"),
        ({"paid_on": "TODAY", "amount": 10.0}, "amount"),
        ({"paid_on": "TODAY"}, "amount"),
        ({"amount": "10.00"}, "paid_on"),
        ({"paid_on": "TODAY", "amount": "1.00", "note": "x"}, "note"),
    ],
)
def test_a_bad_payment_names_the_field_and_changes_nothing(app, client, admin, body, field):
    code = build_customer(app)
    receivable_id = build_receivable(app, customer_code=code)
    today = _today(app)
    dates = {"TODAY": str(today), "FUTURE": str(today + timedelta(days=1))}
    body = {
        key: dates.get(value, value) if isinstance(value, str) else value
        for key, value in body.items()
    }
    response = client.post(_url(receivable_id, "payments"), json=body, headers=admin)
    error = assert_envelope(response, 422, "validation_error")
    assert field in error["errors"]
    assert client.get(_url(receivable_id), headers=admin).get_json()["status"] == "open"
    assert [e["action"] for e in _history(client, admin, code)] == ["create"]


def test_cancelling_needs_a_reason_and_returns_installments_to_billing(app, client, admin):
    today = _today(app)
    month = (today.replace(day=28) + timedelta(days=4)).replace(day=1)
    subscription_id = build_subscription(app, due_day=10, first_due_date=month.replace(day=10))
    with app.app_context():
        code = db.session.get(Subscription, subscription_id).customer_code
        add_installments(code, subscription_id, "Roteador", Decimal("60.00"), 2, "sale:7")
        db.session.commit()
    run_monthly_billing(month.isoformat())
    (receivable,) = client.get(f"{API}/customers/{code}/receivables", headers=admin).json["items"]
    assert receivable["amount"] == "129.90"

    refused = client.post(_url(receivable["id"], "cancel"), json={"reason": "  "}, headers=admin)
    assert "reason" in assert_envelope(refused, 422, "validation_error")["errors"]
    cancelled = client.post(
        _url(receivable["id"], "cancel"), json={"reason": "Cobrança indevida"}, headers=admin
    )
    assert cancelled.status_code == 200, cancelled.get_json()
    body = cancelled.get_json()
    assert (body["status"], body["cancel_reason"]) == ("cancelled", "Cobrança indevida")
    assert body["cancelled_by"] == "admin.user"
    assert_envelope(
        client.post(_url(receivable["id"], "cancel"), json={"reason": "x"}, headers=admin),
        409,
        "conflict",
    )
    paying = {"paid_on": str(today), "amount": "1.00"}
    assert_envelope(
        client.post(_url(receivable["id"], "payments"), json=paying, headers=admin), 409, "conflict"
    )
    with app.app_context():
        statuses = (
            db.session.execute(db.text("SELECT status FROM billing_events ORDER BY sequence"))
            .scalars()
            .all()
        )
    assert statuses == ["pending", "pending"]  # the next month's billing takes the first again


def test_a_manual_receivable_is_the_sum_of_its_lines(app, client, admin):
    code = build_customer(app)
    due = str(_today(app) + timedelta(days=7))
    body = {
        "description": "Visita técnica",
        "due_date": due,
        "lines": [
            {"description": "Visita", "amount": "80.00"},
            {"description": "Cabo", "amount": "15.50"},
        ],
    }
    response = client.post(f"{API}/customers/{code}/receivables", json=body, headers=admin)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert response.headers["Location"].endswith(f"/receivables/{created['id']}")
    assert (created["amount"], created["subscription_id"], created["due_date"]) == (
        "95.50",
        None,
        due,
    )
    assert [line["kind"] for line in created["lines"]] == ["other", "other"]
    assert [e["action"] for e in _history(client, admin, code)] == ["create"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"due_date": "PAST"}, "due_date"),
        ({"lines": []}, "lines"),
        ({"lines": [{"description": "Nada", "amount": "0.00"}]}, "lines"),
        ({"lines": [{"description": "Caro", "amount": "9999999999.99"}] * 2}, "lines"),
        ({"lines": [{"description": "Caro", "amount": "9999999999.99"}]}, "lines"),
        ({"lines": [{"description": "Caro", "amount": "100000000.00"}]}, "lines"),
        ({"lines": [{"description": "", "amount": "1.00"}]}, "lines"),
        ({"description": " "}, "description"),
        ({"subscription_id": 1}, "subscription_id"),
    ],
)
def test_a_bad_manual_receivable_names_the_field_and_creates_nothing(
    app, client, admin, change, field
):
    code = build_customer(app)
    today = _today(app)
    body = {
        "description": "Avulso",
        "due_date": str(today + timedelta(days=3)),
        "lines": [{"description": "Serviço", "amount": "10.00"}],
        **change,
    }
    if body["due_date"] == "PAST":
        body["due_date"] = str(today - timedelta(days=1))
    response = client.post(f"{API}/customers/{code}/receivables", json=body, headers=admin)
    error = assert_envelope(response, 422, "validation_error")
    assert field in error["errors"]
    assert _count(app) == 0
    assert _history(client, admin, code) == []


def test_a_manual_receivable_for_no_customer_is_a_404(app, client, admin):
    body = {
        "description": "Avulso",
        "due_date": str(_today(app)),
        "lines": [{"description": "Serviço", "amount": "10.00"}],
    }
    assert_envelope(
        client.post(f"{API}/customers/999/receivables", json=body, headers=admin), 404, "not_found"
    )


@pytest.mark.parametrize("role", ROLES)
def test_who_reads_and_who_changes_receivables(app, client, headers_for, role):
    headers = headers_for(role)
    code = build_customer(app)
    receivable_id = build_receivable(app, customer_code=code)
    other_id = build_receivable(app, customer_code=code)
    reads = [
        client.get(f"{API}/receivables", headers=headers),
        client.get(f"{API}/customers/{code}/receivables", headers=headers),
        client.get(_url(receivable_id), headers=headers),
    ]
    today = str(_today(app))
    writes = [
        client.post(
            _url(receivable_id, "payments"),
            json={"paid_on": today, "amount": "99.90"},
            headers=headers,
        ),
        client.post(_url(other_id, "cancel"), json={"reason": "Erro"}, headers=headers),
        client.post(
            f"{API}/customers/{code}/receivables",
            json={
                "description": "Avulso",
                "due_date": today,
                "lines": [{"description": "X", "amount": "1.00"}],
            },
            headers=headers,
        ),
    ]
    may_read = role in ("admin", "attendant", "finance")
    may_write = role in ("admin", "finance")
    for response in reads:
        assert response.status_code == (200 if may_read else 403), response.get_json()
    assert [r.status_code for r in writes] == ([200, 200, 201] if may_write else [403, 403, 403])
    if not may_write:
        assert _count(app) == 2
        assert all(r.get_json()["code"] == "forbidden" for r in writes)


def _pay(client, headers, receivable_id: int, amount: str, paid_on) -> dict:
    response = client.post(
        _url(receivable_id, "payments"),
        json={"paid_on": str(paid_on), "amount": amount},
        headers=headers,
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_payment_below_the_amount_leaves_the_balance_owed(app, client, admin):
    code = build_customer(app)
    receivable_id = build_receivable(app, customer_code=code, amount="125.50")
    today = _today(app)

    body = _pay(client, admin, receivable_id, "100.00", today)
    assert (body["status"], body["paid_amount"], body["balance"]) == (
        "partially_paid",
        "100.00",
        "25.50",
    )
    assert (body["amount"], body["overpaid"], body["paid_on"]) == ("125.50", "0.00", str(today))
    listed = client.get(f"{API}/receivables?status=partially_paid", headers=admin).get_json()
    assert [item["id"] for item in listed["items"]] == [receivable_id]

    body = _pay(client, admin, receivable_id, "25.50", today)
    assert (body["status"], body["paid_amount"], body["balance"], body["overpaid"]) == (
        "paid",
        "125.50",
        "0.00",
        "0.00",
    )
    statuses = [
        change["new"]
        for entry in reversed(_history(client, admin, code))
        for change in entry["changes"]
        if change["field"] == "status"
    ]
    assert statuses == ["open", "partially_paid", "paid"]


def test_an_overpayment_is_recorded_as_overpaid(app, client, admin):
    receivable_id = build_receivable(app, amount="125.50")
    body = _pay(client, admin, receivable_id, "130.00", _today(app))
    assert (body["status"], body["paid_amount"], body["balance"], body["overpaid"]) == (
        "paid",
        "130.00",
        "0.00",
        "4.50",
    )
    again = client.get(_url(receivable_id), headers=admin).get_json()
    assert again["overpaid"] == "4.50"


def test_payments_add_up_and_the_last_one_may_overpay(app, client, admin):
    receivable_id = build_receivable(app, amount="125.50")
    today = _today(app)
    _pay(client, admin, receivable_id, "50.00", today)
    body = _pay(client, admin, receivable_id, "80.00", today)
    assert (body["status"], body["paid_amount"], body["overpaid"]) == ("paid", "130.00", "4.50")
    late = client.post(
        _url(receivable_id, "payments"),
        json={"paid_on": str(today), "amount": "1.00"},
        headers=admin,
    )
    assert_envelope(late, 409, "conflict")


def test_a_partially_paid_receivable_cannot_be_cancelled(app, client, admin):
    receivable_id = build_receivable(app, amount="125.50")
    _pay(client, admin, receivable_id, "100.00", _today(app))
    response = client.post(_url(receivable_id, "cancel"), json={"reason": "x"}, headers=admin)
    assert_envelope(response, 409, "conflict")
    assert client.get(_url(receivable_id), headers=admin).get_json()["status"] == "partially_paid"
