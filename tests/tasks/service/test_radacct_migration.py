"""The migration of a populated radacct, then a real FreeRADIUS writing into it, then retention.

On PostgreSQL the table becomes partitioned by month: its rows land in their months' partitions,
ids and indexes are kept, and FreeRADIUS's Start / Interim-Update / Stop (and the INSERTs it
falls back on) work with the adapted ON CONFLICT; retention then drops whole old months. On
SQLite the table stays plain (start time now required) and retention deletes row by row.
A database of its own, migrated by `flask db upgrade` in a subprocess, as an operator runs it.
The migration places months by the real clock, so rows are dated relative to it.
"""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tasks.service import DICTIONARY
from tests import freeradius

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]
BEFORE = "k5c1e3d5f7a9"  # the revision before radacct was partitioned
NOW = datetime.now(UTC).replace(microsecond=0)
DAY = timedelta(days=1)


def _flask(url: str, *args: str) -> str:
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "web", "db", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def _fresh_database(settings, tmp_path) -> str:
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        return f"sqlite:///{tmp_path / 'swap.sqlite'}"
    import psycopg

    swap = url.set(database=f"{url.database}_swap")
    admin = url.set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{swap.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{swap.database}"')
    return swap.render_as_string(hide_password=False)


def _when(engine, moment: datetime | None):
    """A time as this backend's radacct stores it (epoch seconds on SQLite)."""
    if moment is None or engine.dialect.name != "sqlite":
        return moment
    return int(moment.timestamp())


def _insert(engine, unique: str, user: str, start, stop=None, updated=None) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO radacct (acctsessionid, acctuniqueid, username, nasipaddress,"
                " acctstarttime, acctupdatetime, acctstoptime)"
                " VALUES (:u, :u, :user, '10.9.9.9', :start, :updated, :stop)"
            ),
            {
                "u": unique,
                "user": user,
                "start": _when(engine, start),
                "updated": _when(engine, updated or stop or start),
                "stop": _when(engine, stop),
            },
        )


def _month_name(moment: datetime) -> str:
    return f"radacct_y{moment.year:04d}m{moment.month:02d}"


def _rows(engine) -> dict[str, dict]:
    with engine.connect() as conn:
        where = "tableoid::regclass::text" if engine.dialect.name == "postgresql" else "'radacct'"
        rows = conn.execute(
            text(
                f"SELECT acctuniqueid, radacctid, username, acctstarttime, acctstoptime,"  # noqa: S608
                f" acctsessiontime, acctinputoctets, acctoutputoctets, acctterminatecause,"
                f" {where} AS part FROM radacct"
            )
        )
        return {row.acctuniqueid: row._asdict() for row in rows}


def _purge(url: str, now: datetime) -> dict:
    script = (
        "import json, sys\n"
        "from datetime import datetime\n"
        "from web import create_app\n"
        "from models.db import db\n"
        "from models.service.connection_records import purge_expired\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    purge = purge_expired(datetime.fromisoformat(sys.argv[1]))\n"
        "    db.session.commit()\n"
        "print(json.dumps({'dropped': purge.dropped, 'deleted': purge.deleted}))\n"
    )
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", script, now.isoformat()],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _send(server, status: str, session: str, **attributes) -> None:
    packet = {
        "Acct-Status-Type": status,
        "NAS-IP-Address": "10.9.9.1",
        "NAS-Port": 7,
        "User-Name": "novo" if not session.startswith("old") else "antigo",
        "Acct-Session-Id": session,
    }
    packet.update({name.replace("_", "-"): value for name, value in attributes.items()})
    freeradius.radclient(server, packet)


def test_a_populated_radacct_is_migrated_and_freeradius_writes_into_it(
    settings, tmp_path, tmp_path_factory
):
    reason = freeradius.missing()
    if reason:
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    url = _fresh_database(settings, tmp_path)
    _flask(url, "upgrade", BEFORE)
    engine = create_engine(url)
    postgresql = engine.dialect.name == "postgresql"
    oldest = NOW - 460 * DAY
    _insert(engine, "u-velho", "velho", oldest, oldest + timedelta(hours=1))
    _insert(engine, "u-recente", "recente", NOW - 60 * DAY, NOW - 60 * DAY + timedelta(hours=2))
    _insert(engine, "u-aberto", "aberto", NOW - DAY)
    _insert(engine, "u-sem-inicio", "sem-inicio", None, updated=NOW - 2 * DAY)
    before = _rows(engine)

    _flask(url, "upgrade")
    assert "No new upgrade operations detected" in _flask(url, "check")
    after = _rows(engine)
    assert {u: r["radacctid"] for u, r in after.items()} == {
        u: r["radacctid"] for u, r in before.items()
    }
    assert after["u-sem-inicio"]["acctstarttime"] == _when(engine, NOW - 2 * DAY)
    if postgresql:
        assert after["u-velho"]["part"] == _month_name(oldest)
        assert after["u-aberto"]["part"] == _month_name(NOW - DAY)
        with engine.connect() as conn:
            kind = conn.scalar(text("SELECT relkind FROM pg_class WHERE relname = 'radacct'"))
            assert kind == "p"
            indexes = set(
                conn.scalars(text("SELECT indexname FROM pg_indexes WHERE tablename = 'radacct'"))
            )
        assert {
            "pk_radacct",
            "uq_radacct_acctuniqueid_acctstarttime",
            "radacct_active_session_idx",
            "radacct_bulk_close",
            "radacct_start_user_idx",
            "ix_radacct_open_username",
            "ix_radacct_open_updated",
            "ix_radacct_username_start",
        } <= indexes

    server = freeradius.start_on(url, tmp_path_factory, DICTIONARY)
    try:
        started = int(NOW.timestamp())
        _send(server, "Start", "n-1", Event_Timestamp=started, Framed_IP_Address="100.64.1.1")
        _send(server, "Start", "n-1", Event_Timestamp=started)  # sent again: no second row
        _send(
            server,
            "Interim-Update",
            "n-1",
            Acct_Session_Time=300,
            Acct_Input_Octets=1000,
            Acct_Output_Octets=2000,
        )
        _send(
            server,
            "Stop",
            "n-1",
            Acct_Session_Time=600,
            Acct_Input_Octets=4000,
            Acct_Output_Octets=8000,
            Acct_Terminate_Cause="User-Request",
        )
        # No Start seen (lost): the interim and the stop INSERT instead (their ON CONFLICT).
        _send(server, "Interim-Update", "n-2", Acct_Session_Time=120)
        _send(server, "Stop", "n-3", Acct_Session_Time=90, Acct_Terminate_Cause="Lost-Carrier")
        # A session of 13 months ago, its times from the NAS's Event-Timestamp.
        old = NOW - 395 * DAY
        _send(server, "Start", "old-1", Event_Timestamp=int(old.timestamp()))
        _send(
            server,
            "Stop",
            "old-1",
            Event_Timestamp=int((old + timedelta(hours=1)).timestamp()),
            Acct_Session_Time=3600,
            Acct_Terminate_Cause="User-Request",
        )
    finally:
        server.stop()

    rows = _rows(engine)
    written = {r["acctuniqueid"]: r for r in rows.values() if r["username"] in ("novo", "antigo")}
    assert len(written) == 4, server.log_tail()
    by_session = {}
    with engine.connect() as conn:
        for uid, session in conn.execute(
            text("SELECT acctuniqueid, acctsessionid FROM radacct WHERE nasipaddress = '10.9.9.1'")
        ):
            by_session[session] = written[uid]
    first = by_session["n-1"]
    assert first["acctstoptime"] is not None and first["acctterminatecause"] == "User-Request"
    assert (first["acctsessiontime"], first["acctinputoctets"], first["acctoutputoctets"]) == (
        600,
        4000,
        8000,
    )
    assert by_session["n-2"]["acctstoptime"] is None
    assert by_session["n-3"]["acctterminatecause"] == "Lost-Carrier"
    if postgresql:
        assert first["part"] == _month_name(NOW)
        assert by_session["old-1"]["part"] == _month_name(old)
        assert first["radacctid"] > max(r["radacctid"] for r in before.values())

    # Retention: what ended more than a year ago goes; on PostgreSQL as whole months.
    purge = _purge(url, NOW)
    left = {r["username"] for r in _rows(engine).values()}
    assert left == {"recente", "aberto", "sem-inicio", "novo"}
    if postgresql:
        assert {_month_name(oldest), _month_name(old)} <= set(purge["dropped"])
        assert purge["deleted"] == 0
        with engine.connect() as conn:
            names = set(
                conn.scalars(
                    text(
                        "SELECT c.relname FROM pg_inherits i JOIN pg_class c"
                        " ON c.oid = i.inhrelid WHERE i.inhparent = 'radacct'::regclass"
                    )
                )
            )
        assert _month_name(oldest) not in names and _month_name(NOW) in names
    else:
        assert purge == {"dropped": [], "deleted": 2}
    engine.dispose()
