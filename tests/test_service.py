"""The service as deployed: the Procfile's web, worker and beat, started by honcho.

This is what the README's run command starts; the test drives it over real HTTP and checks that
the worker consumes tasks from the broker and that beat is up.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _request(method, url, body=None, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


@pytest.fixture
def service_env(settings, tmp_path):
    """Environment for a private instance: own var dir, own database, own broker queue."""
    skip = ("PYTEST", "DATABASE_URL", "CELERY_", "TEST_")  # only what this test sets below
    env = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
    env.update(PROVEDOR_VAR_DIR=str(tmp_path / "var"), PATH=f"{BIN}:{env['PATH']}")
    env["PORT"] = str(_free_port())
    if settings.database_url.startswith("postgresql"):
        from tests.conftest import _recreate_postgres_database

        url = make_url(settings.database_url).set(database="provedor_test_service")
        env["DATABASE_URL"] = url.render_as_string(hide_password=False)
        _recreate_postgres_database(env["DATABASE_URL"])
    if settings.broker_url.startswith("redis"):
        env["CELERY_BROKER_URL"] = settings.broker_url.rsplit("/", 1)[0] + "/14"
        from tests.conftest import _flush_redis

        _flush_redis(env["CELERY_BROKER_URL"])
    return env


def _flask(env, *args):
    subprocess.run([BIN / "flask", "--app", "web", *args], cwd=ROOT, env=env, check=True)


def test_procfile_runs_web_worker_and_beat(service_env, tmp_path):
    env = service_env
    _flask(env, "db", "upgrade")
    _flask(env, "users", "create", "chefe", "--role", "admin", "--password", "senha-bem-longa")
    log_path = tmp_path / "honcho.log"
    with open(log_path, "w") as log:
        honcho = subprocess.Popen(
            [BIN / "honcho", "start", "-f", "Procfile", "-p", env["PORT"]],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{env['PORT']}/api/v1"
    try:
        up = wait_until(lambda: _health(base) == 200, timeout=60)
        assert up, log_path.read_text()[-3000:]

        status, body = _request(
            "POST", f"{base}/auth/login", {"username": "chefe", "password": "senha-bem-longa"}
        )
        assert status == 200
        token = body["access_token"]
        status, _ = _request("GET", f"{base}/customers?q=silva", token=token)
        assert status == 200

        subprocess.run(
            [
                BIN / "celery",
                "-A",
                "tasks.worker",
                "call",
                "tasks.maintenance.purge_expired_tokens",
            ],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        done = "Task tasks.maintenance.purge_expired_tokens["
        worker_ran = wait_until(lambda: done in log_path.read_text(), timeout=60)
        assert worker_ran, log_path.read_text()[-3000:]
        assert "beat: Starting..." in log_path.read_text()
    finally:
        os.killpg(honcho.pid, signal.SIGTERM)
        honcho.wait(timeout=30)


def _health(base: str) -> int | None:
    try:
        return _request("GET", f"{base}/health")[0]
    except OSError:
        return None
