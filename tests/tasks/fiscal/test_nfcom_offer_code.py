"""The plan's offer code (código da oferta, the consumer rules' reference of what was sold) on
the bill's documents: the boleto's instructions and the NFCom's infCpl, which the DANFE-COM
prints; read back from the PDFs' text (pdftotext, poppler-utils) and from the XML, which still
validates against the XSD."""

import subprocess

from lxml import etree

from models.audit import set_actor
from models.db import db
from models.fiscal import schemas
from models.service.plans import update_plan
from tests.builders import BUILDER, build_receivable, build_subscription
from tests.fiscal_service import customer_with_city_code, invoice_row, status_of, telecom_plan
from tests.waiting import wait_until
from tests.web.api_helpers import API

NS = {"n": "http://www.portalfiscal.inf.br/nfcom"}
OFFER = "FIBRA-300/2026"


def pdf_text(pdf: bytes, tmp_path) -> str:
    """The PDF's text as poppler reads it (not the library that wrote it)."""
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


def with_offer(app, plan_id: int, offer_code: str | None) -> None:
    with app.app_context():
        set_actor(db.session, BUILDER)
        update_plan(plan_id, {"offer_code": offer_code})
        db.session.commit()


def bill(app, plan_id: int) -> int:
    code = customer_with_city_code(app)
    subscription_id = build_subscription(app, code, plan_id)
    return build_receivable(app, code, amount="99.90", subscription_id=subscription_id)


def test_the_boleto_prints_the_offer_code_in_its_instructions(app, client, admin, tmp_path):
    plan_id = telecom_plan(app, profile=False)
    with_offer(app, plan_id, OFFER)
    coded, uncoded_plan = bill(app, plan_id), telecom_plan(app, profile=False)
    uncoded = bill(app, uncoded_plan)

    response = client.get(f"{API}/receivables/{coded}/boleto.pdf", headers=admin)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    text = pdf_text(response.data, tmp_path)
    assert f"Código da oferta: {OFFER}" in text
    assert "Mensalidade" in text  # the instructions box it shares

    plain = client.get(f"{API}/receivables/{uncoded}/boleto.pdf", headers=admin)
    assert "Código da oferta" not in pdf_text(plain.data, tmp_path)


def test_the_nfcom_carries_the_offer_code_and_the_danfe_prints_it(
    app, client, admin, svrs, issuer, celery_worker, tmp_path
):
    plan_id = telecom_plan(app)
    with_offer(app, plan_id, OFFER)
    receivable_id = bill(app, plan_id)

    celery_worker.send_task("tasks.fiscal.sweep")
    assert wait_until(lambda: status_of(app, receivable_id) == "authorized", timeout=60), (
        invoice_row(app, receivable_id).reason
    )
    xml = client.get(f"{API}/receivables/{receivable_id}/invoice.xml", headers=admin)
    assert xml.status_code == 200
    assert schemas.validate_proc(xml.data) == []  # the stand-in SVRS checked the XSD too
    document = etree.fromstring(xml.data)
    notes = document.findall(".//n:infNFCom/n:infAdic/n:infCpl", namespaces=NS)
    assert [note.text for note in notes] == [f"Código da oferta: {OFFER}"]

    pdf = client.get(f"{API}/receivables/{receivable_id}/invoice.pdf", headers=admin)
    assert pdf.status_code == 200
    assert f"Código da oferta: {OFFER}" in pdf_text(pdf.data, tmp_path)
