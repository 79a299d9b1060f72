"""Notice tasks: the daily notice sweep and the e-mail sender.

The daily notice sweep (beat, BILLING["notices_at"]): boleto e-mails, overdue notices and
the notices that announce a suspension (which the suspension sweep waits for).

The sweep claims the notices due today (models/notices/notice_sweeps.py), commits, and only then
sends
`tasks.mail.send_notices` for the new notices, in batches. A crash between the commit and the
sending leaves them queued: `tasks.mail.recover_notices` sends them after its lease. Running
the sweep twice, or two at once, claims and sends each notice once (the notices' key).

Sending notice e-mails in batches: at most once per notice, retried with backoff while
nothing went out.

`send_notices(ids)` is safe to run any number of times for the same notices: only the run that
moves a notice queued -> sending (committed before the SMTP conversation) sends it. A batch
writes its messages first, claims them in one transaction, then hands them over on one SMTP
connection in id order, committing each outcome before the next message (so a worker that dies
leaves at most one notice whose fate is unknown; see notices.recover_abandoned). Just before
each hand-over the notice's receivable must still be open (notices.hold_for_hand_over): one
paid or cancelled since the batch was written is skipped, not sent. A refusal puts
a notice back in queued and it is sent again after 1, 2, 4... times SMTP retry_base_s, until
SMTP max_attempts tries; then it is failed. `recover_notices` (beat) deals with batches whose
worker died and sends again the notices whose message was lost while queued.
"""

import logging
import time
from collections import defaultdict
from datetime import date, timedelta
from uuid import uuid4

from celery import shared_task
from flask import current_app

from models.clock import local_today
from models.db import db
from models.effects import after_commit
from models.notices import mailer, notice_sweeps, notices
from models.notices.settings import MailSettings
from models.settings import current
from tasks.chunks import chunk

log = logging.getLogger(__name__)


@shared_task(name="tasks.notices.sweep_notices")
def sweep_notices(run_date: str | None = None) -> dict:
    """Claim and send today's (or `run_date`'s) boleto e-mails, overdue notices and the
    notices of the non-payment ladder's stages (reduction, suspension, termination)."""
    today = date.fromisoformat(run_date) if run_date else local_today()
    with chunk():  # claimed for good before any worker hears of them
        boleto = notice_sweeps.claim_boleto_emails(today)
        overdue = notice_sweeps.claim_overdue_notices(today)
        ladder = notice_sweeps.claim_ladder_notices(today)
        send_in_batches(boleto + overdue + ladder)
    if boleto or overdue or ladder:
        log.info(
            "notices of %s: %d boleto e-mails, %d overdue, %d of the ladder",
            today,
            len(boleto),
            len(overdue),
            len(ladder),
        )
    return {"boleto": len(boleto), "overdue": len(overdue), "ladder": len(ladder)}


log = logging.getLogger(__name__)
BATCH_SIZE = 50  # one task, one SMTP connection and one claim for this many notices


def _smtp() -> MailSettings:
    return current(MailSettings)


def _lease_s() -> float:
    """A notice `sending` for longer lost its worker (NOTICE_SENDING_LEASE_SECONDS)."""
    return _smtp().sending_lease_s


def send_in_batches(notice_ids: list[int]) -> None:
    """Send `send_notices` for these notices, BATCH_SIZE a task, once the caller's chunk commits."""
    for start in range(0, len(notice_ids), BATCH_SIZE):
        after_commit(send_notices.name, notice_ids[start : start + BATCH_SIZE])


@shared_task(name="tasks.mail.send_notices")
def send_notices(notice_ids: list[int]) -> dict:
    """Send those of the notices still queued and due; how many ended in each state."""
    smtp = _smtp()
    if not smtp.host:
        notices.skip(notice_ids, notices.NO_SERVER)
        return {notices.SKIPPED: len(notice_ids)}
    with chunk():
        ready, recipients, unsendable = notices.sendable(notice_ids)
        messages = _write(ready, recipients, smtp.sender)
        for reason in set(unsendable.values()):
            notices.skip([i for i, why in unsendable.items() if why == reason], reason)
    batch = str(uuid4())  # per run: a redelivered message has its task id, not its batch
    with chunk():  # 'sending' is durable before the server hears of any message
        claimed = notices.start_sending({i: recipients[i] for i in messages}, batch)
        claimed = [(notice.id, notice.attempts) for notice in claimed]
    return _hand_over(batch, claimed, messages, smtp)


def _write(ready: list, recipients: dict, sender: str) -> dict:
    """{notice id: its e-mail}. A notice that cannot be written is failed (no retry: a
    template or data fault is the same next time); the others are written all the same."""
    messages, faults = {}, {}
    isp_name = current_app.config["ISP_NAME"]
    with mailer.preloaded(ready):
        for notice in ready:
            try:
                with db.session.begin_nested():  # a query that fails undoes this notice only
                    messages[notice.id] = mailer.compose(
                        notice, recipients[notice.id], sender, isp_name
                    )
            except Exception as error:
                log.exception("notice %s could not be written", notice.id)
                faults[notice.id] = f"could not write the e-mail: {error}"
    for notice_id, fault in faults.items():
        notices.mark_failed(notice_id, fault, notices.QUEUED)
    return messages


def _hand_over(batch: str, claimed: list[tuple[int, int]], messages: dict, smtp: dict) -> dict:
    """Deliver the claimed (notice id, attempts), in order, on one connection."""
    outcome, retry_after = defaultdict(int), defaultdict(list)
    deadline = time.monotonic() + _lease_s() / 2  # well before recovery takes the batch over
    with mailer.Postman(smtp) as postman:
        for position, (notice_id, attempts) in enumerate(claimed):
            if position and time.monotonic() > deadline:  # a slow server: the rest wait
                with chunk():
                    rest = notices.release([later for later, _ in claimed[position:]], batch)
                outcome["released"] += len(rest)
                retry_after[0.0] += rest
                break
            with chunk():  # each outcome is durable before the next hand-over
                status, delay = _hand_over_one(postman, batch, notice_id, attempts, messages, smtp)
            outcome[status] += 1
            if delay is not None:
                retry_after[delay].append(notice_id)
    for delay, ids in retry_after.items():  # every outcome is committed by now
        send_notices.apply_async((ids,), countdown=delay)
    return dict(outcome)


def _hand_over_one(postman, batch, notice_id, attempts, messages, smtp) -> tuple[str, float | None]:
    """Deliver one claimed notice unless it was taken over or its receivable settled."""
    why_not = notices.hold_for_hand_over(notice_id, batch)
    if why_not == notices.TAKEN_OVER:  # recovery took it over
        return "taken_over", None
    if why_not is not None:  # paid or cancelled since it was written: skipped
        return notices.SKIPPED, None
    return _deliver(postman, batch, notice_id, attempts, messages[notice_id], smtp)


def _deliver(postman, batch, notice_id, attempts, message, smtp) -> tuple[str, float | None]:
    """Hand one message over; its notice's new status, and the delay of its retry if any."""
    try:
        postman.deliver(message)
    except mailer.OutcomeUnknown as error:
        notices.mark_failed(notice_id, f"{notices.OUTCOME_UNKNOWN_DATA} ({error})", batch=batch)
        return notices.FAILED, None
    except mailer.Refused as error:
        if attempts >= smtp.max_attempts:
            notices.mark_failed(notice_id, str(error), batch=batch)
            return notices.FAILED, None
        delay = smtp.retry_base_s * 2 ** (attempts - 1)
        notices.retry_later(notice_id, batch, str(error), timedelta(seconds=delay))
        log.warning("notice %s refused (%s); retry in %.0f s", notice_id, error, delay)
        return notices.QUEUED, delay
    if notices.mark_sent(notice_id, batch) is None:
        log.error("notice %s was sent after recovery had taken it over", notice_id)
    return notices.SENT, None


@shared_task(name="tasks.mail.recover_notices")
def recover_notices() -> dict:
    """Take over the batches whose worker died; send again queued notices whose message was
    lost."""
    lease = timedelta(seconds=_lease_s())
    failed, released = notices.recover_abandoned(lease)
    resend = released + notices.forgotten(lease)
    send_in_batches(resend)  # when the task commits
    if failed:
        log.error("notices %s failed: %s", failed, notices.OUTCOME_UNKNOWN)
    return {"failed": len(failed), "resent": len(resend)}
