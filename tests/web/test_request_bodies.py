"""Request bodies: JSON or a clear refusal, never silently read as nothing."""

import pytest

from tests.web.api_helpers import API, assert_envelope
from tests.web.customer_payloads import create, pf_payload

NOT_JSON = [
    ("application/x-www-form-urlencoded", '{"notes": "x"}'),  # curl -d's default
    ("text/plain", '{"notes": "x"}'),
    ("application/xml", "<customer><notes>x</notes></customer>"),
    ("multipart/form-data; boundary=x", '--x\r\nContent-Disposition: form-data; name="notes"\r\n'),
    ("application/json; charset=latin-1", '{"notes": "x"}'),
    # Only application/json, as the README and the OpenAPI document say: these mean other rules.
    ("application/merge-patch+json", '{"notes": "x"}'),
    ("application/json-patch+json", '[{"op": "replace", "path": "/notes", "value": "x"}]'),
    ("application/vnd.api+json", '{"notes": "x"}'),
]


@pytest.fixture
def customer(client, admin):
    return create(client, admin, pf_payload())


def _unchanged(client, admin, customer):
    url = f"{API}/customers/{customer['code']}"
    assert client.get(url, headers=admin).get_json() == customer
    history = client.get(f"{url}/history", headers=admin).get_json()
    assert history["total"] == 1  # only its creation


@pytest.mark.parametrize(("content_type", "data"), NOT_JSON, ids=[c for c, _ in NOT_JSON])
def test_a_body_that_is_not_json_is_415(client, admin, customer, content_type, data):
    url = f"{API}/customers/{customer['code']}"
    response = client.patch(url, data=data, content_type=content_type, headers=admin)
    assert_envelope(response, 415, "unsupported_media_type")
    assert "application/json" in response.get_json()["message"]
    _unchanged(client, admin, customer)


@pytest.mark.parametrize("method", ["post", "patch"])
def test_no_body_and_no_media_type_is_415(client, admin, customer, method):
    url = f"{API}/customers" + (f"/{customer['code']}" if method == "patch" else "")
    response = getattr(client, method)(url, headers=admin)
    assert_envelope(response, 415, "unsupported_media_type")
    _unchanged(client, admin, customer)


@pytest.mark.parametrize(
    "data",
    ['{"notes": ', "{'notes': 'x'}", '{"notes": NaN}', '{"a": 1, "a": 2}', b"\xff\xfe{}", ""],
    ids=["truncated", "single quotes", "NaN", "repeated name", "not utf-8", "empty"],
)
def test_invalid_json_is_400_saying_so(client, admin, customer, data):
    url = f"{API}/customers/{customer['code']}"
    response = client.patch(url, data=data, content_type="application/json", headers=admin)
    body = assert_envelope(response, 400, "bad_request")
    assert "JSON" in body["message"]
    assert "browser" not in body["message"]
    _unchanged(client, admin, customer)


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json; charset=utf-8", "Application/JSON; charset=UTF-8"],
)
def test_json_media_types_are_read(client, admin, customer, content_type):
    url = f"{API}/customers/{customer['code']}"
    response = client.patch(url, data='{"notes": "x"}', content_type=content_type, headers=admin)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["notes"] == "x"


@pytest.mark.parametrize("path", ["/customers/{code}", "/users/{user}"])
def test_an_empty_patch_is_422_not_a_200_that_did_nothing(client, admin, customer, path):
    user = client.get(f"{API}/me", headers=admin).get_json()["id"]
    url = API + path.format(code=customer["code"], user=user)
    body = assert_envelope(client.patch(url, json={}, headers=admin), 422, "validation_error")
    assert body["errors"]
    _unchanged(client, admin, customer)


def test_an_empty_nested_patch_is_422(client, admin, customer):
    url = f"{API}/customers/{customer['code']}"
    response = client.patch(url, json={"address": {}}, headers=admin)
    assert "address" in assert_envelope(response, 422, "validation_error")["errors"]
    _unchanged(client, admin, customer)


def test_post_without_a_json_body_does_not_list_every_field_as_missing(client, admin):
    response = client.post(f"{API}/customers", data="kind=PF", headers=admin)
    body = assert_envelope(response, 415, "unsupported_media_type")
    assert body["errors"] == {}


def test_deeply_nested_json_is_400_not_a_500(client):
    response = client.post(f"{API}/auth/login", data="[" * 100_000, content_type="application/json")
    assert_envelope(response, 400, "bad_request")


def test_a_body_of_many_names_is_read_in_linear_time(client):
    """One pass over the names: 80,000 of them once took a minute of CPU, before any login."""
    import time

    names = ", ".join(f'"k{index}": 1' for index in range(80_000))
    started = time.perf_counter()
    response = client.post(
        f"{API}/auth/login", data="{" + names + "}", content_type="application/json"
    )
    assert response.status_code == 422  # unknown fields, refused by the schema
    assert time.perf_counter() - started < 5
