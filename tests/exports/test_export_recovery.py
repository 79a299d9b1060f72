"""A worker killed in the middle of an export leaves no file to download, and the job is never
left `running`: beat's recovery queues it again (another worker finishes it) or fails it."""

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from models.clock import local_today
from models.db import db, utcnow
from models.exports import MAX_ATTEMPTS, Export, create_export
from tasks.exports import recover_stale_exports, run_export
from tests.exports.sessions import customer_with_login, load_sessions
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).parent / "celery"
KILL_QUEUE = "exports-kill-test"  # only the worker we kill listens here


def _start_worker(settings, app, log: Path) -> subprocess.Popen:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=settings.database_url,
        CELERY_BROKER_URL=settings.broker_url,
        PROVEDOR_VAR_DIR=str(settings.var_dir),
        EXPORTS_DIR=app.config["EXPORTS_DIR"],
        PROVEDOR_ENV="test",
    )
    command = [CELERY, "-A", "tasks.worker", "worker", "-c", "1", "-Q", KILL_QUEUE, "-l", "INFO"]
    with log.open("a") as out:
        return subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _job(app, export_id: int) -> Export:
    with app.app_context():
        export = db.session.get(Export, export_id)
        db.session.expunge(export)
        return export


@pytest.mark.slow
def test_an_export_whose_worker_is_killed_is_finished_by_another(
    app, client, admin, settings, backend, celery_worker, monkeypatch, tmp_path
):
    rows = 1_500_000 if backend == "postgresql" else 150_000  # a few seconds of writing
    code = customer_with_login(app, "grande.pppoe")
    load_sessions(app, "grande.pppoe", rows, days_ago=180)  # 10 s apart: 174 days at most
    with app.app_context():  # queued for the worker we will kill, not the suite's
        period = {"customer_code": code, "from": local_today() - timedelta(days=181)}
        export = create_export(
            {"source": "connections", "format": "csv", "filters": period}, None, "test"
        )
        db.session.commit()
        export_id = export.id
    worker = _start_worker(settings, app, tmp_path / "worker.log")
    try:
        run_export.apply_async((export_id,), queue=KILL_QUEUE)
        writing = wait_until(
            lambda: _job(app, export_id).rows_written > 0, timeout=90, interval=0.05
        )
        assert writing, (tmp_path / "worker.log").read_text()[-3000:]
        os.killpg(worker.pid, signal.SIGKILL)  # the worker and its pool, mid-file
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)

    killed = _job(app, export_id)
    assert killed.status == "running" and killed.rows_written < rows
    assert client.get(f"/api/v1/exports/{export_id}/file", headers=admin).status_code in (404, 409)
    folder = Path(app.config["EXPORTS_DIR"])
    assert [p.name for p in folder.iterdir()] == [f"{export_id}.csv.part"]  # no finished file

    monkeypatch.setitem(app.config, "EXPORTS_STALE_SECONDS", 1)
    assert wait_until(lambda: recover_stale_exports.apply().result == 1, timeout=10)

    assert wait_until(lambda: _job(app, export_id).status == "done", timeout=120)
    done = _job(app, export_id)
    assert done.attempts == 2 and done.rows_written == rows
    files = sorted(p.name for p in folder.iterdir())
    assert files == [done.file_name]  # the killed worker's part was overwritten, then renamed
    with open(folder / done.file_name, encoding="utf-8-sig") as file:
        assert sum(1 for _ in file) == 2 + rows


def test_a_job_whose_worker_died_too_often_is_failed_not_left_running(app, client, admin):
    me = client.get("/api/v1/me", headers=admin).json["id"]
    with app.app_context():
        export = Export(
            user_id=me,
            requested_by="admin.user",
            source="connections",
            format="csv",
            params={},
            status="running",
            attempts=MAX_ATTEMPTS,
            started_at=utcnow(),
            heartbeat_at=utcnow(),
        )
        db.session.add(export)
        db.session.commit()
        export_id = export.id
    assert recover_stale_exports.apply().result == 0  # alive: its heartbeat is fresh
    assert _job(app, export_id).status == "running"

    with app.app_context():
        app.config["EXPORTS_STALE_SECONDS"], saved = 0, app.config["EXPORTS_STALE_SECONDS"]
        try:
            recover_stale_exports.apply()
        finally:
            app.config["EXPORTS_STALE_SECONDS"] = saved
    shown = client.get(f"/api/v1/exports/{export_id}", headers=admin).json
    assert shown["status"] == "failed"
    assert "stopped" in shown["error"]
