"""One error envelope, always whole: {status, code, message, errors}."""

import logging

import pytest

from models.staff.users import create_user
from tests.web.api_helpers import API, assert_envelope
from web.security import public


# Outside /api/ an unknown URL is the console's page (tests/web/console/test_error_pages.py).
@pytest.mark.parametrize("path", [f"{API}/no-such-thing", f"{API}/users/1/nope", f"{API}"])
def test_unknown_route_is_a_404_envelope(client, admin, path):
    assert_envelope(client.get(path, headers=admin), 404, "not_found")
    assert_envelope(client.get(path), 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("delete", f"{API}/me", {"GET"}),
        ("put", f"{API}/users", {"GET", "POST"}),
        ("delete", f"{API}/users/1", {"GET", "PATCH"}),
        ("get", f"{API}/auth/login", {"POST"}),
    ],
)
def test_wrong_method_is_a_405_envelope_with_allow(client, admin, method, path, allowed):
    response = getattr(client, method)(path, headers=admin)
    assert_envelope(response, 405, "method_not_allowed")
    # RFC 9110 15.5.6: a 405 must say which methods the resource supports.
    assert "Allow" in response.headers, dict(response.headers)
    listed = {m.strip().upper() for m in response.headers["Allow"].split(",")}
    assert allowed <= listed


def test_internal_error_is_a_500_envelope_without_details(app, build_app, client, admin, caplog):
    broken = build_app()
    broken.config["TESTING"] = False  # answer as production does instead of re-raising
    broken.config["PROPAGATE_EXCEPTIONS"] = False

    @broken.route(f"{API}/boom")
    @public
    def boom():
        from models.db import db

        create_user("half.done", "admin", "a-long-password")  # flushed, never committed
        db.session.flush()
        raise RuntimeError("secret detail")

    caplog.set_level(logging.ERROR)
    response = broken.test_client().get(f"{API}/boom", headers={"X-Request-ID": "boom-0000001"})

    body = assert_envelope(response, 500, "internal_error")
    assert "secret detail" not in response.get_data(as_text=True)
    assert "RuntimeError" not in response.get_data(as_text=True)
    assert response.headers["X-Request-ID"] == "boom-0000001"
    # Operators still get the details in the log, and nothing half-done was kept.
    assert "secret detail" in caplog.text
    assert body["errors"] == {}
    names = [u["username"] for u in client.get(f"{API}/users", headers=admin).get_json()["items"]]
    assert "half.done" not in names


def test_oversized_body_is_413_and_changes_nothing(client, admin):
    body = {"kind": "PF", "name": "x" * (1024 * 1024 + 1)}
    response = client.post(f"{API}/customers", json=body, headers=admin)
    assert_envelope(response, 413, "payload_too_large")
    assert client.get(f"{API}/customers", headers=admin).get_json()["total"] == 0


def test_unauthorized_answers_name_the_bearer_scheme(client):
    response = client.get(f"{API}/me")
    assert_envelope(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_every_error_carries_errors_even_when_empty(client, admin, headers_for, make_user):
    make_user("maria.souza", "attendant")
    wrong = {"username": "maria.souza", "password": "not the password"}
    failures = [client.post(f"{API}/auth/login", json=wrong) for _ in range(6)]
    answers = {
        401: client.get(f"{API}/me"),
        403: client.get(f"{API}/users", headers=headers_for("technician")),
        404: client.get(f"{API}/customers/999999", headers=admin),
        405: client.delete(f"{API}/me", headers=admin),
        413: client.post(f"{API}/users", json={"x": "x" * 1024 * 1024}, headers=admin),
        429: failures[-1],
    }
    for status, response in answers.items():
        body = response.get_json()
        assert response.status_code == status, body
        assert body["errors"] == {}, (status, body)
    assert failures[0].get_json()["errors"] == {}  # the 401 of a wrong password too
