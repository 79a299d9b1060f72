"""Lending equipment to a customer's subscription [6.5.1-6.5.3]: only items in stock, all or
nothing (also between two parallel requests), the customer's holdings per subscription, giving
an item back ("Retirar Item"), the history of both, and who may do what."""

import threading

import pytest
from sqlalchemy import text

from models.db import db
from tests.builders import build_customer, build_equipment, build_subscription
from tests.web.api_helpers import API, assert_envelope


def lend_url(code: int) -> str:
    return f"{API}/customers/{code}/equipment"


@pytest.fixture
def staff(make_user):
    """The field technician who installs and the supervisor who confirms."""
    make_user("joao.tecnico", "technician")
    make_user("ana.supervisora", "admin")


@pytest.fixture
def setup(app, staff):
    """A customer with a subscription, and three routers in stock (patrimony 101-103)."""
    code = build_customer(app)
    sub_id = build_subscription(app, code)
    items = [build_equipment(app, number) for number in (101, 102, 103)]
    return code, sub_id, items


def body(sub_id: int, items: list[int], **fields) -> dict:
    return {
        "subscription_id": sub_id,
        "responsible_user": "joao.tecnico",
        "confirming_user": "ana.supervisora",
        "items": items,
        **fields,
    }


def lend(client, headers, code: int, sub_id: int, items: list[int], **fields):
    return client.post(lend_url(code), json=body(sub_id, items, **fields), headers=headers)


def held(client, headers, code: int, **query) -> list[dict]:
    response = client.get(lend_url(code), query_string=query, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def status_of(client, headers, item_id: int) -> str:
    return client.get(f"{API}/equipment/{item_id}", headers=headers).get_json()["status"]


def rows(app, table: str) -> int:
    with app.app_context():
        return db.session.scalar(text(f"SELECT count(*) FROM {table}"))  # noqa: S608


def test_lending_marks_the_items_lent_to_the_subscription(client, admin, setup):
    code, sub_id, items = setup

    response = lend(client, admin, code, sub_id, items[:2])

    assert response.status_code == 201, response.get_json()
    assert response.headers["Location"].endswith(
        f"/customers/{code}/equipment?subscription_id={sub_id}"
    )
    lent = response.get_json()["items"]
    assert [a["equipment"]["patrimony_number"] for a in lent] == [101, 102]
    first = lent[0]
    assert first["responsible_user"] == "joao.tecnico"
    assert first["confirming_user"] == "ana.supervisora"
    assert first["lent_by"] == "admin.user"
    assert first["returned_at"] is None
    assert first["equipment"]["status"] == "lent"
    assert first["equipment"]["customer_code"] == code
    assert first["equipment"]["subscription_id"] == sub_id
    assert status_of(client, admin, items[2]) == "in_stock"


def test_the_customer_s_equipment_is_listed_per_subscription(app, client, admin, setup):
    code, sub_id, items = setup
    other_sub = build_subscription(app, code)
    lend(client, admin, code, sub_id, [items[0]])
    lend(client, admin, code, other_sub, [items[1]])

    def patrimonies(**query):
        return sorted(
            a["equipment"]["patrimony_number"] for a in held(client, admin, code, **query)
        )

    assert patrimonies() == [101, 102]
    assert patrimonies(subscription_id=sub_id) == [101]
    assert patrimonies(subscription_id=other_sub) == [102]
    assert held(client, admin, build_customer(app)) == []  # another customer holds nothing


def test_only_items_in_stock_are_lent_and_the_409_names_the_others(client, admin, setup):
    code, sub_id, items = setup
    lend(client, admin, code, sub_id, [items[0]])
    client.patch(f"{API}/equipment/{items[1]}", json={"status": "retired"}, headers=admin)

    response = lend(client, admin, code, sub_id, items)

    errors = assert_envelope(response, 409, "conflict")["errors"]
    assert "101" in errors["items"][0] and "lent" in errors["items"][0]
    assert "102" in errors["items"][0] and "retired" in errors["items"][0]
    assert "103" not in errors["items"][0]
    # All or nothing: the one in stock was not lent either.
    assert status_of(client, admin, items[2]) == "in_stock"
    assert len(held(client, admin, code)) == 1


def test_a_refused_lending_leaves_no_row_and_no_history(app, client, admin, setup):
    code, sub_id, items = setup
    before = client.get(f"{API}/customers/{code}/history", headers=admin).get_json()["total"]

    lend(client, admin, code, sub_id, [items[0], 999_999])

    assert rows(app, "equipment_assignments") == 0
    after = client.get(f"{API}/customers/{code}/history", headers=admin).get_json()["total"]
    assert after == before
    assert status_of(client, admin, items[0]) == "in_stock"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"responsible_user": "ninguem"}, "responsible_user"),
        ({"confirming_user": "ninguem"}, "confirming_user"),
        ({"confirming_user": "inativo"}, "confirming_user"),
        ({"confirming_user": "joao.tecnico"}, "confirming_user"),
        ({"responsible_user": "joão"}, "responsible_user"),
        ({"items": []}, "items"),
        ({"items": [0]}, "items"),
        ({"items": [999_999]}, "items"),
        ({"items": "101"}, "items"),
        ({"subscription_id": 999_999}, "subscription_id"),
        ({"subscription_id": "1"}, "subscription_id"),
        ({"sale": {"price": "10.00"}}, "sale"),
    ],
)
def test_each_bad_input_is_a_422_naming_its_field(
    app, client, admin, make_user, setup, change, field
):
    code, sub_id, items = setup
    make_user("inativo", "technician", active=False)

    payload = {**body(sub_id, [items[0]]), **change}
    response = client.post(lend_url(code), json=payload, headers=admin)

    assert field in assert_envelope(response, 422, "validation_error")["errors"]
    assert rows(app, "equipment_assignments") == 0


def test_an_item_listed_twice_is_a_422(client, admin, setup):
    code, sub_id, items = setup
    response = lend(client, admin, code, sub_id, [items[0], items[0]])
    assert "items" in assert_envelope(response, 422, "validation_error")["errors"]


def test_another_customer_s_subscription_is_a_422(app, client, admin, setup):
    code, _sub_id, items = setup
    stranger_sub = build_subscription(app)

    response = lend(client, admin, code, stranger_sub, [items[0]])

    assert "subscription_id" in assert_envelope(response, 422, "validation_error")["errors"]
    assert status_of(client, admin, items[0]) == "in_stock"


def test_a_cancelled_subscription_takes_no_equipment(client, admin, setup):
    code, sub_id, items = setup
    cancelled = client.post(
        f"{API}/subscriptions/{sub_id}/cancel", json={"cancel_reason": "Outros"}, headers=admin
    )
    assert cancelled.status_code == 200, cancelled.get_json()

    assert_envelope(lend(client, admin, code, sub_id, [items[0]]), 409, "conflict")
    assert status_of(client, admin, items[0]) == "in_stock"


def test_an_unknown_customer_is_a_404(client, admin, setup):
    _code, sub_id, items = setup
    assert_envelope(lend(client, admin, 999_999, sub_id, [items[0]]), 404, "not_found")
    assert_envelope(client.get(lend_url(999_999), headers=admin), 404, "not_found")


def test_two_parallel_lendings_of_one_item_one_wins(app, client, admin, setup):
    code, sub_id, _items = setup
    rival_code = build_customer(app)
    rival_sub = build_subscription(app, rival_code)
    attempts = [(code, sub_id), (rival_code, rival_sub)]
    for patrimony in range(
        1000, 1003
    ):  # a few rounds: the race is real, so give it chances to go wrong
        item = build_equipment(app, patrimony)
        barrier = threading.Barrier(2)
        responses = [None, None]

        def run(index, item=item, barrier=barrier, responses=responses):
            own_client = app.test_client()
            barrier.wait()
            responses[index] = lend(own_client, admin, *attempts[index], [item])

        threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

        statuses = sorted(r.status_code for r in responses)
        assert statuses == [201, 409], [r.get_json() for r in responses]
        loser = next(r for r in responses if r.status_code == 409).get_json()
        # The row lock made the loser wait and then see the item lent (not the index backstop).
        assert f"nº {patrimony}, lent" in loser["errors"]["items"][0], loser
        with app.app_context():
            open_rows = db.session.scalar(
                text(
                    "SELECT count(*) FROM equipment_assignments "
                    "WHERE equipment_id = :i AND returned_at IS NULL"
                ),
                {"i": item},
            )
        assert open_rows == 1


def test_returning_an_item_puts_it_back_in_stock_with_who_and_when(client, headers_for, setup):
    code, sub_id, items = setup
    technician = headers_for("technician")
    lent = lend(client, technician, code, sub_id, items[:2]).get_json()["items"]
    url = f"{lend_url(code)}/{lent[0]['id']}/return"

    response = client.post(url, headers=technician)

    assert response.status_code == 200, response.get_json()
    returned = response.get_json()
    assert returned["returned_by"] == "technician.user"
    assert returned["returned_at"] is not None
    assert returned["equipment"]["status"] == "in_stock"
    assert returned["equipment"]["customer_code"] is None
    assert [a["id"] for a in held(client, technician, code)] == [lent[1]["id"]]
    assert [a["id"] for a in held(client, technician, code, state="returned")] == [lent[0]["id"]]
    assert len(held(client, technician, code, state="all")) == 2
    assert_envelope(client.post(url, headers=technician), 409, "conflict")
    # Back in stock: it can be lent again.
    assert lend(client, technician, code, sub_id, [items[0]]).status_code == 201


def test_an_item_is_returned_only_through_its_own_customer(app, client, admin, setup):
    code, sub_id, items = setup
    lent = lend(client, admin, code, sub_id, [items[0]]).get_json()["items"][0]
    other = build_customer(app)

    wrong = client.post(f"{lend_url(other)}/{lent['id']}/return", headers=admin)
    missing = client.post(f"{lend_url(code)}/999999/return", headers=admin)

    assert_envelope(wrong, 404, "not_found")
    assert_envelope(missing, 404, "not_found")
    assert status_of(client, admin, items[0]) == "lent"


def test_lending_and_return_are_in_the_customer_s_and_the_item_s_history(client, admin, setup):
    code, sub_id, items = setup
    lent = lend(client, admin, code, sub_id, [items[0]]).get_json()["items"][0]
    client.post(f"{lend_url(code)}/{lent['id']}/return", headers=admin)

    customer = client.get(f"{API}/customers/{code}/history", headers=admin).get_json()["items"]
    mine = [(e["entity"], e["action"]) for e in customer if e["entity"].startswith("equipment")]
    item = client.get(f"{API}/equipment/{items[0]}/history", headers=admin).get_json()["items"]

    assert sorted(mine) == sorted(
        [
            ("equipment_assignments", "create"),
            ("equipment", "update"),
            ("equipment_assignments", "update"),
            ("equipment", "update"),
        ]
    )
    created = next(
        e for e in customer if e["entity"] == "equipment_assignments" and e["action"] == "create"
    )
    assert {"field": "responsible_user", "old": None, "new": "joao.tecnico"} in created["changes"]
    statuses = [
        change for entry in item for change in entry["changes"] if change["field"] == "status"
    ]
    assert statuses[:2] == [
        {"field": "status", "old": "lent", "new": "in_stock"},
        {"field": "status", "old": "in_stock", "new": "lent"},
    ]
    assert {e["entity"] for e in item} == {"equipment", "equipment_assignments"}


@pytest.mark.parametrize("role", ["attendant", "finance"])
def test_attendant_and_finance_see_the_equipment_but_neither_lend_nor_collect(
    client, admin, headers_for, setup, role
):
    code, sub_id, items = setup
    lent = lend(client, admin, code, sub_id, [items[0]]).get_json()["items"][0]
    headers = headers_for(role)

    assert [a["id"] for a in held(client, headers, code)] == [lent["id"]]
    assert_envelope(lend(client, headers, code, sub_id, [items[1]]), 403, "forbidden")
    returned = client.post(f"{lend_url(code)}/{lent['id']}/return", headers=headers)
    assert_envelope(returned, 403, "forbidden")
    assert status_of(client, admin, items[0]) == "lent"
    assert status_of(client, admin, items[1]) == "in_stock"


@pytest.mark.parametrize("role", ["admin", "technician"])
def test_admin_and_technician_lend_and_collect(client, headers_for, setup, role):
    code, sub_id, items = setup
    headers = headers_for(role)

    lent = lend(client, headers, code, sub_id, [items[0]])
    assert lent.status_code == 201
    assignment_id = lent.get_json()["items"][0]["id"]
    returned = client.post(f"{lend_url(code)}/{assignment_id}/return", headers=headers)
    assert returned.status_code == 200
