"""Scheduled suspend / enable / cancel: beat's sweep claims due tasks, workers apply them."""

import logging
from datetime import timedelta

from celery import shared_task
from flask import current_app

from models import scheduled_tasks
from models.db import db
from tasks.radius import send_disconnect

log = logging.getLogger(__name__)
CLAIM_PAGE = 500  # rows claimed per statement
BATCH = 50  # task ids per message: fewer messages, and a dead worker loses at most this many
SWEEP_MAX = 50_000  # per sweep; the next sweep takes the rest


@shared_task(name="tasks.plans.sweep_scheduled_tasks")
def sweep_scheduled_tasks() -> int:
    """Claim due tasks (and those whose worker vanished) and hand them to workers in batches.

    Claims are committed before their messages are sent: a lost message or a crash between the
    two leaves the tasks `running` until their lease ends, and a later sweep claims them again.
    """
    settings = current_app.config["PROVEDOR_SETTINGS"]
    lease = timedelta(seconds=settings.scheduled_tasks_lease_seconds)
    claimed = 0
    while claimed < SWEEP_MAX:
        ids = scheduled_tasks.claim_due_tasks(CLAIM_PAGE, lease)
        db.session.commit()
        for start in range(0, len(ids), BATCH):
            apply_scheduled_tasks.delay(ids[start : start + BATCH])
        claimed += len(ids)
        if len(ids) < CLAIM_PAGE:
            break
    if claimed:
        log.info("claimed %d scheduled tasks", claimed)
    return claimed


@shared_task(name="tasks.plans.apply_scheduled_tasks")
def apply_scheduled_tasks(task_ids: list[int]) -> int:
    """Apply a batch of claimed tasks in one transaction; return the size of the batch.

    One commit for the batch (not one per task) is what makes thousands a minute cheap. If the
    batch fails as a whole, each task is tried alone, so one bad task holds up no other.
    """
    scheduled_tasks.count_attempt(task_ids)
    db.session.commit()  # kept even if what follows kills this worker
    try:
        owed = scheduled_tasks.apply_tasks(task_ids)
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("batch of scheduled tasks failed; applying them one by one")
        owed = []
        for task_id in task_ids:
            owed += _apply_alone(task_id)
    for disconnect_id in owed:
        send_disconnect.delay(disconnect_id)
    return len(task_ids)


def _apply_alone(task_id: int) -> list[int]:
    try:
        owed = scheduled_tasks.apply_task(task_id)
        db.session.commit()
        return owed
    except Exception:
        # Left `running`: its lease ends and a later sweep tries again (MAX_ATTEMPTS times).
        db.session.rollback()
        log.exception("scheduled task %s could not be applied", task_id)
        return []
