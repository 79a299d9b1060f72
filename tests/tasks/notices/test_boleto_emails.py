"""The boleto e-mail: claimed by the daily sweep, sent by a real worker to a real SMTP server.

What the server received is checked: recipient, subject, text, the attached PDF, and its
barcode read back by zbar equal to the boleto's 44 digits.
"""

import threading
from datetime import date, timedelta
from io import BytesIO

import pytest
from pypdf import PdfReader

from models.billing.boletos import Boleto
from models.billing.settings import BoletoSettings
from models.db import db
from models.notices.notices import SENT, SKIPPED
from models.notices.settings import MailSettings
from tasks.notices import sweep_notices
from tests.barcodes import read_barcodes
from tests.builders import build_customer, build_receivable
from tests.smtp_server import SmtpServer
from tests.tasks.notice_sweep_helpers import (
    message_keys,
    notices,
    pay,
    set_option,
    sweep,
    withdraw_email_consent,
)
from tests.waiting import wait_until
from tests.web.api_helpers import API
from tests.web.payment_payloads import bank_debit, methods_url

pytestmark = pytest.mark.calendar  # also run at the calendar's edges (conftest)

TODAY = date(2026, 3, 2)  # a Monday; the sweeps run "as of" it
DUE = TODAY + timedelta(days=5)  # BOLETO_EMAIL_DAYS_BEFORE's default


@pytest.fixture
def smtp(app, monkeypatch, override_settings):
    server = SmtpServer().start()
    override_settings(MailSettings, **server.smtp_settings(retry_base_s=0.5))
    override_settings(BoletoSettings, pix_key="12345678000195", pix_city="Recife")
    yield server
    server.stop()


def _all_sent(app) -> bool:
    return all(status in (SENT, SKIPPED) for *_, status in notices(app))


def _boleto(app, receivable_id: int) -> Boleto:
    with app.app_context():
        boleto = db.session.scalars(
            db.select(Boleto).where(Boleto.receivable_id == receivable_id)
        ).one()
        db.session.expunge(boleto)
        return boleto


def test_the_boleto_email_arrives_with_its_pdf_and_the_barcode_reads_back(
    app, celery_worker, smtp, tmp_path
):
    code = build_customer(app, name="Joana Prado", email="joana@example.com")
    receivable_id = build_receivable(app, customer_code=code, amount="129.90", due_date=DUE)

    sweep_notices.delay(TODAY.isoformat())  # beat's message, run by the worker

    assert wait_until(lambda: smtp.count == 1 and _all_sent(app), timeout=60)
    (message,) = smtp.messages
    assert smtp.recipients == [["joana@example.com"]]
    assert message["Subject"] == f"Provedor: sua fatura vence em {DUE:%d/%m/%Y}"
    assert message["Message-ID"] == f"<notice.boleto.{receivable_id}.0@provedor.example>"
    boleto = _boleto(app, receivable_id)
    text = message.get_body(("plain",)).get_content()
    assert "Olá, Joana Prado." in text and "R$ 129,90" in text and "Mensalidade" in text
    assert boleto.digitable_line_formatted in text and boleto.pix_code in text
    (attachment,) = message.iter_attachments()
    assert attachment.get_filename() == f"boleto-{receivable_id}-{DUE:%Y%m%d}.pdf"
    pdf = attachment.get_content()
    assert "Joana Prado" in PdfReader(BytesIO(pdf)).pages[0].extract_text()
    found = read_barcodes(pdf, tmp_path)
    assert found.get("I2/5") == {boleto.barcode} and len(boleto.barcode) == 44
    assert found.get("QR-Code") == {boleto.pix_code}


def test_only_open_boleto_receivables_due_within_the_days_get_it(
    app, client, admin, celery_worker, smtp
):
    code = build_customer(app)
    due_in = {days: build_receivable(app, customer_code=code, due_date=TODAY + timedelta(days))
              for days in (-1, 0, 3, 5, 6)}  # fmt: skip
    paid = build_receivable(app, customer_code=code, due_date=DUE)
    pay(app, paid, TODAY)
    no_option = build_customer(app)
    set_option(app, no_option, send_boleto_email=False)
    build_receivable(app, customer_code=no_option, due_date=DUE)
    by_debit = build_customer(app)
    assert client.post(methods_url(by_debit), json=bank_debit(), headers=admin).status_code == 201
    build_receivable(app, customer_code=by_debit, due_date=DUE)

    assert sweep(app, TODAY) == {"boleto": 3, "overdue": 0, "ladder": 0}

    expected = sorted(f"boleto.{due_in[days]}.0" for days in (0, 3, 5))  # missed days: still
    assert wait_until(lambda: smtp.count == 3 and _all_sent(app), timeout=60)
    assert message_keys(smtp) == expected
    assert sweep(app, TODAY + timedelta(days=1))["boleto"] == 1  # the one due in 6 days
    assert wait_until(lambda: smtp.count == 4, timeout=60)


def test_no_address_or_consent_withdrawn_is_skipped(app, celery_worker, smtp):
    without = build_customer(app, email=None)
    withdrawn = build_customer(app)
    withdraw_email_consent(app, withdrawn)
    build_receivable(app, customer_code=without, due_date=DUE)
    build_receivable(app, customer_code=withdrawn, due_date=DUE)

    assert sweep(app, TODAY)["boleto"] == 2
    assert wait_until(lambda: [n[3] for n in notices(app)] == [SKIPPED, SKIPPED], timeout=60)
    assert smtp.count == 0
    assert sweep(app, TODAY)["boleto"] == 0  # reported once, not claimed again


def test_sweeps_run_twice_and_at_once_send_each_email_once(app, celery_worker, smtp, tasks_settled):
    ids = [build_receivable(app, due_date=DUE) for _ in range(12)]
    for _ in range(3):  # beat twice, a retried message...: the worker runs them side by side
        sweep_notices.delay(TODAY.isoformat())
    threads = [threading.Thread(target=sweep, args=(app, TODAY)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert wait_until(lambda: smtp.count >= 12 and _all_sent(app), timeout=90)
    assert tasks_settled()  # every sweep, and every send they queued, has run by now
    assert message_keys(smtp) == sorted(f"boleto.{rid}.0" for rid in ids)
    assert len(notices(app)) == 12


def test_the_sweep_issues_the_boletos_and_history_shows_them(
    app, client, admin, celery_worker, smtp
):
    code = build_customer(app)
    ids = [build_receivable(app, customer_code=code, due_date=DUE) for _ in range(3)]
    issued_before = client.get(f"{API}/receivables/{ids[1]}/boleto", headers=admin).get_json()

    assert sweep(app, TODAY) == {"boleto": 3, "overdue": 0, "ladder": 0}
    assert wait_until(lambda: smtp.count == 3 and _all_sent(app), timeout=60)

    with app.app_context():
        rows = db.session.execute(
            db.select(Boleto.receivable_id, Boleto.sequence).order_by(Boleto.receivable_id)
        ).all()
    assert [rid for rid, _ in rows] == ids
    assert sorted(sequence for _, sequence in rows) == [1, 2, 3]  # one block, no duplicate
    kept = client.get(f"{API}/receivables/{ids[1]}/boleto", headers=admin).get_json()
    assert kept == issued_before  # issued earlier by the route: left as it was
    history = client.get(f"{API}/customers/{code}/history", headers=admin).get_json()["items"]
    created = [(entry["entity"], entry["action"]) for entry in history]
    assert created.count(("boletos", "create")) == 3
    assert created.count(("notices", "create")) == 3
    boleto_entry = next(e for e in history if e["entity"] == "boletos" and e["by_system"])
    fields = {change["field"] for change in boleto_entry["changes"]}
    assert {"receivable_id", "nosso_numero", "barcode", "amount", "due_date"} <= fields


def test_a_boleto_email_of_an_amount_no_boleto_carries_is_skipped_with_the_reason(app):
    fits = build_receivable(app, due_date=DUE)
    too_large = build_receivable(app, due_date=DUE)
    with app.app_context():  # a row from before receivables were limited: only SQL makes one
        db.session.execute(
            db.text("UPDATE receivables SET amount = 9999999999.99 WHERE id = :id"),
            {"id": too_large},
        )
        db.session.commit()

    assert sweep(app, TODAY) == {"boleto": 1, "overdue": 0, "ladder": 0}  # no crash
    claimed = {receivable_id: status for receivable_id, _, _, status in notices(app)}
    assert claimed.keys() == {fits, too_large} and claimed[too_large] == SKIPPED
    with app.app_context():
        query = db.text("SELECT receivable_id, skipped_reason FROM notices")
        reasons = dict(db.session.execute(query).all())
        issued = db.session.scalar(db.text("SELECT count(*) FROM boletos"))
    assert reasons[too_large] == "amount does not fit a boleto (at most 99999999.99)"
    assert reasons[fits] != reasons[too_large]
    assert issued == 1  # the other boleto was issued all the same
