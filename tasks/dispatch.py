"""Send tasks only once the transaction that needs them has committed (DESIGN.md, rule 3).

A task sent before its commit may run before its rows exist, or for rows a rollback removed.
`send_after_commit` parks the message on the session: the outermost commit sends it; the end of
the outermost transaction any other way (rollback, close) drops it. A savepoint's rollback
keeps it, since the transaction it belongs to may still commit.
"""

import logging

from celery import Task
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from models.db import db

log = logging.getLogger(__name__)
_PENDING = "tasks_after_commit"


def send_after_commit(task: Task, *args, **kwargs) -> None:
    """Queue `task.delay(*args, **kwargs)` for when the current transaction commits."""
    db.session.connection()  # make sure there is a transaction whose end we will see
    db.session.info.setdefault(_PENDING, []).append((task, args, kwargs))


@event.listens_for(Session, "after_commit")
def _send_pending(session: Session) -> None:
    for task, args, kwargs in session.info.pop(_PENDING, []):
        try:
            task.apply_async(args, kwargs)
        except Exception:
            # The commit stands; the client must not get an error for it. Work that must
            # happen is kept as rows that beat's sweeps find again (DESIGN.md, rule 4).
            log.exception("could not send task %s after commit", task.name)


@event.listens_for(Session, "after_transaction_end")
def _drop_pending(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost one: committed (sent above) or not
        session.info.pop(_PENDING, None)
