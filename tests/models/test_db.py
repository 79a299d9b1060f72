"""What differs per database, behind one seam (models/backend.py; models/db.py re-exports the
row helpers), on the backend of this run.

The helpers are what scheduled work and billing will build on: claiming due rows exactly once,
inserting an effect once, recognising a unique violation by its constraint's name, locking a row.
A table of the tests' own stands in for those future tables.
"""

import threading

import pytest
from sqlalchemy import Column, Index, Integer, MetaData, String, Table, UniqueConstraint
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.schema import CreateIndex

from models import backend as db_backend
from models import backend_copy
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


# The seam's intent-named pieces (models/backend.py, models/backend_copy.py).


def _ddl(index, backend_name: str) -> str:
    dialect = postgresql.dialect() if backend_name == "postgresql" else sqlite.dialect()
    return str(CreateIndex(index).compile(dialect=dialect))


def _index(name: str, make) -> Index:
    index = make(name)
    Table(f"t_{name}", MetaData(), Column("a", String), Column("b", String), index)
    return index


def test_index_helpers_say_what_they_need_and_each_backend_builds_its_own():
    trigram = _index("tri", lambda n: db_backend.trigram_index(n, "a"))
    prefix = _index("pre", lambda n: db_backend.prefix_index(n, "a", ops="varchar_pattern_ops"))
    covering = _index("cov", lambda n: db_backend.covering_index(n, "a", include=["b"]))
    live = _index("live", lambda n: Index(n, "a", **db_backend.partial("b IS NULL")))
    flag = _index("flag", lambda n: Index(n, "a", **db_backend.partial_on_flag("b")))

    assert _ddl(trigram, "postgresql") == "CREATE INDEX tri ON t_tri USING gin (a gin_trgm_ops)"
    assert _ddl(trigram, "sqlite") == "CREATE INDEX tri ON t_tri (a)"
    assert _ddl(prefix, "postgresql") == "CREATE INDEX pre ON t_pre (a varchar_pattern_ops)"
    assert _ddl(covering, "postgresql") == "CREATE INDEX cov ON t_cov (a) INCLUDE (b)"
    assert _ddl(covering, "sqlite") == "CREATE INDEX cov ON t_cov (a)"
    assert _ddl(live, "postgresql").endswith("(a) WHERE b IS NULL")
    assert _ddl(live, "sqlite").endswith("(a) WHERE b IS NULL")
    assert _ddl(flag, "postgresql").endswith("(a) WHERE b")
    assert _ddl(flag, "sqlite").endswith("(a) WHERE b = 1")


def test_connection_options_follow_the_database_url():
    assert db_backend.connection_options("sqlite:///x.sqlite") == {"connect_args": {"timeout": 30}}
    assert db_backend.connection_options("postgresql+psycopg://h/db") == {"pool_pre_ping": True}


def test_server_features_are_postgresql_ones(app, backend):
    with app.app_context():
        assert db_backend.has_server_features() == (backend == "postgresql")


def test_an_address_reads_back_as_written(app):
    with app.app_context():
        shown = db.session.scalar(
            db.select(db_backend.address_text(db_backend.address_value("10.1.2.3")))
        )
        assert shown == "10.1.2.3"


def test_in_subquery_among_others_finds_what_in_finds(app):
    codes = [build_customer(app) for _ in range(3)]
    with app.app_context():
        wanted = db.select(Customer.code).where(Customer.code.in_(codes[1:]))
        condition = db_backend.in_subquery_among_others(Customer.code, wanted)
        found = db.session.scalars(
            db.select(Customer.code).where(condition | (Customer.code == -1))
        ).all()
        assert sorted(found) == codes[1:]


def test_a_lock_timeout_is_set_for_the_transaction_only(app):
    with app.app_context(), db.engine.begin() as connection:
        db_backend.set_lock_timeout(connection, "250ms")
        if connection.dialect.name == "postgresql":
            assert connection.exec_driver_sql("SHOW lock_timeout").scalar() == "250ms"


def test_postgresql_estimates_copies_and_streams_rows(app, backend):
    if backend != "postgresql":
        pytest.skip("server features: PostgreSQL only")
    codes = [build_customer(app) for _ in range(2)]
    rows = db.select(Customer.code, Customer.kind).where(Customer.code >= codes[0])
    rows = rows.order_by(Customer.code)
    with app.app_context():
        assert db_backend.estimated_count(rows) >= 1
        assert backend_copy.estimated_count_apart(rows) >= 1
        copied = list(backend_copy.copy_csv_out(rows, ";", "America/Sao_Paulo"))
        assert copied == [f"{code};PF\n".encode() for code in codes]
        assert list(backend_copy.cursor_rows(rows, batch=1)) == [(code, "PF") for code in codes]
        first = backend_copy.first_row_apart(db.engine, rows)
        assert first == {"code": codes[0], "kind": "PF"}
