"""The service as a new user starts it: the README's `scripts/run`, which runs the Procfile's
web (gunicorn), worker and beat under supervisord. Driven over real HTTP; the worker must
consume a task from the broker, beat must be up, and what gunicorn refuses by itself must
still be answered in the API's JSON envelope.

Each instance gets its own var dir, port, database and broker, derived from the test run's own
TEST_DATABASE_URL and TEST_BROKER_URL, so two checkouts sharing a PostgreSQL and a Redis never
meet (tests/test_supervision.py uses the same helpers).
"""

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import _flush_redis, _recreate_postgres_database
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PURGE_TASK = "tasks.maintenance.purge_expired_tokens"
PROGRAMS = ("web", "webhooks", "worker", "beat")  # the Procfile's

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _service_redis_url(test_url: str) -> str:
    """The test run's Redis URL with another database: its own index + 8 (mod 16).

    The suite flushes its own Redis database and runs an in-process worker on it; the service
    must not share either. The shift keeps checkouts apart as long as their own indexes differ.
    """
    parts = urlsplit(test_url)
    index = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(index + 8) % 16}"))


def service_environment(var_dir: Path, name: str) -> dict:
    """Environment for a private instance: own var dir, port, database and broker."""
    skip = ("PYTEST", "DATABASE_URL", "CELERY_", "TEST_")  # only what this sets below
    env = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
    env.update(PROVEDOR_VAR_DIR=str(var_dir), PATH=f"{BIN}:{env['PATH']}")
    env["PROVEDOR_ENV_FILE"] = "/dev/null"  # a checkout's .env may point at production
    env["PORT"] = str(_free_port())
    env["WEBHOOKS_PORT"] = str(_free_port())
    test_database = os.environ.get("TEST_DATABASE_URL", "")
    if test_database.startswith("postgresql"):
        url = make_url(test_database)
        url = url.set(database=f"{url.database}_{name}")  # keeps "test" in the name
        env["DATABASE_URL"] = url.render_as_string(hide_password=False)
        _recreate_postgres_database(env["DATABASE_URL"])
    test_broker = os.environ.get("TEST_BROKER_URL", "")
    if test_broker.startswith("redis"):
        env["CELERY_BROKER_URL"] = _service_redis_url(test_broker)
        _flush_redis(env["CELERY_BROKER_URL"])
    return env


class Service:
    """A running `scripts/run`: its process, its output, its HTTP address."""

    token: str = ""  # an admin's bearer token, once someone logged in

    def __init__(self, env: dict, log_path: Path):
        self.env = env
        self.log_path = log_path
        self.base = f"http://127.0.0.1:{env['PORT']}/api/v1"
        with open(log_path, "a") as log:
            self.process = subprocess.Popen(
                [ROOT / "scripts" / "run"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, as a terminal's job
            )

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def spawned(self, program: str) -> list[int]:
        """Pids supervisord started for `program`, oldest first."""
        return [
            int(pid) for pid in re.findall(rf"spawned: '{program}' with pid (\d+)", self.output())
        ]

    def health(self) -> int | None:
        try:
            return api_request("GET", f"{self.base}/health", timeout=5)[0]
        except (OSError, ValueError):  # not up yet, or cut off
            return None

    def send_task(self, name: str = PURGE_TASK) -> str:
        """Send a task through the broker as an operator would; returns its id."""
        sent = subprocess.run(
            [BIN / "celery", "-A", "tasks.worker", "call", name],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        )
        return sent.stdout.strip().splitlines()[-1]

    def task_succeeded(self, task_id: str, timeout: float = 60) -> bool:
        done = f"Task {PURGE_TASK}[{task_id}] succeeded"
        return wait_until(lambda: done in self.output(), timeout=timeout, interval=0.3)

    def interrupt(self, timeout: float = 30) -> float:
        """Ctrl-C: SIGINT to the whole process group; returns the seconds it took to stop."""
        started = time.monotonic()
        os.killpg(self.process.pid, signal.SIGINT)
        self.process.wait(timeout=timeout)
        return time.monotonic() - started

    def kill_everything(self) -> None:
        """Last resort after a failed test: supervisord and each program's process group."""
        groups = [
            self.process.pid,
            *(pid for name in PROGRAMS for pid in self.spawned(name)),
        ]
        for group in groups:
            with suppress(ProcessLookupError, PermissionError):
                os.killpg(group, signal.SIGKILL)
        self.process.wait(timeout=10)


@contextmanager
def running_service(env: dict, log_path: Path, timeout: float = 180):
    """`scripts/run` serving /health; stopped with Ctrl-C afterwards unless already stopped."""
    service = Service(env, log_path)
    try:
        up = wait_until(lambda: service.health() == 200, timeout=timeout, interval=0.5)
        assert up, service.output()[-3000:]
        yield service
    finally:
        if service.process.poll() is None:
            try:
                service.interrupt()
            except subprocess.TimeoutExpired:
                service.kill_everything()


def api_request(method, url, body=None, token=None, timeout=10):
    """(status, JSON body, Content-Type) of one HTTP request, errors included."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:  # noqa: S310 (loopback)
            content_type = response.headers.get("Content-Type")
            return response.status, json.loads(response.read() or b"null"), content_type
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null"), error.headers.get("Content-Type")


def raw_request(port: int, head: bytes) -> tuple[int, dict, str]:
    """Send bytes gunicorn must refuse before the app sees them: (status, body, Content-Type)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head)
        response = http.client.HTTPResponse(sock)
        response.begin()
        assert response.getheader("X-Content-Type-Options") == "nosniff"  # as the app's answers
        return response.status, json.loads(response.read()), response.getheader("Content-Type")


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    """One `scripts/run` on an empty database, as the README says, shared by this module."""
    tmp = tmp_path_factory.mktemp("service")
    env = service_environment(tmp / "var", "service")
    with running_service(env, tmp / "run.log") as running:
        password = re.search(r"Log in as admin / (\S+)", running.output()).group(1)
        status, body, _ = api_request(
            "POST", f"{running.base}/auth/login", {"username": "admin", "password": password}
        )
        assert status == 200, body
        running.token = body["access_token"]
        yield running


def test_the_readme_run_command_serves_api_worker_and_beat(service):
    """`scripts/run`: migrate, first admin, demo data, then the Procfile under supervisord."""
    assert f"http://127.0.0.1:{service.env['PORT']}/api/v1/docs" in service.output()
    status, found, _ = api_request("GET", f"{service.base}/customers?q=silva", token=service.token)
    assert status == 200
    assert found["total"] > 0  # the demo customers were loaded

    assert service.task_succeeded(service.send_task()), service.output()[-3000:]
    assert "beat: Starting..." in service.output()
    # Each program's lines are prefixed with its name, as honcho did.
    for program in PROGRAMS:
        assert re.search(rf"^{program} +\| ", service.output(), re.MULTILINE), program
    # The PIX webhooks' front serves the same app: a post without the account's secret is
    # refused with the app's own 401, and anything else is the app's.
    webhooks = f"http://127.0.0.1:{service.env['WEBHOOKS_PORT']}/api/v1"
    status, body, _ = api_request("POST", f"{webhooks}/pix/webhook/1/pix?hmac=x", {"pix": []})
    assert (status, body["code"]) == (401, "unauthorized")
    assert api_request("GET", f"{webhooks}/health")[0] == 200


def _assert_envelope(status, body, content_type, expected_status, code=None):
    assert content_type == "application/json"
    assert status == expected_status, body
    assert set(body) == {"status", "code", "message", "errors"}
    assert body["status"] == expected_status
    assert body["message"]
    if code:
        assert body["code"] == code


def test_a_5000_character_search_gets_the_apps_own_json_422(service):
    """The request line limit is raised, so the app's own validation answers."""
    url = f"{service.base}/customers?q={'a' * 5000}"
    _assert_envelope(*api_request("GET", url, token=service.token), 422, "validation_error")


def test_a_10_kb_bearer_token_gets_a_json_401(service):
    """The header size limit is raised, so the app refuses the token itself."""
    url = f"{service.base}/me"
    _assert_envelope(*api_request("GET", url, token="a" * 10_240), 401, "unauthorized")


@pytest.mark.parametrize(
    ("head", "status", "code"),
    [
        (b"GET /api/v1/" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "uri_too_long"),
        (
            b"GET /api/v1/me HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n",
            431,
            "request_header_fields_too_large",
        ),
        (
            b"GET /api/v1/me HTTP/1.1\r\n"
            + b"".join(b"X-%d: 1\r\n" % i for i in range(60))
            + b"\r\n",
            431,
            "request_header_fields_too_large",
        ),
        (b"NOT HTTP AT ALL\r\n\r\n", 400, "bad_request"),
    ],
    ids=["request-line-over-8190", "header-over-16k", "over-50-headers", "malformed"],
)
def test_what_gunicorn_refuses_itself_is_answered_in_json(service, head, status, code):
    """Beyond the raised limits, gunicorn's own error is the API's envelope, not HTML."""
    result = raw_request(int(service.env["PORT"]), head)
    _assert_envelope(*result, status, code)
    assert result[1]["errors"] == {}
