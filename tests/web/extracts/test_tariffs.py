"""Tariffs per termination type: admins set them, every role reads them."""

import pytest

from tests.web.api_helpers import API, assert_envelope

TARIFFS = f"{API}/tariffs"


def tariff(**overrides) -> dict:
    return {
        "termination": "local",
        "price_per_minute": "0.12",
        "first_seconds": 30,
        "increment_seconds": 6,
        **overrides,
    }


def create(client, headers, **overrides) -> dict:
    response = client.post(TARIFFS, json=tariff(**overrides), headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_an_admin_prices_a_termination_type(client, admin):
    response = client.post(TARIFFS, json=tariff(price_per_minute="0.0850"), headers=admin)

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Location"] == f"{TARIFFS}/local"
    assert body["termination"] == "local"
    assert body["price_per_minute"] == "0.0850"  # a string with 4 decimals, never a float
    assert (body["first_seconds"], body["increment_seconds"]) == (30, 6)
    assert client.get(response.headers["Location"], headers=admin).get_json() == body


def test_tariffs_are_listed_in_the_order_of_the_termination_types(client, admin):
    create(client, admin, termination="mobile", price_per_minute="0.49")
    create(client, admin, termination="local")

    items = client.get(TARIFFS, headers=admin).get_json()["items"]

    assert [t["termination"] for t in items] == ["local", "mobile"]
    assert [t["price_per_minute"] for t in items] == ["0.1200", "0.4900"]


def test_a_termination_type_has_one_tariff(client, admin):
    first = create(client, admin)

    response = client.post(TARIFFS, json=tariff(price_per_minute="0.50"), headers=admin)

    assert "termination" in assert_envelope(response, 409, "conflict")["errors"]
    assert client.get(TARIFFS, headers=admin).get_json()["items"] == [first]


def test_put_replaces_the_price_and_steps(client, admin):
    create(client, admin, termination="long_distance")
    change = {"price_per_minute": "0.3", "first_seconds": 60, "increment_seconds": 60}

    response = client.put(f"{TARIFFS}/long_distance", json=change, headers=admin)

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["price_per_minute"], body["first_seconds"], body["increment_seconds"]) == (
        "0.3000",
        60,
        60,
    )
    assert client.get(f"{TARIFFS}/long_distance", headers=admin).get_json() == body


def test_a_termination_without_a_tariff_or_unknown_is_not_found(client, admin):
    change = {"price_per_minute": "0.3", "first_seconds": 30, "increment_seconds": 6}

    assert_envelope(client.get(f"{TARIFFS}/mobile", headers=admin), 404, "not_found")
    assert_envelope(client.get(f"{TARIFFS}/satellite", headers=admin), 404, "not_found")
    assert_envelope(
        client.put(f"{TARIFFS}/satellite", json=change, headers=admin), 404, "not_found"
    )


def test_put_prices_a_termination_without_a_tariff_201_then_replaces_it_200(client, admin):
    change = {"price_per_minute": "0.49", "first_seconds": 30, "increment_seconds": 6}

    first = client.put(f"{TARIFFS}/mobile", json=change, headers=admin)

    assert first.status_code == 201, first.get_json()
    assert first.headers["Location"] == f"{TARIFFS}/mobile"
    body = first.get_json()
    assert (body["termination"], body["price_per_minute"]) == ("mobile", "0.4900")
    assert client.get(first.headers["Location"], headers=admin).get_json() == body

    again = client.put(f"{TARIFFS}/mobile", json={**change, "price_per_minute": "0.5"},
                       headers=admin)  # fmt: skip

    assert again.status_code == 200, again.get_json()
    assert "Location" not in again.headers
    assert again.get_json()["id"] == body["id"]
    assert [t["price_per_minute"] for t in client.get(TARIFFS, headers=admin).get_json()["items"]
            ] == ["0.5000"]  # fmt: skip


@pytest.mark.parametrize("role", ["attendant", "finance", "technician"])
def test_every_role_reads_tariffs_but_only_admins_change_them(client, admin, headers_for, role):
    created = create(client, admin)
    staff = headers_for(role)
    change = {"price_per_minute": "9.99", "first_seconds": 0, "increment_seconds": 1}

    assert client.get(TARIFFS, headers=staff).get_json()["items"] == [created]
    assert client.get(f"{TARIFFS}/local", headers=staff).status_code == 200
    refused = client.post(TARIFFS, json=tariff(termination="mobile"), headers=staff)
    assert_envelope(refused, 403, "forbidden")
    assert_envelope(client.put(f"{TARIFFS}/local", json=change, headers=staff), 403, "forbidden")
    assert client.get(f"{TARIFFS}/local", headers=admin).get_json() == created


def test_tariffs_need_a_token(client):
    assert_envelope(client.get(TARIFFS), 401, "unauthorized")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("price_per_minute", 0.12),  # a float: money goes as a string
        ("price_per_minute", "-0.12"),
        ("price_per_minute", "0.12345"),
        ("price_per_minute", "0,12"),
        ("price_per_minute", "1234567.00"),
        ("first_seconds", -1),
        ("first_seconds", 3601),
        ("first_seconds", "30"),
        ("increment_seconds", 0),
        ("increment_seconds", 6.5),
        ("termination", "satellite"),
        ("termination", None),
        ("surcharge", "1.00"),  # unknown field
    ],
)
def test_a_bad_tariff_is_refused_and_nothing_is_stored(client, admin, field, value):
    response = client.post(TARIFFS, json=tariff(**{field: value}), headers=admin)

    assert field in assert_envelope(response, 422, "validation_error")["errors"]
    assert client.get(TARIFFS, headers=admin).get_json()["items"] == []


@pytest.mark.parametrize(
    "body",
    [
        {"price_per_minute": "0.2", "first_seconds": 30},  # PUT replaces: every field
        {"price_per_minute": "0.2", "first_seconds": 30, "increment_seconds": 6, "id": 9},
        {"termination": "mobile", "price_per_minute": "0.2", "first_seconds": 30},
    ],
)
def test_a_bad_replacement_is_refused_and_the_tariff_stays(client, admin, body):
    created = create(client, admin)

    response = client.put(f"{TARIFFS}/local", json=body, headers=admin)

    assert_envelope(response, 422, "validation_error")
    assert client.get(f"{TARIFFS}/local", headers=admin).get_json() == created
