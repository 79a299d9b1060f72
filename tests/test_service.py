"""The service as a new user starts it: the README's `scripts/run`, which runs the Procfile's
web (gunicorn), worker and beat through honcho. Driven over real HTTP; the worker must consume
a task from the broker and beat must be up.
"""

import json
import os
import re
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
    env["PROVEDOR_ENV_FILE"] = "/dev/null"  # a checkout's .env may point at production
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


def test_the_readme_run_command_serves_api_worker_and_beat(service_env, tmp_path):
    """`scripts/run` on an empty database: migrate, first admin, demo data, then the Procfile."""
    env = service_env
    log_path = tmp_path / "run.log"
    with open(log_path, "w") as log:
        service = subprocess.Popen(
            [ROOT / "scripts" / "run"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{env['PORT']}/api/v1"
    try:
        up = wait_until(lambda: _health(base) == 200, timeout=180, interval=0.5)
        output = log_path.read_text()
        assert up, output[-3000:]
        assert f"http://127.0.0.1:{env['PORT']}/api/v1/docs" in output
        password = re.search(r"Log in as admin / (\S+)", output).group(1)

        status, body = _request(
            "POST", f"{base}/auth/login", {"username": "admin", "password": password}
        )
        assert status == 200
        token = body["access_token"]
        status, found = _request("GET", f"{base}/customers?q=silva&field=name", token=token)
        assert status == 200
        assert found["total"] > 0  # the demo customers were loaded

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
        worker_ran = wait_until(lambda: done in log_path.read_text(), timeout=60, interval=0.5)
        assert worker_ran, log_path.read_text()[-3000:]
        assert "beat: Starting..." in log_path.read_text()
    finally:
        os.killpg(service.pid, signal.SIGTERM)
        service.wait(timeout=30)


def _health(base: str) -> int | None:
    try:
        return _request("GET", f"{base}/health")[0]
    except OSError:
        return None
