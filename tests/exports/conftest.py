"""Export tests share the suite's worker: no job of one test may still run when the next starts."""

import pytest

from models.db import db
from models.exports import QUEUED, RUNNING, Export
from tests.waiting import wait_until


@pytest.fixture(autouse=True)
def _no_export_left_running(request):
    """After each test, withdraw queued jobs and wait for running ones, so that emptying the
    database does not wait on a worker that is writing (and it on the emptying)."""
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")

    def settled() -> bool:
        with app.app_context():
            db.session.execute(
                db.update(Export).where(Export.status == QUEUED).values(status="failed")
            )
            db.session.commit()
            running = db.select(db.func.count(Export.id)).where(Export.status == RUNNING)
            return db.session.scalar(running) == 0

    assert wait_until(settled, timeout=120), "an export was still running after its test"
