"""Worker entry point for the killed-worker test of the ladder: the real app, which stops for
good just before committing its second chunk of reduced speeds (LADDER_PAUSE_FILE says when it
got there), so the test kills it with one chunk committed and the next written but not."""

import os
import time
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session

from models.service.speed_reductions import SpeedReduction
from tasks.worker import celery  # the real Celery app, configured from the environment

__all__ = ["celery"]
PAUSE = Path(os.environ["LADDER_PAUSE_FILE"])
_chunks = []


@event.listens_for(Session, "before_flush")
def _before_flush(session, flush_context, instances) -> None:
    if any(isinstance(row, SpeedReduction) for row in session.new):
        session.info["reduces"] = True  # this chunk reduces speeds


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state) -> None:
    # The same, when the periods are inserted by one statement (INSERT ... SELECT).
    table = getattr(state.statement, "table", None)
    if state.is_insert and getattr(table, "name", None) == SpeedReduction.__tablename__:
        state.session.info["reduces"] = True


@event.listens_for(Session, "before_commit")
def _before_commit(session) -> None:
    if session.in_nested_transaction():
        return
    if session.info.pop("reduces", False):
        _chunks.append(1)
        if len(_chunks) == 2:
            PAUSE.write_text("paused")
            time.sleep(300)  # until the test kills us
