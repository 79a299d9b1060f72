"""NFCom end to end against the stand-in SVRS (tests/sefaz, which checks the XSD and verifies
every signature with xmlsec1): beat's sweep, a real worker, the API, on both backends.

Numbering exactly once: two sweeps and duplicated tasks on two worker threads; SEFAZ down and
back; a rejection mended and signed again under its number; cancellation and its deadline."""

from datetime import timedelta

import time_machine
from lxml import etree

from models.clock import utcnow
from models.fiscal import schemas
from tests.barcodes import read_barcodes
from tests.fiscal_service import (
    connect,
    invoice_row,
    next_number,
    status_of,
    telecom_bill,
    telecom_plan,
)
from tests.waiting import wait_until
from tests.web.api_helpers import API

NS = {"n": "http://www.portalfiscal.inf.br/nfcom"}


def _sweep(celery) -> None:
    """What beat sends every minute."""
    celery.send_task("tasks.fiscal.sweep")


def _all_reach(app, receivable_ids, status: str, timeout: float = 60) -> bool:
    return wait_until(
        lambda: all(status_of(app, rid) == status for rid in receivable_ids), timeout=timeout
    )


def test_a_bill_is_invoiced_signed_authorized_and_downloadable_as_pdf_and_xml(
    app, client, admin, headers_for, svrs, issuer, celery_worker, tmp_path
):
    receivable_id = telecom_bill(app, telecom_plan(app))
    _sweep(celery_worker)
    assert _all_reach(app, [receivable_id], "authorized"), invoice_row(app, receivable_id).reason
    shown = client.get(f"{API}/receivables/{receivable_id}/invoice", headers=admin).json
    assert (shown["status"], shown["number"], shown["series"]) == ("authorized", 1, 1)
    assert len(shown["access_key"]) == 44 and shown["protocol"]
    assert svrs.authorization(shown["access_key"]) is not None

    xml = client.get(f"{API}/receivables/{receivable_id}/invoice.xml", headers=admin)
    assert xml.status_code == 200 and "attachment" in xml.headers["Content-Disposition"]
    assert schemas.validate_proc(xml.data) == []  # nfcomProc: the NFCom and SEFAZ's protocol
    document = etree.fromstring(xml.data)
    assert document.findtext(".//n:protNFCom/n:infProt/n:nProt", namespaces=NS) == shown["protocol"]
    qr = document.findtext(".//n:infNFComSupl/n:qrCodNFCom", namespaces=NS)
    assert qr.endswith(f"?chNFCom={shown['access_key']}&tpAmb=2")

    attendant = headers_for("attendant")
    pdf = client.get(f"{API}/receivables/{receivable_id}/invoice.pdf", headers=attendant)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert qr in read_barcodes(pdf.data, tmp_path).get("QR-Code", set())
    technician = headers_for("technician")
    assert (
        client.get(f"{API}/receivables/{receivable_id}/invoice.pdf", headers=technician).status_code
        == 403
    )


def test_numbers_are_taken_once_each_under_duplicated_sweeps_and_tasks(
    app, svrs, issuer, celery_worker
):
    plan_id = telecom_plan(app)
    receivable_ids = [telecom_bill(app, plan_id) for _ in range(8)]
    for _ in range(2):  # two beats at once
        _sweep(celery_worker)
    assert wait_until(lambda: all(invoice_row(app, r) for r in receivable_ids), timeout=30)
    ids = [invoice_row(app, r).id for r in receivable_ids]
    for _ in range(2):  # and the same work handed out twice more, on two worker threads
        celery_worker.send_task("tasks.fiscal.issue_invoices", args=[ids])
    assert _all_reach(app, receivable_ids, "authorized")
    numbers = sorted(invoice_row(app, r).number for r in receivable_ids)
    assert numbers == list(range(1, 9)) and next_number(app) == 9  # none twice, none skipped
    assert svrs.answered("NFComRecepcao") == [100] * 8  # each sent once: no 204 either


def test_an_unconfigured_plan_is_not_invoiced_until_it_is_and_takes_no_number(
    app, client, admin, svrs, issuer, celery_worker
):
    plan_id = telecom_plan(app, profile=False)
    receivable_id = telecom_bill(app, plan_id)
    _sweep(celery_worker)
    assert _all_reach(app, [receivable_id], "incomplete")
    shown = client.get(f"{API}/receivables/{receivable_id}/invoice", headers=admin).json
    assert "não tem dados fiscais" in shown["reason"] and shown["number"] is None
    assert next_number(app) == 1
    pdf = client.get(f"{API}/receivables/{receivable_id}/invoice.pdf", headers=admin)
    assert pdf.status_code == 409

    profile = {
        "classification": "0100401",
        "service_type": 4,
        "icms_by_uf": {"SP": {"cst": "00", "rate": "25.00"}},
    }
    from models.audit import set_actor
    from models.db import db
    from models.fiscal.plan_profiles import save_profile
    from tests.builders import BUILDER

    with app.app_context():
        set_actor(db.session, BUILDER)
        save_profile(plan_id, profile)
        db.session.commit()
    again = client.post(f"{API}/receivables/{receivable_id}/invoice", headers=admin)
    assert again.status_code == 202, again.json
    assert _all_reach(app, [receivable_id], "authorized")
    assert invoice_row(app, receivable_id).number == 1


def test_while_sefaz_is_down_invoices_wait_and_beat_sends_them_when_it_is_back(
    app, client, admin, svrs, issuer, celery_worker
):
    plan_id = telecom_plan(app)
    receivable_ids = [telecom_bill(app, plan_id) for _ in range(3)]
    svrs.paralyse(108)
    _sweep(celery_worker)
    assert _all_reach(app, receivable_ids, "waiting")
    waiting = invoice_row(app, receivable_ids[0])
    assert "SEFAZ indisponível" in waiting.reason and waiting.number is not None
    assert len(svrs.answered("NFComRecepcao")) == 1  # the batch stopped at the first silence
    listed = client.get(f"{API}/fiscal/invoices?status=waiting", headers=admin).json
    assert listed["total"] == 3

    svrs.resume()
    _sweep(celery_worker)  # too early: nothing is sent before its time
    assert not wait_until(lambda: status_of(app, receivable_ids[0]) != "waiting", timeout=2)
    with time_machine.travel(utcnow() + timedelta(minutes=6), tick=True):
        svrs.set_now(None)
        _sweep(celery_worker)
        assert _all_reach(app, receivable_ids, "authorized")
    assert sorted(invoice_row(app, r).number for r in receivable_ids) == [1, 2, 3]


def test_finance_cancels_within_the_deadline_and_is_refused_after_it(
    app, client, headers_for, make_user, token_for, svrs, issuer, celery_worker
):
    finance = headers_for("finance")
    plan_id = telecom_plan(app)
    first, second = telecom_bill(app, plan_id), telecom_bill(app, plan_id)
    _sweep(celery_worker)
    assert _all_reach(app, [first, second], "authorized")

    short = {"justification": "erro"}
    refused = client.post(f"{API}/receivables/{first}/invoice/cancel", json=short, headers=finance)
    assert refused.status_code == 422
    reason = {"justification": "Valor cobrado em duplicidade na fatura"}
    attendant = headers_for("attendant")
    url = f"{API}/receivables/{first}/invoice/cancel"
    assert client.post(url, json=reason, headers=attendant).status_code == 403
    accepted = client.post(url, json=reason, headers=finance)
    assert accepted.status_code == 202 and accepted.json["status"] == "cancelling"
    assert _all_reach(app, [first], "cancelled")
    key = invoice_row(app, first).access_key
    assert svrs.authorization(key).cancelled_at is not None
    assert client.post(url, json=reason, headers=finance).status_code == 409  # once

    deadline = invoice_row(app, second).cancel_deadline
    with time_machine.travel(deadline + timedelta(minutes=1), tick=False):
        signed_in = {"Authorization": f"Bearer {token_for(make_user('late', 'finance'))}"}
        late = client.post(  # a new sign-in: the earlier token has expired by then
            f"{API}/receivables/{second}/invoice/cancel", json=reason, headers=signed_in
        )
    assert late.status_code == 409 and "prazo" in late.json["message"], late.json
    assert status_of(app, second) == "authorized"


def test_a_rejection_goes_to_finance_with_its_reason_and_once_mended_keeps_its_number(
    app, client, admin, headers_for, svrs, override_settings, celery_worker
):
    connect(app, svrs, override_settings)
    svrs.environment = "1"  # SVRS answers as produção: 252 for a homologação invoice
    plan_id = telecom_plan(app)
    receivable_id = telecom_bill(app, plan_id)
    _sweep(celery_worker)
    assert _all_reach(app, [receivable_id], "rejected")
    finance = headers_for("finance")
    listed = client.get(f"{API}/fiscal/invoices?status=rejected", headers=finance).json
    assert [item["receivable_id"] for item in listed["items"]] == [receivable_id]
    rejected = listed["items"][0]
    assert rejected["status_code"] == 252 and "252 - Rejeição: Ambiente" in rejected["reason"]
    assert (rejected["number"], next_number(app)) == (1, 2)

    svrs.environment = "2"  # mended (as when the issuer's environment is put right)
    again = client.post(f"{API}/receivables/{receivable_id}/invoice", headers=finance)
    assert again.status_code == 202 and again.json["status"] == "pending"
    assert _all_reach(app, [receivable_id], "authorized")
    assert (invoice_row(app, receivable_id).number, next_number(app)) == (1, 2)  # none skipped
    twice = client.post(f"{API}/receivables/{receivable_id}/invoice", headers=finance)
    assert twice.status_code == 409


def test_the_number_of_a_rejected_invoice_whose_bill_is_cancelled_goes_to_the_next_one(
    app, client, admin, svrs, override_settings, celery_worker
):
    connect(app, svrs, override_settings)
    svrs.environment = "1"  # SVRS answers as produção: 252
    plan_id = telecom_plan(app)
    cancelled = telecom_bill(app, plan_id)
    _sweep(celery_worker)
    assert _all_reach(app, [cancelled], "rejected")
    body = {"reason": "Cobrança indevida, lançada em duplicidade"}
    gone = client.post(f"{API}/receivables/{cancelled}/cancel", json=body, headers=admin)
    assert gone.status_code == 200, gone.json
    assert client.post(f"{API}/receivables/{cancelled}/invoice", headers=admin).status_code == 409

    svrs.environment = "2"
    taker = telecom_bill(app, plan_id)
    _sweep(celery_worker)
    assert _all_reach(app, [taker], "authorized")
    assert (invoice_row(app, taker).number, next_number(app)) == (1, 2)  # no gap left behind
    freed = invoice_row(app, cancelled)
    assert freed.number is None and f"passou à NFCom da conta {taker}" in freed.reason
