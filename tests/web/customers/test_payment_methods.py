"""Payment data, "Dados Débito" [5.6]: methods, their rules, the default, history and roles."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from models.clock import local_today
from models.customers import payment_gateway
from models.db import db
from tests.builders import build_customer
from tests.web.api_helpers import assert_envelope
from tests.web.payment_payloads import (
    MASTERCARD,
    VISA,
    bank_debit,
    boleto,
    card,
    created,
    history_of,
    methods_url,
    phone_bill,
)


def counts(app, code: int) -> tuple[int, int]:
    """(payment methods, history entries) of the customer: a refused request changes neither."""
    with app.app_context():
        methods = db.session.scalar(
            text("SELECT count(*) FROM payment_methods WHERE customer_code = :c"), {"c": code}
        )
        entries = db.session.scalar(
            text("SELECT count(*) FROM history WHERE customer_code = :c"), {"c": code}
        )
        return methods, entries


def listed(client, headers, code: int) -> list[dict]:
    response = client.get(methods_url(code), headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def defaults(client, headers, code: int) -> list[int]:
    return [item["id"] for item in listed(client, headers, code) if item["is_default"]]


def test_the_first_method_is_the_default_and_has_a_location(app, client, admin):
    code = build_customer(app)
    response = client.post(methods_url(code), json=boleto(is_default=False), headers=admin)
    assert response.status_code == 201
    body = response.get_json()
    assert response.headers["Location"].endswith(methods_url(code, body["id"]))
    assert body["is_default"] is True  # the first one, whatever was asked
    assert body["debit_status"] == "pending"
    assert client.get(response.headers["Location"], headers=admin).get_json() == body


def test_a_bank_debit_is_stored_whole_and_shown_whole_to_admin_and_finance(
    app, client, admin, headers_for
):
    code = build_customer(app)
    method = created(client, admin, code, bank_debit())
    assert method["account_number"] == "98765123-4"
    assert method["agency"] == "1234-5"
    assert (method["bank_code"], method["account_type"]) == ("001", "checking")
    finance = client.get(methods_url(code, method["id"]), headers=headers_for("finance"))
    assert finance.get_json()["account_number"] == "98765123-4"


def test_an_attendant_reads_account_numbers_masked_and_changes_nothing(
    app, client, admin, headers_for
):
    code = build_customer(app)
    method = created(client, admin, code, bank_debit())
    attendant = headers_for("attendant")
    shown = client.get(methods_url(code, method["id"]), headers=attendant).get_json()
    assert shown["account_number"] == "*****123-4"
    assert listed(client, attendant, code)[0]["account_number"] == "*****123-4"
    pdf = client.get(methods_url(code, method["id"]) + "/authorization.pdf", headers=attendant)
    assert pdf.status_code == 200
    before = counts(app, code)
    refused = [
        client.post(methods_url(code), json=boleto(), headers=attendant),
        client.patch(
            methods_url(code, method["id"]), json={"debit_status": "active"}, headers=attendant
        ),
        client.delete(methods_url(code, method["id"]), headers=attendant),
    ]
    for response in refused:
        assert_envelope(response, 403, "forbidden")
    assert counts(app, code) == before


def test_finance_adds_changes_and_removes_methods(app, client, headers_for):
    code = build_customer(app)
    finance = headers_for("finance")
    method = created(client, finance, code, phone_bill())
    assert (method["ddd"], method["phone"]) == ("11", "33334444")
    changed = client.patch(
        methods_url(code, method["id"]), json={"debit_status": "active"}, headers=finance
    )
    assert changed.status_code == 200
    assert changed.get_json()["debit_status"] == "active"
    assert client.delete(methods_url(code, method["id"]), headers=finance).status_code == 204
    assert listed(client, finance, code) == []


def test_a_technician_sees_no_payment_data(app, client, admin, headers_for):
    code = build_customer(app)
    method = created(client, admin, code, card())
    technician = headers_for("technician")
    one = methods_url(code, method["id"])
    for response in (
        client.get(methods_url(code), headers=technician),
        client.get(one, headers=technician),
        client.get(one + "/authorization.pdf", headers=technician),
        client.post(methods_url(code), json=boleto(), headers=technician),
        client.patch(one, json={"debit_status": "active"}, headers=technician),
        client.delete(one, headers=technician),
    ):
        assert_envelope(response, 403, "forbidden")


def test_a_card_is_shown_masked_to_everyone_with_its_brand(app, client, admin, headers_for):
    code = build_customer(app)
    method = created(client, admin, code, card(card_number=MASTERCARD))
    assert method["card_number"] == "555555******4444"
    assert (method["card_brand"], method["expiry"]) == ("mastercard", "12/2039")
    assert "security_code" not in method
    for role in ("admin", "finance", "attendant"):
        shown = client.get(methods_url(code, method["id"]), headers=headers_for(role))
        assert shown.get_json()["card_number"] == "555555******4444"
        assert MASTERCARD not in shown.get_data(as_text=True)


def test_a_card_expiring_this_month_is_accepted(app, client, admin):
    code = build_customer(app)
    with app.app_context():
        today = local_today()
    created(client, admin, code, card(expiry=f"{today.month:02d}/{today.year}"))


def _last_month() -> str:
    today = local_today()
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{month:02d}/{year}"


BAD_INPUTS = [
    (card(card_number="4111111111111112"), "card_number"),  # Luhn check digit wrong
    (card(card_number="4111  1111 1111 1111"), "card_number"),  # one separator at most
    (card(card_number="411111******1111"), "card_number"),
    (card(card_number="411111111111"), "card_number"),  # 12 digits
    (card(expiry="13/2039"), "expiry"),
    (card(expiry="2039-12"), "expiry"),
    (card(expiry="01/2020"), "expiry"),  # past
    (card(security_code="12"), "security_code"),
    (card(security_code="12345"), "security_code"),
    (card(security_code=123), "security_code"),
    ({k: v for k, v in card().items() if k != "security_code"}, "security_code"),
    ({k: v for k, v in card().items() if k != "card_number"}, "card_number"),
    (bank_debit(bank_code="01"), "bank_code"),
    (bank_debit(agency="12a4"), "agency"),
    (bank_debit(account_number="12.345-6"), "account_number"),
    (bank_debit(account_type="investment"), "account_type"),
    ({k: v for k, v in bank_debit().items() if k != "account_number"}, "account_number"),
    (phone_bill(ddd="20"), "ddd"),
    (phone_bill(phone="123"), "phone"),
    (phone_bill(contract_number=""), "contract_number"),
    (boleto(bank_code="001"), "bank_code"),  # a field of another method
    (card(ddd="11"), "ddd"),
    (bank_debit(card_number=VISA), "card_number"),
    (boleto(security_code="123"), "security_code"),
    ({"method": "cheque"}, "method"),
    (boleto(debit_status="paused"), "debit_status"),
    (boleto(is_default="yes"), "is_default"),
    (boleto(owner="me"), "owner"),
]


@pytest.mark.parametrize(("body", "field"), BAD_INPUTS)
def test_bad_input_is_422_naming_the_field_and_changes_nothing(app, client, admin, body, field):
    code = build_customer(app)
    if body.get("expiry") == "01/2020":
        with app.app_context():
            body = {**body, "expiry": _last_month()}
    before = counts(app, code)
    response = client.post(methods_url(code), json=body, headers=admin)
    errors = assert_envelope(response, 422, "validation_error")["errors"]
    assert field in errors, errors
    assert counts(app, code) == before
    if "card_number" in body:  # no number echoed in a message
        assert body["card_number"] not in response.get_data(as_text=True)


def test_another_default_unsets_the_old_one_in_the_same_request(app, client, admin):
    code = build_customer(app)
    first = created(client, admin, code, boleto())
    second = created(client, admin, code, bank_debit(is_default=True))
    assert defaults(client, admin, code) == [second["id"]]
    third = created(client, admin, code, phone_bill())
    assert third["is_default"] is False
    back = client.patch(methods_url(code, first["id"]), json={"is_default": True}, headers=admin)
    assert back.get_json()["is_default"] is True
    assert defaults(client, admin, code) == [first["id"]]
    switches = [
        (entry["entity_id"], change["new"])
        for entry in history_of(client, admin, code)
        for change in entry["changes"]
        if entry["entity"] == "payment_methods" and change["field"] == "is_default"
    ]
    assert (str(second["id"]), False) in switches
    assert (str(first["id"]), True) in switches


def test_the_default_cannot_be_unset_only_replaced(app, client, admin):
    code = build_customer(app)
    first = created(client, admin, code, boleto())
    before = counts(app, code)
    response = client.patch(
        methods_url(code, first["id"]), json={"is_default": False}, headers=admin
    )
    assert "is_default" in assert_envelope(response, 409, "conflict")["errors"]
    assert counts(app, code) == before


def test_removing_the_default_makes_the_oldest_remaining_one_the_default(app, client, admin):
    code = build_customer(app)
    first = created(client, admin, code, boleto())
    second = created(client, admin, code, bank_debit())
    third = created(client, admin, code, phone_bill(is_default=True))
    assert client.delete(methods_url(code, third["id"]), headers=admin).status_code == 204
    assert defaults(client, admin, code) == [first["id"]]
    assert client.delete(methods_url(code, first["id"]), headers=admin).status_code == 204
    assert defaults(client, admin, code) == [second["id"]]


def test_the_database_allows_one_default_per_customer(app):
    code = build_customer(app)
    insert = text(
        "INSERT INTO payment_methods (customer_code, method, debit_status, is_default, "
        "created_at, updated_at) VALUES (:c, 'boleto', 'pending', :d, :t, :t)"
    )
    with app.app_context():
        params = {"c": code, "t": "2026-01-01T00:00:00+00:00"}
        db.session.execute(insert, {**params, "d": True})
        db.session.execute(insert, {**params, "d": False})  # any number of non-defaults
        db.session.execute(insert, {**params, "d": False})
        with pytest.raises(IntegrityError):
            db.session.execute(insert, {**params, "d": True})
        db.session.rollback()


def test_debit_status_changes_are_in_the_customer_history(app, client, admin):
    code = build_customer(app)
    method = created(client, admin, code, bank_debit())
    for status in ("active", "suspended", "cancelled"):
        response = client.patch(
            methods_url(code, method["id"]), json={"debit_status": status}, headers=admin
        )
        assert response.status_code == 200
    changes = [
        (change["old"], change["new"])
        for entry in history_of(client, admin, code)
        for change in entry["changes"]
        if change["field"] == "debit_status"
    ]
    assert changes[:3] == [
        ("suspended", "cancelled"),
        ("active", "suspended"),
        ("pending", "active"),
    ]


def test_history_masks_account_numbers_and_redacts_the_encrypted_card(app, client, admin):
    code = build_customer(app)
    created(client, admin, code, bank_debit())
    created(client, admin, code, card())
    entries = [e for e in history_of(client, admin, code) if e["entity"] == "payment_methods"]
    values = {change["field"]: change["new"] for e in entries for change in e["changes"]}
    assert values["account_number"] == "*****123-4"
    assert values["card_number_encrypted"] == "***"
    assert values["card_last4"] == "1111"
    assert "98765123" not in str(entries)
    assert VISA not in str(entries)


def test_a_new_full_card_number_replaces_the_old_one(app, client, admin):
    code = build_customer(app)
    method = created(client, admin, code, card())
    url = methods_url(code, method["id"])
    masked = client.patch(url, json={"card_number": "411111******1111"}, headers=admin)
    assert "card_number" in assert_envelope(masked, 422, "validation_error")["errors"]
    with app.app_context():
        old_token = db.session.scalar(text("SELECT card_number_encrypted FROM payment_methods"))
    changed = client.patch(
        url, json={"card_number": MASTERCARD, "security_code": "321"}, headers=admin
    )
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["card_number"] == "555555******4444"
    assert changed.get_json()["card_brand"] == "mastercard"
    with app.app_context():
        token = db.session.scalar(text("SELECT card_number_encrypted FROM payment_methods"))
        from models.customers.card_crypto import decrypt

        assert token != old_token
        assert decrypt(token) == MASTERCARD


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"security_code": "123"}, "security_code"),  # verifies nothing on its own
        ({"expiry": "1/2039"}, "expiry"),
        ({"debit_status": "done"}, "debit_status"),
        ({"method": "boleto"}, "method"),  # a method is not changed, another is added
    ],
)
def test_a_bad_change_is_422_and_changes_nothing(app, client, admin, body, field):
    code = build_customer(app)
    method = created(client, admin, code, card())
    before = counts(app, code)
    response = client.patch(methods_url(code, method["id"]), json=body, headers=admin)
    assert field in assert_envelope(response, 422, "validation_error")["errors"]
    assert counts(app, code) == before


def test_an_empty_change_is_422(app, client, admin):
    code = build_customer(app)
    method = created(client, admin, code, boleto())
    response = client.patch(methods_url(code, method["id"]), json={}, headers=admin)
    assert_envelope(response, 422, "validation_error")


def test_a_field_of_another_method_in_a_change_is_409_naming_it(app, client, admin):
    code = build_customer(app)
    method = created(client, admin, code, card())
    before = counts(app, code)
    response = client.patch(
        methods_url(code, method["id"]), json={"bank_code": "237", "ddd": "21"}, headers=admin
    )
    assert set(assert_envelope(response, 409, "conflict")["errors"]) == {"bank_code", "ddd"}
    assert counts(app, code) == before


def test_an_expired_card_cannot_be_renewed_with_a_past_date(app, client, admin):
    code = build_customer(app)
    method = created(client, admin, code, card())
    response = client.patch(
        methods_url(code, method["id"]), json={"expiry": "01/2021"}, headers=admin
    )
    assert "expiry" in assert_envelope(response, 422, "validation_error")["errors"]


def test_a_card_declined_by_the_gateway_is_not_stored(app, client, admin):
    code = build_customer(app)
    before = counts(app, code)
    seen = []

    def decline(check):
        seen.append((check.expiry_month, check.expiry_year, check.security_code))
        raise payment_gateway.CardDeclined()

    previous = payment_gateway.set_verifier(decline)
    try:
        response = client.post(methods_url(code), json=card(security_code="987"), headers=admin)
    finally:
        payment_gateway.set_verifier(previous)
    assert "card_number" in assert_envelope(response, 422, "validation_error")["errors"]
    assert seen == [(12, 2039, "987")]  # the gateway got the code, in the same request
    assert counts(app, code) == before


def test_unknown_customers_and_other_customers_methods_are_404(app, client, admin):
    code = build_customer(app)
    other = build_customer(app)
    method = created(client, admin, other, boleto())
    assert_envelope(client.get(methods_url(99999), headers=admin), 404, "not_found")
    post = client.post(methods_url(99999), json=boleto(), headers=admin)
    assert_envelope(post, 404, "not_found")
    for response in (
        client.get(methods_url(code, method["id"]), headers=admin),
        client.patch(methods_url(code, method["id"]), json={"is_default": True}, headers=admin),
        client.delete(methods_url(code, method["id"]), headers=admin),
        client.get(methods_url(code, 2**40), headers=admin),
    ):
        assert_envelope(response, 404, "not_found")


def test_the_list_is_paged(app, client, admin):
    code = build_customer(app)
    for _ in range(3):
        created(client, admin, code, boleto())
    response = client.get(methods_url(code), query_string={"per_page": 2}, headers=admin)
    body = response.get_json()
    assert (body["total"], len(body["items"]), body["per_page"]) == (3, 2, 2)
    assert [item["is_default"] for item in body["items"]] == [True, False]
