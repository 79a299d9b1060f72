"""SEFAZ's less common answers and the leases around them: a 204 for our own document is its
authorization, a lease that ran out leaves the answer to the worker that holds it now, a
cancellation refused goes back to authorized with the reason, an answer no retry mends waits
for a person, and what staff typed (an IE with dots, "isento") is written as the XSD wants."""

from datetime import timedelta

import pytest
import time_machine
import trustme
from lxml import etree

from models.audit import set_actor
from models.clock import utcnow
from models.customers.customers import Customer
from models.db import db
from models.fiscal import issuing
from models.fiscal.fiscal_settings import fiscal_settings
from models.fiscal.invoices import Invoice
from models.fiscal.settings import SefazSettings
from tasks.chunks import chunk
from tests.builders import BUILDER, build_receivable, build_subscription
from tests.fiscal_service import (
    ISSUER_CNPJ,
    SAO_PAULO,
    connect,
    customer_with_city_code,
    invoice_row,
    status_of,
    telecom_bill,
    telecom_plan,
)
from tests.sefaz import SvrsStandIn
from tests.waiting import wait_until
from tests.web.api_helpers import API

NS = {"n": "http://www.portalfiscal.inf.br/nfcom"}


def _signed(app, receivable_id: int) -> int:
    """The receivable's invoice made and signed, as the sweep and a worker would; its id."""
    with app.app_context():
        issuing.plan_invoices(0, 100, utcnow())
        invoice_id = db.session.scalars(
            db.select(Invoice.id).where(Invoice.receivable_id == receivable_id)
        ).one()
        issuing.sign_pending([invoice_id], utcnow())
        db.session.commit()
    return invoice_id


def test_a_204_for_our_own_document_is_its_authorization(app, svrs, issuer, celery_worker):
    receivable_id = telecom_bill(app, telecom_plan(app))
    invoice_id = _signed(app, receivable_id)
    with app.app_context():  # another send of the same bytes got through, its answer lost
        settings = fiscal_settings()
        with issuing.open_sefaz(settings, "homologacao", utcnow()) as sefaz:
            assert sefaz.authorize(invoice_row(app, receivable_id).signed_xml).status == 100
    celery_worker.send_task("tasks.fiscal.issue_invoices", args=[[invoice_id]])
    assert wait_until(lambda: status_of(app, receivable_id) == "authorized", timeout=60)
    invoice = invoice_row(app, receivable_id)
    assert invoice.status_code == 204 and invoice.pdf and invoice.authorized_xml
    assert invoice.protocol == svrs.authorization(invoice.access_key).protocol
    assert svrs.answered("NFComRecepcao") == [100, 204]


def test_a_worker_whose_lease_ran_out_leaves_the_answer_to_the_one_holding_it(app, svrs, issuer):
    receivable_id = telecom_bill(app, telecom_plan(app))
    invoice_id = _signed(app, receivable_id)
    with app.app_context():
        first = issuing.claim(invoice_id, issuing.TO_SEND, utcnow())
        db.session.commit()
        later = utcnow() + issuing.LEASE + timedelta(seconds=1)
        second = issuing.claim(invoice_id, issuing.TO_SEND, later)  # the first looks dead
        db.session.commit()
        assert (first, second) == (1, 2)
        settings = fiscal_settings()
        with issuing.open_sefaz(settings, "homologacao", utcnow()) as sefaz, chunk():
            assert issuing.send(invoice_id, first, sefaz, utcnow()) is None  # not its own now
        assert invoice_row(app, receivable_id).status == "signed"
        with issuing.open_sefaz(settings, "homologacao", utcnow()) as sefaz, chunk():
            assert issuing.send(invoice_id, second, sefaz, utcnow()) == "authorized"
        with chunk():  # and a batch's postponement never touches an invoice that moved on
            issuing.postpone([invoice_id], utcnow())
    assert invoice_row(app, receivable_id).status == "authorized"
    assert svrs.answered("NFComRecepcao") == [100]  # the first worker's send...
    assert svrs.answered("NFComConsulta") == [100]  # ...which the second found by consulting


def test_a_cancellation_sefaz_refuses_goes_back_to_authorized_with_the_reason(
    app, client, headers_for, svrs, issuer, celery_worker
):
    receivable_id = telecom_bill(app, telecom_plan(app))
    celery_worker.send_task("tasks.fiscal.sweep")
    assert wait_until(lambda: status_of(app, receivable_id) == "authorized", timeout=60)
    svrs.advance(timedelta(days=40))  # SEFAZ's clock past its deadline; ours not (yet)
    reason = {"justification": "Valor cobrado em duplicidade na fatura"}
    url = f"{API}/receivables/{receivable_id}/invoice/cancel"
    assert client.post(url, json=reason, headers=headers_for("finance")).status_code == 202
    assert wait_until(lambda: invoice_row(app, receivable_id).status_code == 220, timeout=60)
    invoice = invoice_row(app, receivable_id)
    assert invoice.status == "authorized" and "Cancelamento recusado: 220" in invoice.reason


def test_an_answer_no_retry_mends_waits_for_a_person_and_then_goes(
    app, client, admin, svrs, issuer, override_settings, celery_worker
):
    strange = trustme.CA(organization_name="Not SVRS's CA").cert_pem.bytes().decode()
    override_settings(SefazSettings, ca_pem=strange)  # SVRS's certificate not trusted
    receivable_id = telecom_bill(app, telecom_plan(app))
    celery_worker.send_task("tasks.fiscal.sweep")
    assert wait_until(lambda: status_of(app, receivable_id) == "failed", timeout=60)
    assert "a verificar" in invoice_row(app, receivable_id).reason
    digest = invoice_row(app, receivable_id).digest
    override_settings(SefazSettings, ca_pem=svrs.ca_pem)  # mended by the operator
    again = client.post(f"{API}/receivables/{receivable_id}/invoice", headers=admin)
    assert again.status_code == 202 and again.json["status"] == "waiting"  # sent as signed
    assert wait_until(lambda: status_of(app, receivable_id) == "authorized", timeout=60)
    invoice = invoice_row(app, receivable_id)
    assert (invoice.number, invoice.digest) == (1, digest)  # the very bytes first signed
    assert svrs.answered("NFComConsulta") == [217]  # SEFAZ asked first: it might have had them


def test_a_cancellation_no_retry_mends_goes_back_to_authorized_for_finance(
    app, client, headers_for, svrs, issuer, override_settings, celery_worker
):
    receivable_id = telecom_bill(app, telecom_plan(app))
    celery_worker.send_task("tasks.fiscal.sweep")
    assert wait_until(lambda: status_of(app, receivable_id) == "authorized", timeout=60)
    strange = trustme.CA(organization_name="Not SVRS's CA").cert_pem.bytes().decode()
    override_settings(SefazSettings, ca_pem=strange)
    reason = {"justification": "Valor cobrado em duplicidade na fatura"}
    url = f"{API}/receivables/{receivable_id}/invoice/cancel"
    assert client.post(url, json=reason, headers=headers_for("finance")).status_code == 202
    assert wait_until(
        lambda: "Cancelamento não enviado" in (invoice_row(app, receivable_id).reason or ""),
        timeout=60,
    )
    assert status_of(app, receivable_id) == "authorized"  # finance may ask again once mended


def test_a_bill_invoiced_in_homologacao_is_invoiced_anew_once_in_producao(
    app, client, admin, svrs, issuer, override_settings, celery_worker
):
    receivable_id = telecom_bill(app, telecom_plan(app))
    celery_worker.send_task("tasks.fiscal.sweep")
    assert wait_until(lambda: status_of(app, receivable_id) == "authorized", timeout=60)
    url = f"{API}/receivables/{receivable_id}/invoice"
    assert client.post(url, headers=admin).status_code == 409  # still homologação: done
    with SvrsStandIn(cnpj=ISSUER_CNPJ, environment="1") as producao:  # SVRS's other servers
        connect(app, producao, override_settings, environment="producao")
        again = client.post(url, headers=admin)
        assert again.status_code == 202 and again.json["status"] == "pending"
        assert wait_until(lambda: status_of(app, receivable_id) == "authorized", timeout=60)
    assert producao.violations == []
    invoice = invoice_row(app, receivable_id)
    assert (invoice.environment, invoice.number) == ("producao", 1)  # produção's own series


def test_an_incomplete_invoice_is_tried_again_by_beat_once_the_data_are_mended(
    app, svrs, issuer, celery_worker
):
    code = customer_with_city_code(app)
    with app.app_context():
        db.session.get(Customer, code).address_city_code = None  # the attendant forgot it
        db.session.commit()
    receivable_id = build_receivable(
        app, code, subscription_id=build_subscription(app, code, telecom_plan(app))
    )
    celery_worker.send_task("tasks.fiscal.sweep")
    assert wait_until(lambda: status_of(app, receivable_id) == "incomplete", timeout=60)
    assert "código IBGE" in invoice_row(app, receivable_id).reason
    with app.app_context():
        set_actor(db.session, BUILDER)
        db.session.get(Customer, code).address_city_code = SAO_PAULO
        db.session.commit()
    with time_machine.travel(utcnow() + issuing.INCOMPLETE_RETRY + timedelta(minutes=1)):
        celery_worker.send_task("tasks.fiscal.sweep")
        assert wait_until(lambda: status_of(app, receivable_id) == "authorized", timeout=60)


@pytest.mark.parametrize(
    ("typed", "written"), [("110.042.490.114", "110042490114"), ("isento", "ISENTO")]
)
def test_a_companys_ie_is_written_as_the_schema_wants_it(
    app, svrs, issuer, celery_worker, typed, written
):
    code = customer_with_city_code(app, kind="PJ", state_registration=typed)
    receivable_id = build_receivable(
        app, code, subscription_id=build_subscription(app, code, telecom_plan(app))
    )
    celery_worker.send_task("tasks.fiscal.sweep")
    assert wait_until(lambda: status_of(app, receivable_id) == "authorized", timeout=60), (
        invoice_row(app, receivable_id).reason
    )
    document = etree.fromstring(invoice_row(app, receivable_id).signed_xml)
    assert document.findtext(".//n:dest/n:IE", namespaces=NS) == written
