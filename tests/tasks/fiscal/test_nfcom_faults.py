"""NFCom under faults, and through monthly billing: a worker killed after SEFAZ authorized but
before the commit (the retry consults SEFAZ and keeps the authorization: no second number, no
second send), and the monthly bill of an itemized customer from billing to the boleto e-mail."""

import os
import signal
import subprocess
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from lxml import etree

from models.audit import set_actor
from models.clock import local_today, utcnow
from models.db import db
from models.fiscal import issuing
from models.notices import notices
from models.notices.boleto_notices import BOLETO, boleto_attachments
from tests.builders import BUILDER, build_subscription
from tests.fiscal_service import (
    customer_with_city_code,
    invoice_row,
    next_number,
    status_of,
    telecom_bill,
    telecom_plan,
)
from tests.waiting import wait_until
from tests.web.api_helpers import API
from tests.web.customers.test_customer_options import all_options

ROOT = Path(__file__).resolve().parents[3]
CELERY = Path(sys.executable).parent / "celery"
NS = {"n": "http://www.portalfiscal.inf.br/nfcom"}


def _crash_worker(settings, svrs, queue: str, pause: Path, log: Path) -> subprocess.Popen:
    ca = pause.with_name("svrs-ca.pem")
    ca.write_text(svrs.ca_pem)
    env = dict(os.environ)
    env.update(
        DATABASE_URL=settings.database_url,
        CELERY_BROKER_URL=settings.broker_url,
        PROVEDOR_VAR_DIR=str(settings.var_dir),  # the same card keys: the A1 is encrypted
        PYTHONPATH=str(ROOT),
        NFCOM_PAUSE_FILE=str(pause),
        SEFAZ_BASE_URL=svrs.base_url,
        SEFAZ_CA_FILE=str(ca),
    )
    command = [CELERY, "-A", "tests.tasks.fiscal.nfcom_crash_worker", "worker", "-c", "1"]
    command += ["-Q", queue, "-n", f"{queue}@%h", "-l", "INFO"]
    with log.open("a") as out:
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


@pytest.mark.slow
def test_a_worker_killed_after_sefaz_authorized_keeps_that_authorization_and_number(
    app, settings, svrs, issuer, celery_worker, tmp_path
):
    receivable_id = telecom_bill(app, telecom_plan(app))
    with app.app_context():
        issuing.plan_invoices(0, 100, utcnow())  # what the sweep makes, without queueing it
        db.session.commit()
    invoice_id = invoice_row(app, receivable_id).id
    queue, pause, log = "nfcom-kill", tmp_path / "pause", tmp_path / "worker.log"
    pause.write_text("armed")
    worker = _crash_worker(settings, svrs, queue, pause, log)
    try:
        celery_worker.send_task("tasks.fiscal.issue_invoices", args=[[invoice_id]], queue=queue)
        paused = wait_until(lambda: pause.read_text().startswith("paused"), timeout=90)
        assert paused, log.read_text()[-3000:]
    finally:
        os.killpg(worker.pid, signal.SIGKILL)  # no warm shutdown: the answer is not committed
        worker.wait(timeout=30)
    assert pause.read_text() == "paused after 100"
    killed = invoice_row(app, receivable_id)
    assert (killed.status, killed.number, killed.attempts) == ("signed", 1, 1)
    assert svrs.authorization(killed.access_key) is not None  # SEFAZ has it; we do not yet

    with time_machine.travel(utcnow() + timedelta(minutes=6), tick=True):  # past the claim
        celery_worker.send_task("tasks.fiscal.sweep")
        assert wait_until(lambda: status_of(app, receivable_id) == "authorized", timeout=60)
    kept = invoice_row(app, receivable_id)
    assert (kept.number, kept.access_key) == (1, killed.access_key) and next_number(app) == 2
    assert kept.protocol == svrs.authorization(kept.access_key).protocol
    assert svrs.answered("NFComRecepcao") == [100]  # sent once: the retry consulted instead
    assert svrs.answered("NFComConsulta") == [100]


def test_the_monthly_bill_of_an_itemized_customer_is_invoiced_and_mailed_with_its_nfcom(
    app, client, admin, svrs, issuer, celery_worker
):
    code = customer_with_city_code(app)
    options = all_options(itemized_invoice=True, charge_boleto_fee=True)
    changed = client.put(f"{API}/customers/{code}/options", json=options, headers=admin)
    assert changed.status_code == 200
    first_due = local_today() + timedelta(days=5)
    if first_due.day > 28:  # due days go up to 28: the 3rd of the next month, still in reach
        first_due = (first_due.replace(day=28) + timedelta(days=6)).replace(day=3)
    subscription_id = build_subscription(
        app,
        code,
        telecom_plan(app),
        due_day=first_due.day,
        first_due_date=first_due,
        discount=Decimal("10.00"),
    )
    celery_worker.send_task(
        "tasks.billing.run_monthly_billing", kwargs={"run_date": local_today().isoformat()}
    )
    receivable_id = None

    def billed():
        nonlocal receivable_id
        found = client.get(f"{API}/customers/{code}/receivables", headers=admin).json["items"]
        mine = [r for r in found if r["subscription_id"] == subscription_id]
        receivable_id = mine[0]["id"] if mine else None
        return receivable_id is not None

    assert wait_until(billed, timeout=60)
    celery_worker.send_task("tasks.fiscal.sweep")
    assert wait_until(lambda: status_of(app, receivable_id) == "authorized", timeout=60), (
        invoice_row(app, receivable_id) and invoice_row(app, receivable_id).reason
    )
    document = etree.fromstring(invoice_row(app, receivable_id).authorized_xml)
    items = document.findall(".//n:det", NS)
    assert [item.findtext("n:prod/n:xProd", namespaces=NS)[:5] for item in items] == [
        "Plano",
        "Tarif",
    ]  # itemized: the boleto fee is its own item
    assert items[0].findtext("n:prod/n:vDesc", namespaces=NS) == "10.00"
    receivable = client.get(f"{API}/receivables/{receivable_id}", headers=admin).json
    total = document.findtext(".//n:total/n:vNF", namespaces=NS)
    assert Decimal(total) == Decimal(receivable["amount"])  # the plan less discount, plus fee

    with app.app_context():  # the boleto e-mail, as the notice sweep writes it
        set_actor(db.session, BUILDER)
        notice = notices.claim_notice(receivable_id, BOLETO, 0, code)
        db.session.flush()
        attached = {a.filename: a.mime_type for a in boleto_attachments(notice)}
        db.session.rollback()
    assert attached["NFCom-001-000000001.pdf"] == "application/pdf"
    assert attached["NFCom-001-000000001.xml"] == "application/xml"
    assert len(attached) == 3  # and the boleto
