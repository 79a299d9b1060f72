"""Send tasks only once the transaction that needs them has committed (DESIGN.md, rule 3).

A task sent before its commit may run before its rows exist, or for rows a rollback removed.
`send_after_commit` parks the message in the session; it leaves on commit and is dropped on
rollback.
"""

from celery import Task
from sqlalchemy import event
from sqlalchemy.orm import Session

from models.db import db

_PENDING = "tasks_after_commit"


def send_after_commit(task: Task, *args, **kwargs) -> None:
    """Queue `task.delay(*args, **kwargs)` for when the current transaction commits."""
    db.session.connection()  # make sure there is a transaction whose end we will see
    db.session.info.setdefault(_PENDING, []).append((task, args, kwargs))


@event.listens_for(Session, "after_commit")
def _send_pending(session: Session) -> None:
    for task, args, kwargs in session.info.pop(_PENDING, []):
        task.apply_async(args, kwargs)


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, _previous_transaction) -> None:
    session.info.pop(_PENDING, None)
