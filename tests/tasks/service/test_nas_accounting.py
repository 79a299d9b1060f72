"""A NAS's Accounting-On / Accounting-Off (it rebooted, or is going down) through a real
FreeRADIUS: the sessions that NAS had open are closed at once, so no ghost blocks a re-login;
another NAS's sessions stay open. Packets are sent with radclient, as a NAS sends them."""

import os

import pytest

from models.db import db
from models.service.radius import RadAcct
from tasks.service import DICTIONARY
from tests import freeradius

pytestmark = pytest.mark.slow

NAS_A, NAS_B = "10.0.0.1", "10.0.0.2"


@pytest.fixture(scope="module")
def radius_server(app, settings, tmp_path_factory):
    """FreeRADIUS on 127.0.0.1, writing accounting to the test database."""
    reason = freeradius.missing()
    if reason:
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    server = freeradius.start_on(settings.database_url, tmp_path_factory, DICTIONARY)
    yield server
    server.stop()


def _accounting(server, status: str, nas: str, **attributes) -> None:
    packet = {"Acct-Status-Type": status, "NAS-IP-Address": nas}
    packet.update({name.replace("_", "-"): value for name, value in attributes.items()})
    freeradius.radclient(server, packet)


def _start(server, nas: str, user: str, session: str, port: int) -> None:
    _accounting(
        server,
        "Start",
        nas,
        User_Name=user,
        Acct_Session_Id=session,
        NAS_Port=port,
        Framed_IP_Address=f"100.64.0.{port}",
    )


def _sessions(app) -> dict[str, RadAcct]:
    with app.app_context():
        rows = db.session.scalars(db.select(RadAcct).order_by(RadAcct.radacctid)).all()
        db.session.expunge_all()
    return {row.acctsessionid: row for row in rows}


def test_accounting_on_and_off_close_exactly_that_nas_sessions(app, radius_server):
    _start(radius_server, NAS_A, "ana", "a-1", 1)
    _start(radius_server, NAS_A, "bruno", "a-2", 2)
    _start(radius_server, NAS_A, "carla", "a-3", 3)
    _accounting(  # carla hung up before the reboot: her session is closed already
        radius_server,
        "Stop",
        NAS_A,
        User_Name="carla",
        Acct_Session_Id="a-3",
        NAS_Port=3,
        Acct_Session_Time=60,
        Acct_Terminate_Cause="User-Request",
    )
    _start(radius_server, NAS_B, "davi", "b-1", 4)
    before = _sessions(app)
    assert {s for s, row in before.items() if row.acctstoptime is None} == {"a-1", "a-2", "b-1"}
    carla_stop = before["a-3"].acctstoptime

    # NAS A rebooted: it says so with Accounting-On (no cause of its own).
    _accounting(radius_server, "Accounting-On", NAS_A, Acct_Session_Id="0")
    after = _sessions(app)
    for session in ("a-1", "a-2"):
        row = after[session]
        assert row.acctstoptime is not None, radius_server.log_tail()
        assert row.acctterminatecause == "NAS-Reboot"
        assert row.acctstoptime >= row.acctstarttime
        assert row.acctsessiontime is not None and row.acctsessiontime >= 0
    assert after["b-1"].acctstoptime is None  # another NAS's session stays open
    assert after["b-1"].acctterminatecause in (None, "")
    # A session closed before keeps its own end and cause.
    assert (after["a-3"].acctstoptime, after["a-3"].acctterminatecause) == (
        carla_stop,
        "User-Request",
    )

    # ana logs in again on A: a fresh open session, the old one stays closed.
    _start(radius_server, NAS_A, "ana", "a-4", 1)
    again = _sessions(app)
    open_ana = [s for s, row in again.items() if row.username == "ana" and not row.acctstoptime]
    assert open_ana == ["a-4"]
    assert again["a-1"].acctstoptime is not None

    # NAS B goes down for maintenance: Accounting-Off, with the cause it gives.
    _accounting(
        radius_server,
        "Accounting-Off",
        NAS_B,
        Acct_Session_Id="0",
        Acct_Terminate_Cause="Admin-Reboot",
    )
    final = _sessions(app)
    assert final["b-1"].acctstoptime is not None
    assert final["b-1"].acctterminatecause == "Admin-Reboot"
    assert final["a-4"].acctstoptime is None  # A's new session is not B's
    assert len(final) == 5  # Accounting-On/Off close sessions, they never add rows
