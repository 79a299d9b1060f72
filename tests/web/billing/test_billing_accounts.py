"""/api/v1/billing-accounts: the collection contracts admins keep, seeded from BOLETO_*; the
account a customer or subscription names, and the one each boleto goes on."""

from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import bindparam, text

from models.audit import set_actor
from models.billing.boletos import issue_boletos
from models.db import db
from tests.builders import (
    BUILDER,
    build_customer,
    build_plan,
    build_receivable,
    build_subscription,
)
from tests.web.api_helpers import API, assert_envelope
from tests.web.customer_payloads import pf_payload

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
BRADESCO = {
    "name": "Bradesco cobrança",
    "bank": "237",
    "agency": "1234",
    "agency_dv": "5",
    "account": "1234567",
    "account_dv": "1",
    "agreement": "123",
    "wallet": "09",
    "beneficiary_name": "Provedor Exemplo Ltda",
    "cnab_layout": 400,
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


# --- the account a boleto goes on: the subscription's, else the customer's, else the default ---


def _account(client, admin, body: dict, active: bool = True) -> int:
    created = client.post(URL, json=body, headers=admin)
    assert created.status_code == 201, created.json
    if not active:
        off = client.patch(f"{URL}/{created.json['id']}", json={"active": False}, headers=admin)
        assert off.status_code == 200, off.json
    return created.json["id"]


def _name(client, admin, url: str, account_id: int | None) -> dict:
    named = client.patch(url, json={"billing_account_id": account_id}, headers=admin)
    assert named.status_code == 200, named.json
    assert named.json["billing_account_id"] == account_id
    return named.json


def _bank_of_boleto(client, admin, receivable_id: int) -> str:
    boleto = client.get(f"{API}/receivables/{receivable_id}/boleto", headers=admin)
    assert boleto.status_code == 200, boleto.json
    assert boleto.json["barcode"].startswith(boleto.json["bank"])
    return boleto.json["bank"]


def _issued(app, receivable_ids: list[int]) -> dict[int, tuple]:
    """{receivable id: (billing_account_id, bank, sequence)} of their boletos."""
    with app.app_context():
        query = text(
            "SELECT receivable_id, billing_account_id, bank, sequence FROM boletos "
            "WHERE receivable_id IN :ids"
        ).bindparams(bindparam("ids", expanding=True))
        rows = db.session.execute(query, {"ids": receivable_ids})
        return {row[0]: tuple(row[1:]) for row in rows}


def _seed_id(client, admin) -> int:
    (seed,) = [a for a in client.get(URL, headers=admin).json["items"] if a["is_default"]]
    return seed["id"]


def test_a_customer_naming_an_account_gets_its_boletos_on_it(app, client, admin):
    sicoob = _account(client, admin, SICOOB)
    code = build_customer(app)
    url = f"{API}/customers/{code}"
    assert client.get(url, headers=admin).json["billing_account_id"] is None  # the default

    _name(client, admin, url, sicoob)

    assert client.get(url, headers=admin).json["billing_account_id"] == sicoob
    entry = client.get(f"{url}/history", headers=admin).json["items"][0]
    assert (entry["entity"], entry["action"]) == ("customers", "update")
    assert [(c["field"], c["old"], c["new"]) for c in entry["changes"]] == [
        ("billing_account_id", None, sicoob)
    ]
    receivable = build_receivable(app, code)
    assert _bank_of_boleto(client, admin, receivable) == "756"
    assert _issued(app, [receivable])[receivable][:2] == (sicoob, "756")

    _name(client, admin, url, None)  # back to the default
    later = build_receivable(app, code)
    assert _bank_of_boleto(client, admin, later) == "001"
    assert _bank_of_boleto(client, admin, receivable) == "756"  # issued: kept as issued


def test_a_new_customer_and_a_new_subscription_may_name_one(app, client, admin):
    sicoob, bradesco = _account(client, admin, SICOOB), _account(client, admin, BRADESCO)
    created = client.post(
        f"{API}/customers", json=pf_payload(billing_account_id=sicoob), headers=admin
    )
    assert created.status_code == 201, created.json
    assert created.json["billing_account_id"] == sicoob
    code = created.json["code"]
    body = {"plan_id": build_plan(app), "due_day": 10, "billing_account_id": bradesco}
    subscribed = client.post(f"{API}/customers/{code}/subscriptions", json=body, headers=admin)
    assert subscribed.status_code == 201, subscribed.json
    assert subscribed.json["billing_account_id"] == bradesco
    plain = {**body, "billing_account_id": None}
    unnamed = client.post(f"{API}/customers/{code}/subscriptions", json=plain, headers=admin)
    assert unnamed.status_code == 201 and unnamed.json["billing_account_id"] is None

    on_subscription = build_receivable(app, code, subscription_id=subscribed.json["id"])
    on_the_other = build_receivable(app, code, subscription_id=unnamed.json["id"])
    assert _bank_of_boleto(client, admin, on_subscription) == "237"
    assert _bank_of_boleto(client, admin, on_the_other) == "756"  # the customer's


def test_a_subscriptions_account_wins_over_the_customers(app, client, admin):
    sicoob, bradesco = _account(client, admin, SICOOB), _account(client, admin, BRADESCO)
    code = build_customer(app)
    _name(client, admin, f"{API}/customers/{code}", sicoob)
    subscription = build_subscription(app, code)
    _name(client, admin, f"{API}/subscriptions/{subscription}", bradesco)
    entry = client.get(f"{API}/customers/{code}/history", headers=admin).json["items"][0]
    assert (entry["entity"], entry["entity_id"]) == ("subscriptions", str(subscription))
    assert [(c["field"], c["new"]) for c in entry["changes"]] == [("billing_account_id", bradesco)]

    monthly = build_receivable(app, code, subscription_id=subscription)
    other = build_receivable(app, code)  # no subscription (an equipment sale, say)

    assert _bank_of_boleto(client, admin, monthly) == "237"
    assert _bank_of_boleto(client, admin, other) == "756"
    issued = _issued(app, [monthly, other])
    assert (issued[monthly][0], issued[other][0]) == (bradesco, sicoob)


def test_an_inactive_account_is_passed_over_down_to_the_default(app, client, admin):
    sicoob, bradesco = _account(client, admin, SICOOB), _account(client, admin, BRADESCO)
    code = build_customer(app)
    _name(client, admin, f"{API}/customers/{code}", sicoob)
    subscription = build_subscription(app, code)
    _name(client, admin, f"{API}/subscriptions/{subscription}", bradesco)

    client.patch(f"{URL}/{bradesco}", json={"active": False}, headers=admin)
    first = build_receivable(app, code, subscription_id=subscription)
    assert _bank_of_boleto(client, admin, first) == "756"  # the customer's, still active

    client.patch(f"{URL}/{sicoob}", json={"active": False}, headers=admin)
    second = build_receivable(app, code, subscription_id=subscription)
    alone = build_receivable(app, code)
    assert _bank_of_boleto(client, admin, second) == "001"
    assert _bank_of_boleto(client, admin, alone) == "001"
    assert _issued(app, [second])[second][0] == _seed_id(client, admin)
    # They still name them (reactivated, they are used again); the boletos keep their account.
    sub = client.get(f"{API}/subscriptions/{subscription}", headers=admin).json
    assert sub["billing_account_id"] == bradesco
    assert _bank_of_boleto(client, admin, first) == "756"


def test_the_set_based_issue_picks_the_same_accounts_each_with_its_own_numbers(app, client, admin):
    sicoob, bradesco = _account(client, admin, SICOOB), _account(client, admin, BRADESCO)
    retired = _account(client, admin, {**SICOOB, "name": "Sicoob antigo", "agreement": "229386"})
    seed = _seed_id(client, admin)
    plain, by_customer, by_subscription, on_retired = (build_customer(app) for _ in range(4))
    for code in (by_customer, by_subscription):
        _name(client, admin, f"{API}/customers/{code}", sicoob)
    subscription = build_subscription(app, by_subscription)
    _name(client, admin, f"{API}/subscriptions/{subscription}", bradesco)
    _name(client, admin, f"{API}/customers/{on_retired}", retired)
    client.patch(f"{URL}/{retired}", json={"active": False}, headers=admin)  # retired since

    def receivables() -> dict[int, int]:
        """{receivable id: the account its boleto must go on}, one of each case."""
        return {
            build_receivable(app, plain): seed,
            build_receivable(app, by_customer): sicoob,
            build_receivable(app, by_subscription, subscription_id=subscription): bradesco,
            build_receivable(app, by_subscription): sicoob,
            build_receivable(app, on_retired): seed,
        }

    in_bulk = {**receivables(), **receivables()}  # twice: each account draws several numbers
    with app.app_context():  # as the boleto e-mail sweep issues them (notice_sweeps)
        set_actor(db.session, BUILDER)
        assert issue_boletos(sorted(in_bulk)) == len(in_bulk)
        assert issue_boletos(sorted(in_bulk)) == 0  # issued once
        db.session.commit()
    issued = _issued(app, list(in_bulk))
    assert {r: account for r, (account, _, _) in issued.items()} == in_bulk
    banks = {seed: "001", sicoob: "756", bradesco: "237"}
    assert all(bank == banks[account] for account, bank, _ in issued.values())
    for account in banks:  # each account its own counter, drawn in receivable order
        mine = sorted(r for r, expected in in_bulk.items() if expected == account)
        assert [issued[r][2] for r in mine] == list(range(1, len(mine) + 1))

    one_at_a_time = receivables()  # the route issues one by one on the same accounts
    for receivable, account in one_at_a_time.items():
        assert _bank_of_boleto(client, admin, receivable) == banks[account]
    assert {r: a for r, (a, _, _) in _issued(app, list(one_at_a_time)).items()} == one_at_a_time


@pytest.mark.parametrize("bad", ["unknown", "inactive", 0, 2**31, "7", ""])
@pytest.mark.parametrize("where", ["new customer", "customer", "new subscription", "subscription"])
def test_a_bad_account_is_422_naming_the_field_and_changes_nothing(app, client, admin, where, bad):
    sicoob = _account(client, admin, SICOOB)
    code = build_customer(app)
    subscription = build_subscription(app, code)
    customer_url, subscription_url = (
        f"{API}/customers/{code}",
        f"{API}/subscriptions/{subscription}",
    )
    _name(client, admin, customer_url, sicoob)
    _name(client, admin, subscription_url, sicoob)
    account = {
        "unknown": sicoob + 1000,
        "inactive": _account(client, admin, BRADESCO, active=False),
    }.get(bad, bad)

    def state():
        with app.app_context():
            counts = "SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM subscriptions)"
            return (
                tuple(db.session.execute(text(counts)).one()),
                client.get(customer_url, headers=admin).json,
                client.get(subscription_url, headers=admin).json,
                client.get(f"{customer_url}/history", headers=admin).json["total"],
            )

    before = state()
    body = {"billing_account_id": account}
    if where == "new customer":
        response = client.post(f"{API}/customers", json=pf_payload(**body), headers=admin)
    elif where == "customer":
        response = client.patch(customer_url, json=body, headers=admin)
    elif where == "new subscription":
        body |= {"plan_id": build_plan(app), "due_day": 10}
        response = client.post(f"{customer_url}/subscriptions", json=body, headers=admin)
    else:
        response = client.patch(subscription_url, json=body, headers=admin)

    errors = assert_envelope(response, 422, "validation_error")["errors"]
    assert errors.keys() == {"billing_account_id"}
    assert state() == before
