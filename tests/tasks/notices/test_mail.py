"""Notice e-mails against a real SMTP server on loopback, sent by a real Celery worker.

Each test counts what the server received: one message per notice, whatever is retried,
duplicated or killed. Both backends (the worker is the suite's in-process one; the killed worker
is a process of its own).
"""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader

from models.audit import set_actor
from models.billing.receivables import cancel, settle
from models.clock import local_today
from models.customers.consents import record_consents
from models.db import db
from models.notices.email_templates import EmailTemplate
from models.notices.notices import (
    FAILED,
    OUTCOME_UNKNOWN,
    QUEUED,
    SENDING,
    SENT,
    SKIPPED,
    Notice,
    claim_notice,
)
from models.notices.settings import MailSettings
from tasks.notices import recover_notices, send_notices
from tests.builders import BUILDER, build_customer
from tests.notice_kinds import BROKEN_RECEIVABLE, PDF_TEXT, TEST_KIND, ensure_receivable
from tests.smtp_server import SmtpServer
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[3]


def _claim(app, code: int, receivable_id: int = 1, stage: int = 0) -> int | None:
    with app.app_context():
        set_actor(db.session, BUILDER)
        ensure_receivable(receivable_id, code)
        notice = claim_notice(receivable_id, TEST_KIND, stage, code)
        db.session.commit()
        return None if notice is None else notice.id


def _notice(app, notice_id: int) -> Notice:
    with app.app_context():
        notice = db.session.get(Notice, notice_id)
        db.session.expunge(notice)
        return notice


def _status_is(app, notice_id: int, status: str, timeout: float = 30) -> bool:
    return wait_until(lambda: _notice(app, notice_id).status == status, timeout=timeout)


def test_the_delivered_message_has_recipient_subject_text_html_and_the_pdf(
    app, client, celery_worker, smtp, admin
):
    code = build_customer(app, name="Joana Prado", email="joana@example.com")
    notice_id = _claim(app, code, receivable_id=42)

    send_notices.delay([notice_id])

    assert _status_is(app, notice_id, SENT)
    (message,) = smtp.messages
    assert smtp.recipients == [["joana@example.com"]]
    assert message["To"] == "joana@example.com"
    assert message["From"] == "Provedor Teste <cobranca@provedor.example>"
    assert message["Subject"] == "Provedor: sua fatura vence em 10/03/2026"
    assert message["Message-ID"] == f"<notice.{TEST_KIND}.42.0@provedor.example>"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Olá, Joana Prado." in text and "R$ 1.234,56" in text and "Fatura 42" in text
    assert "<p>Olá, Joana Prado.</p>" in html
    (attachment,) = message.iter_attachments()
    assert attachment.get_filename() == "boleto-42.pdf"
    pdf = PdfReader(BytesIO(attachment.get_content()))
    assert f"{PDF_TEXT} 42" in pdf.pages[0].extract_text()
    notice = _notice(app, notice_id)
    assert (notice.attempts, notice.recipient, notice.last_error) == (1, "joana@example.com", None)
    assert notice.sent_at is not None


def test_html_escapes_what_customers_typed_and_text_keeps_it(app, celery_worker, smtp):
    code = build_customer(app, name="Ana <b>Negrito</b> & Cia", email="ana@example.com")
    notice_id = _claim(app, code)
    send_notices.delay([notice_id])
    assert _status_is(app, notice_id, SENT)
    (message,) = smtp.messages
    assert "Ana &lt;b&gt;Negrito&lt;/b&gt; &amp; Cia" in message.get_body(("html",)).get_content()
    assert "Ana <b>Negrito</b> & Cia" in message.get_body(("plain",)).get_content()


def test_a_notice_is_claimed_once_and_duplicated_tasks_send_it_once(
    app, celery_worker, smtp, tasks_settled
):
    code = build_customer(app)
    notice_id = _claim(app, code, receivable_id=7, stage=10)
    assert _claim(app, code, receivable_id=7, stage=10) is None  # the key exists: nothing new

    for _ in range(5):  # a retried message, a second sweep, a second worker...
        send_notices.delay([notice_id])

    assert _status_is(app, notice_id, SENT)
    assert tasks_settled()  # the duplicates have run by now
    assert smtp.count == 1
    assert _notice(app, notice_id).attempts == 1
    with app.app_context():  # and run again later, in place: nothing to send
        assert send_notices.apply(args=[[notice_id]]).get() == {}  # nothing sent, nothing else
    assert smtp.count == 1


def test_refused_twice_then_accepted_is_retried_and_sent_once(app, celery_worker, smtp):
    code = build_customer(app)
    notice_id = _claim(app, code)
    smtp.fail_next(2, "451 4.3.0 Try again later")

    send_notices.delay([notice_id])

    assert _status_is(app, notice_id, SENT)
    assert smtp.count == 1
    notice = _notice(app, notice_id)
    assert notice.attempts == 3
    assert notice.last_error.startswith("SMTP 451")  # the last refusal stays for the record


def test_a_connection_dropped_before_the_message_is_retried(app, celery_worker, smtp):
    code = build_customer(app)
    notice_id = _claim(app, code)
    smtp.drop_next(1)
    send_notices.delay([notice_id])
    assert _status_is(app, notice_id, SENT)
    assert smtp.count == 1
    assert _notice(app, notice_id).attempts == 2


def test_smtp_down_then_up_is_retried_and_sent_once(app, celery_worker, override_settings):
    server = SmtpServer()  # not started: connection refused
    override_settings(MailSettings, **server.smtp_settings(retry_base_s=3))
    code = build_customer(app)
    notice_id = _claim(app, code)
    try:
        send_notices.delay([notice_id])
        assert wait_until(lambda: _notice(app, notice_id).attempts == 1)
        assert _status_is(app, notice_id, QUEUED)
        assert "refused" in _notice(app, notice_id).last_error.lower()
        server.start()
        assert _status_is(app, notice_id, SENT)
        assert server.count == 1
        assert _notice(app, notice_id).attempts == 2
    finally:
        server.stop()


def test_smtp_always_down_fails_after_the_last_attempt_and_is_listed(
    app, client, celery_worker, smtp, admin
):
    smtp.fail_next(100, "550 5.1.1 Mailbox unavailable")
    code = build_customer(app)
    notice_id = _claim(app, code)
    send_notices.delay([notice_id])

    assert _status_is(app, notice_id, FAILED)
    notice = _notice(app, notice_id)
    assert notice.attempts == 3  # SMTP max_attempts
    assert notice.last_error.startswith("SMTP 550")
    assert smtp.count == 0
    listed = client.get("/api/v1/notices?status=failed", headers=admin).json
    assert [item["id"] for item in listed["items"]] == [notice_id]
    assert listed["items"][0]["last_error"].startswith("SMTP 550")


def test_no_address_or_consent_withdrawn_is_skipped_not_failed(
    app, client, celery_worker, smtp, admin
):
    without = build_customer(app, email=None)
    withdrawn = build_customer(app)
    with app.app_context():
        set_actor(db.session, BUILDER)
        record_consents(withdrawn, {"email": {"given": False, "how": "phone"}})
        db.session.commit()
    ids = [_claim(app, without, receivable_id=1), _claim(app, withdrawn, receivable_id=2)]
    send_notices.delay(ids)

    assert all(_status_is(app, notice_id, SKIPPED) for notice_id in ids)
    reasons = [_notice(app, notice_id).skipped_reason for notice_id in ids]
    assert reasons == ["no e-mail address", "e-mail consent withdrawn"]
    assert smtp.count == 0
    listed = client.get("/api/v1/notices?status=skipped", headers=admin).json
    assert listed["total"] == 2


def test_no_smtp_server_configured_skips(app, celery_worker, override_settings):
    override_settings(MailSettings, host=None)
    notice_id = _claim(app, build_customer(app))
    send_notices.delay([notice_id])
    assert _status_is(app, notice_id, SKIPPED)
    assert "SMTP_HOST" in _notice(app, notice_id).skipped_reason


def test_the_customers_history_shows_the_notice(app, client, celery_worker, smtp, admin):
    code = build_customer(app)
    notice_id = _claim(app, code)
    send_notices.delay([notice_id])
    assert _status_is(app, notice_id, SENT)
    entries = client.get(f"/api/v1/customers/{code}/history", headers=admin).json["items"]
    notice_entries = [entry for entry in entries if entry["entity"] == "notices"]
    statuses = [
        change["new"]
        for entry in notice_entries
        for change in entry["changes"]
        if change["field"] == "status"
    ]
    assert statuses == [SENT, SENDING, QUEUED]  # newest first


def _worker_env(settings, smtp: SmtpServer, tmp_path: Path) -> dict:
    skip = ("PYTEST", "DATABASE_URL", "CELERY_", "TEST_", "SMTP_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
    env.update(
        DATABASE_URL=settings.database_url,
        PROVEDOR_VAR_DIR=str(tmp_path / "var"),
        PROVEDOR_ENV_FILE="/dev/null",
        SMTP_HOST=smtp.host,
        SMTP_PORT=str(smtp.port),
        SMTP_TIMEOUT_S="30",
        MAIL_SENDER="Provedor Teste <cobranca@provedor.example>",
    )
    return env


_SEND_IN_A_WORKER = (
    "import sys, tests.notice_kinds\n"
    "from tasks.worker import flask_app\n"
    "from tasks.notices import send_notices\n"
    "send_notices.apply(args=[[int(notice_id) for notice_id in sys.argv[1:]]])\n"
)


def _worker_holding_the_first_message(smtp, settings, tmp_path, ids, hold_s: float):
    """A worker process sending the batch `ids`, once the server has taken the first message
    and holds back its answer for `hold_s` seconds; the process (its own session) is returned."""
    smtp.hold_replies(hold_s)  # the server has the message; the worker waits for its 250
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        worker = subprocess.Popen(
            [sys.executable, "-c", _SEND_IN_A_WORKER, *map(str, ids)],
            cwd=ROOT,
            env=_worker_env(settings, smtp, tmp_path),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    if not wait_until(lambda: smtp.count == 1, timeout=60):
        worker.kill()
        pytest.fail(log.read_text()[-3000:])
    return worker


def _kill_while_the_server_holds_the_first_message(smtp, settings, tmp_path, ids) -> None:
    """A worker process sends the batch `ids` and is SIGKILLed once the server has taken the
    first message but not yet answered it: the notice's fate is unknown to the worker."""
    worker = _worker_holding_the_first_message(smtp, settings, tmp_path, ids, hold_s=60)
    os.killpg(worker.pid, signal.SIGKILL)  # dies between handing over and recording 'sent'
    worker.wait(timeout=30)
    smtp.hold_replies(0)


def test_a_worker_killed_while_sending_never_resends_and_recovery_fails_it(
    app,
    client,
    celery_worker,
    smtp,
    settings,
    tmp_path,
    admin,
    monkeypatch,
    tasks_settled,
    override_settings,
):
    code = build_customer(app)
    notice_id = _claim(app, code)
    _kill_while_the_server_holds_the_first_message(smtp, settings, tmp_path, [notice_id])
    assert _notice(app, notice_id).status == SENDING

    send_notices.delay([notice_id])  # the redelivered task, or a duplicate: finds it sending
    recover_notices.delay()  # within its lease: left alone
    assert tasks_settled()
    assert _notice(app, notice_id).status == SENDING

    override_settings(MailSettings, sending_lease_s=0)
    recover_notices.delay()
    assert _status_is(app, notice_id, FAILED)
    notice = _notice(app, notice_id)
    assert notice.last_error == OUTCOME_UNKNOWN
    send_notices.delay([notice_id])
    recover_notices.delay()
    assert tasks_settled()
    assert smtp.count == 1  # never resent automatically
    listed = client.get("/api/v1/notices?status=failed", headers=admin).json["items"]
    assert [(item["id"], item["last_error"]) for item in listed] == [(notice_id, OUTCOME_UNKNOWN)]


def test_a_batch_killed_mid_way_fails_only_the_message_on_the_wire_and_sends_the_rest_once(
    app, celery_worker, smtp, settings, tmp_path, monkeypatch, tasks_settled, override_settings
):
    ids = [_claim(app, build_customer(app), receivable_id=number) for number in (1, 2, 3, 4)]
    _kill_while_the_server_holds_the_first_message(smtp, settings, tmp_path, ids)
    assert {_notice(app, notice_id).status for notice_id in ids} == {SENDING}

    override_settings(MailSettings, sending_lease_s=0)
    recover_notices.delay()
    assert all(_status_is(app, notice_id, SENT) for notice_id in ids[1:])
    first = _notice(app, ids[0])
    assert (first.status, first.last_error) == (FAILED, OUTCOME_UNKNOWN)
    assert [_notice(app, notice_id).attempts for notice_id in ids[1:]] == [1, 1, 1]
    recover_notices.delay()
    assert tasks_settled()
    message_ids = sorted(message["Message-ID"] for message in smtp.messages)
    assert message_ids == sorted(  # the one held when the worker died, and the three others
        f"<notice.{TEST_KIND}.{number}.0@provedor.example>" for number in (1, 2, 3, 4)
    )


def test_a_lost_message_of_a_queued_notice_is_sent_by_recovery(
    app, celery_worker, smtp, override_settings
):
    notice_id = _claim(app, build_customer(app))  # claimed, but its task was never sent
    override_settings(MailSettings, sending_lease_s=0)
    recover_notices.delay()
    assert _status_is(app, notice_id, SENT)
    assert smtp.count == 1


def test_staff_send_a_failed_notice_again_once_and_the_history_says_who(
    app, client, celery_worker, smtp, admin, headers_for, tasks_settled
):
    smtp.fail_next(3, "550 5.1.1 Mailbox unavailable")  # every automatic attempt refused
    code = build_customer(app)
    notice_id = _claim(app, code)
    send_notices.delay([notice_id])
    assert _status_is(app, notice_id, FAILED)
    finance = headers_for("finance")

    response = client.post(f"/api/v1/notices/{notice_id}/resend", headers=finance)

    assert response.status_code == 202, response.json
    assert response.json["status"] == QUEUED
    assert _status_is(app, notice_id, SENT)
    assert smtp.count == 1
    assert _notice(app, notice_id).attempts == 1  # a fresh series of attempts
    again = client.post(f"/api/v1/notices/{notice_id}/resend", headers=finance)
    assert again.status_code == 409  # sent: never again
    assert "sent" in again.json["message"]
    assert tasks_settled()
    assert smtp.count == 1
    history = client.get(f"/api/v1/customers/{code}/history", headers=admin).json["items"]
    resent = [
        entry
        for entry in history
        if entry["entity"] == "notices"
        and {"field": "status", "old": FAILED, "new": QUEUED} in entry["changes"]
    ]
    assert [entry["username"] for entry in resent] == [_username(client, finance)]


def _username(client, headers) -> str:
    return client.get("/api/v1/me", headers=headers).json["username"]


@pytest.mark.parametrize("role", ["attendant", "technician"])
def test_only_finance_and_admins_send_a_notice_again(app, client, headers_for, role):
    with app.app_context():
        set_actor(db.session, BUILDER)
        notice_id = _claim(app, build_customer(app))
        db.session.execute(db.update(Notice).values(status=FAILED))
        db.session.commit()
    response = client.post(f"/api/v1/notices/{notice_id}/resend", headers=headers_for(role))
    assert response.status_code == 403
    assert _notice(app, notice_id).status == FAILED


def test_sending_again_a_notice_that_is_queued_or_unknown_is_refused(app, client, admin):
    notice_id = _claim(app, build_customer(app))  # queued: its task will send it
    queued = client.post(f"/api/v1/notices/{notice_id}/resend", headers=admin)
    assert queued.status_code == 409
    assert _notice(app, notice_id).status == QUEUED
    missing = client.post(f"/api/v1/notices/{notice_id + 1000}/resend", headers=admin)
    assert missing.status_code == 404


def test_a_batch_reaching_no_server_connects_once_and_retries_every_notice(
    app, celery_worker, override_settings
):
    listener = socket.create_server(("127.0.0.1", 0))  # accepts, then hangs up: no SMTP
    accepted = []

    def hang_up():
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return  # closed by the test
            accepted.append(connection)
            connection.close()

    threading.Thread(target=hang_up, daemon=True).start()
    server = SmtpServer(port=listener.getsockname()[1])
    override_settings(MailSettings, **server.smtp_settings(retry_base_s=600))
    ids = [_claim(app, build_customer(app), receivable_id=number) for number in (1, 2, 3)]
    try:
        send_notices.delay(ids)
        assert wait_until(  # claimed (attempt 1), refused, and back in the queue
            lambda: all(
                (_notice(app, i).status, _notice(app, i).attempts) == (QUEUED, 1) for i in ids
            )
        )
    finally:
        listener.close()
    assert len({_notice(app, notice_id).last_error for notice_id in ids}) == 1
    assert len(accepted) == 1  # one try for the batch, not one per notice


def test_a_notice_that_cannot_be_written_fails_alone_and_the_batch_goes_out(
    app, celery_worker, smtp
):
    broken = _claim(app, build_customer(app), receivable_id=BROKEN_RECEIVABLE)
    fine = [_claim(app, build_customer(app), receivable_id=number) for number in (1, 2)]
    send_notices.delay(sorted([broken, *fine]))
    assert all(_status_is(app, notice_id, SENT) for notice_id in fine)
    assert _status_is(app, broken, FAILED)
    assert _notice(app, broken).last_error.startswith("could not write the e-mail")
    assert smtp.count == 2


def test_a_live_but_stalled_batch_taken_over_by_recovery_sends_nothing_twice(
    app, celery_worker, smtp, settings, tmp_path, override_settings
):
    ids = [_claim(app, build_customer(app), receivable_id=number) for number in (1, 2, 3)]
    worker = _worker_holding_the_first_message(smtp, settings, tmp_path, ids, hold_s=10)
    try:
        smtp.hold_replies(0)
        override_settings(MailSettings, sending_lease_s=0)
        recover_notices.delay()  # takes the stalled batch over while its worker still lives
        assert all(_status_is(app, notice_id, SENT) for notice_id in ids[1:])
        smtp.release_held()  # taken over while the worker was stalled: it may wake up now
        assert worker.wait(timeout=60) == 0  # woke up, found the rest taken over
    finally:
        worker.kill()
    assert _notice(app, ids[0]).status == FAILED  # recovery could not know it arrived
    message_ids = sorted(message["Message-ID"] for message in smtp.messages)
    assert message_ids == sorted(
        f"<notice.{TEST_KIND}.{number}.0@provedor.example>" for number in (1, 2, 3)
    )


def test_a_template_too_costly_saved_before_the_limits_fails_its_notices_not_the_worker(
    app, client, celery_worker, smtp, admin
):
    slow = "{% for i in range(100000) %}{% for j in range(300) %}{% endfor %}{% endfor %}"
    with app.app_context():  # written as it was saved before the limits (the API refuses it)
        set_actor(db.session, BUILDER)
        template = db.session.get(EmailTemplate, "boleto")
        template.text_body = slow + "{{ customer_name }}"
        db.session.commit()
    ids = [_claim(app, build_customer(app), receivable_id=number) for number in (1, 2)]
    started = time.monotonic()

    send_notices.delay(ids)

    assert all(_status_is(app, notice_id, FAILED) for notice_id in ids)
    assert time.monotonic() - started < 15  # 0.2 s a notice, not 1 s per 30 million steps
    reason = "could not write the e-mail: the boleto template's text_body takes longer than 0.2 s"
    assert all(_notice(app, notice_id).last_error.startswith(reason) for notice_id in ids)
    assert smtp.count == 0
    fixed = {
        "subject": "Fatura",
        "text_body": "Olá, {{ customer_name }}.",
        "html_body": "<p>Olá</p>",
    }
    assert (
        client.put("/api/v1/email-templates/boleto", json=fixed, headers=admin).status_code == 200
    )
    assert client.post(f"/api/v1/notices/{ids[0]}/resend", headers=admin).status_code == 202
    assert _status_is(app, ids[0], SENT)  # the same worker goes on sending
    assert smtp.count == 1


def _settle_or_cancel(app, receivable_id: int, how: str) -> None:
    with app.app_context():
        set_actor(db.session, BUILDER)
        if how == "paid":
            settle(receivable_id, local_today(), Decimal("99.90"))
        else:
            cancel(receivable_id, "lançada em duplicidade")
        db.session.commit()


@pytest.mark.parametrize("how", ["paid", "cancelled"])
def test_a_receivable_settled_before_its_notice_is_written_skips_it(app, celery_worker, smtp, how):
    notice_id = _claim(app, build_customer(app), receivable_id=5)
    _settle_or_cancel(app, 5, how)
    send_notices.delay([notice_id])
    assert _status_is(app, notice_id, SKIPPED)
    assert (
        _notice(app, notice_id).skipped_reason
        == f"the receivable was {how} before the e-mail went out"
    )
    assert smtp.count == 0


def test_receivables_settled_while_their_batch_is_handed_over_are_skipped_not_sent(
    app, client, celery_worker, smtp, admin, tasks_settled
):
    ids = [_claim(app, build_customer(app), receivable_id=number) for number in (1, 2, 3)]
    smtp.hold_replies(3)  # the first message is on the wire: the batch is written and claimed
    send_notices.delay(ids)
    assert wait_until(lambda: smtp.count == 1, timeout=30)
    assert _notice(app, ids[1]).status == SENDING  # written, claimed, not yet handed over
    _settle_or_cancel(app, 2, "paid")
    _settle_or_cancel(app, 3, "cancelled")
    smtp.hold_replies(0)
    smtp.release_held()  # both settled while the first message was held: answer it now

    assert _status_is(app, ids[0], SENT)
    assert _status_is(app, ids[1], SKIPPED) and _status_is(app, ids[2], SKIPPED)
    reasons = [_notice(app, notice_id).skipped_reason for notice_id in ids[1:]]
    assert reasons == [
        "the receivable was paid before the e-mail went out",
        "the receivable was cancelled before the e-mail went out",
    ]
    assert tasks_settled()
    assert smtp.count == 1
    listed = client.get("/api/v1/notices?status=skipped", headers=admin).json["items"]
    assert sorted(item["id"] for item in listed) == ids[1:]


def test_notices_whose_outcome_is_unknown_are_listed_for_finance_with_what_to_do(
    app, client, celery_worker, smtp, admin, headers_for
):
    unknown, fine = (_claim(app, build_customer(app), receivable_id=n) for n in (1, 2))
    smtp.break_next_data(1)  # the server keeps the first message; the worker hears nothing
    send_notices.delay([unknown, fine])
    assert _status_is(app, fine, SENT) and _status_is(app, unknown, FAILED)
    smtp.fail_next(3, "550 5.1.1 Mailbox unavailable")
    refused = _claim(app, build_customer(app), receivable_id=3)
    send_notices.delay([refused])
    assert _status_is(app, refused, FAILED)  # failed too, but surely not delivered
    finance = headers_for("finance")

    listed = client.get("/api/v1/notices?status=unknown", headers=finance)

    assert listed.status_code == 200, listed.json
    (item,) = listed.json["items"]
    assert (item["id"], item["outcome_unknown"]) == (unknown, True)
    assert item["last_error"].startswith("outcome unknown")
    assert "Message-ID <notice.test.1.0@" in item["next_step"]
    assert f"/api/v1/notices/{unknown}/resend" in item["next_step"]
    assert f"/api/v1/notices/{unknown}/mark-sent" in item["next_step"]
    assert "Procure no log do servidor de e-mail" in item["next_step"]
    failed = client.get("/api/v1/notices?status=failed", headers=finance).json["items"]
    assert sorted(i["id"] for i in failed) == sorted([unknown, refused])
    assert [i["next_step"] for i in failed if i["id"] == refused] == [None]
    for role in ("attendant", "technician"):
        response = client.get("/api/v1/notices?status=unknown", headers=headers_for(role))
        assert response.status_code == 403
        marked = client.post(f"/api/v1/notices/{unknown}/mark-sent", headers=headers_for(role))
        assert marked.status_code == 403

    assert client.post(f"/api/v1/notices/{refused}/mark-sent", headers=finance).status_code == 409
    marked = client.post(f"/api/v1/notices/{unknown}/mark-sent", headers=finance)
    assert marked.status_code == 200, marked.json
    assert (marked.json["status"], marked.json["next_step"]) == (SENT, None)
    assert marked.json["sent_at"] is not None
    assert client.get("/api/v1/notices?status=unknown", headers=admin).json["total"] == 0
    assert client.post(f"/api/v1/notices/{unknown}/mark-sent", headers=admin).status_code == 409
    assert smtp.count == 2  # the kept one and the fine one; nothing sent again


def test_a_payment_recorded_while_its_notice_is_on_the_wire_waits_for_the_outcome(
    app, celery_worker, smtp, backend
):
    if backend != "postgresql":
        pytest.skip("SQLite has no row locks: there the check reads what is committed")
    notice_id = _claim(app, build_customer(app), receivable_id=1)
    smtp.hold_replies(2)  # the message is on the wire for two seconds
    send_notices.delay([notice_id])
    assert wait_until(lambda: smtp.count == 1, timeout=30)
    started = time.monotonic()

    _settle_or_cancel(app, 1, "paid")  # waits for the worker to record the outcome

    assert time.monotonic() - started > 0.5
    assert _notice(app, notice_id).status == SENT  # recorded before the payment went in
