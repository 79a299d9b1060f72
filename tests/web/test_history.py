"""Change history of a customer ("Histórico"): who changed what, from where, newest first."""

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from models.db import db
from tests.web.customer_payloads import (
    URL,
    address,
    assert_error,
    create,
    history,
    new_cnpj,
    new_cpf,
    pf_payload,
)

ADDRESS_PARTS = ("street", "number", "complement", "district", "city", "state", "cep", "reference")
API_FIELDS = {
    "code", "active", "kind", "name", "trade_name", "cpf", "cnpj", "state_registration",
    "condominium", "phone", "fax", "mobile", "email", "notes",
    *(f"address.{part}" for part in ADDRESS_PARTS),
    *(f"billing_address.{part}" for part in ADDRESS_PARTS),
}  # fmt: skip


def _changes(entry: dict) -> dict[str, tuple]:
    """{field: (old, new)} of one history entry; each field appears once."""
    fields = [change["field"] for change in entry["changes"]]
    assert len(fields) == len(set(fields)), entry["changes"]
    return {change["field"]: (change["old"], change["new"]) for change in entry["changes"]}


def _total(client, headers, code: int) -> int:
    return history(client, headers, code)["total"]


@pytest.fixture
def customer(client, headers_for) -> dict:
    """A PF customer registered by the attendant."""
    return create(client, headers_for("attendant"), pf_payload(name="João da Silva"))


# --- the create entry -------------------------------------------------------------------------


def test_create_writes_one_entry_with_who_where_when_and_each_field(client, headers_for):
    before = datetime.now(UTC)
    cpf = new_cpf()
    payload = pf_payload(name="João da Silva", cpf=cpf, email="Joao@Example.com")
    customer = create(client, headers_for("attendant"), payload)

    page = history(client, headers_for("admin"), customer["code"])
    assert page["total"] == 1 and len(page["items"]) == 1
    entry = page["items"][0]
    assert entry["action"] == "create"
    assert entry["username"] == "attendant.user"
    assert entry["ip"] == "127.0.0.1"
    assert entry["by_system"] is False
    assert entry["entity"] == "customers"
    assert entry["entity_id"] == str(customer["code"])
    at = datetime.fromisoformat(entry["at"])
    assert at.tzinfo is not None
    assert before - timedelta(seconds=1) <= at <= datetime.now(UTC) + timedelta(seconds=1)

    changes = _changes(entry)
    assert set(changes) <= API_FIELDS, set(changes) - API_FIELDS
    assert all(old is None for old, _ in changes.values())
    assert changes["name"] == (None, "João da Silva")
    assert changes["kind"] == (None, "PF")
    assert changes["active"] == (None, True)
    assert changes["email"] == (None, "joao@example.com")
    assert changes["address.street"] == (None, "Avenida Paulista")
    assert changes["address.city"] == (None, "São Paulo")
    assert changes["address.state"] == (None, "SP")
    assert changes["cpf"][1] == customer["cpf"]  # shown formatted, as the API shows it
    assert changes["address.cep"][1] == "01310-100"
    assert changes.get("trade_name", (None, None)) == (None, None)


def test_forwarded_for_is_ignored_without_trusted_proxies(client, admin):
    spoofed = {**admin, "X-Forwarded-For": "203.0.113.9"}
    customer = create(client, spoofed, pf_payload())
    url = f"{URL}/{customer['code']}"
    response = client.patch(url, json={"name": "Maria Lima"}, headers=spoofed)
    assert response.status_code == 200
    assert [entry["ip"] for entry in history(client, admin, customer["code"])["items"]] == [
        "127.0.0.1",
        "127.0.0.1",
    ]


# --- update entries ---------------------------------------------------------------------------


def test_patch_writes_one_entry_with_exactly_the_changed_fields(client, admin, customer):
    url = f"{URL}/{customer['code']}"
    change = {
        "address": {"city": "Campinas", "street": "Avenida Paulista"},  # street unchanged
        "active": False,
        "name": "João da Silva",  # unchanged
        "email": customer["email"].upper(),  # the same once lower-cased
    }
    response = client.patch(url, json=change, headers=admin)
    assert response.status_code == 200, response.get_json()

    page = history(client, admin, customer["code"])
    assert page["total"] == 2
    entry = page["items"][0]
    assert entry["action"] == "update"
    assert entry["username"] == "admin.user"
    assert entry["ip"] == "127.0.0.1"
    assert entry["by_system"] is False
    assert sorted(entry["changes"], key=lambda c: c["field"]) == [
        {"field": "active", "old": True, "new": False},
        {"field": "address.city", "old": "São Paulo", "new": "Campinas"},
    ]


def test_billing_address_set_and_cleared_is_recorded(client, admin, customer):
    url = f"{URL}/{customer['code']}"
    billing = address(city="Campinas")
    assert client.patch(url, json={"billing_address": billing}, headers=admin).status_code == 200
    assert client.patch(url, json={"billing_address": None}, headers=admin).status_code == 200

    cleared, added, _created = history(client, admin, customer["code"])["items"]
    assert _changes(added)["billing_address.city"] == (None, "Campinas")
    assert _changes(added)["billing_address.street"] == (None, "Avenida Paulista")
    assert set(_changes(added)) == {f"billing_address.{part}" for part in ADDRESS_PARTS}
    assert _changes(cleared)["billing_address.city"] == ("Campinas", None)
    assert all(new is None for _, new in _changes(cleared).values())


def test_kind_change_is_recorded(client, admin, customer):
    url = f"{URL}/{customer['code']}"
    response = client.patch(url, json={"kind": "PJ", "cnpj": new_cnpj()}, headers=admin)
    assert response.status_code == 200, response.get_json()
    entry = history(client, admin, customer["code"])["items"][0]
    changes = _changes(entry)
    assert changes["kind"] == ("PF", "PJ")
    assert {"name", "address.city", "active", "email"}.isdisjoint(changes)


NO_OP_PATCHES = {
    "same name": {"name": "João da Silva"},
    "same name with blanks": {"name": "  João da Silva  "},
    "same email in capitals": {"email": "MARIA.SOUZA@EXAMPLE.COM"},
    "same city": {"address": {"city": "São Paulo"}},
    "same cep unformatted": {"address": {"cep": "01310100"}},
    "same phone unformatted": {"phone": "1133334444"},
    "same active": {"active": True},
    "billing already absent": {"billing_address": None},
}


@pytest.mark.parametrize("case", NO_OP_PATCHES, ids=list(NO_OP_PATCHES))
def test_patch_that_changes_nothing_adds_no_entry(client, admin, customer, case):
    url = f"{URL}/{customer['code']}"
    response = client.patch(url, json=NO_OP_PATCHES[case], headers=admin)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == customer
    assert _total(client, admin, customer["code"]) == 1


def test_rejected_requests_add_no_entry_and_change_nothing(client, admin, headers_for, customer):
    url = f"{URL}/{customer['code']}"
    other = create(client, admin, pf_payload(name="Ana Ferreira"))
    rejected = [
        (admin, {"address": {"cep": "123"}}, 422),
        (admin, {"name": "Nome Novo", "kind": "PJ"}, 422),  # valid name, invalid record
        (admin, {"name": "Nome Novo", "trade_name": "Loja"}, 409),
        (admin, {"name": "Nome Novo", "unknown": 1}, 422),
        (admin, {"name": "Nome Novo", "cpf": other["cpf"]}, 409),
        (headers_for("finance"), {"name": "Nome Novo"}, 403),
        (headers_for("technician"), {"active": False}, 403),
        ({}, {"name": "Nome Novo"}, 401),
    ]
    for headers, change, status in rejected:
        response = client.patch(url, json=change, headers=headers)
        assert_error(response, status)
    assert _total(client, admin, customer["code"]) == 1
    assert _total(client, admin, other["code"]) == 1
    assert client.get(url, headers=admin).get_json() == customer


def test_rejected_create_leaves_other_histories_alone(client, admin, customer):
    duplicate = pf_payload(cpf=customer["cpf"], name="Outra Pessoa")
    assert_error(client.post(URL, json=duplicate, headers=admin), 409)
    assert_error(client.post(URL, json=pf_payload(name="X"), headers=admin), 422)
    page = history(client, admin, customer["code"])
    assert page["total"] == 1 and page["items"][0]["action"] == "create"


# --- reading the history ----------------------------------------------------------------------


def test_newest_first_and_paging(client, admin, customer):
    url = f"{URL}/{customer['code']}"
    assert client.patch(url, json={"name": "João Silva"}, headers=admin).status_code == 200
    assert client.patch(url, json={"active": False}, headers=admin).status_code == 200

    page = history(client, admin, customer["code"])
    assert set(page) == {"items", "total", "page", "per_page"}
    assert page["total"] == 3 and page["page"] == 1
    newest, middle, oldest = page["items"]
    assert _changes(newest) == {"active": (True, False)}
    assert _changes(middle) == {"name": ("João da Silva", "João Silva")}
    assert oldest["action"] == "create"
    times = [datetime.fromisoformat(entry["at"]) for entry in page["items"]]
    assert times == sorted(times, reverse=True)

    pages = [history(client, admin, customer["code"], per_page=1, page=n) for n in (1, 2, 3, 4)]
    assert [p["items"] for p in pages] == [[newest], [middle], [oldest], []]
    assert all(p["total"] == 3 and p["per_page"] == 1 for p in pages)
    assert [p["page"] for p in pages] == [1, 2, 3, 4]


def test_each_customer_sees_only_its_own_history(client, admin, customer):
    other = create(client, admin, pf_payload(name="Ana Ferreira"))
    url = f"{URL}/{other['code']}"
    assert client.patch(url, json={"active": False}, headers=admin).status_code == 200
    mine = history(client, admin, customer["code"])
    assert mine["total"] == 1
    assert mine["items"][0]["entity_id"] == str(customer["code"])
    theirs = history(client, admin, other["code"])
    assert theirs["total"] == 2
    assert {entry["entity_id"] for entry in theirs["items"]} == {str(other["code"])}


def test_history_of_unknown_customer_is_404(client, admin):
    body = assert_error(client.get(f"{URL}/999999/history", headers=admin), 404)
    assert body["code"] == "not_found"


@pytest.mark.parametrize(
    ("params", "field"), [({"per_page": 0}, "per_page"), ({"per_page": 201}, "per_page"),
                          ({"page": 0}, "page")]
)  # fmt: skip
def test_bad_history_paging_is_422(client, admin, customer, params, field):
    url = f"{URL}/{customer['code']}/history"
    assert_error(client.get(url, query_string=params, headers=admin), 422, field)


@pytest.mark.parametrize("role", ["admin", "attendant", "finance", "technician"])
def test_history_is_readable_by_every_role(client, headers_for, customer, role):
    page = history(client, headers_for(role), customer["code"])
    assert page["total"] == 1 and page["items"][0]["username"] == "attendant.user"


def test_history_needs_a_token(client, customer):
    assert_error(client.get(f"{URL}/{customer['code']}/history"), 401)


# --- behind a trusted proxy -------------------------------------------------------------------


@pytest.fixture(scope="module")
def proxied_app(app, settings):
    """A second app on the same database that trusts one proxy in front of it."""
    from web import create_app

    behind_proxy = create_app(dataclasses.replace(settings, trusted_proxies=1), TESTING=True)
    yield behind_proxy
    with behind_proxy.app_context():
        db.engine.dispose()
    app.extensions["celery"].set_default()  # create_app made the second Celery app the default


def test_forwarded_for_is_recorded_through_one_trusted_proxy(client, admin, proxied_app):
    proxied = proxied_app.test_client()
    forwarded = {**admin, "X-Forwarded-For": "203.0.113.9"}
    customer = create(proxied, forwarded, pf_payload())

    # Only the address the trusted proxy saw is taken, not what the client claims before it.
    spoofed = {**admin, "X-Forwarded-For": "198.51.100.7, 203.0.113.9"}
    url = f"{URL}/{customer['code']}"
    response = proxied.patch(url, json={"active": False}, headers=spoofed)
    assert response.status_code == 200, response.get_json()

    items = history(client, admin, customer["code"])["items"]
    assert [entry["ip"] for entry in items] == ["203.0.113.9", "203.0.113.9"]
    assert [entry["action"] for entry in items] == ["update", "create"]


def test_a_forwarded_value_that_is_no_address_records_the_proxy(client, admin, proxied_app):
    # A garbled header must neither break the write (the column holds an IP) nor be recorded.
    garbled = {**admin, "X-Forwarded-For": "x" * 100}
    customer = create(proxied_app.test_client(), garbled, pf_payload())
    entry = history(client, admin, customer["code"])["items"][0]
    assert entry["ip"] == "127.0.0.1"
