"""The non-payment ladder's reduced speed end to end, with a real FreeRADIUS and a NAS stand-in.

Beat's sweep, sent to the suite's real Celery worker, reduces an overdue customer's speeds:
FreeRADIUS (stock rlm_sql on this run's database) then accepts the login with the reduced
Mikrotik-Rate-Limit, and the open session gets a CoA-Request with it. A payment through the API
gives the full speed back within a minute, in FreeRADIUS and by CoA.
"""

from datetime import timedelta

import pytest
from pyrad.packet import AccessAccept, CoARequest

from models import clock
from tests.builders import build_receivable
from tests.tasks.billing.test_auto_suspension import _pay, announce
from tests.tasks.service.test_freeradius import (
    FRAMED_IP,
    NAS_SECRET,
    PASSWORD,
    RATE_LIMIT,
    USERNAME,
    _authenticate,
    _fibra_100,
    _post,
    _start_accounting,
    nas,  # noqa: F401 (a fixture)
    radius_server,  # noqa: F401 (a fixture)
)
from tests.waiting import wait_until
from tests.web.customer_payloads import pf_payload
from tests.web.customers.test_customer_options import all_options

pytestmark = pytest.mark.slow
REDUCED = "25000k/50000k"  # half of RATE_LIMIT (50000k/100000k), the default 50%


def _rate_limit(server) -> list[str]:
    reply = _authenticate(server, PASSWORD)
    assert reply.code == AccessAccept, server.log_tail()
    return reply["Mikrotik-Rate-Limit"]


def _sweep_as_beat(celery_worker, client, admin, subscription_id: int, reduced: bool) -> None:
    celery_worker.send_task("tasks.suspension.sweep_auto_suspension")
    url = f"/api/v1/subscriptions/{subscription_id}"

    def done():
        return (client.get(url, headers=admin).json["speed_reduced_at"] is not None) == reduced

    assert wait_until(done, timeout=60), client.get(url, headers=admin).json


def test_the_reduced_speed_reaches_freeradius_and_the_open_session_and_payment_restores_it(
    app,
    client,
    admin,
    celery_worker,
    radius_server,  # noqa: F811
    nas,  # noqa: F811
):
    _post(
        client,
        "/api/v1/radius/nas",
        admin,
        {"nasname": "127.0.0.1", "shortname": "bng", "secret": NAS_SECRET, "coa_port": nas.port},
    )
    plan = _fibra_100(client, admin)
    code = _post(client, "/api/v1/customers", admin, pf_payload())["code"]
    options = client.put(
        f"/api/v1/customers/{code}/options", json=all_options(auto_suspend=True), headers=admin
    )
    assert options.status_code == 200, options.json
    subscription = _post(
        client,
        f"/api/v1/customers/{code}/subscriptions",
        admin,
        {"plan_id": plan["id"], "due_day": 10},
    )
    items = f"/api/v1/subscriptions/{subscription['id']}/items"
    _post(
        client, items, admin, {"kind": "radius_login", "username": USERNAME, "password": PASSWORD}
    )
    assert _rate_limit(radius_server) == [RATE_LIMIT]
    _start_accounting(radius_server, "81b00001")

    # A bill 31 days overdue whose reduction notice went 15 days ago: the stage is due today.
    with app.app_context():
        today = clock.local_today()
    receivable_id = build_receivable(app, customer_code=code, due_date=today - timedelta(31))
    announce(app, code, receivable_id, today - timedelta(15), "reduction")

    _sweep_as_beat(celery_worker, client, admin, subscription["id"], reduced=True)
    assert _rate_limit(radius_server) == [REDUCED]  # a new session gets the reduced speed
    assert wait_until(lambda: len(nas.requests()) == 1, timeout=30), "no CoA-Request"
    [coa] = nas.requests()
    assert (coa.code, coa.verified, coa.user_name) == (CoARequest, True, USERNAME)
    assert (coa.acct_session_id, coa.rate_limit) == ("81b00001", REDUCED)

    _pay(client, admin, receivable_id, today)
    url = f"/api/v1/subscriptions/{subscription['id']}"
    assert wait_until(lambda: client.get(url, headers=admin).json["speed_reduced_at"] is None, 60)
    assert _rate_limit(radius_server) == [RATE_LIMIT]
    assert wait_until(lambda: len(nas.requests()) == 2, timeout=60), "no CoA-Request back"
    assert nas.requests()[1].rate_limit == RATE_LIMIT
    assert {r.framed_ip for r in nas.requests()} == {FRAMED_IP}  # the session's, as accounted
