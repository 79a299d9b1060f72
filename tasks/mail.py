"""Sending notice e-mails: at most once per notice, retried with backoff while nothing went out.

`send_notice(id)` is safe to run any number of times for one notice: only the run that moves it
queued -> sending (committed before the SMTP conversation) sends anything. A refusal puts it
back in queued and the task retries itself after 1, 2, 4... times SMTP retry_base_s, until SMTP
max_attempts tries; then it is failed. `recover_notices` (beat) fails the notices whose worker
died while sending (outcome unknown, never resent automatically) and sends again those whose
message was lost while queued.
"""

import logging
from datetime import timedelta

from celery import shared_task
from flask import current_app

from models import mailer, notices
from models.db import db

log = logging.getLogger(__name__)
RETRY_BASE_SECONDS = 60.0  # first retry after a minute, then 2, 4, 8...
SENDING_LEASE_SECONDS = 900.0  # a notice `sending` for longer lost its worker


def _smtp() -> dict:
    return current_app.config["SMTP"]


@shared_task(bind=True, name="tasks.mail.send_notice", max_retries=None)
def send_notice(self, notice_id: int) -> str:
    """Send one notice if it is still queued; returns what became of it."""
    smtp = _smtp()
    if not smtp["host"]:
        notices.skip(notice_id, notices.NO_SERVER)
        return notices.SKIPPED
    notice = notices.sendable(notice_id)
    db.session.commit()
    if notice is None:
        return "not queued"
    try:
        message = mailer.compose(notice, smtp["sender"], current_app.config["ISP_NAME"])
    except Exception as error:  # a template or data fault: the same next time, so no retry
        log.exception("notice %s could not be written", notice_id)
        notices.mark_failed(notice_id, f"could not write the e-mail: {error}", notices.QUEUED)
        return notices.FAILED
    return _send(self, notice_id, smtp, message)


def _send(task, notice_id: int, smtp: dict, message) -> str:
    notice = notices.start_sending(notice_id)
    db.session.commit()  # 'sending' is durable before the server hears of the message
    if notice is None:
        return "not queued"
    try:
        mailer.deliver(smtp, message)
    except mailer.OutcomeUnknown as error:
        notices.mark_failed(notice_id, f"{notices.OUTCOME_UNKNOWN_DATA} ({error})")
        return notices.FAILED
    except mailer.Refused as error:
        if notice.attempts >= smtp["max_attempts"]:
            notices.mark_failed(notice_id, str(error))
            return notices.FAILED
        delay = smtp.get("retry_base_s", RETRY_BASE_SECONDS) * 2 ** (notice.attempts - 1)
        notices.retry_later(notice_id, str(error), timedelta(seconds=delay))
        db.session.commit()
        log.warning("notice %s refused (%s); retry in %.0f s", notice_id, error, delay)
        raise task.retry(countdown=delay) from None
    if notices.mark_sent(notice_id) is None:
        log.error("notice %s was sent after recovery had failed it", notice_id)
    return notices.SENT


@shared_task(name="tasks.mail.recover_notices")
def recover_notices() -> dict:
    """Fail notices abandoned while sending; send again queued ones whose message was lost."""
    lease = timedelta(seconds=_smtp().get("sending_lease_s", SENDING_LEASE_SECONDS))
    failed = notices.fail_abandoned(lease)
    resend = notices.forgotten(lease)
    db.session.commit()
    for notice_id in resend:
        send_notice.delay(notice_id)
    if failed:
        log.error("notices %s failed: %s", failed, notices.OUTCOME_UNKNOWN)
    return {"failed": len(failed), "resent": len(resend)}
