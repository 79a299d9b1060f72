"""The daily notice sweep (beat, BILLING["notices_at"]): boleto e-mails, overdue notices and
the notices that announce a suspension (which the suspension sweep waits for).

The sweep claims the notices due today (models/notice_sweeps.py), commits, and only then sends
`tasks.mail.send_notices` for the new notices, in batches. A crash between the commit and the
sending leaves them queued: `tasks.mail.recover_notices` sends them after its lease. Running
the sweep twice, or two at once, claims and sends each notice once (the notices' key).
"""

import logging
from datetime import date

from celery import shared_task

from models import notice_sweeps
from models.clock import local_today
from models.db import db
from tasks.mail import send_in_batches

log = logging.getLogger(__name__)


@shared_task(name="tasks.notices.sweep_notices")
def sweep_notices(run_date: str | None = None) -> dict:
    """Claim and send today's (or `run_date`'s) boleto e-mails, overdue and suspension notices."""
    today = date.fromisoformat(run_date) if run_date else local_today()
    boleto = notice_sweeps.claim_boleto_emails(today)
    overdue = notice_sweeps.claim_overdue_notices(today)
    suspension = notice_sweeps.claim_suspension_notices(today)
    db.session.commit()  # claimed for good before any worker hears of them
    send_in_batches(boleto + overdue + suspension)
    if boleto or overdue or suspension:
        log.info(
            "notices of %s: %d boleto e-mails, %d overdue, %d suspension",
            today,
            len(boleto),
            len(overdue),
            len(suspension),
        )
    return {"boleto": len(boleto), "overdue": len(overdue), "suspension": len(suspension)}
