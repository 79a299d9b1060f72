"""Work a task commits in chunks, and the progress it reports meanwhile: the one place (with the
task base class) where a task's work is committed.

A task is one transaction unless its work is too big or too slow for one: then it commits in
chunks, so that a worker killed midway loses at most the chunk it was on (a rerun or a later
sweep finds the rest, since what is done is committed and keyed), and the locks a chunk takes
are held for that chunk only (never while a mail server or a NAS takes its time). Messages that
need a chunk's rows are queued while it runs (models.effects.after_commit) and so go out
only once that chunk has committed; a chunk that fails is rolled back with its messages.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy import Connection

from models.db import db

Cursor = TypeVar("Cursor")


@contextmanager
def chunk() -> Iterator[None]:
    """Commit the session's transaction when the block ends; roll it back if the block raises."""
    try:
        yield
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()


def commit_in_chunks(step: Callable[[Cursor], tuple[Cursor | None, int]], start: Cursor) -> int:
    """Run `step(cursor)` -> (next cursor, or None when done; how many it did), each call in a
    chunk of its own, from `start` until it returns None; how many were done in all.

    A failure in one call rolls back that chunk only and is raised: earlier chunks stay.
    """
    done, cursor = 0, start
    while cursor is not None:
        with chunk():
            cursor, count = step(cursor)
        done += count
    return done


@contextmanager
def commit_progress() -> Iterator[Connection]:
    """A short transaction of its own (its own connection, committed when the block ends) for
    the progress a task reports while its session is busy, say streaming rows: a heartbeat."""
    with db.engine.begin() as connection:
        yield connection
