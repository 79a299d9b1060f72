"""What a transaction does once it has ended: the after-commit outbox (DESIGN.md, rule 3).

A task sent before its commit may run before its rows exist, or for rows a rollback removed;
a file deleted before its row's delete commits is lost if the transaction rolls back. So:
- `after_commit(task_name, ...)`: an operation queues its follow-up task by its wire name
  (models import no Celery: the tasks layer installs the sender, `set_sender`);
- `on_commit(action, ...)` / `on_rollback(action, ...)`: work outside the database that must
  follow the outcome (a stored file removed once its row is gone, or once the row never was).
Both park on the session. The outermost commit runs the commit hooks in order; the end of the
outermost transaction any other way (rollback, close) drops them and runs the rollback hooks.
A savepoint's rollback keeps them, since the transaction they belong to may still commit. A
hook that fails is logged, never raised: the outcome stands, and the client must not get an
error for it (work that must happen is kept as rows that beat's sweeps find again, rule 4).
"""

import logging
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from models.db import db

log = logging.getLogger(__name__)
_ON_COMMIT, _ON_ROLLBACK = "effects_on_commit", "effects_on_rollback"
Sender = Callable[..., object]  # send(name, args=..., kwargs=...), as Celery.send_task
_sender: Sender | None = None


def set_sender(sender: Sender | None) -> Sender | None:
    """Install what sends a task by name (the Celery app's send_task); return the previous one."""
    global _sender
    previous, _sender = _sender, sender
    return previous


def after_commit(task_name: str, *args, **kwargs) -> None:
    """Send the task `task_name` with these arguments once the current transaction commits."""
    on_commit(_send, task_name, args, kwargs)


def send_now(task_name: str, *args, **kwargs) -> None:
    """Send the task `task_name` now, outside any transaction (what no row waits for)."""
    _send(task_name, args, kwargs)


def on_commit(action: Callable, *args) -> None:
    """Call `action(*args)` once the current transaction has committed."""
    _park(_ON_COMMIT, action, args)


def on_rollback(action: Callable, *args) -> None:
    """Call `action(*args)` if the current transaction ends without committing."""
    _park(_ON_ROLLBACK, action, args)


def has_pending(session: Session) -> bool:
    """Whether something waits for the transaction's commit (a task to send)."""
    return bool(session.info.get(_ON_COMMIT))


def _park(key: str, action: Callable, args: tuple) -> None:
    db.session.connection()  # make sure there is a transaction whose end we will see
    db.session.info.setdefault(key, []).append((action, args))


def _send(name: str, args: tuple, kwargs: dict) -> None:
    try:
        if _sender is None:
            raise RuntimeError("no task sender installed (tasks.celery_init_app sets it)")
        _sender(name, args=args, kwargs=kwargs)
    except Exception:
        log.exception("could not send task %s after commit", name)


def _run(hooks: list, outcome: str) -> None:
    for action, args in hooks:
        try:
            action(*args)
        except Exception:
            log.exception("%r after a %s failed", action, outcome)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    session.info.pop(_ON_ROLLBACK, None)
    _run(session.info.pop(_ON_COMMIT, []), "commit")


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:  # a savepoint: its transaction may still commit
        return
    session.info.pop(_ON_COMMIT, None)  # committed (run above) or not
    _run(session.info.pop(_ON_ROLLBACK, []), "rollback")
