"""The debit authorization PDF [5.6.1.4]: printable, in Portuguese; the account whole on the
copy finance and admins print for signing, masked on an attendant's; card numbers masked."""

import logging
from io import BytesIO

import pytest
from pypdf import PdfReader

from models.clock import local_today
from models.customers.debit_authorization import MASKED_NOTE
from tests.builders import build_customer
from tests.web.api_helpers import assert_envelope
from tests.web.customer_payloads import format_cpf, new_cpf
from tests.web.payment_payloads import VISA, bank_debit, card, created, methods_url, phone_bill


def pdf_text(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/pdf"
    reader = PdfReader(BytesIO(response.data))
    width, height = (float(v) for v in reader.pages[0].mediabox[2:])
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    return "\n".join(page.extract_text() for page in reader.pages)


def authorization(client, headers, code: int, method_id: int):
    return client.get(methods_url(code, method_id) + "/authorization.pdf", headers=headers)


def test_a_card_authorization_names_the_isp_customer_and_masked_card(app, client, admin):
    cpf = new_cpf()
    code = build_customer(app, name="Maria José da Silva", cpf=cpf)
    method = created(client, admin, code, card())
    response = authorization(client, admin, code, method["id"])
    disposition = response.headers["Content-Disposition"]
    assert disposition == f"attachment; filename=autorizacao-debito-{code}-{method['id']}.pdf"
    text = pdf_text(response)
    with app.app_context():
        today = local_today()
    for expected in (
        app.config["ISP_NAME"],
        "Autorização de Débito",
        "Maria José da Silva",
        f"CPF: {format_cpf(cpf)}",
        "411111******1111",
        "Visa",
        f"{today:%d/%m/%Y}",
        "Assinatura do titular",
    ):
        assert expected in text, expected
    assert VISA not in text


FULL_ACCOUNT = "98765123-4"  # tests.web.payment_payloads.bank_debit()


@pytest.mark.parametrize("role", ["admin", "finance"])
def test_finance_and_admins_print_the_account_whole_to_be_signed(app, client, headers_for, role):
    code = build_customer(app, "PJ")
    method = created(client, headers_for("admin"), code, bank_debit())
    text = pdf_text(authorization(client, headers_for(role), code, method["id"]))
    assert f"Conta: {FULL_ACCOUNT}" in text
    assert "Agência: 1234-5" in text and "CNPJ:" in text and "conta corrente" in text
    assert MASKED_NOTE not in text
    assert "Assinatura do titular" in text


def test_an_attendant_gets_a_masked_copy_that_is_not_for_signing(app, client, admin, headers_for):
    code = build_customer(app, "PJ")
    method = created(client, admin, code, bank_debit())
    text = pdf_text(authorization(client, headers_for("attendant"), code, method["id"]))
    assert "Conta: *****123-4" in text
    assert "98765123" not in text
    assert MASKED_NOTE in text


def test_a_card_stays_masked_even_for_finance(app, client, admin, headers_for):
    code = build_customer(app)
    method = created(client, admin, code, card())
    text = pdf_text(authorization(client, headers_for("finance"), code, method["id"]))
    assert "411111******1111" in text and VISA not in text


def test_the_full_account_reaches_no_log(app, client, admin, headers_for, caplog):
    caplog.set_level(logging.DEBUG)
    code = build_customer(app)
    method = created(client, admin, code, bank_debit())
    for role in ("admin", "finance", "attendant"):
        pdf_text(authorization(client, headers_for(role), code, method["id"]))
    paths = [r.getMessage() for r in caplog.records if "authorization.pdf" in r.getMessage()]
    assert len(paths) >= 3  # the request log was captured
    for record in caplog.records:
        text = f"{record.getMessage()} {record.args!r} {record.exc_text or ''}"
        assert "98765123" not in text, (record.name, text[:200])


def test_the_isp_name_comes_from_the_settings(app, client, admin, monkeypatch):
    monkeypatch.setitem(app.config, "ISP_NAME", "Rede Ipê Telecom")
    code = build_customer(app)
    method = created(client, admin, code, phone_bill())
    text = pdf_text(authorization(client, admin, code, method["id"]))
    assert "Rede Ipê Telecom" in text
    assert "(11) 3333-4444" in text


@pytest.mark.parametrize("payload", [bank_debit, card], ids=["bank_debit", "card"])
def test_a_technician_gets_no_authorization(app, client, admin, headers_for, payload):
    code = build_customer(app)
    method = created(client, admin, code, payload())
    technician = headers_for("technician")
    assert_envelope(authorization(client, technician, code, method["id"]), 403, "forbidden")


def test_an_unknown_method_has_no_authorization(app, client, admin):
    code = build_customer(app)
    assert_envelope(authorization(client, admin, code, 12345), 404, "not_found")
