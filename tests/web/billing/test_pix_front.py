"""The PIX webhooks' own front (web/pix_front.py, the Procfile's `webhooks` process), served by
a real uvicorn: a delivery of plain PIX is answered from the event loop and lands in the inbox;
everything else gets the Flask route's own answer (its status and JSON)."""

import http.client
import json
import threading
import time
from decimal import Decimal

import pytest
import requests
import uvicorn

from models.billing import pix_inbox
from models.billing.settings import PixSettings
from tests.builders import build_receivable
from tests.waiting import wait_until
from tests.web.api_helpers import API
from tests.web.billing.pix_helpers import (
    charge_of,
    connect_default_account,
    drain,
    paid,
    pix,
    plan_charges,
    webhook_url,
)
from web.pix_front import PixWebhookFront


@pytest.fixture
def serve_front(app):
    """serve_front() -> the base URL of this app's webhook front under uvicorn (made when
    called, after the test has set the inbox up)."""
    servers = []

    def serve() -> str:
        config = uvicorn.Config(
            PixWebhookFront(app), host="127.0.0.1", port=0, lifespan="off", log_level="warning"
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        servers.append((server, thread))
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    yield serve
    for server, thread in servers:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def route_deliveries(monkeypatch):
    """How many deliveries the Flask route handed to the inbox itself (the front's own are not
    counted: it pushes without `deliver`)."""
    calls = []
    real = pix_inbox.deliver
    monkeypatch.setattr(pix_inbox, "deliver", lambda *a: calls.append(a) or real(*a))
    return calls


def _post(url: str, **kwargs) -> requests.Response:
    return requests.post(url, timeout=30, **kwargs)


def _charged(app, amount: str) -> tuple[int, str]:
    receivable_id = build_receivable(app, amount=amount)
    plan_charges(app)
    return receivable_id, charge_of(app, receivable_id).txid


def _waiting(inbox) -> int:
    return sum(inbox.llen(pix_inbox.INBOX.format(shard=s)) for s in range(pix_inbox.SHARDS))


def test_a_pix_through_the_front_lands_in_the_inbox_and_settles_once(
    app, inbox, serve_front, route_deliveries
):
    account_id, secret = connect_default_account(app)
    receivable_id, txid = _charged(app, "80.00")
    front = serve_front()
    url = front + webhook_url(account_id, secret)
    # The first post checks the secret in the database (the route); the next ones are the
    # front's own, with the secret's digest fresh.
    assert _post(url, json={"pix": []}).json() == {"received": 0}
    first, again = pix(txid, "50.00"), pix(txid, "30.00")
    answer = _post(url, json={"pix": [first]}, headers={"X-Request-ID": "psp-req-0001"})
    assert (answer.status_code, answer.json()) == (200, {"received": 1})
    assert answer.headers["X-Request-ID"] == "psp-req-0001"
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    for _ in range(3):  # the same PIX again, and a second one
        assert _post(url, json={"pix": [first, again]}).status_code == 200
    assert len(route_deliveries) == 1  # only the first, empty, delivery went through the route
    assert _waiting(inbox) == 4
    assert wait_until(lambda: inbox.drains_asked, timeout=5)  # asked by the first push to a list
    drain(app)
    assert _waiting(inbox) == 0
    assert paid(app, receivable_id) == ("paid", Decimal("80.00"))  # 50 + 30, each once


def test_every_other_request_gets_the_routes_own_answer(
    app, client, inbox, serve_front, route_deliveries
):
    account_id, secret = connect_default_account(app)
    _, txid = _charged(app, "10.00")
    front = serve_front()
    _post(front + webhook_url(account_id, secret), json={"pix": []})  # the digest kept
    good = webhook_url(account_id, secret)
    json_type = {"Content-Type": "application/json"}
    recs = b'{"recs": []}'
    cases = [  # (path, headers, body as the front gets it, body as the route gets it)
        (good, json_type, b'{"pix": [{"endToEndId": "E1", "valor": "1.00"}]}', None),
        (good, json_type, json.dumps([pix(txid, "1.00")]).encode(), None),  # a bare array
        (good, json_type, b'{"pix": [] ', None),  # not JSON
        (good, json_type, b'{"pix": [], "pix": []}', None),  # a name repeated
        (good, {"Content-Type": "text/plain"}, b'{"pix": []}', None),
        (good, json_type, b"{}" + b" " * 2**20, None),  # over 1 MiB
        (good, json_type, recs, None),  # Pix Automático: the route's
        (good, json_type, iter([recs[:5], recs[5:]]), recs),  # chunked, no Content-Length
        (good, json_type, iter([b"{}", b" " * 2**20]), b"{}" + b" " * 2**20),  # chunked, big
        (f"/api/v1/pix/webhook/{account_id}/cobr?hmac={secret}", json_type, b'{"cobsr": []}', None),
        (
            f"{API}/pix/webhook/{account_id}/pix?hmac=&hmac={secret}",
            json_type,
            b'{"pix": []}',
            None,
        ),
        (webhook_url(account_id, "not-the-secret"), json_type, b'{"pix": []}', None),
    ]
    for path, headers, body, route_body in cases:
        through_front = _post(front + path, data=body, headers=headers)
        through_route = client.post(path, data=route_body or body, headers=headers)
        assert through_front.status_code == through_route.status_code, path
        assert through_front.json() == through_route.json, path
    # A header the WSGI server would join (repeated) or read as another (an underscore): the
    # route reads it, as it would under gunicorn.
    plain = json.dumps({"pix": [pix(txid, "1.00")]}).encode()
    for extra in ([("X-Webhook-Secret", secret), ("X-Webhook-Secret", "x")],
                  [("X_Webhook_Secret", "not-the-secret")]):  # fmt: skip
        status, answer = _raw_post(
            front, good, [("Content-Type", "application/json"), *extra], plain
        )
        through_route = client.post(
            good, data=plain, headers=[("Content-Type", "application/json"), *extra]
        )
        assert (status, answer) == (through_route.status_code, through_route.json), extra
    assert requests.get(front + "/api/v1/health", timeout=30).status_code == 200  # the app's
    assert _waiting(inbox) == 0  # nothing of it was taken in


def _raw_post(front: str, path: str, headers: list, body: bytes) -> tuple[int, dict]:
    """A POST with headers exactly as given (repeated ones too), which requests would merge."""
    host, port = front.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    connection.putrequest("POST", path)
    for name, value in [*headers, ("Content-Length", str(len(body)))]:
        connection.putheader(name, value)
    connection.endheaders(body)
    response = connection.getresponse()
    return response.status, json.loads(response.read())


def test_while_the_inbox_is_down_a_delivery_is_stored_in_the_database_and_settled(
    app, inbox, serve_front, override_settings, route_deliveries, celery_worker
):
    account_id, secret = connect_default_account(app)
    receivable_id, txid = _charged(app, "10.00")
    override_settings(PixSettings, inbox_url="redis://127.0.0.1:1/0")  # nothing listens there
    front = serve_front()
    url = front + webhook_url(account_id, secret)
    _post(url, json={"pix": []})  # the digest kept: the next post is the front's to push
    answer = _post(url, json={"pix": [pix(txid, "10.00")]})
    assert (answer.status_code, answer.json()) == (200, {"received": 1})
    assert len(route_deliveries) == 2  # the push failed: the route stored it instead
    assert wait_until(lambda: paid(app, receivable_id)[0] == "paid", timeout=30)


def test_without_redis_the_front_hands_every_delivery_to_the_route(
    app, serve_front, override_settings, route_deliveries, celery_worker
):
    override_settings(PixSettings, inbox_url=None)  # the embedded default
    account_id, secret = connect_default_account(app)
    receivable_id, txid = _charged(app, "25.00")
    front = serve_front()
    url = front + webhook_url(account_id, secret)
    _post(url, json={"pix": []})
    answer = _post(url, json={"pix": [pix(txid, "25.00")]})
    assert (answer.status_code, answer.json()) == (200, {"received": 1})
    assert len(route_deliveries) == 2  # both through the route, which stored the PIX itself
    assert wait_until(lambda: paid(app, receivable_id)[0] == "paid", timeout=30)
