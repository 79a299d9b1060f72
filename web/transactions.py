"""A request is one transaction: the view runs, then the session commits once if it wrote.

Routes never commit. `web.extensions.Blueprint` wraps every view in `committing`, under
flask-smorest's `response`, so the commit comes before the answer is serialised, as the
routes' own commits did: the body shows what was committed (generated ids, server defaults,
attributes reloaded after expire_on_commit). An error, the commit's own included (an
IntegrityError, a serialization failure), propagates to the handlers of web/errors.py, which
roll back and answer the usual envelope. Work outside the database that must follow the
outcome (a file to delete once its row is gone) is hooked with `models.effects.on_commit` /
`on_rollback`.
"""

from collections.abc import Callable
from contextlib import contextmanager
from functools import wraps

from sqlalchemy.orm import Session

from models import effects
from models.db import db, has_unsaved_writes


def committing(view: Callable) -> Callable:
    """`view`, then one commit if it wrote; a view already wrapped is returned as it is."""
    if getattr(view, "commits", False):
        return view

    @wraps(view)
    def committed(*args, **kwargs):
        result = view(*args, **kwargs)
        if _wrote(db.session):
            db.session.commit()
        return result

    committed.commits = True
    return committed


def _wrote(session: Session) -> bool:
    """Whether the transaction holds writes: flushed or executed, or still pending, or a task
    to send once it commits (a view that only queues work, e.g. a webhook registration)."""
    return (
        has_unsaved_writes(session)
        or bool(session.new or session.dirty or session.deleted)
        or effects.has_pending(session)
    )


@contextmanager
def commit_step():
    """A transaction of its own inside a request, committed even when its body raises.

    For what must stay whatever follows (a login attempt's count, before the password hash
    is computed with no connection held); the boundary commits whatever comes after.
    """
    try:
        yield
    finally:
        db.session.commit()
