"""Financeiro's NFCom panel through the test client: a receivable of another customer is 404 on
every route, a technician is refused (403), the downloads are the API's very responses, the row
link is offered to whom it serves, refusals are said in Portuguese by their field."""

import re
from datetime import timedelta

import pytest

from models.audit import set_actor
from models.clock import utcnow
from models.db import db
from models.fiscal.invoices import AUTHORIZED, PENDING, REJECTED, Invoice
from tests.builders import BUILDER, build_customer, build_receivable, build_subscription
from tests.conftest import TEST_PASSWORD
from tests.outbox import recorded_effects
from tests.web.api_helpers import API

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
KEY = "43261211222333000181620010000000071123456789"  # 44 digits (not checked here)
PDF = b"%PDF-1.4\n% a DANFE-COM stand-in\n%%EOF\n"
XML = b"<nfcomProc/>"


def _signed_in(app, make_user, role: str):
    user = make_user(f"{role}.nfcom", role)
    client = app.test_client()
    token = CSRF.search(client.get("/entrar").get_data(as_text=True)).group(1)
    body = {"username": user.username, "password": TEST_PASSWORD, "csrf_token": token}
    assert client.post("/entrar", data=body).status_code == 303
    return client, CSRF_META.search(client.get("/").get_data(as_text=True)).group(1)


def _invoice(app, code: int, receivable_id: int, status: str = AUTHORIZED) -> None:
    """An invoice row as issuing leaves it (the documents stand-ins: no SEFAZ here)."""
    with app.app_context():
        set_actor(db.session, BUILDER)
        numbered = status != PENDING
        db.session.add(
            Invoice(
                receivable_id=receivable_id,
                customer_code=code,
                status=status,
                environment="homologacao",
                series=1 if numbered else None,
                number=7 if numbered else None,
                access_key=KEY if numbered else None,
                protocol="1432600000000071" if status == AUTHORIZED else None,
                authorized_at=utcnow() - timedelta(hours=1) if status == AUTHORIZED else None,
                status_code=539 if status == REJECTED else None,
                reason="Duplicidade de NFCom com diferença na chave"
                if status == REJECTED
                else None,
                pdf=PDF if status == AUTHORIZED else None,
                authorized_xml=XML if status == AUTHORIZED else None,
            )
        )
        db.session.commit()


@pytest.fixture
def invoiced(app) -> tuple[int, int]:
    """(customer code, receivable id) of a telecom bill with an authorized NFCom."""
    code = build_customer(app)
    receivable_id = build_receivable(app, code, subscription_id=build_subscription(app, code))
    _invoice(app, code, receivable_id)
    return code, receivable_id


def _urls(code: int, receivable_id: int) -> dict[str, str]:
    base = f"/clientes/{code}/financeiro/{receivable_id}/nfcom"
    return {
        "GET": [base, f"{base}.pdf", f"{base}.xml"],
        "POST": [f"{base}/emitir", f"{base}/cancelar"],
    }


def test_another_customers_receivable_is_not_found_on_every_route(app, make_user, invoiced):
    _, receivable_id = invoiced
    other = build_customer(app)
    finance, token = _signed_in(app, make_user, "finance")
    urls = _urls(other, receivable_id)
    for url in urls["GET"]:
        assert finance.get(url).status_code == 404, url
    body = {"csrf_token": token, "justification": "Emitida para o cliente errado"}
    for url in urls["POST"]:
        assert finance.post(url, data=body).status_code == 404, url
    with app.app_context():
        assert db.session.scalars(db.select(Invoice.status)).one() == AUTHORIZED


def test_a_technician_is_refused_and_sees_no_financeiro(app, make_user, invoiced):
    code, receivable_id = invoiced
    technician, token = _signed_in(app, make_user, "technician")
    urls = _urls(code, receivable_id)
    for url in urls["GET"]:
        answer = technician.get(url)
        assert answer.status_code == 403, url
        assert b"%PDF" not in answer.data and b"nfcomProc" not in answer.data
    body = {"csrf_token": token, "justification": "Emitida para o cliente errado"}
    for url in urls["POST"]:
        assert technician.post(url, data=body).status_code == 403, url
    assert technician.get(f"/clientes/{code}/financeiro").status_code == 403


def test_an_attendant_reads_the_panel_and_downloads_what_the_api_serves(
    app, client, make_user, headers_for, invoiced
):
    code, receivable_id = invoiced
    attendant, token = _signed_in(app, make_user, "attendant")
    tab = attendant.get(f"/clientes/{code}/financeiro").get_data(as_text=True)
    assert f"/clientes/{code}/financeiro/{receivable_id}/nfcom" in tab
    page = attendant.get(f"/clientes/{code}/financeiro/{receivable_id}/nfcom")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="nfcom-situacao">autorizada<' in text
    assert "4326 1211 2223 3300 0181 6200 1000 0000 0711 2345 6789" in text
    assert "1432600000000071" in text and "Cancelável até" in text
    assert "Baixar a DANFE-COM (PDF)" in text and "Baixar o XML" in text
    assert "Cancelar a NFCom" not in text and "Emitir" not in text  # finance's, not hers

    for kind, content, mimetype in (
        ("pdf", PDF, "application/pdf"),
        ("xml", XML, "application/xml"),
    ):
        mine = attendant.get(f"/clientes/{code}/financeiro/{receivable_id}/nfcom.{kind}")
        api = client.get(
            f"{API}/receivables/{receivable_id}/invoice.{kind}", headers=headers_for("attendant")
        )
        assert mine.status_code == api.status_code == 200
        assert mine.data == api.data == content and mine.mimetype == mimetype
        disposition = mine.headers["Content-Disposition"]
        assert disposition == api.headers["Content-Disposition"]
        assert disposition == f"attachment; filename=NFCom-001-000000007.{kind}"

    body = {"csrf_token": token, "justification": "Emitida para o cliente errado"}
    for url in _urls(code, receivable_id)["POST"]:
        assert attendant.post(url, data=body).status_code == 403, url


def test_before_authorization_nothing_downloads_and_the_row_link_is_for_whom_it_serves(
    app, make_user
):
    code = build_customer(app)
    telecom = build_receivable(app, code, subscription_id=build_subscription(app, code))
    plain = build_receivable(app, code)  # not a plan's bill: no NFCom
    finance, _ = _signed_in(app, make_user, "finance")
    attendant, _ = _signed_in(app, make_user, "attendant")
    link = f"/clientes/{code}/financeiro/{telecom}/nfcom"
    assert link in finance.get(f"/clientes/{code}/financeiro").get_data(as_text=True)  # to issue
    assert link not in attendant.get(f"/clientes/{code}/financeiro").get_data(as_text=True)
    for client in (finance, attendant):
        tab = client.get(f"/clientes/{code}/financeiro").get_data(as_text=True)
        assert f"/financeiro/{plain}/nfcom" not in tab

    none_yet = finance.get(link).get_data(as_text=True)
    assert "Nenhuma NFCom emitida" in none_yet and ">Emitir NFCom<" in none_yet
    assert finance.get(f"{link}.pdf").status_code == 404
    _invoice(app, code, telecom, status=PENDING)
    assert link in attendant.get(f"/clientes/{code}/financeiro").get_data(as_text=True)
    panel = attendant.get(link).get_data(as_text=True)
    assert ">pendente<" in panel and "Baixar" not in panel
    assert attendant.get(f"{link}.pdf").status_code == 409
    assert attendant.get(f"{link}.xml").status_code == 409


def test_finance_issues_a_rejected_one_again_and_refusals_are_said_in_portuguese(app, make_user):
    code = build_customer(app)
    receivable_id = build_receivable(app, code, subscription_id=build_subscription(app, code))
    _invoice(app, code, receivable_id, status=REJECTED)
    finance, token = _signed_in(app, make_user, "finance")
    base = f"/clientes/{code}/financeiro/{receivable_id}/nfcom"
    panel = finance.get(base).get_data(as_text=True)
    assert ">rejeitada<" in panel and "Motivo da rejeição" in panel
    assert "539 - Duplicidade de NFCom" in panel and ">Emitir de novo<" in panel

    # Cancelling a rejected one: the model's Conflict, its status said in Portuguese.
    refused = finance.post(
        f"{base}/cancelar",
        data={"csrf_token": token, "justification": "Emitida para o cliente errado"},
        headers={"HX-Request": "true"},
    )
    assert refused.status_code == 409
    assert "esta está rejeitada" in refused.get_data(as_text=True)
    short = finance.post(f"{base}/cancelar", data={"csrf_token": token, "justification": "curta"})
    assert short.status_code == 422  # no form to put it next to: said on top
    assert 'role="alert">Entre 15 e 255 caracteres.<' in short.get_data(as_text=True)

    with recorded_effects() as sent:  # no worker takes it meanwhile: it stays pending
        again = finance.post(f"{base}/emitir", data={"csrf_token": token})
        assert again.status_code == 303 and again.headers["Location"] == base
        shown = finance.get(base).get_data(as_text=True)
        assert "NFCom na fila para emissão." in shown and ">pendente<" in shown
        twice = finance.post(f"{base}/emitir", data={"csrf_token": token})
        assert twice.status_code == 409
        assert "A NFCom desta conta está pendente: nada a emitir de novo." in twice.get_data(
            as_text=True
        )
        with app.app_context():
            assert db.session.scalars(db.select(Invoice.status)).one() == PENDING
    with app.app_context():
        invoice_id = db.session.scalars(db.select(Invoice.id)).one()
    assert sent == [("tasks.fiscal.issue_invoices", ([invoice_id],), {})]


def test_a_justification_refused_is_said_next_to_its_field_with_what_was_typed(
    app, make_user, invoiced
):
    code, receivable_id = invoiced
    finance, token = _signed_in(app, make_user, "finance")
    base = f"/clientes/{code}/financeiro/{receivable_id}/nfcom"
    for typed, status, message in (
        ("curta", 422, "Entre 15 e 255 caracteres."),
        ("x" * 256, 422, "Entre 15 e 255 caracteres."),
        # The schema counts 15; SEFAZ's rule, without the runs of spaces, counts 11.
        ("Errada      aqui", 422, "A justificativa do cancelamento precisa ter de 15 a 255"),
        ("Cliente errado ✓✓✓", 422, "A justificativa tem caracteres que a SEFAZ não aceita"),
    ):
        answer = finance.post(
            f"{base}/cancelar",
            data={"csrf_token": token, "justification": typed},
            headers={"HX-Request": "true"},
        )
        text = answer.get_data(as_text=True)
        assert answer.status_code == status, typed
        assert re.search(
            r'<p class="erro-campo" id="erro-justification">' + re.escape(message), text
        ), typed
        assert 'aria-invalid="true"' in text and f">{typed}</textarea>" in text
    with app.app_context():
        assert db.session.scalars(db.select(Invoice.status)).one() == AUTHORIZED
