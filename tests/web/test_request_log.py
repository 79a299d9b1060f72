"""Every response carries a request id; every request logs one line, without secrets."""

import logging
import re

import pytest

from tests.web.api_helpers import API

SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def _responses(client, admin):
    return {
        "200": client.get(f"{API}/me", headers=admin),
        "401": client.get(f"{API}/me"),
        "403-or-2xx": client.get(f"{API}/users", headers=admin),
        "404": client.get(f"{API}/no-such-thing"),
        "405": client.delete(f"{API}/me", headers=admin),
        "422": client.post(f"{API}/auth/login", json={}),
        "public": client.get(f"{API}/openapi.json"),
    }


def test_every_response_carries_a_request_id(client, admin):
    seen = set()
    for name, response in _responses(client, admin).items():
        request_id = response.headers.get("X-Request-ID", "")
        assert SAFE_ID.match(request_id), (name, request_id)
        seen.add(request_id)
    assert len(seen) == 7  # a fresh id per request


@pytest.mark.parametrize("incoming", ["abc12345", "req-2026.11.28_0001", "a" * 64])
def test_sane_incoming_request_id_is_echoed(client, admin, incoming):
    response = client.get(f"{API}/me", headers={**admin, "X-Request-ID": incoming})
    assert response.headers["X-Request-ID"] == incoming
    failed = client.get(f"{API}/me", headers={"X-Request-ID": incoming})
    assert failed.status_code == 401
    assert failed.headers["X-Request-ID"] == incoming


@pytest.mark.parametrize(
    "incoming",
    ["a" * 500, "a" * 65, "has spaces in it", "x;rm -rf /", "short", "<script>alert(1)</script>"],
)
def test_insane_incoming_request_id_is_replaced(client, admin, incoming):
    response = client.get(f"{API}/me", headers={**admin, "X-Request-ID": incoming})
    replaced = response.headers["X-Request-ID"]
    assert replaced != incoming
    assert SAFE_ID.match(replaced)


def _request_lines(caplog):
    return [r.getMessage() for r in caplog.records if r.name == "provedor.request"]


def test_each_request_logs_one_line_with_its_facts(client, admin, caplog):
    caplog.set_level(logging.INFO, logger="provedor.request")
    response = client.get(f"{API}/me", headers={**admin, "X-Request-ID": "trace-me-0001"})

    lines = _request_lines(caplog)
    assert len(lines) == 1
    line = lines[0]
    assert "GET" in line
    assert f"{API}/me" in line
    assert " 200" in line
    assert response.get_json()["username"] in line
    assert "trace-me-0001" in line
    assert re.search(r"\d+(\.\d+)?\s*ms", line)


def test_failed_and_anonymous_requests_are_logged_too(client, admin, caplog):
    caplog.set_level(logging.INFO, logger="provedor.request")
    unauthorized = client.get(f"{API}/users")
    missing = client.post(f"{API}/nowhere", headers=admin)
    wrong_method = client.delete(f"{API}/me", headers=admin)

    lines = _request_lines(caplog)
    assert len(lines) == 3
    for line, response, method, path in zip(
        lines,
        (unauthorized, missing, wrong_method),
        ("GET", "POST", "DELETE"),
        (f"{API}/users", f"{API}/nowhere", f"{API}/me"),
        strict=True,
    ):
        assert method in line
        assert path in line
        assert str(response.status_code) in line
        assert response.headers["X-Request-ID"] in line


def test_request_log_never_contains_the_password_or_token(client, make_user, caplog):
    make_user("maria.souza", "attendant")
    caplog.set_level(logging.DEBUG)
    response = client.post(
        f"{API}/auth/login", json={"username": "maria.souza", "password": "correct horse battery"}
    )
    token = response.get_json()["access_token"]
    client.get(f"{API}/me", headers={"Authorization": f"Bearer {token}"})
    assert "correct horse battery" not in caplog.text
    assert token not in caplog.text
