"""Equipment inventory [6.5]: adding and correcting items, MAC notations, retiring, the search
by patrimony range, type, serial and MAC [6.5.3], the item's history, and who may do what."""

import pytest
from sqlalchemy import text

from models.db import db
from tests.builders import build_equipment
from tests.web.api_helpers import API, assert_envelope

URL = f"{API}/equipment"


def new_item(**fields) -> dict:
    return {"patrimony_number": 1001, "type": "onu", "model": "ZTE F670L", **fields}


def create(client, headers, **fields) -> dict:
    response = client.post(URL, json=new_item(**fields), headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def search(client, headers, **query) -> list[dict]:
    response = client.get(URL, query_string=query, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def patrimonies(client, headers, **query) -> list[int]:
    return [item["patrimony_number"] for item in search(client, headers, **query)]


def count(app, table: str) -> int:
    with app.app_context():
        return db.session.scalar(text(f"SELECT count(*) FROM {table}"))  # noqa: S608


def test_create_answers_201_with_location_and_the_item_in_stock(client, admin):
    response = client.post(
        URL, json=new_item(serial_number=" ZTEG1234 ", mac="AA:BB:CC:DD:EE:0F"), headers=admin
    )

    assert response.status_code == 201
    body = response.get_json()
    assert response.headers["Location"].endswith(f"{URL}/{body['id']}")
    assert body["status"] == "in_stock"
    assert body["serial_number"] == "ZTEG1234"
    assert body["mac"] == "aa:bb:cc:dd:ee:0f"
    assert body["customer_code"] is None
    assert client.get(response.headers["Location"], headers=admin).get_json() == body


@pytest.mark.parametrize(
    "typed",
    [
        "AA:BB:CC:DD:EE:FF",
        "aa-bb-cc-dd-ee-ff",
        "aabb.ccdd.eeff",
        "AABBCCDDEEFF",
        "Aa:bB:cc:DD:ee:Ff",
    ],
)
def test_every_common_mac_notation_is_stored_lower_case_with_colons(client, admin, typed):
    assert create(client, admin, mac=typed)["mac"] == "aa:bb:cc:dd:ee:ff"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("mac", "AA:BB:CC:DD:EE"),
        ("mac", "AA:BB:CC:DD:EE:GG"),
        ("mac", "AA:BB-CC:DD:EE:FF"),
        ("mac", "aabb.ccdd.eef"),
        ("mac", "00:00:00:00:00:00"),
        ("mac", "ff-ff-ff-ff-ff-ff"),
        ("type", "mesa de computador"),
        ("type", ""),
        ("model", "  "),
        ("patrimony_number", 0),
        ("patrimony_number", "1001"),
        ("patrimony_number", 2**31),
        ("serial_number", "x" * 81),
        ("status", "lent"),
    ],
)
def test_each_bad_input_is_a_422_naming_its_field_and_adds_nothing(
    app, client, admin, field, value
):
    body = assert_envelope(
        client.post(URL, json=new_item(**{field: value}), headers=admin), 422, "validation_error"
    )

    assert field in body["errors"], body
    assert count(app, "equipment") == 0


def test_a_missing_field_is_named(client, admin):
    body = assert_envelope(
        client.post(URL, json={"type": "onu", "model": "X"}, headers=admin), 422, "validation_error"
    )
    assert "patrimony_number" in body["errors"]


def test_patrimony_number_and_mac_are_unique_whatever_the_notation(app, client, admin):
    create(client, admin, mac="aa:bb:cc:00:00:01")

    same_number = client.post(URL, json=new_item(model="Outro"), headers=admin)
    same_mac = client.post(
        URL, json=new_item(patrimony_number=2, mac="AABBCC000001"), headers=admin
    )

    assert "patrimony_number" in assert_envelope(same_number, 409, "conflict")["errors"]
    assert "mac" in assert_envelope(same_mac, 409, "conflict")["errors"]
    assert count(app, "equipment") == 1


def test_patch_corrects_data_and_refuses_another_items_mac(client, admin):
    first = create(client, admin, mac="aa:bb:cc:00:00:01")
    second = create(client, admin, patrimony_number=1002)

    fixed = client.patch(
        f"{URL}/{second['id']}",
        json={"model": "Huawei HG8245", "mac": "aa-bb-cc-00-00-02"},
        headers=admin,
    )
    taken = client.patch(f"{URL}/{second['id']}", json={"mac": first["mac"]}, headers=admin)
    empty = client.patch(f"{URL}/{second['id']}", json={}, headers=admin)

    assert fixed.status_code == 200
    assert fixed.get_json()["mac"] == "aa:bb:cc:00:00:02"
    assert fixed.get_json()["model"] == "Huawei HG8245"
    assert_envelope(taken, 409, "conflict")
    assert_envelope(empty, 422, "validation_error")
    assert_envelope(
        client.patch(f"{URL}/999999", json={"model": "X"}, headers=admin), 404, "not_found"
    )


def test_an_item_in_stock_is_retired_and_put_back_and_never_set_lent_by_hand(client, admin):
    item = create(client, admin)
    url = f"{URL}/{item['id']}"

    retired = client.patch(url, json={"status": "retired"}, headers=admin)
    back = client.patch(url, json={"status": "in_stock"}, headers=admin)
    lent = client.patch(url, json={"status": "lent"}, headers=admin)
    sold = client.patch(url, json={"status": "sold"}, headers=admin)

    assert retired.get_json()["status"] == "retired"
    assert back.get_json()["status"] == "in_stock"
    assert "status" in assert_envelope(lent, 422, "validation_error")["errors"]
    assert "status" in assert_envelope(sold, 422, "validation_error")["errors"]


def test_search_by_patrimony_range_includes_both_ends(app, client, admin):
    for number in (5, 10, 11, 20, 21, 300):
        build_equipment(app, number)

    assert patrimonies(client, admin, patrimony_from=10, patrimony_to=20) == [10, 11, 20]
    assert patrimonies(client, admin, patrimony_from=21) == [21, 300]
    assert patrimonies(client, admin, patrimony_to=10) == [5, 10]
    reversed_range = client.get(
        URL, query_string={"patrimony_from": 20, "patrimony_to": 10}, headers=admin
    )
    assert "patrimony_to" in assert_envelope(reversed_range, 422, "validation_error")["errors"]


def test_search_by_type_serial_mac_status_and_words(app, client, admin):
    build_equipment(app, 1, type="onu", model="ZTE F670L", serial_number="ZTEGC8A1B2C3")
    build_equipment(app, 2, type="roteador", model="TP-Link Archer C6", mac="a0:b1:c2:d3:e4:f5")
    build_equipment(app, 3, type="switch", model="Mikrotik 100%", serial_number="HGX_77")

    assert patrimonies(client, admin, type="roteador") == [2]
    assert patrimonies(client, admin, serial="8a1b") == [1]
    assert patrimonies(client, admin, serial="x_7") == [3]
    assert patrimonies(client, admin, serial="%") == []  # a wildcard is a character here
    for notation in ("A0:B1:C2:D3:E4:F5", "a0-b1-c2-d3-e4-f5", "a0b1.c2d3.e4f5", "A0B1C2D3E4F5"):
        assert patrimonies(client, admin, mac=notation) == [2], notation
    assert patrimonies(client, admin, q="archer") == [2]
    assert patrimonies(client, admin, q="100%") == [3]
    assert patrimonies(client, admin, status="in_stock") == [1, 2, 3]
    assert patrimonies(client, admin, status="lent") == []
    bad_mac = client.get(URL, query_string={"mac": "a0:b1"}, headers=admin)
    assert "mac" in assert_envelope(bad_mac, 422, "validation_error")["errors"]
    bad_status = client.get(URL, query_string={"status": "lost"}, headers=admin)
    assert "status" in assert_envelope(bad_status, 422, "validation_error")["errors"]


def test_search_is_paged(app, client, admin):
    for number in range(1, 8):
        build_equipment(app, number)

    page = client.get(URL, query_string={"per_page": 3, "page": 3}, headers=admin).get_json()

    assert page["total"] == 7
    assert [item["patrimony_number"] for item in page["items"]] == [7]


def test_every_change_is_in_the_items_history(client, admin):
    item = create(client, admin)
    client.patch(f"{URL}/{item['id']}", json={"model": "ZTE F680"}, headers=admin)
    client.patch(f"{URL}/{item['id']}", json={"status": "retired"}, headers=admin)

    history = client.get(f"{URL}/{item['id']}/history", headers=admin).get_json()

    assert [entry["action"] for entry in history["items"]] == ["update", "update", "create"]
    assert {"field": "status", "old": "in_stock", "new": "retired"} in history["items"][0][
        "changes"
    ]
    assert {"field": "model", "old": "ZTE F670L", "new": "ZTE F680"} in history["items"][1][
        "changes"
    ]
    assert all(entry["username"] == "admin.user" for entry in history["items"])


def test_a_refused_change_leaves_no_history(client, admin):
    item = create(client, admin)
    refused = client.patch(f"{URL}/{item['id']}", json={"type": "mesa"}, headers=admin)

    assert "type" in assert_envelope(refused, 422, "validation_error")["errors"]
    history = client.get(f"{URL}/{item['id']}/history", headers=admin).get_json()

    assert history["total"] == 1


@pytest.mark.parametrize("role", ["admin", "technician"])
def test_admin_and_technician_keep_the_inventory(client, headers_for, role):
    headers = headers_for(role)
    item = create(client, headers)

    changed = client.patch(f"{URL}/{item['id']}", json={"status": "retired"}, headers=headers)

    assert changed.status_code == 200
    assert search(client, headers)[0]["status"] == "retired"


@pytest.mark.parametrize("role", ["attendant", "finance"])
def test_attendant_and_finance_only_read_the_inventory(app, client, headers_for, role):
    headers = headers_for(role)
    item_id = build_equipment(app, 7)

    assert search(client, headers)[0]["id"] == item_id
    assert client.get(f"{URL}/{item_id}", headers=headers).status_code == 200
    assert client.get(f"{URL}/{item_id}/history", headers=headers).status_code == 200
    assert_envelope(client.post(URL, json=new_item(), headers=headers), 403, "forbidden")
    refused = client.patch(f"{URL}/{item_id}", json={"status": "retired"}, headers=headers)
    assert_envelope(refused, 403, "forbidden")
    assert count(app, "equipment") == 1


def test_without_a_token_nothing_is_shown(client):
    assert client.get(URL).status_code == 401
