"""The debit authorization PDF [5.6.1.4]: printable, in Portuguese, numbers masked."""

from io import BytesIO

from pypdf import PdfReader

from models.clock import local_today
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


def test_a_bank_debit_authorization_shows_the_account_masked_to_everyone(
    app, client, admin, headers_for
):
    code = build_customer(app, "PJ")
    method = created(client, admin, code, bank_debit())
    for headers in (admin, headers_for("finance"), headers_for("attendant")):
        text = pdf_text(authorization(client, headers, code, method["id"]))
        assert "*****123-4" in text
        assert "98765123" not in text
        assert "CNPJ:" in text
        assert "conta corrente" in text


def test_the_isp_name_comes_from_the_settings(app, client, admin, monkeypatch):
    monkeypatch.setitem(app.config, "ISP_NAME", "Rede Ipê Telecom")
    code = build_customer(app)
    method = created(client, admin, code, phone_bill())
    text = pdf_text(authorization(client, admin, code, method["id"]))
    assert "Rede Ipê Telecom" in text
    assert "(11) 3333-4444" in text


def test_a_technician_gets_no_authorization(app, client, admin, headers_for):
    code = build_customer(app)
    method = created(client, admin, code, card())
    technician = headers_for("technician")
    assert_envelope(authorization(client, technician, code, method["id"]), 403, "forbidden")


def test_an_unknown_method_has_no_authorization(app, client, admin):
    code = build_customer(app)
    assert_envelope(authorization(client, admin, code, 12345), 404, "not_found")
