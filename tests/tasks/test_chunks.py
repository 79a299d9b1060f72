"""The one helper tasks commit their work in chunks with: each chunk commits on its own, a failed
chunk is rolled back alone, and the messages a chunk queued go out only once it committed."""

from datetime import date, timedelta

import pytest

from models import effects
from models.billing.local_holidays import LocalHoliday
from models.db import db
from models.effects import after_commit
from tasks.chunks import chunk, commit_in_chunks, commit_progress

FIRST = date(2030, 1, 1)


class FakeTask:
    """Stands in for a Celery task: records what the outbox sent it."""

    name = "tests.chunks.fake"

    def __init__(self):
        self.sent: list[int] = []
        _fakes[self.name] = self


_fakes: dict[str, FakeTask] = {}


@pytest.fixture(autouse=True)
def _fake_sender():
    """The outbox sends to the FakeTask of the name instead of a broker."""
    previous = effects.set_sender(
        lambda name, args=(), kwargs=None: _fakes[name].sent.append(args[0])
    )
    yield
    effects.set_sender(previous)


def send_after_commit(task: FakeTask, n: int) -> None:
    after_commit(task.name, n)


def _committed() -> int:
    """How many holidays another connection sees (what is committed)."""
    with db.engine.connect() as connection:
        return connection.scalar(db.select(db.func.count()).select_from(LocalHoliday))


def _add(n: int) -> None:
    db.session.add(LocalHoliday(date=FIRST + timedelta(days=n), name=f"chunk {n}"))
    db.session.flush()


def test_each_chunk_commits_before_the_next_begins_and_then_sends_its_messages(app):
    task, seen = FakeTask(), []

    def step(n: int) -> tuple[int | None, int]:
        seen.append((_committed(), list(task.sent)))
        _add(n)
        send_after_commit(task, n)
        return (n + 1 if n < 4 else None), 1

    with app.app_context():
        assert commit_in_chunks(step, 0) == 5
        assert _committed() == 5
    assert seen == [(n, list(range(n))) for n in range(5)]
    assert task.sent == [0, 1, 2, 3, 4]


def test_a_failed_chunk_is_rolled_back_alone_and_the_earlier_ones_stay(app):
    task = FakeTask()

    def step(n: int) -> tuple[int | None, int]:
        _add(n)
        send_after_commit(task, n)
        if n == 2:
            raise RuntimeError("chunk 2 fails")
        return n + 1, 1

    with app.app_context():
        with pytest.raises(RuntimeError, match="chunk 2 fails"):
            commit_in_chunks(step, 0)
        assert not db.session().in_transaction()  # rolled back, nothing left open
        names = db.session.scalars(db.select(LocalHoliday.name).order_by(LocalHoliday.date))
        assert list(names) == ["chunk 0", "chunk 1"]
    assert task.sent == [0, 1]


def test_a_chunk_commits_at_its_end_and_rolls_back_when_it_raises(app):
    with app.app_context():
        with chunk():
            _add(0)
        assert _committed() == 1
        with pytest.raises(ValueError), chunk():
            _add(1)
            raise ValueError
        assert _committed() == 1


def test_progress_is_committed_on_its_own_connection_while_the_session_reads(app):
    with app.app_context():
        db.session.scalar(db.select(db.func.count()).select_from(LocalHoliday))  # still reading
        with commit_progress() as connection:
            connection.execute(db.insert(LocalHoliday).values(date=FIRST, name="progress"))
        assert db.session().in_transaction()
        db.session.rollback()  # the session's reading ends without a commit
        assert _committed() == 1
