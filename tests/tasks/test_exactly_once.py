"""Scheduled suspensions happen exactly once whatever fails: real workers, beats and Redis.

Each test runs worker (and beat) processes on the test database and a broker of its own, lets
something go wrong on purpose, and then counts effects, not statuses: one history entry per
subscription, one RADIUS group row per login, one Disconnect-Request received per open session.

(a) two beats at once; (b) a worker SIGKILLed mid-batch; (c) Redis restarted with messages
queued; (d) sweeps overlapping. Specified on PostgreSQL + Redis; the embedded default has one
writer and no redelivery, and its lease path is covered by
tests/tasks/service/test_scheduled_tasks.py.
"""

import os
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from sqlalchemy import text

from models.db import db
from tasks.service import DICTIONARY
from tests.builders import build_due_suspensions
from tests.processes import ROOT, CeleryProcesses
from tests.radius_stand_in import NasStandIn
from tests.waiting import wait_until

SWEEP = "tasks.plans.sweep_scheduled_tasks"
NAS_SECRET = "segredo-do-nas"
LEASE_SECONDS = 4
OPEN_SESSION_EVERY = 10

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")
        or not os.environ.get("TEST_BROKER_URL", "").startswith("redis"),
        reason="the failure tests are specified on PostgreSQL + Redis",
    ),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Fleet(CeleryProcesses):
    """Worker and beat processes on the test database and the broker `broker_url`."""

    def __init__(self, settings, tmp_path: Path, broker_url: str):
        self.tmp_path, self.broker_url = tmp_path, broker_url
        super().__init__(
            settings,
            tmp_path,
            CELERY_BROKER_URL=broker_url,
            PROVEDOR_VAR_DIR=str(tmp_path / "var"),
            SCHEDULED_TASKS_SWEEP_SECONDS="1",
            SCHEDULED_TASKS_LEASE_SECONDS=str(LEASE_SECONDS),
            # Redis hands a dead worker's unacknowledged messages out again after this long:
            # tasks it had already applied come back, beside the sweep's own re-claims.
            CELERY_VISIBILITY_TIMEOUT=str(LEASE_SECONDS),
        )

    def worker(self, name: str, concurrency: int = 2) -> subprocess.Popen:
        return self._start("worker", "-c", str(concurrency), "-n", f"{name}@%h")

    def beat(self, name: str) -> subprocess.Popen:
        schedule = self.tmp_path / f"beat-{name}"
        return self._start("beat", "-s", str(schedule), "--pidfile", "")

    def sweep_now(self, times: int = 1) -> None:
        """Send sweeps the way beat does (a message each)."""
        from celery import Celery

        sender = Celery(set_as_current=False)  # not the current app: that stays the real one
        with sender.connection_for_write(self.broker_url) as connection:
            for _ in range(times):
                sender.send_task(SWEEP, connection=connection)

    def sweep_in_process(self) -> None:
        """Run one sweep to its end in a process of its own: claims committed, messages sent."""
        code = (
            "from tasks.worker import flask_app\n"
            "from tasks.service import sweep_scheduled_tasks\n"
            "with flask_app.app_context(): print(sweep_scheduled_tasks.run())\n"
        )
        with self.log.open("a") as out:
            subprocess.run(
                [sys.executable, "-c", code], cwd=ROOT, env=self.env, stdout=out, check=True
            )


def _own_redis_db(test_url: str) -> str:
    """The test run's Redis with its own index + 4 (mod 16): not the in-process worker's."""
    parts = urlsplit(test_url)
    index = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(index + 4) % 16}"))


@pytest.fixture
def nas(app):
    stand_in = NasStandIn(NAS_SECRET, DICTIONARY)
    with app.app_context():
        db.session.execute(
            text(
                "INSERT INTO nas (nasname, shortname, type, secret, coa_port) "
                "VALUES ('127.0.0.1', 'nas-teste', 'other', :secret, :port)"
            ),
            {"secret": NAS_SECRET, "port": stand_in.port},
        )
        db.session.commit()
    yield stand_in
    stand_in.close()


@pytest.fixture
def fleet(app, settings, tmp_path):
    broker_url = _own_redis_db(os.environ["TEST_BROKER_URL"])
    redis.Redis.from_url(broker_url).flushdb()
    running = Fleet(settings, tmp_path, broker_url)
    yield running
    running.stop_all()


def _scalar(app, sql: str, **params) -> int:
    with app.app_context():
        return db.session.scalar(text(sql), params)


def _finished(app) -> int:
    return _scalar(app, "SELECT count(*) FROM scheduled_tasks WHERE status IN ('done', 'failed')")


def _wait_all_finished(app, fleet: Fleet, count: int, timeout: float = 180) -> None:
    assert wait_until(lambda: _finished(app) == count, timeout=timeout, interval=0.5), (
        f"{_finished(app)} of {count} finished\n{fleet.tail()}"
    )


def _assert_applied_exactly_once(app, subscription_ids: list[int], nas: NasStandIn) -> None:
    """Count the effects of the suspensions: each happened once, none is missing."""
    count = len(subscription_ids)
    assert _scalar(app, "SELECT count(*) FROM scheduled_tasks WHERE status = 'done'") == count
    with app.app_context():
        entries = db.session.execute(
            text(
                "SELECT entity_id, count(*) FROM history "
                "WHERE entity = 'subscriptions' AND action = 'update' GROUP BY entity_id"
            )
        ).all()
    assert sorted(int(entity_id) for entity_id, _ in entries) == sorted(subscription_ids)
    assert {times for _, times in entries} == {1}, "a subscription was changed twice"
    suspended_group = "SELECT count(*) FROM radusergroup WHERE groupname = 'suspenso'"
    assert _scalar(app, suspended_group) == count
    assert _scalar(app, "SELECT count(*) FROM radusergroup") == count
    assert _scalar(app, "SELECT count(*) FROM subscriptions WHERE status = 'suspended'") == count

    sessions = {f"s{sid}" for sid in subscription_ids[::OPEN_SESSION_EVERY]}
    # A request a killed worker had taken waits out its lease (60 s) before it is sent again.
    everyone = wait_until(lambda: len(nas.requests()) >= len(sessions), timeout=150)
    with app.app_context():
        owed = db.session.execute(
            text("SELECT id, status, attempts FROM radius_disconnects WHERE status <> 'acked'")
        ).all()
    assert everyone, f"{len(nas.requests())} of {len(sessions)} received; not acked: {owed}"
    received = Counter(request.acct_session_id for request in nas.requests())
    assert set(received) == sessions
    assert set(received.values()) == {1}, "a session got more than one Disconnect-Request"
    acked = "SELECT count(*) FROM radius_disconnects WHERE status = 'acked'"
    assert wait_until(lambda: _scalar(app, acked) == len(sessions), timeout=30)


def test_a_two_beats_at_once(app, fleet, nas):
    ids = build_due_suspensions(app, 600, open_session_every=OPEN_SESSION_EVERY)
    fleet.worker("w1")
    fleet.worker("w2")
    fleet.beat("one")
    fleet.beat("two")  # a second beat by mistake: both send every sweep
    _wait_all_finished(app, fleet, len(ids))
    _assert_applied_exactly_once(app, ids, nas)


def test_b_a_worker_killed_mid_batch(app, fleet, nas):
    ids = build_due_suspensions(app, 1500, open_session_every=OPEN_SESSION_EVERY)
    doomed = fleet.worker("doomed")
    fleet.sweep_now()
    started = wait_until(lambda: _finished(app) >= 50, timeout=120, interval=0.05)
    assert started, fleet.tail()
    fleet.kill(doomed)  # SIGKILL to the whole group: main process and its children
    finished_at_kill = _finished(app)
    assert finished_at_kill < len(ids), "the batch ended before the kill; nothing was tested"
    # A starting worker restores overdue unacknowledged messages at once: start it when both
    # the leases and the messages of the dead worker are overdue, so both come back.
    time.sleep(LEASE_SECONDS + 1)

    fleet.worker("survivor")
    fleet.beat("beat")  # claims the dead worker's tasks again once their lease ends
    _wait_all_finished(app, fleet, len(ids))
    _assert_applied_exactly_once(app, ids, nas)


def test_c_redis_restarted_with_messages_queued(app, settings, tmp_path, nas):
    port = _free_port()
    server = [
        "redis-server", "--port", str(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no", "--dir", str(tmp_path),
    ]  # fmt: skip
    redis_process = subprocess.Popen(server, stdout=subprocess.DEVNULL)
    broker_url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(broker_url)
    fleet = Fleet(settings, tmp_path, broker_url)
    try:
        assert wait_until(lambda: _pings(client), timeout=10)
        ids = build_due_suspensions(app, 600, open_session_every=OPEN_SESSION_EVERY)
        fleet.sweep_in_process()  # claims committed, apply messages queued, no worker yet
        assert _scalar(app, "SELECT count(*) FROM scheduled_tasks WHERE status = 'running'") == 600
        assert client.llen("celery") > 0

        redis_process.terminate()  # Redis keeps nothing on disk: the queued messages are gone
        redis_process.wait(timeout=10)
        redis_process = subprocess.Popen(server, stdout=subprocess.DEVNULL)
        assert wait_until(lambda: _pings(client), timeout=10)
        assert client.llen("celery") == 0

        fleet.worker("w1")
        fleet.beat("beat")
        _wait_all_finished(app, fleet, len(ids))
        _assert_applied_exactly_once(app, ids, nas)
    finally:
        fleet.stop_all()
        redis_process.terminate()
        redis_process.wait(timeout=10)


def _pings(client: redis.Redis) -> bool:
    try:
        return client.ping()
    except redis.ConnectionError:
        return False


def test_d_sweeps_overlapping(app, fleet, nas):
    ids = build_due_suspensions(app, 1500, open_session_every=OPEN_SESSION_EVERY)
    fleet.worker("w1", concurrency=3)
    fleet.worker("w2", concurrency=3)
    fleet.sweep_now(times=6)  # six sweeps at once on six processes: they claim side by side
    _wait_all_finished(app, fleet, len(ids))
    _assert_applied_exactly_once(app, ids, nas)
