"""Worker entry point for the crash test: the real app plus one slow task that leaves traces."""

import time
from pathlib import Path

from celery import shared_task

from tasks.worker import celery  # the real Celery app, configured from the environment

__all__ = ["celery", "slow_append"]


@shared_task(name="tests.crash.slow_append")
def slow_append(path: str) -> None:
    """Write 'start', work (long the first time, when we will be killed), then write 'done'."""
    trace = Path(path)
    first_run = not trace.exists()
    with trace.open("a") as out:
        out.write("start\n")
    time.sleep(60 if first_run else 0.5)
    with trace.open("a") as out:
        out.write("done\n")
