"""Every response carries a request id; every request logs one line, without secrets."""

import io
import logging
import re
from urllib.parse import quote

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


FORGED = "2026-12-05 12:00:00,000 INFO DELETE /api/v1/users/1 204 user=admin"
LOG_FORMAT = "%(asctime)s %(levelname)s %(message)s"  # create_app's


@pytest.fixture
def log_output(caplog):
    """What the process's log handler writes, as text, in the format create_app gives it."""
    caplog.set_level(logging.INFO)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    logging.getLogger().addHandler(handler)
    yield stream
    logging.getLogger().removeHandler(handler)


def test_a_line_break_in_the_path_cannot_forge_a_log_line(client, log_output):
    response = client.get(f"{API}/x%0a{quote(FORGED)}")
    assert response.status_code == 404

    lines = log_output.getvalue().splitlines()
    assert len(lines) == 1, lines
    assert f"GET {API}/x\\n{FORGED} 404 user=- " in lines[0]
    assert response.headers["X-Request-ID"] in lines[0]


@pytest.mark.parametrize(
    ("typed", "logged"),
    [
        ("%0d%0a", "\\r\\n"),
        ("%09", "\\t"),
        ("%1b[31m", "\\x1b[31m"),  # a terminal colour code
        ("%c2%85", "\\x85"),  # NEL, a line break to some readers
        ("%e2%80%a8", "\\u2028"),  # LINE SEPARATOR
        ("%e2%80%ae", "\\u202e"),  # right-to-left override: hides what follows
        ("%5cn", "\\\\n"),  # a typed backslash-n is not an escaped line break
        ("S%c3%a3o", "São"),  # printable text stays as it is
    ],
)
def test_unprintable_characters_in_the_path_are_escaped(client, log_output, typed, logged):
    client.get(f"{API}/x{typed}y")
    lines = log_output.getvalue().splitlines()
    assert len(lines) == 1, lines
    assert f"GET {API}/x{logged}y 404" in lines[0]


def test_every_logger_escapes_what_it_is_given(app, log_output):
    """Workers log what outside servers answer (an SMTP refusal): one line, whatever it holds."""
    logging.getLogger("tasks.mail").warning("notice %s refused (%s)", 7, f"550 no\n{FORGED}")
    lines = log_output.getvalue().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].endswith(f"WARNING notice 7 refused (550 no\\n{FORGED})")


def test_a_traceback_keeps_its_lines_but_not_a_forged_one(app, log_output):
    """A failure's message may quote input: its text is escaped; the traceback's lines stay."""
    try:
        try:
            int("nothing")
        except ValueError as error:
            raise LookupError(f"no such login\n{FORGED}") from error
    except LookupError:
        logging.getLogger("tasks.plans").exception("scheduled task %s could not be applied", 3)

    lines = log_output.getvalue().splitlines()
    assert lines[0].endswith("ERROR scheduled task 3 could not be applied")
    assert f"LookupError: no such login\\n{FORGED}" in lines
    assert "ValueError: invalid literal for int() with base 10: 'nothing'" in lines
    assert lines.count("Traceback (most recent call last):") == 2
    assert not any(line.startswith(FORGED) for line in lines), lines
