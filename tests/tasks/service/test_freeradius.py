"""End to end with a real FreeRADIUS: what Provedor writes is what the NAS is told.

A stock Debian FreeRADIUS (rlm_sql on this run's database, PostgreSQL or SQLite) answers
Access-Requests and writes accounting; a NAS stand-in answers the Disconnect-Requests the
worker sends. Everything Provedor does goes through its HTTP API and a real Celery worker,
the sweep sent to the broker as beat sends it.
"""

import os
from datetime import datetime

import pytest
from pyrad.client import Client
from pyrad.packet import AccessAccept, AccessReject, AccountingResponse, DisconnectRequest
from sqlalchemy import text

from models import clock
from models.db import db
from tasks.service import DICTIONARY
from tests import freeradius
from tests.radius_stand_in import NasStandIn
from tests.waiting import wait_until
from tests.web.customer_payloads import pf_payload

pytestmark = pytest.mark.slow

NAS_SECRET = "s3gredo-do-nas"
USERNAME, PASSWORD = "maria.souza", "s3nha-pppoe"
FRAMED_IP = "100.64.12.34"
RATE_LIMIT = "50000k/100000k"  # upload/download, as the NAS applies it


@pytest.fixture(scope="module")
def radius_server(app, settings, tmp_path_factory):
    """FreeRADIUS on 127.0.0.1, answering from the test database, for this module's tests."""
    reason = freeradius.missing()
    if reason:
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    last_error = None
    for _ in range(3):  # a port picked free may be taken before FreeRADIUS binds it
        folder = tmp_path_factory.mktemp("freeradius")
        auth_port, acct_port = freeradius.free_udp_ports(2)
        config = freeradius.write_config(
            folder / "raddb", settings.database_url, auth_port, acct_port
        )
        server = freeradius.FreeRadius(config, auth_port, acct_port, folder / "radiusd.log")
        try:
            server.start(DICTIONARY)
        except RuntimeError as error:
            last_error = error
            continue
        yield server
        server.stop()
        return
    raise last_error


@pytest.fixture
def nas():
    stand_in = NasStandIn(NAS_SECRET, DICTIONARY)
    yield stand_in
    stand_in.close()


def _authenticate(server: freeradius.FreeRadius, password: str):
    client: Client = server.client(DICTIONARY)
    request = client.CreateAuthPacket(User_Name=USERNAME, NAS_IP_Address="127.0.0.1")
    request["User-Password"] = request.PwCrypt(password)
    try:
        return client.SendPacket(request)
    finally:
        client._CloseSocket()


def _start_accounting(server: freeradius.FreeRadius, session_id: str) -> None:
    """The NAS's Accounting-Request Start: FreeRADIUS writes the open session to radacct."""
    client: Client = server.client(DICTIONARY)
    request = client.CreateAcctPacket(
        User_Name=USERNAME,
        NAS_IP_Address="127.0.0.1",
        Acct_Status_Type=1,  # Start
        Acct_Session_Id=session_id,
        Framed_IP_Address=FRAMED_IP,
    )
    try:
        reply = client.SendPacket(request)
    finally:
        client._CloseSocket()
    assert reply.code == AccountingResponse


def _assert_accepted(server: freeradius.FreeRadius) -> None:
    reply = _authenticate(server, PASSWORD)
    assert reply.code == AccessAccept, server.log_tail()
    assert reply["Mikrotik-Rate-Limit"] == [RATE_LIMIT]
    assert reply["Framed-IP-Address"] == [FRAMED_IP]


def _str_or_none(value) -> str | None:
    return None if value is None else str(value)


def _post(client, url, headers, body=None, status=201) -> dict:
    response = client.post(url, json=body, headers=headers)
    assert response.status_code == status, response.json
    return response.json


def _fibra_100(client, admin) -> dict:
    """The plan these tests sell: 100/50 Mbit/s, RATE_LIMIT in its RADIUS group."""
    body = {
        "name": "Fibra 100",
        "kind": "internet",
        "price": "99.90",
        "download_kbps": 100_000,
        "upload_kbps": 50_000,
    }
    return _post(client, "/api/v1/plans", admin, body)


def test_a_scheduled_suspension_reaches_freeradius_and_the_nas(
    app, client, admin, celery_worker, radius_server, nas
):
    # The NAS, its plan, customer, subscription, login and fixed IP: all through the API.
    _post(
        client,
        "/api/v1/radius/nas",
        admin,
        {
            "nasname": "127.0.0.1",
            "shortname": "bng-teste",
            "secret": NAS_SECRET,
            "coa_port": nas.port,
        },
    )
    plan = _fibra_100(client, admin)
    code = _post(client, "/api/v1/customers", admin, pf_payload())["code"]
    subscription = _post(
        client,
        f"/api/v1/customers/{code}/subscriptions",
        admin,
        {"plan_id": plan["id"], "due_day": 10},
    )
    items = f"/api/v1/subscriptions/{subscription['id']}/items"
    login = _post(
        client, items, admin, {"kind": "radius_login", "username": USERNAME, "password": PASSWORD}
    )
    _post(
        client, items, admin, {"kind": "ip", "ip_address": FRAMED_IP, "login_item_id": login["id"]}
    )

    # FreeRADIUS accepts the right password with the plan's speed and the fixed IP.
    _assert_accepted(radius_server)
    assert _authenticate(radius_server, "senha-errada").code == AccessReject

    # The customer connects: the NAS's accounting Start opens a session in radacct.
    session_id = "81a00001"
    _start_accounting(radius_server, session_id)
    with app.app_context():
        sessions = db.session.execute(
            text("SELECT acctsessionid, username, nasipaddress, acctstoptime FROM radacct")
        ).all()
    assert [tuple(map(_str_or_none, s)) for s in sessions] == [
        (session_id, USERNAME, "127.0.0.1", None)
    ]

    # A suspension scheduled for today, applied by the sweep beat sends.
    today = datetime.now(clock.zone()).date().isoformat()
    task = _post(
        client,
        f"/api/v1/customers/{code}/scheduled-tasks",
        admin,
        {"subscription_id": subscription["id"], "kind": "suspend", "run_on": today},
    )
    celery_worker.send_task("tasks.plans.sweep_scheduled_tasks")
    task_url = f"/api/v1/customers/{code}/scheduled-tasks/{task['id']}"

    def scheduled():
        return client.get(task_url, headers=admin).json

    assert wait_until(lambda: scheduled()["status"] in ("done", "failed"), timeout=30), (
        f"the sweep did not apply the task: {scheduled()}"
    )
    assert scheduled()["status"] == "done", scheduled()

    # FreeRADIUS now rejects the login ...
    assert _authenticate(radius_server, PASSWORD).code == AccessReject

    # ... and the NAS was told, once, to end the open session, and acknowledged it.
    def disconnects():
        return client.get("/api/v1/radius/disconnects", headers=admin).json["items"]

    assert wait_until(lambda: nas.requests(), timeout=30), "the NAS got no Disconnect-Request"
    assert wait_until(lambda: [d["status"] for d in disconnects()] == ["acked"], timeout=30), (
        disconnects()
    )
    [request] = nas.requests()
    assert request.code == DisconnectRequest
    assert request.verified, "the Disconnect-Request was not signed with the NAS's secret"
    assert (request.user_name, request.acct_session_id) == (USERNAME, session_id)
    assert request.framed_ip == FRAMED_IP
    [row] = disconnects()
    assert (row["username"], row["acct_session_id"], row["nas_ip"]) == (
        USERNAME,
        session_id,
        "127.0.0.1",
    )
    assert (row["cause"], row["subscription_id"], row["attempts"]) == (
        "suspend",
        subscription["id"],
        1,
    )

    # Enabled again: FreeRADIUS accepts the login with the plan's speed once more.
    enabled = _post(client, f"/api/v1/subscriptions/{subscription['id']}/enable", admin, status=200)
    assert enabled["status"] == "active"
    _assert_accepted(radius_server)
    assert len(nas.requests()) == 1
