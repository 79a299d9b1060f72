"""A receivable's boleto through the API: issued once, its codes, its PDF read back, roles."""

import threading
from datetime import date, datetime, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
import time_machine
from pypdf import PdfReader

from models import clock
from models.billing.boleto_codes import barcode_from_linha
from models.billing.boleto_pdf import DEMO_MARK
from models.billing.pix import crc_is_valid, emv_fields
from models.billing.settings import BoletoSettings
from models.clock import local_today
from models.db import db
from tests.barcodes import read_barcodes
from tests.builders import build_customer, build_receivable, build_subscription
from tests.web.api_helpers import API, assert_envelope
from tests.web.boleto_settings import PRODUCTION_BOLETO
from tests.web.payment_payloads import bank_debit, methods_url
from web.config import load_settings

ROLES_READING = ("admin", "attendant", "finance")


def _url(receivable_id: int, pdf: bool = False) -> str:
    return f"{API}/receivables/{receivable_id}/boleto" + (".pdf" if pdf else "")


def _boletos(app) -> int:
    with app.app_context():
        return db.session.scalar(db.text("SELECT count(*) FROM boletos"))


@pytest.fixture
def pix(override_settings):
    override_settings(
        BoletoSettings,
        pix_key="12345678000195",
        pix_city="Recife",
        beneficiary_document="12345678000195",
    )


def _use_real_account(override_settings, tmp_path) -> None:
    """The BOLETO_* settings of a real account (Bradesco) and beneficiary, parsed as at start."""
    parsed = load_settings({"PROVEDOR_VAR_DIR": str(tmp_path), **PRODUCTION_BOLETO})
    chosen = parsed.boleto_settings()
    fields = ("account", "beneficiary_name", "beneficiary_document", "beneficiary_address")
    changes = {name: getattr(chosen, name) for name in (*fields, "demo")}
    override_settings(BoletoSettings, **changes)  # the PIX key stays as it was


@pytest.fixture
def real_account(override_settings, tmp_path):
    _use_real_account(override_settings, tmp_path)


def _pdf_text(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return PdfReader(BytesIO(response.data)).pages[0].extract_text()


def test_the_boleto_is_issued_once_with_its_codes(app, client, admin, pix):
    due = local_today_of(app) + timedelta(days=12)
    receivable_id = build_receivable(app, amount="129.90", due_date=due)

    first = client.get(_url(receivable_id), headers=admin)
    assert first.status_code == 200, first.get_json()
    body = first.get_json()
    assert body["receivable_id"] == receivable_id and body["bank"] == "001"
    assert body["amount"] == "129.90" and body["due_date"] == due.isoformat()
    assert body["nosso_numero"] == "12345670000000001"  # convênio + the first sequence value
    assert len(body["barcode"]) == 44 and body["barcode"].startswith("0019")
    assert barcode_from_linha(body["digitable_line"]) == body["barcode"]
    assert body["digitable_line"].count(" ") == 4  # formatted as printed
    assert body["barcode"][9:19] == "0000012990"  # the amount in cents
    assert crc_is_valid(body["pix_code"])
    fields = emv_fields(body["pix_code"])
    assert fields["54"] == "129.90" and "12345670000000001" in fields["62"]

    assert client.get(_url(receivable_id), headers=admin).get_json() == body  # the same one
    assert _boletos(app) == 1
    second = build_receivable(app, due_date=due)
    assert client.get(_url(second), headers=admin).get_json()["nosso_numero"].endswith("02")


def local_today_of(app):
    with app.app_context():
        return local_today()


def test_without_a_pix_key_the_boleto_has_no_pix_code(app, client, admin):
    receivable_id = build_receivable(app)
    assert client.get(_url(receivable_id), headers=admin).get_json()["pix_code"] is None


def test_the_pdf_opens_and_its_barcode_and_qr_read_back(app, client, admin, pix, tmp_path):
    code = build_customer(app, name="Maria da Conceição")
    receivable_id = build_receivable(app, customer_code=code, amount="1234.56")
    response = client.get(_url(receivable_id, pdf=True), headers=admin)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and f"boleto-{receivable_id}-" in disposition
    text = PdfReader(BytesIO(response.data)).pages[0].extract_text()
    assert "Maria da Conceição" in text and "R$ 1.234,56" in text
    assert "12.345.678/0001-95" in text  # the beneficiary's CNPJ
    boleto = client.get(_url(receivable_id), headers=admin).get_json()
    found = read_barcodes(response.data, tmp_path)
    assert found.get("I2/5") == {boleto["barcode"]}
    assert found.get("QR-Code") == {boleto["pix_code"]}


def test_a_paid_cancelled_or_not_boleto_receivable_has_none(app, client, admin):
    today = local_today_of(app)
    paid = build_receivable(app)
    client.post(
        f"{API}/receivables/{paid}/payments",
        json={"paid_on": str(today), "amount": "99.90"},
        headers=admin,
    )
    cancelled = build_receivable(app)
    client.post(f"{API}/receivables/{cancelled}/cancel", json={"reason": "erro"}, headers=admin)
    by_debit = build_customer(app)
    response = client.post(methods_url(by_debit), json=bank_debit(), headers=admin)
    assert response.status_code == 201, response.get_json()
    debit = build_receivable(app, customer_code=by_debit)

    for receivable_id in (paid, cancelled, debit):
        assert_envelope(client.get(_url(receivable_id), headers=admin), 409, "conflict")
        assert_envelope(client.get(_url(receivable_id, pdf=True), headers=admin), 409, "conflict")
    assert_envelope(client.get(_url(999), headers=admin), 404, "not_found")
    assert_envelope(client.get(_url(2**40, pdf=True), headers=admin), 404, "not_found")
    assert _boletos(app) == 0


def test_an_issued_boleto_of_a_paid_receivable_is_no_longer_served(app, client, admin):
    receivable_id = build_receivable(app)
    assert client.get(_url(receivable_id), headers=admin).status_code == 200
    client.post(
        f"{API}/receivables/{receivable_id}/payments",
        json={"paid_on": str(local_today_of(app)), "amount": "99.90"},
        headers=admin,
    )
    assert_envelope(client.get(_url(receivable_id), headers=admin), 409, "conflict")


def test_issuing_is_in_the_customers_history(app, client, admin):
    code = build_customer(app)
    receivable_id = build_receivable(app, customer_code=code)
    boleto = client.get(_url(receivable_id), headers=admin).get_json()
    history = client.get(f"{API}/customers/{code}/history", headers=admin).get_json()["items"]
    (entry,) = [item for item in history if item["entity"] == "boletos"]
    assert entry["action"] == "create" and entry["username"] == "admin.user"
    changes = {change["field"]: change["new"] for change in entry["changes"]}
    assert changes["receivable_id"] == receivable_id
    assert changes["barcode"] == boleto["barcode"]
    assert Decimal(changes["amount"]) == Decimal("99.90")


@pytest.mark.parametrize("role", ROLES_READING)
def test_roles_that_read_receivables_get_the_boleto(app, client, headers_for, role):
    receivable_id = build_receivable(app)
    headers = headers_for(role)
    assert client.get(_url(receivable_id), headers=headers).status_code == 200
    assert client.get(_url(receivable_id, pdf=True), headers=headers).status_code == 200


def test_a_technician_gets_403_and_nothing_is_issued(app, client, headers_for):
    receivable_id = build_receivable(app)
    headers = headers_for("technician")
    assert_envelope(client.get(_url(receivable_id), headers=headers), 403, "forbidden")
    assert_envelope(client.get(_url(receivable_id, pdf=True), headers=headers), 403, "forbidden")
    assert_envelope(client.get(_url(receivable_id)), 401, "unauthorized")
    assert _boletos(app) == 0


def test_parallel_requests_issue_one_boleto_and_draw_one_number(app, client, admin):
    # PostgreSQL: row locks and the unique receivable; SQLite: one writer at a time, waiting.
    receivable_id = build_receivable(app)
    barrier, answers = threading.Barrier(4), []

    def fetch():
        barrier.wait()
        answers.append(app.test_client().get(_url(receivable_id), headers=admin))

    threads = [threading.Thread(target=fetch) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [answer.status_code for answer in answers] == [200] * 4
    assert len({answer.get_json()["nosso_numero"] for answer in answers}) == 1
    assert _boletos(app) == 1
    with app.app_context():  # the losers gave their numbers back: the next one is 2
        assert db.session.scalar(db.text("SELECT next_value FROM boleto_sequences")) == 2


def test_a_partially_paid_receivable_gets_a_boleto_of_its_balance(app, client, admin, pix):
    receivable_id = build_receivable(app, amount="125.50")
    first = client.get(_url(receivable_id), headers=admin).get_json()
    assert first["amount"] == "125.50"
    paid = client.post(
        f"{API}/receivables/{receivable_id}/payments",
        json={"paid_on": str(local_today_of(app)), "amount": "100.00"},
        headers=admin,
    )
    assert paid.get_json()["status"] == "partially_paid"

    rest = client.get(_url(receivable_id), headers=admin)
    assert rest.status_code == 200, rest.get_json()
    body = rest.get_json()
    assert body["amount"] == "25.50" and body["barcode"][9:19] == "0000002550"
    assert body["nosso_numero"] != first["nosso_numero"]  # a boleto of its own
    assert emv_fields(body["pix_code"])["54"] == "25.50"
    assert client.get(_url(receivable_id), headers=admin).get_json() == body  # issued once
    pdf = client.get(_url(receivable_id, pdf=True), headers=admin)
    assert pdf.status_code == 200
    assert "R$ 25,50" in PdfReader(BytesIO(pdf.data)).pages[0].extract_text()
    assert _boletos(app) == 2


def test_an_amount_no_boleto_carries_is_refused_at_creation(app, client, admin):
    code = build_customer(app)
    due = str(local_today_of(app) + timedelta(days=5))
    for amount in ("9999999999.99", "100000000.00"):
        body = {
            "description": "Caro",
            "due_date": due,
            "lines": [{"description": "X", "amount": amount}],
        }
        response = client.post(f"{API}/customers/{code}/receivables", json=body, headers=admin)
        assert "lines" in assert_envelope(response, 422, "validation_error")["errors"]
    body = {
        "description": "Limite",
        "due_date": due,
        "lines": [{"description": "X", "amount": "99999999.99"}],
    }
    response = client.post(f"{API}/customers/{code}/receivables", json=body, headers=admin)
    assert response.status_code == 201, response.get_json()
    boleto = client.get(_url(response.get_json()["id"]), headers=admin).get_json()
    assert boleto["barcode"][9:19] == "9999999999"  # the largest amount a boleto carries


def test_an_older_receivable_too_large_for_a_boleto_is_a_409_not_a_500(app, client, admin):
    receivable_id = build_receivable(app)
    with app.app_context():  # a row from before receivables were limited: only SQL makes one
        db.session.execute(
            db.text("UPDATE receivables SET amount = 9999999999.99 WHERE id = :id"),
            {"id": receivable_id},
        )
        db.session.commit()
    for pdf in (False, True):
        response = client.get(_url(receivable_id, pdf=pdf), headers=admin)
        error = assert_envelope(response, 409, "amount_too_large_for_boleto")
        assert "amount" in error["errors"] and "99999999.99" in error["message"]
    assert _boletos(app) == 0


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/plans", {"name": "Caro", "kind": "internet", "price": "100000000.00"}),
    ],
)
def test_prices_a_boleto_cannot_carry_are_refused(app, client, admin, url, body):
    response = client.post(f"{API}{url}", json=body, headers=admin)
    assert "price" in assert_envelope(response, 422, "validation_error")["errors"]


def test_a_subscription_price_a_boleto_cannot_carry_is_refused(app, client, admin):
    subscription_id = build_subscription(app)
    url = f"{API}/subscriptions/{subscription_id}"
    response = client.patch(url, json={"price": "100000000.00"}, headers=admin)
    assert "price" in assert_envelope(response, 422, "validation_error")["errors"]
    assert client.patch(url, json={"price": "99999999.99"}, headers=admin).status_code == 200


def test_without_bank_settings_the_boleto_is_a_marked_demonstration(app, client, admin):
    receivable_id = build_receivable(app)
    assert client.get(_url(receivable_id), headers=admin).get_json()["demo"] is True
    text = _pdf_text(client.get(_url(receivable_id, pdf=True), headers=admin))
    assert text.count(DEMO_MARK) >= 3 and "não pague" in text
    assert "Pagável em qualquer banco" not in text


def test_on_a_real_account_the_boleto_is_unmarked_and_names_its_beneficiary(
    app, client, admin, real_account, tmp_path
):
    receivable_id = build_receivable(app, amount="129.90")
    boleto = client.get(_url(receivable_id), headers=admin).get_json()
    assert boleto["demo"] is False and boleto["bank"] == "237"
    assert boleto["nosso_numero"].startswith("09/00000000001-")
    assert boleto["barcode"][19:23] == "4042" and boleto["barcode"][36:43] == "0061900"
    response = client.get(_url(receivable_id, pdf=True), headers=admin)
    text = _pdf_text(response)
    assert "DEMONSTRAÇÃO" not in text
    assert "Pagável em qualquer banco até o vencimento" in text
    assert text.count("Rede Ipê Telecom Ltda - CNPJ 12.345.678/0001-95") == 2
    assert text.count(PRODUCTION_BOLETO["BOLETO_BENEFICIARY_ADDRESS"]) == 2
    assert text.count("4042-8 / 0061900-0") == 2  # Bradesco: 4 + 7 digits, each with its DV
    assert "Sacador/Avalista" in text
    assert read_barcodes(response.data, tmp_path).get("I2/5") == {boleto["barcode"]}


def test_a_demo_boleto_stays_marked_once_the_real_account_is_set(
    app, client, admin, override_settings, tmp_path
):
    receivable_id = build_receivable(app)
    issued = client.get(_url(receivable_id), headers=admin).get_json()
    _use_real_account(override_settings, tmp_path)  # the settings change; the boleto held does not
    again = client.get(_url(receivable_id), headers=admin).get_json()
    assert again == issued and again["demo"] is True
    assert DEMO_MARK in _pdf_text(client.get(_url(receivable_id, pdf=True), headers=admin))


# One account per bank, as its BOLETO_* settings (accounts of brcobranca's specs).
ACCOUNTS = {
    "001": {"BOLETO_AGENCY": "4042", "BOLETO_ACCOUNT": "61900", "BOLETO_AGREEMENT": "123879"},
    "033": {"BOLETO_AGENCY": "0059", "BOLETO_AGREEMENT": "1899775", "BOLETO_WALLET": "102"},
    "104": {"BOLETO_AGENCY": "1825", "BOLETO_AGREEMENT": "245274", "BOLETO_WALLET": "1"},
    "237": {},
    "341": {"BOLETO_AGENCY": "0811", "BOLETO_ACCOUNT": "53678", "BOLETO_WALLET": "109"},
    "748": {
        "BOLETO_AGENCY": "0710",
        "BOLETO_AGREEMENT": "00129",
        "BOLETO_WALLET": "1",
        "BOLETO_STATION": "65",
        "BOLETO_BYTE": "2",
    },
    "756": {
        "BOLETO_AGENCY": "4327",
        "BOLETO_AGREEMENT": "417270",
        "BOLETO_WALLET": "1",
        "BOLETO_VARIATION": "01",
    },
}


@pytest.mark.parametrize("bank", sorted(ACCOUNTS))
def test_each_bank_issues_a_boleto_whose_pdf_reads_back(
    app, client, admin, override_settings, tmp_path, bank
):
    wallet = {"001": {"BOLETO_WALLET": "18"}}.get(bank, {})
    env = {**PRODUCTION_BOLETO, "BOLETO_BANK": bank, **wallet, **ACCOUNTS[bank]}
    parsed = load_settings({"PROVEDOR_VAR_DIR": str(tmp_path), **env}).boleto_settings()
    override_settings(BoletoSettings, account=parsed.account, demo=parsed.demo)
    receivable_id = build_receivable(app, amount="99.90")

    boleto = client.get(_url(receivable_id), headers=admin).get_json()
    assert boleto["barcode"][:3] == bank
    assert barcode_from_linha(boleto["digitable_line"]) == boleto["barcode"]
    response = client.get(_url(receivable_id, pdf=True), headers=admin)
    assert read_barcodes(response.data, tmp_path).get("I2/5") == {boleto["barcode"]}
    text = _pdf_text(response)
    assert boleto["nosso_numero"] in text
    assert f"{bank}-" in text  # the bank's code with its check digit in the header


def test_sicredi_numbers_restart_each_year_and_never_repeat(
    app, client, make_user, token_for, override_settings, tmp_path
):
    env = {**PRODUCTION_BOLETO, "BOLETO_BANK": "748", **ACCOUNTS["748"]}
    parsed = load_settings({"PROVEDOR_VAR_DIR": str(tmp_path), **env}).boleto_settings()
    override_settings(BoletoSettings, account=parsed.account, demo=parsed.demo)
    token = token_for(make_user("financeiro.ano", "finance"), ttl=timedelta(days=400))
    finance = {"Authorization": f"Bearer {token}"}  # still valid in the days travelled to
    printed = []
    for day in (date(2026, 12, 31), date(2026, 12, 31), date(2027, 1, 2)):
        noon = datetime(day.year, day.month, day.day, 12, tzinfo=clock.zone())
        with time_machine.travel(noon, tick=False):
            receivable_id = build_receivable(app, amount="99.90")
            boleto = client.get(_url(receivable_id), headers=finance).get_json()
        printed.append(boleto["nosso_numero"])
    # Year, byte 2, then the year's own count from 1 (its check digit after the dash).
    assert [number.split("-")[0] for number in printed] == ["26/200001", "26/200002", "27/200001"]
