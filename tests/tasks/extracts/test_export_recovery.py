"""A worker killed in the middle of an export leaves no file to download, and the job is never
left `running`: beat's recovery queues it again (another worker finishes it) or fails it.

The kill itself, with the real beat and a second worker finishing the job, is
tests/tasks/test_beat.py."""

from datetime import timedelta

from models.clock import utcnow
from models.db import db
from models.extracts.exports import MAX_ATTEMPTS, Export, create_export
from tasks.extracts import recover_stale_exports
from tests.waiting import wait_until


def _job(app, export_id: int) -> Export:
    with app.app_context():
        export = db.session.get(Export, export_id)
        db.session.expunge(export)
        return export


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


def test_a_queued_job_no_worker_took_is_sent_again_once_a_wait(app, celery_worker):
    with app.app_context():
        export = create_export({"source": "connections", "format": "csv"}, None, "test")
        db.session.commit()
        export_id = export.id
    assert recover_stale_exports.apply().result == 0  # just queued: its message is on its way

    with app.app_context():  # EXPORTS_RESEND_SECONDS (60) went by without a worker taking it
        db.session.get(Export, export_id).created_at = utcnow() - timedelta(minutes=2)
        db.session.commit()
    assert recover_stale_exports.apply().result == 1
    assert recover_stale_exports.apply().result == 0  # sent just now: the next try waits
    assert wait_until(lambda: _job(app, export_id).status == "done")
    assert _job(app, export_id).attempts == 1
