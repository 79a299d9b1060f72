"""Payloads and helpers for the payment data tests ("Dados Débito")."""

from tests.web.api_helpers import API

VISA = "4111111111111111"
MASTERCARD = "5555555555554444"
FUTURE_EXPIRY = "12/2039"


def methods_url(code: int, method_id: int | None = None) -> str:
    url = f"{API}/customers/{code}/payment-methods"
    return url if method_id is None else f"{url}/{method_id}"


def boleto(**fields) -> dict:
    return {"method": "boleto", **fields}


def bank_debit(**fields) -> dict:
    return {
        "method": "bank_debit",
        "bank_code": "001",
        "agency": "1234-5",
        "account_number": "98765123-4",
        "account_type": "checking",
        "identifier_code": "CLI000123",
        **fields,
    }


def card(**fields) -> dict:
    return {
        "method": "card",
        "card_number": VISA,
        "expiry": FUTURE_EXPIRY,
        "security_code": "123",
        **fields,
    }


def phone_bill(**fields) -> dict:
    return {
        "method": "phone_bill_debit",
        "ddd": "11",
        "phone": "3333-4444",
        "contract_number": "TEL-2020/77",
        **fields,
    }


def created(client, headers, code: int, body: dict) -> dict:
    response = client.post(methods_url(code), json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def history_of(client, headers, code: int) -> list[dict]:
    response = client.get(
        f"{API}/customers/{code}/history", query_string={"per_page": 200}, headers=headers
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]
