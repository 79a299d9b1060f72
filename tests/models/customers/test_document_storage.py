"""Document files: what a failed upload leaves behind (nothing), and the purge of `.part` files."""

import io
import os
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from celerybeat.schedule import BEAT_SCHEDULE
from models.customers import customer_documents, document_storage
from models.customers.customers import Customer
from models.db import db
from tests.builders import build_customer

DAY = 24 * 3600


def files_in(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def aged(path: Path, seconds: float) -> Path:
    past = time.time() - seconds
    os.utime(path, (past, past))
    return path


def test_purge_removes_only_day_old_part_files(app):
    with app.app_context():
        folder = document_storage.storage_dir()
        old = folder / "a.part"
        old.write_bytes(b"x")
        aged(old, DAY + 60)
        fresh = folder / "b.part"
        fresh.write_bytes(b"x")
        (folder / "ab").mkdir()
        stored = folder / "ab" / ("ab" + "0" * 30)
        stored.write_bytes(b"x")
        aged(stored, DAY * 30)
        assert document_storage.purge_partial_files() == 1
        assert files_in(folder) == ["ab/ab" + "0" * 30, "b.part"]
        assert stored.exists() and not old.exists()


def test_the_purge_task_runs_hourly_on_beat(app):
    from tasks.customers import purge_partial_documents

    with app.app_context():
        part = document_storage.storage_dir() / "c.part"
        part.write_bytes(b"x")
        aged(part, 2 * DAY)
    assert purge_partial_documents.apply().get() == 1
    assert not part.exists()
    (entry,) = [e for e in BEAT_SCHEDULE.values() if e["task"] == purge_partial_documents.name]
    assert entry["schedule"].hour == set(range(24))


class BrokenStream(io.RawIOBase):
    """A client that goes away after the first chunk."""

    def __init__(self):
        self.reads = 0

    def read(self, size=-1):
        self.reads += 1
        if self.reads > 1:
            raise OSError("connection reset")
        return b"x" * size


def test_an_interrupted_upload_leaves_no_part_file(app):
    code = build_customer(app)
    with app.app_context(), pytest.raises(OSError):
        customer_documents.add_document(code, BrokenStream(), "a.pdf", "Contrato", None)
    assert files_in(Path(app.config["DOCUMENTS_DIR"])) == []


def test_a_row_that_cannot_be_saved_takes_its_file_with_it(app):
    code = build_customer(app)
    with app.app_context():
        # The session still holds the customer its row is gone from: the insert breaks the
        # foreign key, in the database, after the file was written.
        held = db.session.get(Customer, code)  # noqa: F841 (kept in the identity map)
        gone = {"code": code}
        db.session.execute(text("DELETE FROM customer_options WHERE customer_code = :code"), gone)
        db.session.execute(text("DELETE FROM customers WHERE code = :code"), gone)
        with pytest.raises(IntegrityError):
            customer_documents.add_document(code, io.BytesIO(b"%PDF-"), "a.pdf", "Contrato", None)
        db.session.rollback()
    assert files_in(Path(app.config["DOCUMENTS_DIR"])) == []


@pytest.mark.parametrize(
    "name", ["../x", "ab/../../etc/passwd", "ab/" + "a" * 32, "/etc/passwd", "ab/AB" + "0" * 30]
)
def test_only_server_names_map_to_files(app, name):
    with app.app_context(), pytest.raises(ValueError):
        document_storage.path_of(name)
