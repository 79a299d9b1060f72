"""Login storm: N staff users log in at once while GET /api/v1/health is polled. Does it answer?

    .venv/bin/python bench/login_storm.py [--users 200] [--runs 3] [--json FILE]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/provedor_bench_login]
        [--broker-url redis://127.0.0.1:6379/0]

1. (Re)creates the database with the real migrations (`flask --app web db upgrade`) and adds
   N staff users plus a few for warming up, all with one password hash made by the code under
   test (so no login upgrades it).
2. Each run starts the Procfile's `web` line as it stands (same gunicorn config file, same
   environment variables, WEB_CONCURRENCY and WEB_THREADS included), waits for /health,
   warms up, and polls /health alone for a moment (the idle figure). Then N threads log in
   at once, one distinct user each, over a new HTTP connection each, while one more thread
   polls /health every 50 ms; gunicorn is stopped afterwards.
3. Prints login wall time, logins/s and health p50/p95/max during the storm for each run and
   their medians, with the machine. --json keeps every figure.
"""

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from honcho.environ import parse_procfile
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import conninfo_of, machine_facts, recreate_database, service_env  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/provedor_bench_login"
DEFAULT_BROKER = "redis://127.0.0.1:6379/0"  # /health only connects to it; nothing is written
PASSWORD = "storm-password-not-secret"  # noqa: S105 (bench users only)
WARMUP_USERS = 8
POLL_SECONDS = 0.05
GOAL_HEALTH_P95_MS = 200.0


# --- Machine and database -------------------------------------------------------------------
# --- Set-up ---------------------------------------------------------------------------------
def web_env(url: str, broker: str, var_dir: str) -> dict:
    """The web process's environment: the bench is its proxy, X-Forwarded-For names each client."""
    return service_env(url, broker, var_dir, TRUSTED_PROXIES="1")


def create_database(url: str, env: dict) -> None:
    recreate_database(url)
    subprocess.run(["flask", "--app", "web", "db", "upgrade"], cwd=ROOT, env=env, check=True)


def create_users(env: dict, count: int) -> None:
    """`count` storm users and WARMUP_USERS more, sharing one hash of PASSWORD."""
    from models.audit import Actor, set_actor
    from models.db import db
    from models.staff.users import User
    from web import create_app
    from web.config import load_settings

    app = create_app(load_settings(env))
    with app.app_context():
        set_actor(db.session, Actor(username="bench", by_system=True))
        template = User()
        template.set_password(PASSWORD)
        names = [f"storm{i:04d}" for i in range(count)]
        names += [f"warmup{i:02d}" for i in range(WARMUP_USERS)]
        db.session.add_all(
            User(username=name, role="attendant", active=True, password_hash=template.password_hash)
            for name in names
        )
        db.session.commit()


def web_command() -> str:
    return parse_procfile((ROOT / "Procfile").read_text()).processes["web"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- HTTP -----------------------------------------------------------------------------------
def timed(
    method: str, url: str, body: dict | None = None, timeout: float = 300, headers=None
) -> tuple:
    """(status, seconds) of one request over a new connection; status None if none came."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 (loopback)
        url,
        data=data,
        method=method,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError:
        status = None
    return status, time.perf_counter() - started


def login(base: str, username: str, index: int) -> tuple:
    """Log `username` in from a client address of its own, as staff behind a proxy arrive.

    All requests really come from 127.0.0.1; the web process trusts one proxy hop
    (TRUSTED_PROXIES=1) and the header names the client (198.18.0.0/15, the range for
    benchmarks: a header value, no traffic goes there). From one address, 200 logins at once
    would be refused by the per-IP limit on logins in flight, which is a different test.
    """
    client = f"198.18.{index // 250}.{index % 250 + 1}"
    return timed(
        "POST",
        f"{base}/auth/login",
        {"username": username, "password": PASSWORD},
        headers={"X-Forwarded-For": client},
    )


class HealthPoller:
    """GET /health every POLL_SECONDS in a thread; keeps (start, status, seconds)."""

    def __init__(self, base: str):
        self.base = base
        self.samples: list[tuple[float, int | None, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self):
        while not self._stop.is_set():
            started = time.perf_counter()
            status, seconds = timed("GET", f"{self.base}/health", timeout=120)
            self.samples.append((started, status, seconds))
            self._stop.wait(max(0.0, started + POLL_SECONDS - time.perf_counter()))

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *_exc):
        self._stop.set()
        self._thread.join()


def stats_ms(seconds: list[float]) -> dict:
    ordered = sorted(s * 1000 for s in seconds)
    if not ordered:
        return {"n": 0, "p50": float("nan"), "p95": float("nan"), "max": float("nan")}
    if len(ordered) < 2:
        return {"n": len(ordered), "p50": ordered[0], "p95": ordered[0], "max": ordered[0]}
    cuts = statistics.quantiles(ordered, n=100, method="inclusive")
    return {"n": len(ordered), "p50": cuts[49], "p95": cuts[94], "max": ordered[-1]}


# --- One run --------------------------------------------------------------------------------
def start_web(env: dict, log_path: Path) -> subprocess.Popen:
    """The Procfile's web line, as supervisord and honcho run it (a shell, then exec)."""
    with open(log_path, "a") as log:
        return subprocess.Popen(
            ["/bin/sh", "-c", f"exec {web_command()}"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def run_once(env: dict, users: int, log_path: Path) -> dict:
    base = f"http://127.0.0.1:{env['PORT']}/api/v1"
    web = start_web(env, log_path)
    try:
        deadline = time.monotonic() + 60
        while timed("GET", f"{base}/health", timeout=5)[0] != 200:
            if web.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not come up; see {log_path}")
            time.sleep(0.2)
        # Warm up every worker process (connections, first-request costs), then idle health.
        warmup = [
            threading.Thread(target=login, args=(base, f"warmup{i:02d}", 1000 + i))
            for i in range(WARMUP_USERS)
        ]
        for thread in warmup:
            thread.start()
        for thread in warmup:
            thread.join()
        with HealthPoller(base) as idle:
            time.sleep(2)

        results: list[tuple] = [()] * users
        go = threading.Barrier(users + 1)

        def one(i: int) -> None:
            go.wait()
            results[i] = login(base, f"storm{i:04d}", i)

        threads = [threading.Thread(target=one, args=(i,)) for i in range(users)]
        for thread in threads:
            thread.start()
        with HealthPoller(base) as storm:
            time.sleep(0.2)  # a few polls before, so the storm's start is covered
            go.wait()
            started = time.perf_counter()
            for thread in threads:
                thread.join()
            wall = time.perf_counter() - started
        during = [s for s in storm.samples if started <= s[0] <= started + wall]
        ok = sum(1 for status, _ in results if status == 200)
        return {
            "logins": users,
            "logins_ok": ok,
            "wall_s": wall,
            "logins_per_s": users / wall,
            "login_ms": stats_ms([seconds for _, seconds in results]),
            "health_idle_ms": stats_ms([s[2] for s in idle.samples if s[1] == 200]),
            "health_ms": stats_ms([s[2] for s in during]),
            "health_not_200": sum(1 for s in during if s[1] != 200),
        }
    finally:
        web.send_signal(signal.SIGTERM)
        web.wait(timeout=60)


def median_of(runs: list[dict]) -> dict:
    """The median of every figure over the runs."""
    merged = {}
    for key, value in runs[0].items():
        if isinstance(value, dict):
            merged[key] = {k: statistics.median(run[key][k] for run in runs) for k in value}
        else:
            merged[key] = statistics.median(run[key] for run in runs)
    return merged


def line(label: str, r: dict) -> str:
    return (
        f"| {label} | {r['logins_ok']:.0f}/{r['logins']:.0f} | {r['wall_s']:.2f} "
        f"| {r['logins_per_s']:.1f} | {r['login_ms']['p50']:.0f} | {r['login_ms']['max']:.0f} "
        f"| {r['health_idle_ms']['p50']:.1f} | {r['health_ms']['n']:.0f} "
        f"| {r['health_ms']['p50']:.1f} | {r['health_ms']['p95']:.1f} "
        f"| {r['health_ms']['max']:.1f} | {r['health_not_200']:.0f} |"
    )


def report(runs: list[dict], facts: dict, settings: dict) -> str:
    med = median_of(runs)
    lines = [
        f"Web line: `{settings['web']}` (WEB_CONCURRENCY={settings['WEB_CONCURRENCY']}, "
        f"WEB_THREADS={settings['WEB_THREADS']}); git {facts['git']}",
        f"Machine: {facts['nproc']} CPUs ({facts['cpu']}), {facts['ram_gb']} GB RAM, "
        f"PostgreSQL {facts['postgresql']}, Python {facts['python']}; {facts['date']}, "
        f"load average {' / '.join(f'{x:.1f}' for x in facts['load_average'])}",
        "",
        "| run | logins ok | wall s | logins/s | login p50 ms | login max ms "
        "| health idle p50 ms | health polls | health p50 ms | health p95 ms | health max ms "
        "| health not 200 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [line(str(i + 1), run) for i, run in enumerate(runs)]
    lines.append(line("**median**", med))
    met = med["health_ms"]["p95"] < GOAL_HEALTH_P95_MS and med["logins_ok"] == med["logins"]
    lines += ["", f"Goal health p95 < {GOAL_HEALTH_P95_MS:.0f} ms during the storm: "
              f"{'met' if met else 'NOT met'}."]  # fmt: skip
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200, help="logins fired at once")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", default=DEFAULT_URL, help="dropped and recreated")
    parser.add_argument("--broker-url", default=DEFAULT_BROKER)
    parser.add_argument("--json", help="also write every figure to this file")
    args = parser.parse_args(argv)

    var_dir = tempfile.mkdtemp(prefix="provedor-storm-")
    env = web_env(args.database_url, args.broker_url, var_dir)
    print(f"Creating {make_url(args.database_url).database} with {args.users} users...", flush=True)
    create_database(args.database_url, env)
    create_users(env, args.users)

    runs = []
    for number in range(1, args.runs + 1):
        env["PORT"] = str(free_port())
        log_path = Path(var_dir) / f"web-{number}.log"
        print(f"Run {number}/{args.runs} (gunicorn output: {log_path})...", flush=True)
        runs.append(run_once(env, args.users, log_path))
        result = runs[-1]
        print(
            f"  {result['logins_ok']}/{args.users} logins in {result['wall_s']:.2f} s; "
            f"health p95 {result['health_ms']['p95']:.1f} ms",
            flush=True,
        )
    facts = machine_facts(conninfo_of(args.database_url))
    settings = {
        "web": web_command(),
        "WEB_CONCURRENCY": os.environ.get("WEB_CONCURRENCY", "default"),
        "WEB_THREADS": os.environ.get("WEB_THREADS", "default"),
    }
    print()
    print(report(runs, facts, settings))
    if args.json:
        Path(args.json).write_text(
            json.dumps({"settings": settings, "facts": facts, "runs": runs}, indent=2)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
