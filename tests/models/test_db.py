"""What differs per database, behind one interface (models/db.py), on the backend of this run.

The helpers are what scheduled work and billing will build on: claiming due rows exactly once,
inserting an effect once, recognising a unique violation by its constraint's name, locking a row.
A table of the tests' own stands in for those future tables.
"""

import threading

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, UniqueConstraint
from sqlalchemy.exc import IntegrityError

from models.customers.customers import Customer
from models.db import claim_due, db, get_for_update, insert_or_ignore, is_unique_violation
from tests.builders import build_customer

metadata = MetaData()
jobs = Table(
    "test_jobs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("status", String(10), nullable=False, default="pending"),
    Column("claimed_by", String(20)),
    Column("receivable", Integer, nullable=False),
    Column("stage", Integer, nullable=False),
    UniqueConstraint("receivable", "stage", name="uq_test_jobs_receivable_stage"),
)


@pytest.fixture
def job_table(app):
    with app.app_context():
        metadata.create_all(db.engine)
    yield jobs
    with app.app_context():
        metadata.drop_all(db.engine)


def _add_jobs(app, count: int) -> None:
    with app.app_context():
        rows = [{"status": "pending", "receivable": n, "stage": 1} for n in range(count)]
        db.session.execute(jobs.insert(), rows)
        db.session.commit()


def _claim(app, claimer: str, limit: int) -> list[int]:
    with app.app_context():
        claimed = claim_due(
            jobs, jobs.c.status == "pending", {"status": "running", "claimed_by": claimer}, limit
        )
        db.session.commit()
        return claimed


def test_claim_due_marks_and_returns_due_rows_once(app, job_table):
    _add_jobs(app, 5)

    first = _claim(app, "a", limit=3)
    second = _claim(app, "b", limit=10)

    assert len(first) == 3
    assert sorted(first + second) == [1, 2, 3, 4, 5]
    assert _claim(app, "c", limit=10) == []


def test_parallel_claimers_never_claim_the_same_row(app, job_table):
    _add_jobs(app, 60)
    barrier = threading.Barrier(4)
    results: dict[str, list[int]] = {}

    def sweep(name):
        barrier.wait()
        claimed = []
        while batch := _claim(app, name, limit=5):
            claimed += batch
        results[name] = claimed

    threads = [threading.Thread(target=sweep, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    everything = [row for claimed in results.values() for row in claimed]
    assert sorted(everything) == list(range(1, 61))  # each row once: none lost, none doubled
    with app.app_context():
        owners = dict(db.session.execute(db.select(jobs.c.id, jobs.c.claimed_by)).all())
    for name, claimed in results.items():
        assert all(owners[row] == name for row in claimed)


def test_insert_or_ignore_inserts_an_effect_once(app, job_table):
    row = {"status": "sent", "receivable": 7, "stage": 2}
    with app.app_context():
        assert insert_or_ignore(jobs, row, unique_on=("receivable", "stage")) == 1
        db.session.commit()
        assert insert_or_ignore(jobs, [row, {**row, "stage": 3}], ("receivable", "stage")) == 1
        db.session.commit()
        stages = db.session.scalars(db.select(jobs.c.stage).order_by(jobs.c.stage)).all()
    assert stages == [2, 3]


def test_a_duplicate_document_is_told_apart_from_other_violations(app):
    code = build_customer(app)
    with app.app_context():
        document = db.session.get(Customer, code).document
        twin = Customer(kind="PF", name="Gêmeo", document=document, active=True)
        db.session.add(twin)
        with pytest.raises(IntegrityError) as raised:
            db.session.flush()
        db.session.rollback()
        assert is_unique_violation(raised.value, "uq_customers_document")
        assert not is_unique_violation(raised.value, "uq_users_username")
        assert not is_unique_violation(raised.value, "no_such_constraint")


def test_locking_a_row_changes_nothing_in_it(app):
    code = build_customer(app)
    with app.app_context():
        before = db.session.get(Customer, code).updated_at
        get_for_update(Customer, code)
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(Customer, code).updated_at == before


def test_get_for_update_makes_a_parallel_writer_wait_for_the_commit(app):
    code = build_customer(app)
    locked, release, order = threading.Event(), threading.Event(), []

    def holder():
        with app.app_context():
            customer = get_for_update(Customer, code)
            locked.set()
            release.wait(timeout=10)
            customer.notes = "first"
            order.append("first")
            db.session.commit()

    def waiter():
        locked.wait(timeout=10)
        with app.app_context():
            customer = get_for_update(Customer, code)  # blocks until the holder commits
            order.append(f"second saw {customer.notes}")
            customer.notes = "second"
            db.session.commit()

    threads = [threading.Thread(target=holder), threading.Thread(target=waiter)]
    for thread in threads:
        thread.start()
    locked.wait(timeout=10)
    threading.Event().wait(0.5)  # give the waiter time to reach its lock
    release.set()
    for thread in threads:
        thread.join(timeout=30)

    assert order == ["first", "second saw first"]
    with app.app_context():
        assert db.session.get(Customer, code).notes == "second"
