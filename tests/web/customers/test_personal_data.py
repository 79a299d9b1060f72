"""GET /customers/{code}/personal-data: everything held about a person, for admins only."""

import io
from datetime import UTC, datetime, timedelta

import pytest

from tests.builders import (
    build_cep,
    build_customer,
    build_login,
    build_receivable,
    build_session,
    build_subscription,
)
from tests.web.api_helpers import API, assert_envelope
from tests.web.payment_payloads import VISA, bank_debit, card

PASSWORD = "s3nha-pppoe-secreta"


def _url(code: int) -> str:
    return f"{API}/customers/{code}/personal-data"


def _created(response) -> dict:
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _extra_field(client, admin) -> int:
    body = {"name": "Ramo", "applies_to": "customer", "type": "text", "required": False}
    return _created(client.post(f"{API}/extra-fields", json=body, headers=admin))["id"]


def _fill(app, client, admin, code: int, field_id: int, login: str) -> dict:
    """One of everything the record holds, through the API where there is one."""
    customer = f"{API}/customers/{code}"

    def post(path: str, body: dict) -> dict:
        return _created(client.post(f"{customer}/{path}", json=body, headers=admin))

    put = client.put(
        f"{customer}/extra-fields/{field_id}", json={"value": "Padaria"}, headers=admin
    )
    assert put.status_code == 200, put.get_json()
    build_cep(app)
    post("addresses", {"type": "billing", "cep": "01310100", "number": "42"})
    post("contacts", {"name": "Ana Contato", "mobile": "11987654321"})
    post("observations", {"type": "geral", "text": "Cão bravo.", "mandatory_reading": True})
    upload = {"file": (io.BytesIO(b"RG digitalizado"), "rg.txt"), "description": "RG"}
    multipart = "multipart/form-data"
    _created(
        client.post(f"{customer}/documents", data=upload, headers=admin, content_type=multipart)
    )
    post("payment-methods", card())
    post("payment-methods", bank_debit())
    consents = {"channels": {"sms": {"given": True, "how": "phone", "note": "Pediu avisos"}}}
    assert client.put(f"{customer}/consents", json=consents, headers=admin).status_code == 200
    subscription = build_subscription(app, code)
    build_login(app, subscription, login, password=PASSWORD)
    start = datetime.now(UTC) - timedelta(days=2)
    build_session(app, login, start, stop=start + timedelta(hours=1))
    receivable = build_receivable(app, customer_code=code, subscription_id=subscription)
    return {"subscription": subscription, "receivable": receivable}


def test_an_admin_gets_everything_held_about_the_customer(app, client, admin):
    code = build_customer(app, name="Ana Titular")
    other = build_customer(app, name="Outra Pessoa")
    field_id = _extra_field(client, admin)
    made = _fill(app, client, admin, code, field_id, "ana.pppoe")
    _fill(app, client, admin, other, field_id, "outra.pppoe")

    response = client.get(_url(code), headers=admin)

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["customer"]["code"] == code
    assert body["customer"]["name"] == "Ana Titular"
    assert body["options"]["customer_code"] == code
    assert [item["value"] for item in body["extra_fields"]["items"]] == ["Padaria"]
    assert [address["number"] for address in body["addresses"]] == ["42"]
    assert [contact["name"] for contact in body["contacts"]] == ["Ana Contato"]
    assert [note["text"] for note in body["observations"]] == ["Cão bravo."]
    assert [document["description"] for document in body["documents"]] == ["RG"]
    methods = {method["method"]: method for method in body["payment_methods"]}
    assert methods["card"]["card_number"] == "411111******1111"
    assert methods["bank_debit"]["account_number"] == "98765123-4"  # an admin sees it whole
    sms = next(consent for consent in body["consents"] if consent["channel"] == "sms")
    assert sms["given"] is True
    assert [s["note"] for s in body["consent_statements"]] == ["Pediu avisos"]
    assert [s["id"] for s in body["subscriptions"]] == [made["subscription"]]
    assert [item["username"] for item in body["items"]] == ["ana.pppoe"]
    assert [r["id"] for r in body["receivables"]] == [made["receivable"]]
    assert body["equipment"] == body["equipment_sales"] == body["trust_unlocks"] == []
    assert body["usage"]["connections"]["count"] == 1
    assert body["usage"]["calls"] == {"count": 0, "first": None, "last": None}
    assert body["history_total"] == len(body["history"]) > 5
    assert {entry["entity"] for entry in body["history"]} >= {"contacts", "customer_addresses"}
    text = response.get_data(as_text=True)
    assert "Outra Pessoa" not in text  # nothing of another customer
    assert VISA not in text and PASSWORD not in text  # never a full card or a password


@pytest.mark.parametrize("role", ["attendant", "finance", "technician"])
def test_only_admins_may_read_personal_data(app, client, headers_for, role):
    code = build_customer(app)
    response = client.get(_url(code), headers=headers_for(role))
    assert_envelope(response, 403, "forbidden")


def test_personal_data_of_an_unknown_customer_is_a_404(client, admin):
    assert_envelope(client.get(_url(999_999), headers=admin), 404, "not_found")
