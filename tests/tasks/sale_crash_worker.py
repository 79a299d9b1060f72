"""Worker entry point for the killed-worker test of sale billing: the real app, which stops
for good just before (or just after) its first commit, when the file SALE_PAUSE_FILE says so.

The test then kills it there: with the billing written but not committed, or committed but the
message not acknowledged (Celery acknowledges our tasks late).
"""

import os
import time
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session

from tasks.worker import celery  # the real Celery app, configured from the environment

__all__ = ["celery"]
PAUSE = Path(os.environ["SALE_PAUSE_FILE"])


def _pause_at(session, stage: str) -> None:
    # Savepoints fire these events too: only the task's own (outermost) commit counts.
    if not session.in_nested_transaction() and PAUSE.exists() and PAUSE.read_text() == stage:
        PAUSE.write_text(f"paused {stage}")
        time.sleep(300)  # until the test kills us


@event.listens_for(Session, "before_commit")
def _before_commit(session) -> None:
    _pause_at(session, "before_commit")


@event.listens_for(Session, "after_commit")
def _after_commit(session) -> None:
    _pause_at(session, "after_commit")
