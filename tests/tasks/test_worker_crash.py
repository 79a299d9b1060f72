"""A worker killed in the middle of a task loses nothing: another worker runs it (Redis broker).

Celery acknowledges our tasks late and rejects them on worker loss; Redis hands an
unacknowledged message to another worker after the visibility timeout. The filesystem broker of
the embedded default has no redelivery (a message read is gone), which is why scheduled work is
kept as database rows that beat's sweeps find again.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).parent / "celery"


def _start_worker(env: dict, name: str, log: Path) -> subprocess.Popen:
    command = [
        CELERY,
        "-A",
        "tests.tasks.crash_worker",
        "worker",
        "-c",
        "1",
        "-n",
        name,
        "-l",
        "INFO",
    ]
    with log.open("a") as out:
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


@pytest.mark.slow
@pytest.mark.skipif(
    not os.environ.get("TEST_BROKER_URL", "").startswith("redis"),
    reason="redelivery is a property of the Redis broker; the filesystem broker has none",
)
def test_task_of_a_killed_worker_runs_once_on_another_worker(settings, tmp_path):
    from celery import Celery

    env = dict(os.environ)
    env.update(
        CELERY_BROKER_URL=settings.broker_url.rsplit("/", 1)[0] + "/14",
        CELERY_VISIBILITY_TIMEOUT="3",
        PROVEDOR_VAR_DIR=str(tmp_path / "var"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'unused.sqlite'}",
    )
    import redis

    redis.Redis.from_url(env["CELERY_BROKER_URL"]).flushdb()
    trace, log = tmp_path / "trace.txt", tmp_path / "workers.log"

    first = _start_worker(env, "first@%h", log)
    try:
        # Not the current app (that stays the real one); CELERY_BROKER_URL in our own
        # environment would win over broker=.
        sender = Celery(set_as_current=False)
        with sender.connection_for_write(env["CELERY_BROKER_URL"]) as connection:
            sender.send_task("tests.crash.slow_append", args=[str(trace)], connection=connection)
        started = wait_until(lambda: trace.exists(), timeout=60)
        assert started, log.read_text()[-3000:]
    finally:
        os.killpg(first.pid, signal.SIGKILL)  # no warm shutdown: the task is mid-flight
        first.wait(timeout=10)
    assert trace.read_text() == "start\n"
    # A starting worker sweeps for abandoned messages at once, then only every ~100 s
    # (kombu's restore interval x throttle): start it when the message is already overdue.
    time.sleep(4)

    second = _start_worker(env, "second@%h", log)
    try:
        finished = wait_until(lambda: trace.read_text().endswith("done\n"), timeout=60)
        assert finished, log.read_text()[-3000:]
        time.sleep(5)  # past another visibility timeout: it must not run a third time
        assert trace.read_text() == "start\nstart\ndone\n"
    finally:
        os.killpg(second.pid, signal.SIGTERM)
        second.wait(timeout=30)
