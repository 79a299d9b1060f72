"""/api/v1/billing-accounts: the collection contracts admins keep, seeded from BOLETO_*."""

from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import text

from models.db import db
from tests.builders import build_receivable
from tests.web.api_helpers import API, assert_envelope

URL = f"{API}/billing-accounts"

SICOOB = {
    "name": "Sicoob principal",
    "bank": "756",
    "agency": "4327",
    "account": "417270",
    "account_dv": "0",
    "agreement": "229385",
    "wallet": "1",
    "variation": "01",
    "beneficiary_name": "Provedor Exemplo Ltda",
    "beneficiary_document": "11.222.333/0001-81",
    "fine_percent": "2.00",
    "interest_percent_month": "1.00",
    "cnab_layout": 240,
}


def _history(app, entity: str) -> list[tuple]:
    with app.app_context():
        query = text("SELECT action, username FROM history WHERE entity = :e ORDER BY id")
        return [tuple(row) for row in db.session.execute(query, {"e": entity})]


def test_a_new_installation_lists_the_account_seeded_from_its_settings(client, admin):
    listed = client.get(URL, headers=admin)
    assert listed.status_code == 200, listed.json
    (seed,) = listed.json["items"]
    # tests run on the built-in demonstration account (Banco do Brasil, convênio 1234567)
    assert seed["name"] == "Conta principal" and seed["is_default"] is True
    assert (seed["bank"], seed["agreement"], seed["wallet"]) == ("001", "1234567", "17")
    assert seed["demo"] is True and seed["next_remittance_sequence"] == 1
    assert client.get(URL, headers=admin).json["items"] == [seed]  # seeded once


def test_a_boleto_records_the_default_account_and_keeps_its_codes_when_another_becomes_default(
    app, client, admin
):
    first = build_receivable(app)
    issued = client.get(f"{API}/receivables/{first}/boleto", headers=admin).json
    seed_id = client.get(URL, headers=admin).json["items"][0]["id"]
    with app.app_context():
        account_of = "SELECT billing_account_id FROM boletos WHERE receivable_id = :r"
        assert db.session.scalar(text(account_of), {"r": first}) == seed_id

    created = client.post(URL, json={**SICOOB, "is_default": True}, headers=admin)
    assert created.status_code == 201, created.json
    assert created.headers["Location"].endswith(f"/billing-accounts/{created.json['id']}")
    accounts = client.get(URL, headers=admin).json["items"]
    assert [(a["name"], a["is_default"]) for a in accounts] == [
        ("Sicoob principal", True),
        ("Conta principal", False),
    ]
    assert client.get(f"{API}/receivables/{first}/boleto", headers=admin).json == issued
    second = build_receivable(app)
    boleto = client.get(f"{API}/receivables/{second}/boleto", headers=admin).json
    assert boleto["bank"] == "756" and boleto["barcode"].startswith("756")
    assert _history(app, "billing_accounts")[-1][0] == "update"  # the seed stopped being default


def test_changes_are_checked_against_the_banks_layout(client, admin):
    created = client.post(URL, json=SICOOB, headers=admin).json
    url = f"{URL}/{created['id']}"
    changed = client.patch(url, json={"instructions": "Não receber após 30 dias."}, headers=admin)
    assert changed.status_code == 200 and changed.json["instructions"].startswith("Não receber")
    no_layout = client.patch(url, json={"bank": "999"}, headers=admin)
    assert assert_envelope(no_layout, 422, "validation_error")["errors"].keys() == {"bank"}
    too_long = client.patch(url, json={"agreement": "12345678"}, headers=admin)
    assert too_long.status_code == 422  # Sicoob's código do beneficiário has 7 digits
    assert client.get(url, headers=admin).json["agreement"] == "229385"  # nothing changed


def test_the_default_stays_until_another_is_made_default(client, admin):
    seed = client.get(URL, headers=admin).json["items"][0]
    url = f"{URL}/{seed['id']}"
    assert client.patch(url, json={"is_default": False}, headers=admin).status_code == 409
    assert client.patch(url, json={"active": False}, headers=admin).status_code == 409
    other = client.post(URL, json=SICOOB, headers=admin).json
    made = client.patch(f"{URL}/{other['id']}", json={"is_default": True}, headers=admin)
    assert made.status_code == 200 and made.json["is_default"] is True
    assert client.get(url, headers=admin).json["is_default"] is False
    assert client.patch(url, json={"active": False}, headers=admin).status_code == 200


def test_a_name_is_used_once(client, admin):
    assert client.post(URL, json=SICOOB, headers=admin).status_code == 201
    again = client.post(URL, json={**SICOOB, "bank": "237", "cnab_layout": 400}, headers=admin)
    assert assert_envelope(again, 409, "conflict")["errors"] == {"name": ["Already in use."]}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"bank": "75"}, "bank"),
        ({"agency": "12a4"}, "agency"),
        ({"agency": "123456"}, "agency"),
        ({"account_dv": "12"}, "account_dv"),
        ({"cnab_layout": 444}, "cnab_layout"),
        ({"cnab_layout": "240"}, "cnab_layout"),
        ({"fine_percent": "101.00"}, "fine_percent"),
        ({"fine_percent": 2}, "fine_percent"),
        ({"beneficiary_document": "11.222.333/0001-82"}, "beneficiary_document"),
        ({"byte": "1"}, "byte"),
        ({"name": None}, "name"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_bad_input_is_refused_naming_the_field(app, client, admin, change, field):
    response = client.post(URL, json={**SICOOB, **change}, headers=admin)
    assert field in assert_envelope(response, 422, "validation_error")["errors"]
    assert len(client.get(URL, headers=admin).json["items"]) == 1  # the seed only


@pytest.mark.parametrize("missing", ["name", "bank", "agency", "account", "wallet", "cnab_layout"])
def test_a_new_account_needs_its_bank_details(client, admin, missing):
    body = {key: value for key, value in SICOOB.items() if key != missing}
    response = client.post(URL, json=body, headers=admin)
    assert missing in assert_envelope(response, 422, "validation_error")["errors"]


@pytest.mark.parametrize(
    ("role", "reads", "writes"),
    [("finance", 200, 403), ("attendant", 403, 403), ("technician", 403, 403)],
)
def test_finance_reads_accounts_and_only_admins_change_them(
    client, headers_for, role, reads, writes
):
    headers = headers_for(role)
    assert client.get(URL, headers=headers).status_code == reads
    assert client.post(URL, json=SICOOB, headers=headers).status_code == writes


def test_the_boleto_prints_the_accounts_instructions_fine_and_interest(app, client, admin):
    changes = {
        "instructions": "Não receber após 30 dias.\nDúvidas: (11) 4004-0000",
        "fine_percent": "2.00",
        "interest_percent_month": "3.00",
    }
    seed = client.get(URL, headers=admin).json["items"][0]
    assert client.patch(f"{URL}/{seed['id']}", json=changes, headers=admin).status_code == 200
    receivable_id = build_receivable(app, amount="100.00")
    pdf = client.get(f"{API}/receivables/{receivable_id}/boleto.pdf", headers=admin)
    text_of = PdfReader(BytesIO(pdf.data)).pages[0].extract_text()
    assert "Não receber após 30 dias." in text_of and "Dúvidas: (11) 4004-0000" in text_of
    # 3% a month on R$ 100,00 is R$ 0,10 a day
    assert "Após o vencimento, multa de 2,00% e juros de R$ 0,10 ao dia." in text_of
