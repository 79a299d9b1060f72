"""One field type per kind of value (schemas/common.py): every route that takes a MAC, a phone,
a card number, a CPF/CNPJ or a CEP accepts the same notations and stores the same canonical
form, and a mobile is a mobile wherever one is asked for."""

import pytest
from sqlalchemy import text

from models.customers.card_crypto import decrypt
from models.db import db
from tests.builders import build_cep, build_customer, build_plan, build_subscription
from tests.web.api_helpers import API, assert_envelope
from tests.web.customer_payloads import URL as CUSTOMERS
from tests.web.customer_payloads import address, format_cpf, new_cpf, pf_payload
from tests.web.payment_payloads import card

MACS = ["AA:BB:CC:DD:EE:01", "aa-bb-cc-dd-ee-01", "aabb.ccdd.ee01", "AABBCCDDEE01"]
MAC = "aa:bb:cc:dd:ee:01"
PHONES = ["(11) 3232-1000", "11 3232-1000", "1132321000", "+55 11 3232-1000", "11.3232.1000"]
PHONE = "1132321000"
CARDS = ["4111111111111111", "4111 1111 1111 1111", "4111-1111-1111-1111"]
CEPS = ["01310-100", "01.310-100", "01310100", "01310\u2013100"]


def stored(app, sql: str, **params):
    with app.app_context():
        return db.session.execute(text(sql), params).scalar_one()


def post(client, headers, url, body):
    response = client.post(url, json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def equipment_body(mac: str) -> dict:
    return {"patrimony_number": 1, "type": "onu", "model": "ZTE F670L", "mac": mac}


# --- MAC -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", MACS)
def test_a_radius_login_takes_every_mac_notation_as_equipment_does(app, client, admin, typed):
    sub_id = build_subscription(app)
    url = f"{API}/subscriptions/{sub_id}/items"
    body = {"kind": "radius_login", "username": "maria", "password": "s3nha-pppoe", "mac": typed}

    login = post(client, admin, url, body)
    equipment = post(client, admin, f"{API}/equipment", equipment_body(typed))

    assert login["mac"] == equipment["mac"] == MAC
    assert stored(app, "SELECT mac FROM subscription_items WHERE id = :i", i=login["id"]) == MAC
    assert stored(app, "SELECT mac FROM equipment WHERE id = :i", i=equipment["id"]) == MAC
    changed = client.patch(f"{url}/{login['id']}", json={"mac": typed.replace("01", "02")},
                           headers=admin)  # fmt: skip
    assert changed.get_json()["mac"] == "aa:bb:cc:dd:ee:02"
    listed = client.get(f"{API}/equipment", query_string={"mac": typed}, headers=admin)
    assert [item["id"] for item in listed.get_json()["items"]] == [equipment["id"]]


@pytest.mark.parametrize("bad", ["AA:BB:CC:DD:EE", "AA:BB-CC:DD:EE:FF", "ff-ff-ff-ff-ff-ff"])
def test_a_mac_that_is_none_is_refused_by_both_routes(app, client, admin, bad):
    sub_id = build_subscription(app)
    body = {"kind": "radius_login", "username": "maria", "password": "s3nha-pppoe", "mac": bad}
    login = client.post(f"{API}/subscriptions/{sub_id}/items", json=body, headers=admin)
    equipment = client.post(f"{API}/equipment", json=equipment_body(bad), headers=admin)
    assert "mac" in assert_envelope(login, 422, "validation_error")["errors"]
    assert "mac" in assert_envelope(equipment, 422, "validation_error")["errors"]


# --- phones --------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", PHONES)
def test_a_voip_number_takes_every_phone_notation_the_phone_fields_take(app, client, admin, typed):
    sub_id = build_subscription(app, plan_id=build_plan(app, kind="voip", price="39.90"))
    url = f"{API}/subscriptions/{sub_id}/items"

    terminal = post(client, admin, url, {"kind": "voip_terminal", "number": typed,
                                         "username": "ramal1001"})  # fmt: skip
    customer = post(client, admin, CUSTOMERS, pf_payload(phone=typed))
    contact = post(client, admin, f"{API}/customers/{customer['code']}/contacts",
                   {"name": "Ana", "phone": typed})  # fmt: skip

    assert terminal["number"] == PHONE
    assert customer["phone"] == contact["phone"] == "(11) 3232-1000"
    assert stored(app, "SELECT phone FROM customers WHERE code = :c", c=customer["code"]) == PHONE
    assert stored(app, "SELECT phone FROM contacts WHERE id = :i", i=contact["id"]) == PHONE
    calls = client.get(f"{API}/customers/{terminal_owner(app, sub_id)}/calls",
                       query_string={"terminal": typed}, headers=admin)  # fmt: skip
    assert calls.status_code == 200, calls.get_json()


def terminal_owner(app, subscription_id: int) -> int:
    return stored(app, "SELECT customer_code FROM subscriptions WHERE id = :i", i=subscription_id)


@pytest.mark.parametrize("bad", ["113232100", "(11) 1232-1000", "(20) 3232-1000", "1132321000x"])
def test_a_voip_number_that_is_no_phone_is_refused(app, client, admin, bad):
    sub_id = build_subscription(app, plan_id=build_plan(app, kind="voip", price="39.90"))
    body = {"kind": "voip_terminal", "number": bad, "username": "ramal1001"}
    response = client.post(f"{API}/subscriptions/{sub_id}/items", json=body, headers=admin)
    assert "number" in assert_envelope(response, 422, "validation_error")["errors"]


@pytest.mark.parametrize(
    "typed", ["3232-1000", "3232 1000", "3232.1000", "32321000", "3232\u20131000"]
)
def test_a_phone_bill_debit_takes_its_number_as_the_phone_fields_do(app, client, admin, typed):
    code = build_customer(app)
    body = {"method": "phone_bill_debit", "ddd": "11", "phone": typed, "contract_number": "T-1"}

    method = post(client, admin, f"{API}/customers/{code}/payment-methods", body)

    assert method["phone"] == "32321000"
    assert (
        stored(app, "SELECT phone FROM payment_methods WHERE id = :i", i=method["id"]) == "32321000"
    )


# --- mobiles -------------------------------------------------------------------------------------


@pytest.mark.parametrize("landline", ["(11) 3333-4446", "1133334446", "+55 11 3333-4446"])
def test_a_landline_is_no_contact_s_mobile_even_less_with_sms_consent(app, client, admin, landline):
    code = build_customer(app)
    url = f"{API}/customers/{code}/contacts"
    body = {"name": "Ana", "mobile": landline, "sms_allowed": True}

    response = client.post(url, json=body, headers=admin)

    errors = assert_envelope(response, 422, "validation_error")["errors"]
    assert list(errors) == ["mobile"]
    assert "mobile" in errors["mobile"][0]
    assert client.get(url, headers=admin).get_json()["items"] == []
    contact = post(client, admin, url, {"name": "Ana", "phone": landline})
    patched = client.patch(f"{url}/{contact['id']}", json={"mobile": landline}, headers=admin)
    assert list(assert_envelope(patched, 422, "validation_error")["errors"]) == ["mobile"]


def test_a_customer_s_mobile_is_a_mobile_too(app, client, admin):
    response = client.post(CUSTOMERS, json=pf_payload(mobile="(11) 3333-4446"), headers=admin)
    assert list(assert_envelope(response, 422, "validation_error")["errors"]) == ["mobile"]
    customer = post(client, admin, CUSTOMERS, pf_payload(mobile="+55 (11) 98765-4321"))
    assert customer["mobile"] == "(11) 98765-4321"
    contact = post(client, admin, f"{API}/customers/{customer['code']}/contacts",
                   {"name": "Ana", "mobile": "11 98765 4321", "sms_allowed": True})  # fmt: skip
    assert (contact["mobile"], contact["sms_allowed"]) == ("(11) 98765-4321", True)


# --- card numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", CARDS)
def test_a_card_number_is_taken_bare_or_grouped_and_stored_as_its_digits(app, client, admin, typed):
    code = build_customer(app)

    method = post(client, admin, f"{API}/customers/{code}/payment-methods", card(card_number=typed))

    assert method["card_number"] == "411111******1111"
    with app.app_context():
        encrypted = stored(app, "SELECT card_number_encrypted FROM payment_methods")
        assert decrypt(encrypted) == "4111111111111111"


@pytest.mark.parametrize(
    "bad", ["4111  1111 1111 1111", "4111_1111_1111_1111", " 4111111111111111"]
)
def test_a_card_number_in_no_notation_is_refused_without_echoing_it(app, client, admin, bad):
    code = build_customer(app)
    response = client.post(f"{API}/customers/{code}/payment-methods", json=card(card_number=bad),
                           headers=admin)  # fmt: skip
    assert "card_number" in assert_envelope(response, 422, "validation_error")["errors"]
    assert "4111" not in response.get_data(as_text=True)


# --- CPF and CEP ---------------------------------------------------------------------------------


def test_a_cpf_takes_the_same_notations_for_a_customer_and_a_contact(app, client, admin):
    cpf = new_cpf()
    spaced = format_cpf(cpf).replace(".", " ").replace("-", "\u2013")
    customer = post(client, admin, CUSTOMERS, pf_payload(cpf=spaced))
    contact_cpf = new_cpf()
    contact = post(client, admin, f"{API}/customers/{customer['code']}/contacts",
                   {"name": "Ana", "cpf": format_cpf(contact_cpf).replace(".", " ")})  # fmt: skip
    assert (customer["cpf"], contact["cpf"]) == (format_cpf(cpf), format_cpf(contact_cpf))
    assert stored(app, "SELECT document FROM customers WHERE code = :c", c=customer["code"]) == cpf
    assert stored(app, "SELECT cpf FROM contacts WHERE id = :i", i=contact["id"]) == contact_cpf


@pytest.mark.parametrize("typed", CEPS)
def test_a_cep_takes_the_same_notations_on_every_route(app, client, admin, typed):
    build_cep(app)  # 01310-100
    customer = post(client, admin, CUSTOMERS, pf_payload(address=address(cep=typed)))
    other = post(client, admin, f"{API}/customers/{customer['code']}/addresses",
                 {"type": "billing", "cep": typed})  # fmt: skip
    looked_up = client.get(f"{API}/ceps/{typed}", headers=admin)

    assert customer["address"]["cep"] == other["cep"] == looked_up.get_json()["cep"] == "01310-100"
    sql = "SELECT address_cep FROM customers WHERE code = :c"
    assert stored(app, sql, c=customer["code"]) == "01310100"
    assert (
        stored(app, "SELECT cep FROM customer_addresses WHERE id = :i", i=other["id"]) == "01310100"
    )
