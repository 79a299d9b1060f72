"""The after-commit outbox: an operation queues its follow-up tasks by name (DESIGN.md, rule 3).

A task sent before its commit may run before its rows exist, or for rows a rollback removed.
`after_commit` parks (task name, args, kwargs) on the session: the outermost commit sends them;
the end of the outermost transaction any other way (rollback, close) drops them. A savepoint's
rollback keeps them, since the transaction they belong to may still commit. Models name tasks
by their wire name and import no Celery: the tasks layer installs the sender (`set_sender`).
"""

import logging
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from models.db import db

log = logging.getLogger(__name__)
_PENDING = "tasks_after_commit"
Sender = Callable[..., object]  # send(name, args=..., kwargs=...), as Celery.send_task
_sender: Sender | None = None


def set_sender(sender: Sender | None) -> Sender | None:
    """Install what sends a task by name (the Celery app's send_task); return the previous one."""
    global _sender
    previous, _sender = _sender, sender
    return previous


def after_commit(task_name: str, *args, **kwargs) -> None:
    """Send the task `task_name` with these arguments once the current transaction commits."""
    db.session.connection()  # make sure there is a transaction whose end we will see
    db.session.info.setdefault(_PENDING, []).append((task_name, args, kwargs))


@event.listens_for(Session, "after_commit")
def _send_pending(session: Session) -> None:
    for name, args, kwargs in session.info.pop(_PENDING, []):
        try:
            if _sender is None:
                raise RuntimeError("no task sender installed (tasks.celery_init_app sets it)")
            _sender(name, args=args, kwargs=kwargs)
        except Exception:
            # The commit stands; the client must not get an error for it. Work that must
            # happen is kept as rows that beat's sweeps find again (DESIGN.md, rule 4).
            log.exception("could not send task %s after commit", name)


@event.listens_for(Session, "after_transaction_end")
def _drop_pending(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost one: committed (sent above) or not
        session.info.pop(_PENDING, None)
