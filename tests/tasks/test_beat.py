"""Beat as deployed: the real `celery beat` sends every task that its schedule and
docs/OPERATIONS.md list, and with real workers it finishes an export whose worker was SIGKILLed,
sends again exports whose message the broker lost, and purges expired files.

The processes share a broker of their own (the filesystem transport in the test's folder), on
both backends: the suite's in-process worker never takes their messages, and the test can read
what beat sent, or delete a queued message as a broker restarted without persistence would.
"""

import json
import re
import socket
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from models.clock import local_today, utcnow
from models.db import db
from models.extracts.exports import Export, create_export
from tasks.extracts import run
from tests.processes import ROOT, BeatFleet
from tests.tasks.extracts.sessions import customer_with_login, load_sessions
from tests.waiting import wait_until

DOCUMENTED_TASK = re.compile(r"^\| `(tasks\.[a-z_.]+)` \|", re.MULTILINE)


def documented_tasks() -> set[str]:
    """The tasks docs/OPERATIONS.md says beat sends (its "Beat schedule" table)."""
    text = (ROOT / "docs" / "OPERATIONS.md").read_text(encoding="utf-8")
    section = text.split("## Beat schedule", 1)[1].split("\n## ", 1)[0]
    return set(DOCUMENTED_TASK.findall(section))


def _job(app, export_id: int) -> Export:
    with app.app_context():
        export = db.session.get(Export, export_id)
        db.session.expunge(export)
        return export


def _small_export(app, rows: int = 20) -> int:
    """A queued CSV export of `rows` sessions of a new customer (no message sent)."""
    code = customer_with_login(app, f"login{rows}.pppoe")
    load_sessions(app, f"login{rows}.pppoe", rows, first_id=rows * 1000)
    with app.app_context():
        body = {"source": "connections", "format": "csv", "filters": {"customer_code": code}}
        export = create_export(body, None, "test")
        db.session.commit()
        return export.id


def test_the_schedule_and_the_operations_guide_list_the_same_tasks(app):
    celery = app.extensions["celery"]
    scheduled = {entry["task"] for entry in celery.conf.beat_schedule.values()}
    assert "tasks.exports.recover_stale_exports" in scheduled
    assert "tasks.exports.purge_expired_exports" in scheduled
    assert scheduled == documented_tasks()


@pytest.mark.slow
def test_the_real_beat_sends_every_task_and_the_export_sweeps_as_often_as_set(
    app, fleet_of, tmp_path
):
    expected = documented_tasks()
    fleet = fleet_of(EXPORTS_SWEEP_SECONDS="1", EXPORTS_PURGE_SECONDS="2")
    fleet.all_overdue(app.extensions["celery"])
    fleet.beat()  # no worker: every message stays on the broker to be read

    def sent() -> Counter:
        return Counter(fleet.waiting())

    assert wait_until(lambda: expected <= set(sent()), timeout=60), (
        sorted(expected - set(sent())),
        fleet.tail(),
    )
    often = {"tasks.exports.recover_stale_exports": 4, "tasks.exports.purge_expired_exports": 2}
    assert wait_until(lambda: all(sent()[t] >= n for t, n in often.items()), timeout=30), sent()
    unknown = {name for name in sent() if not name.startswith("celery.")} - expected
    assert not unknown  # nothing beat sends is missing from the guide


@pytest.mark.slow
def test_an_export_whose_worker_is_killed_is_finished_by_beat_and_another_worker(
    app, client, admin, backend, fleet_of
):
    rows = 600_000 if backend == "postgresql" else 150_000  # a second or two of writing
    code = customer_with_login(app, "grande.pppoe")
    load_sessions(app, "grande.pppoe", rows, days_ago=180)
    with app.app_context():
        period = {"customer_code": code, "from": local_today() - timedelta(days=181)}
        body = {"source": "connections", "format": "csv", "filters": period}
        export_id = create_export(body, None, "test").id
        db.session.commit()
    fleet = fleet_of(EXPORTS_SWEEP_SECONDS="1", EXPORTS_STALE_SECONDS="10")
    first = fleet.worker("first")
    fleet.send("tasks.exports.run_export", export_id)
    writing = wait_until(lambda: _job(app, export_id).rows_written > 0, timeout=90, interval=0.05)
    assert writing, fleet.tail()
    fleet.kill(first)  # the worker and its pool, mid-file

    killed = _job(app, export_id)
    assert killed.status == "running" and killed.rows_written < rows
    folder = Path(app.config["EXPORTS_DIR"])
    assert [p.name for p in folder.iterdir()] == [f"{export_id}.csv.part"]
    assert client.get(f"/api/v1/exports/{export_id}/file", headers=admin).status_code == 409

    fleet.beat()
    fleet.worker("second")
    assert wait_until(lambda: _job(app, export_id).status == "done", timeout=240), fleet.tail()
    done = _job(app, export_id)
    assert done.attempts == 2 and done.rows_written == rows
    assert sorted(p.name for p in folder.iterdir()) == [done.file_name]
    download = client.get(f"/api/v1/exports/{export_id}/file", headers=admin)
    assert download.status_code == 200
    assert download.data.decode("utf-8-sig").count("\n") == 2 + rows


def _request_exports(fleet: BeatFleet, token: str, count: int, **env: str) -> list[dict]:
    """POST /exports `count` times from an app of its own process (its broker from `env`),
    as a web host does; each answer's status and body."""
    code = (
        "import json, os\n"
        "from web import create_app\n"
        "client = create_app().test_client()\n"
        "headers = {'Authorization': 'Bearer ' + os.environ['TEST_TOKEN']}\n"
        "body = json.loads(os.environ['TEST_BODY'])\n"
        "for _ in range(int(os.environ['TEST_COUNT'])):\n"
        "    answer = client.post('/api/v1/exports', json=body, headers=headers)\n"
        "    print(json.dumps({'status': answer.status_code, 'body': answer.get_json()}))\n"
    )
    body = {"source": "connections", "format": "csv", "filters": {"login": "perdido.pppoe"}}
    environment = {**fleet.env, **env, "TEST_TOKEN": token, "TEST_COUNT": str(count)}
    environment["TEST_BODY"] = json.dumps(body)
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    with fleet.log.open("a") as log:
        log.write(done.stderr)
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the socket is: nothing listens


@pytest.mark.slow
def test_exports_whose_message_was_lost_are_sent_again_by_beat_and_run_once(
    app, client, admin, fleet_of
):
    customer_with_login(app, "perdido.pppoe")
    load_sessions(app, "perdido.pppoe", 50)
    token = admin["Authorization"].removeprefix("Bearer ")
    fleet = fleet_of(EXPORTS_SWEEP_SECONDS="1", EXPORTS_RESEND_SECONDS="2")
    down = f"redis://127.0.0.1:{_closed_port()}/0"
    (unsent,) = _request_exports(fleet, token, 1, CELERY_BROKER_URL=down)
    (dropped,) = _request_exports(fleet, token, 1)  # on the fleet's broker, no worker yet
    assert unsent["status"] == dropped["status"] == 202
    assert "could not send task tasks.exports.run_export" in fleet.log.read_text()
    assert fleet.waiting() == ["tasks.exports.run_export"]
    for message in fleet.queue.glob("*.msg"):
        message.unlink()  # as a broker restarted without persistence loses it
    ids = [unsent["body"]["id"], dropped["body"]["id"]]
    for export_id in ids:
        job = client.get(f"/api/v1/exports/{export_id}", headers=admin).json
        assert (job["status"], job["attempts"]) == ("queued", 0)
    body = {"source": "connections", "format": "csv", "filters": {"login": "perdido.pppoe"}}
    assert client.post("/api/v1/exports", json=body, headers=admin).status_code == 429

    fleet.beat()
    fleet.worker("only")
    finished = wait_until(lambda: all(_job(app, i).status == "done" for i in ids), timeout=90)
    assert finished, fleet.tail()
    for export_id in ids:
        assert _job(app, export_id).attempts == 1
        download = client.get(f"/api/v1/exports/{export_id}/file", headers=admin)
        assert download.status_code == 200
        assert download.data.decode("utf-8-sig").count("\n") == 2 + 50

    # A message sent again after all (a slow worker, a late resend) finds the job taken.
    before = {i: _job(app, i).file_name for i in ids}
    fleet.send("tasks.exports.run_export", ids[0])
    assert wait_until(lambda: "'not queued'" in fleet.log.read_text(), timeout=30), fleet.tail()
    assert {i: _job(app, i).file_name for i in ids} == before
    assert _job(app, ids[0]).attempts == 1
    assert len(list(Path(app.config["EXPORTS_DIR"]).iterdir())) == 2


def _done_export(app, rows: int) -> int:
    """An export written to its end by the worker's own code, in this process."""
    export_id = _small_export(app, rows)
    with app.app_context():
        assert run(export_id) is not None
    return export_id


def _expire(app, export_id: int) -> None:
    """Past its expiry: EXPORTS_TTL_HOURS went by (set relative to now, not to a date)."""
    with app.app_context():
        export = db.session.get(Export, export_id)
        export.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()


def test_an_expired_file_is_not_served_even_before_beat_deletes_it(app, client, admin):
    export_id = _done_export(app, 10)
    url = f"/api/v1/exports/{export_id}/file"
    assert client.get(url, headers=admin).status_code == 200
    _expire(app, export_id)
    gone = client.get(url, headers=admin)
    assert gone.status_code == 409 and "expired" in gone.json["message"]


@pytest.mark.slow
def test_beat_purges_expired_exports_and_their_download_answers_409(app, client, admin, fleet_of):
    expired, kept = _done_export(app, 10), _done_export(app, 12)
    _expire(app, expired)
    folder = Path(app.config["EXPORTS_DIR"])
    expired_file = folder / _job(app, expired).file_name

    fleet = fleet_of(EXPORTS_PURGE_SECONDS="1")
    fleet.beat()
    fleet.worker("only")
    purged = wait_until(lambda: _job(app, expired).status == "expired", timeout=60)
    assert purged, fleet.tail()
    assert not expired_file.exists()
    shown = client.get(f"/api/v1/exports/{expired}", headers=admin).json
    assert shown["status"] == "expired"
    assert client.get(f"/api/v1/exports/{expired}/file", headers=admin).status_code == 409
    assert _job(app, kept).status == "done"
    assert client.get(f"/api/v1/exports/{kept}/file", headers=admin).status_code == 200
