"""Test harness: one app and database per session, real migrations, a clean database per test.

The backend comes from TEST_DATABASE_URL and TEST_BROKER_URL (scripts/test runs the suite once
on PostgreSQL + Redis and once, without them, on the embedded default). The service's own
DATABASE_URL and CELERY_BROKER_URL are ignored on purpose: the suite drops and recreates its
database and empties its Redis database, which must never be production's.
"""

import dataclasses
import functools
import os
import shutil
from datetime import datetime, timedelta

import pytest
import redis
import time_machine
from sqlalchemy import text
from sqlalchemy.engine import make_url

from models import clock
from models.audit import Actor, set_actor
from models.billing import pix_inbox
from models.billing.settings import PixSettings
from models.db import db
from models.notices.email_templates import seed_templates
from models.service.cancel_reasons import seed_reasons
from models.settings import current as settings_of
from models.settings import replace as replace_settings
from models.staff.auth import issue_token
from models.staff.users import ROLES, User
from tests.processes import BeatFleet

TEST_PASSWORD = "correct horse battery"

# The settings turn the online CEP provider (ViaCEP) on by default: no test may reach the real
# internet, so the suite and every process it starts have none unless a test names the local
# stand-in (tests/cep_server.py).
os.environ["CEP_PROVIDER_URL"] = ""


def _recreate_postgres_database(url: str) -> None:
    """Drop and create the test database, so every run starts from the migrations."""
    import psycopg

    target = make_url(url)
    if "test" not in (target.database or ""):
        raise RuntimeError(f"refusing to recreate {target.database!r}: not a test database")
    admin = target.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{target.database}"')


def _flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


@pytest.fixture(scope="session")
def settings(tmp_path_factory):
    from web.config import load_settings

    service_keys = ("DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")
    env = {k: v for k, v in os.environ.items() if k not in service_keys}
    env["DATABASE_URL"] = os.environ.get("TEST_DATABASE_URL", "")
    env["CELERY_BROKER_URL"] = os.environ.get("TEST_BROKER_URL", "")
    env["PROVEDOR_VAR_DIR"] = str(tmp_path_factory.mktemp("var"))
    env.setdefault("PROVEDOR_ENV", "test")
    result = load_settings(env)
    if result.database_url.startswith("postgresql"):
        _recreate_postgres_database(result.database_url)
    if result.broker_url.startswith("redis"):
        _flush_redis(result.broker_url)
    return result


@pytest.fixture
def override_settings(app):
    """Change a domain's typed settings for one test: override_settings(BillingPolicy, x=1)."""
    previous = []

    def change(kind, **changes):
        value = dataclasses.replace(settings_of(kind, app), **changes)
        previous.append(replace_settings(app, value))

    yield change
    for value in reversed(previous):  # the first one replaced is what the app had
        replace_settings(app, value)


@pytest.fixture
def suspension_stage_alone(override_settings):
    """The non-payment ladder with its suspension stage alone, the suspension's notice after 15
    days overdue: for tests of suspending and lifting (tests/tasks/billing/test_ladder_stages.py
    has the other stages)."""
    from models.billing.settings import BillingPolicy

    override_settings(BillingPolicy, reduce_after_days=None, auto_suspend_after_days=15)


@pytest.fixture(scope="session")
def app(settings):
    from flask_migrate import upgrade

    from web import create_app

    app = create_app(settings, TESTING=True)
    with app.app_context():
        upgrade()  # the real migrations, not create_all: they are what production runs
    return app


@pytest.fixture(scope="session")
def backend(settings) -> str:
    """'postgresql' or 'sqlite': the database this run uses."""
    return make_url(settings.database_url).get_backend_name()


def _settle_worker() -> None:
    """Wait for the suite's in-process worker to finish what it took: a task a test sent (an
    equipment sale's billing, say) would otherwise insert rows while the tables are emptied."""
    from celery.worker import state

    from tests.waiting import wait_until

    idle = wait_until(lambda: not state.active_requests and not state.reserved_requests, timeout=60)
    assert idle, "the worker was still busy a minute after its test"


def _settle_exports(app) -> None:
    """Withdraw queued exports and wait for running ones: the suite's worker may be writing one
    that a test (or the contract fuzzer) asked for, and emptying its tables under it only makes
    both wait. One whose worker is gone (a test killed it) is withdrawn too. Then the export
    files go, as the rows do (ids start at 1 again)."""
    from models.clock import utcnow
    from models.extracts.exports import QUEUED, RUNNING, Export
    from tests.waiting import wait_until

    def settled() -> bool:
        with app.app_context():
            gone = (Export.status == RUNNING) & (
                Export.heartbeat_at < utcnow() - timedelta(seconds=20)
            )
            withdrawn = (Export.status == QUEUED) | gone
            db.session.execute(db.update(Export).where(withdrawn).values(status="failed"))
            db.session.commit()
            running = db.select(db.func.count(Export.id)).where(Export.status == RUNNING)
            return db.session.scalar(running) == 0

    assert wait_until(settled, timeout=120), "an export was still running after its test"
    shutil.rmtree(app.config["EXPORTS_DIR"], ignore_errors=True)


_OWNED_SEQUENCES = """
SELECT quote_ident(n.nspname) || '.' || quote_ident(s.relname), q.start_value
FROM pg_class s
JOIN pg_namespace n ON n.oid = s.relnamespace
JOIN pg_sequences q ON q.schemaname = n.nspname AND q.sequencename = s.relname
JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i')
JOIN pg_class t ON t.oid = d.refobjid
WHERE s.relkind = 'S' AND t.relname = ANY(:tables)
"""
# A table PostgreSQL has gathered statistics on, or that has grown past this, is truncated:
# the planner (and the customer search, which reads pg_class.reltuples) must see each test's
# tables as new, and a DELETE leaves the old figures and pages behind.
_TRUNCATE_FROM_BYTES = 64 * 1024


@functools.cache  # the tables and their sequences are the migrations': one block per run
def _postgres_emptying_block(tables: tuple[str, ...]) -> str:
    """One server-side block that empties every table, children first, and restarts the
    sequences they own, as TRUNCATE ... RESTART IDENTITY does. A table of a few rows is emptied
    with DELETE, in microseconds; TRUNCATE makes new files for a table and its indexes (~0.3 s
    for all of them), which summed to about six minutes of the PostgreSQL run. A partitioned
    table (radacct) has no pages of its own and a row count of 0 once analyzed: TRUNCATE of it
    and its partitions took ~45 ms a test, DELETE takes ~5."""
    owned = db.session.execute(text(_OWNED_SEQUENCES), {"tables": list(tables)}).all()
    restarts = " ".join(f"PERFORM setval('{name}', {start}, false);" for name, start in owned)
    names = ", ".join(f"'{table}'" for table in tables)
    return f"""
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY[{names}] LOOP
    IF pg_relation_size(CAST(t AS regclass)) > {_TRUNCATE_FROM_BYTES} OR EXISTS (
      SELECT FROM pg_class
      WHERE oid = CAST(t AS regclass) AND relkind <> 'p' AND (relpages > 0 OR reltuples >= 0)
    ) THEN
      EXECUTE format('TRUNCATE %I CASCADE', t);
    ELSE
      EXECUTE format('DELETE FROM %I', t);
    END IF;
  END LOOP;
  {restarts}
END $$"""  # noqa: S608 (our own table and sequence names)


def empty_database(app) -> None:
    """Empty every table and restart every sequence (codes and ids start at 1 again)."""
    _settle_exports(app)
    _settle_worker()
    with app.app_context():
        tables = tuple(t.name for t in reversed(db.metadata.sorted_tables))
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text(_postgres_emptying_block(tables)))
        else:
            for table in tables:
                db.session.execute(text(f"DELETE FROM {table}"))  # noqa: S608 (our table names)
            db.session.execute(text("DELETE FROM sqlite_sequence"))
        seed_reasons()  # reference data the migration seeds, as a new database has it
        seed_templates()
        db.session.commit()
    shutil.rmtree(app.config["DOCUMENTS_DIR"], ignore_errors=True)  # the rows' files go too


@pytest.fixture(autouse=True)
def _clean_database(request):
    """Empty every table after each test that touched the app (tests never share rows)."""
    yield
    if "app" in request.fixturenames:
        empty_database(request.getfixturevalue("app"))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def password_hash() -> str:
    """One argon2 hash of TEST_PASSWORD, reused: hashing costs ~0.1 s on purpose."""
    user = User()
    user.set_password(TEST_PASSWORD)
    return user.password_hash


@pytest.fixture
def make_user(app, password_hash):
    """Create a staff user (password TEST_PASSWORD) straight in the database."""

    def make(username: str, role: str = "admin", active: bool = True) -> User:
        with app.app_context():
            set_actor(db.session, Actor(username="test-setup", by_system=True))
            user = User(username=username, role=role, active=active, password_hash=password_hash)
            db.session.add(user)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
            return user

    return make


@pytest.fixture
def token_for(app):
    """A bearer token for a user, issued as login would issue it."""

    def issue(user: User, ttl: timedelta = timedelta(hours=1)) -> str:
        with app.app_context():
            plain, _ = issue_token(db.session.get(User, user.id), ttl)
            db.session.commit()
            return plain

    return issue


@pytest.fixture
def headers_for(make_user, token_for):
    """Authorization headers for a fresh user with `role` (one user per role per test)."""
    made: dict[str, dict] = {}

    def headers(role: str = "admin") -> dict:
        assert role in ROLES
        if role not in made:
            user = make_user(f"{role}.user", role)
            made[role] = {"Authorization": f"Bearer {token_for(user)}"}
        return made[role]

    return headers


@pytest.fixture
def admin(headers_for):
    return headers_for("admin")


@pytest.fixture(scope="session")
def celery_worker(app):
    """A real Celery worker (threads in this process) consuming the configured broker."""
    from celery.contrib.testing.worker import start_worker

    celery = app.extensions["celery"]
    with start_worker(celery, pool="threads", concurrency=2, perform_ping_check=False):
        yield celery


def pytest_collection_modifyitems(config, items):
    """What scripts/test leaves to the other of its two runs (each full suite still runs every
    test at least once):
    - TEST_SKIP_ONE_BACKEND=1 leaves out the tests marked `one_backend` (nothing in them differs
      by database);
    - TEST_BROWSER_HALF=0 or 1 keeps that half of the console's browser modules (the others
      run in the other run): a browser test drives the same operations on either database,
      which the API's tests check on both, and the two runs share two cores."""
    skip_one_backend = os.environ.get("TEST_SKIP_ONE_BACKEND", "") == "1"
    half = os.environ.get("TEST_BROWSER_HALF", "")
    shared = sorted(
        {item.path for item in items if _in_browser_half_split(item)}
    )  # the browser modules that would run on both backends, in a stable order
    others = {path for k, path in enumerate(shared) if half in ("0", "1") and k % 2 != int(half)}

    def left_out(item) -> bool:
        return (skip_one_backend and item.get_closest_marker("one_backend")) or item.path in others

    dropped = [item for item in items if left_out(item)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if not left_out(item)]


def _in_browser_half_split(item) -> bool:
    return "browser" in item.path.parts and not item.get_closest_marker("one_backend")


def pytest_report_header(config):
    url = os.environ.get("TEST_DATABASE_URL") or "sqlite (embedded default)"
    broker = os.environ.get("TEST_BROKER_URL") or "filesystem:// (embedded default)"
    shown = make_url(url).render_as_string() if "://" in url else url
    return [f"database: {shown}", f"broker: {broker}"]


# Instants (the ISP's local time) at which the tests of a module marked `calendar` run again, on
# top of the real clock: the calendar's edges, where date arithmetic and time zones go wrong.
CALENDAR_INSTANTS = {
    "month-end": "2027-01-31 23:30",  # a Sunday night; UTC is already 1 February
    "year-end": "2027-12-31 23:59",  # UTC is already 2028
    "leap-day": "2028-02-29 12:00",
    "holiday": "2027-11-15 09:00",  # Proclamação da República, a Monday
    "saturday": "2027-06-05 03:00",
    "month-start": "2027-03-01 00:30",  # UTC is 03:30 the same day
}


def _chosen_instants() -> list[str]:
    """TEST_CALENDAR names the instants to run at (comma-separated; default all, `none` for
    none): scripts/test splits them between the backends, so that the suite covers them all."""
    chosen = os.environ.get("TEST_CALENDAR", "all").strip()
    if chosen == "all":
        return list(CALENDAR_INSTANTS)
    names = [name.strip() for name in chosen.split(",") if name.strip() not in ("", "none")]
    unknown = set(names) - set(CALENDAR_INSTANTS)
    if unknown:
        raise pytest.UsageError(f"TEST_CALENDAR: unknown instants {sorted(unknown)}")
    return names


def pytest_generate_tests(metafunc):
    """Run each test of a `calendar` module once more at each chosen instant (tests that start
    real processes excepted: those processes keep the real clock)."""
    definition = metafunc.definition
    if definition.get_closest_marker("calendar") and not definition.get_closest_marker("slow"):
        names = ["real-clock", *_chosen_instants()]
        metafunc.parametrize("calendar_instant", names, indirect=True, ids=names)


@pytest.fixture(autouse=True)
def calendar_instant(request):
    """Moves the clock (ticking) to the instant a `calendar` test is run at."""
    name = getattr(request, "param", "real-clock")
    if name == "real-clock":
        yield None
        return
    local = datetime.fromisoformat(CALENDAR_INSTANTS[name]).replace(tzinfo=clock.zone())
    with time_machine.travel(local, tick=True):
        yield local


@pytest.fixture
def fleet_of(settings, app, tmp_path):
    """fleet_of(**settings) starts nothing yet: a BeatFleet (real beat and worker processes on
    the test database) that is stopped at the end of the test whatever happened."""
    made: list[BeatFleet] = []

    def make(**overrides: str) -> BeatFleet:
        made.append(BeatFleet(settings, app, tmp_path, **overrides))
        return made[-1]

    yield make
    for fleet in made:
        fleet.stop_all()


# The inbox's Redis when the suite's broker is not Redis (SQLite runs): the inbox is used only
# with Redis, so these tests bring their own.
OWN_INBOX = "redis://127.0.0.1:6379/14"


@pytest.fixture
def inbox(settings, override_settings, monkeypatch):
    """The PIX webhooks' inbox in Redis, emptied; the drains it asks for are kept in
    `drains_asked` instead of sent (the suite's worker must not drain what a test drains step
    by step)."""
    url = settings.broker_url if settings.broker_url.startswith("redis") else OWN_INBOX
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.ConnectionError:
        if os.environ.get("REQUIRE_SERVICES") == "1":
            raise
        pytest.skip("no Redis on 127.0.0.1:6379")
    _empty_inbox(client)
    override_settings(PixSettings, inbox_url=url)
    client.drains_asked = []
    monkeypatch.setattr(pix_inbox, "send_now", lambda *task: client.drains_asked.append(task))
    yield client
    _empty_inbox(client)


def _empty_inbox(client) -> None:
    for shard in range(pix_inbox.SHARDS):
        client.delete(pix_inbox.INBOX.format(shard=shard), pix_inbox.LOCK.format(shard=shard))


@pytest.fixture
def svrs():
    """The stand-in SVRS (tests/sefaz) serving the test issuer's CNPJ; nothing the service sent
    may have broken its envelope rules."""
    from tests.fiscal_service import ISSUER_CNPJ
    from tests.sefaz import SvrsStandIn

    with SvrsStandIn(cnpj=ISSUER_CNPJ) as stand_in:
        yield stand_in
    assert stand_in.violations == []


@pytest.fixture
def issuer(app, svrs, override_settings):
    """The service issuing NFComs against `svrs` (tests/fiscal_service.connect)."""
    from tests.fiscal_service import connect

    connect(app, svrs, override_settings)
