"""Selling equipment [6.5.4, 6.5.5]: the lending call with `sale`, finance's own route, the
terms each mode needs, the items sold, the sale in the history, and who may sell.

The billing itself (a task) is tested in tests/tasks/billing/test_equipment_sale.py.
"""

from datetime import timedelta

import pytest

from models.clock import local_today
from tests.builders import build_customer, build_equipment, build_subscription
from tests.web.api_helpers import API, assert_envelope
from tests.web.service.test_equipment_lending import body, rows, status_of

IN_STOCK = (201, 202, 203)


@pytest.fixture
def setup(app, make_user):
    """A customer with a subscription, three routers in stock, and the staff who hand them over."""
    make_user("joao.tecnico", "technician")
    make_user("ana.supervisora", "admin")
    code = build_customer(app)
    sub_id = build_subscription(app, code)
    items = [build_equipment(app, number) for number in IN_STOCK]
    return code, sub_id, items


def in_installments(price="300.00", installments=3) -> dict:
    return {"price": price, "mode": "billing_event", "installments": installments}


def as_receivable(app, price="450.00", days=15) -> dict:
    with app.app_context():
        due = local_today() + timedelta(days=days)
    return {"price": price, "mode": "receivable", "due_date": due.isoformat()}


def lend_url(code: int) -> str:
    return f"{API}/customers/{code}/equipment"


def sales_url(code: int) -> str:
    return f"{API}/customers/{code}/equipment-sales"


def sell(client, headers, code, sub_id, items, sale, url=None):
    payload = body(sub_id, items, sale=sale)
    return client.post(url or sales_url(code), json=payload, headers=headers)


def test_the_lending_call_with_sale_sells_the_items(client, admin, setup):
    code, sub_id, items = setup

    response = sell(client, admin, code, sub_id, items[:2], in_installments(), lend_url(code))

    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    assert [a["equipment"]["status"] for a in answer["items"]] == ["sold", "sold"]
    sale = answer["sale"]
    assert sale["price"] == "300.00" and sale["mode"] == "billing_event"
    assert sale["installments"] == 3 and sale["due_date"] is None
    assert sale["created_by"] == "admin.user" and sale["subscription_id"] == sub_id
    assert [i["equipment"]["patrimony_number"] for i in sale["items"]] == [201, 202]
    assert [status_of(client, admin, item) for item in items] == ["sold", "sold", "in_stock"]
    stock = client.get(f"{API}/equipment", query_string={"status": "sold"}, headers=admin)
    assert [item["customer_code"] for item in stock.get_json()["items"]] == [code, code]


def test_a_lending_without_sale_is_a_plain_lending(client, admin, setup):
    code, sub_id, items = setup
    response = client.post(lend_url(code), json=body(sub_id, items[:1]), headers=admin)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["sale"] is None
    assert status_of(client, admin, items[0]) == "lent"
    assert client.get(sales_url(code), headers=admin).get_json()["total"] == 0


def test_the_sales_route_answers_the_sale_and_its_location(app, client, admin, setup):
    code, sub_id, items = setup

    response = sell(client, admin, code, sub_id, items[:1], as_receivable(app))

    assert response.status_code == 201, response.get_json()
    sale = response.get_json()
    assert sale["mode"] == "receivable" and sale["installments"] is None
    assert sale["status"] in ("pending", "billed")
    location = response.headers["Location"]
    assert location.endswith(f"/customers/{code}/equipment-sales/{sale['id']}")
    again = client.get(location, headers=admin)
    assert again.status_code == 200 and again.get_json()["id"] == sale["id"]
    listed = client.get(sales_url(code), headers=admin).get_json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == sale["id"]


def test_a_sold_item_is_not_returned_to_stock(client, admin, setup):
    code, sub_id, items = setup
    sold = sell(client, admin, code, sub_id, items[:1], in_installments()).get_json()
    held = client.get(lend_url(code), headers=admin).get_json()["items"]
    assert [a["equipment"]["id"] for a in held] == [items[0]]
    answer = client.post(f"{lend_url(code)}/{held[0]['id']}/return", headers=admin)
    assert_envelope(answer, 409, "conflict")
    assert status_of(client, admin, items[0]) == "sold"
    assert sold["items"][0]["equipment"]["id"] == items[0]


def test_only_items_in_stock_are_sold(client, admin, setup):
    code, sub_id, items = setup
    assert client.post(lend_url(code), json=body(sub_id, items[:1]), headers=admin).status_code
    answer = sell(client, admin, code, sub_id, items[:2], in_installments())
    assert_envelope(answer, 409, "conflict")
    assert status_of(client, admin, items[1]) == "in_stock"


@pytest.mark.parametrize(
    ("sale", "field"),
    [
        ({"price": "0.00", "mode": "billing_event", "installments": 2}, "price"),
        ({"price": "-5.00", "mode": "billing_event", "installments": 2}, "price"),
        ({"price": 10, "mode": "billing_event", "installments": 2}, "price"),
        ({"price": "10.001", "mode": "billing_event", "installments": 2}, "price"),
        ({"price": "100000000.00", "mode": "receivable", "due_date": "2099-01-01"}, "price"),
        ({"price": "10.00", "mode": "leasing", "installments": 2}, "mode"),
        ({"price": "10.00", "mode": "billing_event"}, "installments"),
        ({"price": "10.00", "mode": "billing_event", "installments": 0}, "installments"),
        ({"price": "10.00", "mode": "billing_event", "installments": 121}, "installments"),
        ({"price": "10.00", "mode": "billing_event", "installments": "3"}, "installments"),
        ({"price": "0.05", "mode": "billing_event", "installments": 6}, "installments"),
        ({"price": "10.00", "mode": "receivable"}, "due_date"),
        ({"price": "10.00", "mode": "receivable", "due_date": "2020-01-01"}, "due_date"),
        ({"price": "10.00", "mode": "receivable", "due_date": "31/12/2099"}, "due_date"),
        (
            {"price": "10.00", "mode": "receivable", "due_date": "2099-01-01", "installments": 2},
            "installments",
        ),
        (
            {
                "price": "10.00",
                "mode": "billing_event",
                "installments": 2,
                "due_date": "2099-01-01",
            },
            "due_date",
        ),
        ({"price": "10.00", "mode": "billing_event", "installments": 2, "x": 1}, "x"),
        ({"mode": "billing_event", "installments": 2}, "price"),
    ],
)
def test_each_bad_sale_is_a_422_naming_its_field_and_changes_nothing(
    app, client, admin, setup, sale, field
):
    code, sub_id, items = setup
    history = client.get(f"{API}/customers/{code}/history", headers=admin).get_json()["total"]
    for url in (sales_url(code), lend_url(code)):
        answer = sell(client, admin, code, sub_id, items[:1], sale, url)
        errors = assert_envelope(answer, 422, "validation_error")["errors"]
        assert field in errors["sale"], errors
    assert status_of(client, admin, items[0]) == "in_stock"
    assert rows(app, "equipment_sales") == rows(app, "equipment_assignments") == 0
    after = client.get(f"{API}/customers/{code}/history", headers=admin).get_json()["total"]
    assert after == history


def test_the_sales_route_needs_a_sale(client, admin, setup):
    code, sub_id, items = setup
    answer = client.post(sales_url(code), json=body(sub_id, items[:1]), headers=admin)
    assert "sale" in assert_envelope(answer, 422, "validation_error")["errors"]


def test_the_sale_and_its_items_are_in_the_customer_s_history(client, admin, setup):
    code, sub_id, items = setup
    sale = sell(client, admin, code, sub_id, items[:1], in_installments()).get_json()
    entries = client.get(f"{API}/customers/{code}/history", headers=admin).get_json()["items"]
    # A worker may already have billed it (an "update" entry, newer): look for the creation.
    created = next(
        e for e in entries if e["entity"] == "equipment_sales" and e["action"] == "create"
    )
    assert created["entity_id"] == str(sale["id"])
    changes = {c["field"]: c["new"] for c in created["changes"]}
    assert changes["price"] == "300.00" and changes["mode"] == "billing_event"
    item = next(e for e in entries if e["entity"] == "equipment" and e["action"] == "update")
    assert {c["field"]: c["new"] for c in item["changes"]}["status"] == "sold"


def test_another_customer_s_sale_is_not_found(app, client, admin, setup):
    code, sub_id, items = setup
    sale = sell(client, admin, code, sub_id, items[:1], in_installments()).get_json()
    other = build_customer(app)
    answer = client.get(f"{sales_url(other)}/{sale['id']}", headers=admin)
    assert_envelope(answer, 404, "not_found")
    assert_envelope(client.get(sales_url(9999), headers=admin), 404, "not_found")


# --- roles ----------------------------------------------------------------------------------


def test_attendant_may_read_sales_but_not_sell(app, client, headers_for, admin, setup):
    code, sub_id, items = setup
    sell(client, admin, code, sub_id, items[:1], in_installments())
    attendant = headers_for("attendant")
    for url in (sales_url(code), lend_url(code)):
        answer = sell(client, attendant, code, sub_id, items[1:2], in_installments(), url)
        assert_envelope(answer, 403, "forbidden")
    assert status_of(client, admin, items[1]) == "in_stock"
    listed = client.get(sales_url(code), headers=attendant).get_json()["items"]
    assert len(listed) == 1 and listed[0]["billing_events"] is not None  # reads receivables


def test_finance_sells_through_the_sales_route_only(app, client, headers_for, setup):
    code, sub_id, items = setup
    finance = headers_for("finance")
    lending = sell(client, finance, code, sub_id, items[:1], in_installments(), lend_url(code))
    assert_envelope(lending, 403, "forbidden")  # no equipment WRITE: the lending route is not its
    answer = sell(client, finance, code, sub_id, items[:1], as_receivable(app))
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["created_by"] == "finance.user"
    assert status_of(client, finance, items[0]) == "sold"


@pytest.mark.parametrize("role", ["admin", "technician"])
def test_admin_and_technician_sell_by_either_route(app, client, headers_for, setup, role):
    code, sub_id, items = setup
    staff = headers_for(role)
    first = sell(client, staff, code, sub_id, items[:1], in_installments(), lend_url(code))
    second = sell(client, staff, code, sub_id, items[1:2], as_receivable(app))
    assert (first.status_code, second.status_code) == (201, 201), second.get_json()
    assert [status_of(client, staff, item) for item in items[:2]] == ["sold", "sold"]


def test_a_technician_sees_the_sale_but_not_its_receivables(client, headers_for, setup):
    code, sub_id, items = setup
    technician = headers_for("technician")
    sell(client, technician, code, sub_id, items[:1], in_installments())
    (sale,) = client.get(sales_url(code), headers=technician).get_json()["items"]
    assert sale["price"] == "300.00"
    assert sale["billing_events"] is None and sale["receivable"] is None


def test_a_lending_role_without_the_sale_right_gets_403_with_sale(
    app, client, headers_for, setup, monkeypatch
):
    """The route checks equipment_sale itself: were a role to lend without selling."""
    from web.permissions import ROLE_TABLE

    code, sub_id, items = setup
    monkeypatch.setitem(ROLE_TABLE, "equipment_sale", {"write": ("admin", "finance")})
    technician = headers_for("technician")
    answer = sell(client, technician, code, sub_id, items[:1], in_installments(), lend_url(code))
    assert_envelope(answer, 403, "forbidden")
    assert status_of(client, technician, items[0]) == "in_stock"
    plain = client.post(lend_url(code), json=body(sub_id, items[:1]), headers=technician)
    assert plain.status_code == 201
