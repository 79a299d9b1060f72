"""PIX webhooks (issue 20): N PIX posted to the real web server in bursts of concurrent requests,
applied by the real worker; each webhook's answer time and the time until every receivable is
paid, exactly once.

    .venv/bin/python bench/pix.py [--count 10000] [--burst 100] [--runs 3] [--json FILE]
        [--front webhooks|web] [--client loop|threads]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/provedor_bench_pix]
        [--broker-url redis://127.0.0.1:6379/15]

1. (Re)creates the database with the real migrations; a billing account with a PSP connection
   (`psp_connections.save_connection`, PEM-looking text: the webhook path never calls the PSP)
   and its webhook secret (`new_webhook_secret()`); N customers, each with one open receivable
   and its ACTIVE PixCharge (txid `txid_for(receivable, 1)`), loaded with COPY.
2. Per run: puts every receivable back to open (its charge active, no PIX received), flushes
   the bench's Redis database, starts the Procfile's `webhooks` line (the webhook front,
   web/pix_front.py; `--front web`: the `web` line instead, gunicorn with the Flask route) and
   `worker` line (Celery prefork, WORKER_CONCURRENCY, default 2), waits for both, warms every
   connection up with an empty delivery (`{"pix": []}`).
3. Delivers the N PIX, one per webhook (`POST /api/v1/pix/webhook/<account>/pix?hmac=...`),
   in bursts of `--burst` requests released at once, each on its own keep-alive connection:
   from one event loop (`--client threads`: from as many threads); each PIX pays its
   receivable in full. Reordered: `--reordered` PIX of the first bursts are held back and
   delivered last (after PIX paid later). Then the
   duplicates: `--duplicates` percent of the PIX delivered again, in reverse order, in bursts.
   A thread polls the database (count of paid receivables) every 50 ms from the first delivery.
4. Measures each webhook's answer time (client side, request sent to answer read: p50, p95,
   p99, max), and the time from the last first delivery (and from the last delivery of all,
   duplicates included) until every receivable is paid.
5. Checks: every answer 200; exactly N pix_received rows, all applied, one per receivable;
   every receivable paid once (status paid, paid_amount == amount); every charge concluded.
"""

import argparse
import asyncio
import contextlib
import http.client
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import redis
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import conninfo_of, copy_rows, recreate_database, service_env, vacuum  # noqa: E402
from bench.login_storm import free_port  # noqa: E402
from bench.scheduled_tasks import facts_with_services  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/provedor_bench_pix"
DEFAULT_BROKER = "redis://127.0.0.1:6379/15"  # flushed: never a database a service uses
AMOUNT = "99.90"
POLL_SECONDS = 0.05
SETTLE_TIMEOUT_S = 180
GOAL_P95_MS = 50.0
GOAL_SETTLE_S = 30.0
FAKE_PEM = (
    "-----BEGIN CERTIFICATE-----\n" + "QkVOQ0g=" * 20 + "\n-----END CERTIFICATE-----\n"
    "-----BEGIN PRIVATE KEY-----\n" + "QkVOQ0g=" * 20 + "\n-----END PRIVATE KEY-----\n"
)


# --- Set-up ---------------------------------------------------------------------------------
def bench_env(url: str, broker: str, var_dir: str) -> dict:
    return service_env(url, broker, var_dir)


def procfile_line(name: str) -> str:
    from honcho.environ import parse_procfile

    return parse_procfile((ROOT / "Procfile").read_text()).processes[name]


def create_database(url: str, env: dict) -> None:
    recreate_database(url)
    subprocess.run(
        ["flask", "--app", "web", "db", "upgrade"], cwd=ROOT, env=env, check=True,
        capture_output=True,
    )  # fmt: skip


def create_connection(env: dict) -> tuple[int, str]:
    """A billing account and its PSP connection; (account id, webhook secret)."""
    from models.audit import Actor, set_actor
    from models.billing import psp_connections
    from models.billing.billing_accounts import create_billing_account
    from models.db import db
    from web import create_app
    from web.config import load_settings

    app = create_app(load_settings(env))
    with app.app_context():
        set_actor(db.session, Actor(username="bench", by_system=True))
        account = create_billing_account(
            {
                "name": "Conta PIX bench",
                "bank": "237",
                "agency": "1234",
                "account": "123456",
                "account_dv": "7",
                "wallet": "09",
                "cnab_layout": 400,
                "beneficiary_name": "Provedor Bench Ltda",
                "beneficiary_document": "11222333000181",
            }
        )
        connection, _ = psp_connections.save_connection(
            account.id,
            {
                "base_url": "https://psp.bench.invalid/v2",
                "token_url": "https://psp.bench.invalid/oauth/token",
                "client_id": "bench",
                "client_secret": "bench-secret-not-used",
                "certificate_pem": FAKE_PEM,
                "pix_key": "11222333000181",
            },
        )
        secret = connection.new_webhook_secret()
        connection.webhook_registered_at = datetime.now(UTC)
        account_id = account.id
        db.session.commit()
    return account_id, secret


def seed(conninfo: str, count: int, account_id: int) -> None:
    """N customers, each with one open receivable (one line) and its active charge."""
    from models.billing.pix_charges import txid_for

    now = datetime.now(UTC)
    today = now.date()
    due = today + timedelta(days=5)
    ids = range(1, count + 1)
    with psycopg.connect(conninfo) as conn:
        copy_rows(
            conn,
            "customers",
            ("code", "active", "created_at", "updated_at", "kind", "name", "document",
             "address_city", "address_state", "search_name", "search_contact", "search_city",
             "search_address", "billing_account_id"),
            ((i, True, now, now, "PF", f"Cliente Pix {i}", f"{90000000000 + i:011d}", "Recife",
              "PE", f"cliente pix {i}", "", "", "", account_id) for i in ids),
        )  # fmt: skip
        copy_rows(
            conn,
            "customer_options",
            ("customer_code", "auto_suspend", "charge_boleto_fee", "itemized_invoice",
             "charge_extra_email", "allow_promotional_discounts", "send_boleto_email",
             "send_overdue_notice"),
            ((i, True, False, False, False, False, False, False) for i in ids),
        )  # fmt: skip
        copy_rows(
            conn,
            "receivables",
            ("id", "customer_code", "description", "amount", "issue_date", "due_date", "status",
             "source_key", "created_at", "updated_at"),
            ((i, i, f"Mensalidade {due:%m/%Y}", AMOUNT, today, due, "open", f"pixbench:{i}",
              now, now) for i in ids),
        )  # fmt: skip
        copy_rows(
            conn,
            "receivable_lines",
            ("id", "receivable_id", "description", "amount", "kind"),
            ((i, i, "Plano Bench 100M", AMOUNT, "plan") for i in ids),
        )
        copy_rows(
            conn,
            "pix_charges",
            ("id", "receivable_id", "customer_code", "billing_account_id", "generation", "txid",
             "status", "amount", "due_date", "attempts", "created_at", "updated_at"),
            ((i, i, i, account_id, 1, txid_for(i, 1), "active", AMOUNT, due, 1, now, now)
             for i in ids),
        )  # fmt: skip
        for table, column in (
            ("customers", "code"),
            ("receivables", "id"),
            ("receivable_lines", "id"),
            ("pix_charges", "id"),
        ):
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
                f" (SELECT max({column}) FROM {table}))"
            )
    vacuum(conninfo)


def reset(conninfo: str) -> None:
    """Every receivable owed again, its charge active, nothing received."""
    with psycopg.connect(conninfo) as conn:
        conn.execute("DELETE FROM pix_refunds")
        conn.execute("DELETE FROM pix_received")
        conn.execute(
            "DELETE FROM history WHERE entity IN ('pix_received', 'receivables', 'pix_charges')"
        )
        conn.execute(
            "UPDATE receivables SET status = 'open', paid_on = NULL, paid_amount = NULL"
            " WHERE status <> 'open' OR paid_amount IS NOT NULL"
        )
        conn.execute("UPDATE pix_charges SET status = 'active' WHERE status <> 'active'")
    vacuum(conninfo)


def check_broker_alone(broker_url: str, wait: float = 0) -> None:
    """Refuse a Redis database another process is connected to: its worker would take our
    tasks (and ours its), as a test suite sharing the database did. Then flush it."""
    client = redis.Redis.from_url(broker_url)
    number = client.connection_pool.connection_kwargs.get("db", 0)
    deadline = time.monotonic() + wait  # the last run's processes may still be closing theirs
    while True:
        others = [c for c in client.client_list() if int(c.get("db", -1)) == number]
        others = [c for c in others if c.get("cmd") != "client|list"]
        if not others or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    if others:
        addresses = ", ".join(sorted({c["addr"] for c in others}))
        raise SystemExit(f"Redis database {number} is in use ({addresses}): choose another")
    client.flushdb()


# --- Processes ------------------------------------------------------------------------------
def start(line: str, env: dict, log_path: Path) -> subprocess.Popen:
    """A Procfile line as supervisord and honcho run it (a shell, then exec), in its session."""
    with open(log_path, "a") as log:
        return subprocess.Popen(
            ["/bin/sh", "-c", f"exec {line}"], cwd=ROOT, env=env, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=60)
    # Its own session: only what this script started (and a child left behind).
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def wait_web(port: int, web: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if web.poll() is not None:
            raise SystemExit(f"gunicorn exited; see {log_path}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/api/v1/health")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not come up; see {log_path}")


def wait_worker(worker: subprocess.Popen, log_path: Path) -> None:
    """Until the worker logs that it is ready (no Celery client here: its connections to the
    broker would outlive the run and look like another process's)."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise SystemExit(f"the worker exited; see {log_path}")
        if " ready." in log_path.read_text():
            return
        time.sleep(0.2)
    raise SystemExit(f"the worker did not get ready; see {log_path}")


# --- HTTP -----------------------------------------------------------------------------------
def pix_body(i: int, paid_at: datetime) -> bytes:
    from models.billing.pix_charges import txid_for

    return json.dumps(
        {
            "pix": [
                {
                    "endToEndId": f"E00000000202612{i:020d}",
                    "txid": txid_for(i, 1),
                    "valor": AMOUNT,
                    "horario": paid_at.isoformat().replace("+00:00", "Z"),
                    "infoPagador": "Mensalidade",
                }
            ]
        }
    ).encode()


class Client:
    """One thread's keep-alive connection; posts and times."""

    def __init__(self, port: int, path: str):
        self.port, self.path = port, path
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.reconnects = 0

    def post(self, body: bytes) -> tuple[int | None, float]:
        headers = {"Content-Type": "application/json", "Connection": "keep-alive"}
        for attempt in (1, 2):
            started = time.perf_counter()
            try:
                self.conn.request("POST", self.path, body=body, headers=headers)
                response = self.conn.getresponse()
                response.read()
                seconds = time.perf_counter() - started
                if response.will_close:
                    self.conn.close()
                return response.status, seconds
            except (http.client.HTTPException, OSError):
                # The server closed the idle connection: once more on a new one (the webhook
                # is idempotent; a PSP retries too).
                self.conn.close()
                self.reconnects += 1
                if attempt == 2:
                    return None, time.perf_counter() - started
        return None, 0.0


class Pool:
    """`size` threads, each with its own Client; `burst(bodies)` releases one request per
    thread at once and returns (status, seconds, answered_at) in order."""

    def __init__(self, size: int, port: int, path: str):
        self.size = size
        self.clients = [Client(port, path) for _ in range(size)]
        self.start = threading.Barrier(size + 1)
        self.done = threading.Barrier(size + 1)
        self.bodies: list[bytes | None] = []
        self.results: list = [None] * size
        self.stopping = False
        self.threads = [threading.Thread(target=self._loop, args=(k,), daemon=True)
                        for k in range(size)]  # fmt: skip
        for thread in self.threads:
            thread.start()

    def _loop(self, k: int) -> None:
        while True:
            self.start.wait()
            if self.stopping:
                return
            body = self.bodies[k] if k < len(self.bodies) else None
            if body is not None:
                status, seconds = self.clients[k].post(body)
                self.results[k] = (status, seconds, time.perf_counter())
            else:
                self.results[k] = None
            self.done.wait()

    def burst(self, bodies: list[bytes]) -> list:
        self.bodies = bodies
        self.start.wait()
        self.done.wait()
        return [r for r in self.results[: len(bodies)]]

    def close(self) -> None:
        self.stopping = True
        self.start.wait()
        for thread in self.threads:
            thread.join()
        for client in self.clients:
            client.conn.close()

    @property
    def reconnects(self) -> int:
        return sum(c.reconnects for c in self.clients)


class EventLoopPool:
    """The same bursts from one thread's event loop: `size` keep-alive connections, each burst
    written to all of them at once and every answer read as it comes. A hundred client threads
    cost ~0.85 of a core at 2,000 posts/s here, and each answer's time then includes the
    client's own waits for the GIL; this client costs a fraction of that, so the times are
    the server's (docs/BENCHMARKS.md, "PIX webhooks")."""

    def __init__(self, size: int, port: int, path: str):
        self.size, self.port, self.path = size, port, path
        self.reconnects = 0
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.streams: list = [None] * size

    def burst(self, bodies: list[bytes]) -> list:
        return asyncio.run_coroutine_threadsafe(self._burst(bodies), self.loop).result()

    async def _burst(self, bodies: list[bytes]) -> list:
        return await asyncio.gather(*(self._post(k, body) for k, body in enumerate(bodies)))

    async def _post(self, k: int, body: bytes) -> tuple[int | None, float, float]:
        head = (
            f"POST {self.path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        for attempt in (1, 2):
            started = time.perf_counter()
            try:
                if self.streams[k] is None:
                    self.streams[k] = await asyncio.open_connection("127.0.0.1", self.port)
                reader, writer = self.streams[k]
                writer.write(head + body)
                status, length, closes = _answer_head(await reader.readuntil(b"\r\n\r\n"))
                await reader.readexactly(length)
                answered = time.perf_counter()
                if closes:
                    writer.close()
                    self.streams[k] = None
                return status, answered - started, answered
            except (OSError, asyncio.IncompleteReadError, ValueError):
                # The server closed the idle connection: once more on a new one.
                self.streams[k] = None
                self.reconnects += 1
                if attempt == 2:
                    return None, time.perf_counter() - started, time.perf_counter()
        return None, 0.0, time.perf_counter()

    def close(self) -> None:
        for stream in self.streams:
            if stream is not None:
                self.loop.call_soon_threadsafe(stream[1].close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()


def _answer_head(head: bytes) -> tuple[int, int, bool]:
    """(status, Content-Length, whether the server closes) of an HTTP/1.1 answer's head."""
    lines = head.decode("latin-1").split("\r\n")
    fields = dict(line.lower().split(": ", 1) for line in lines[1:] if ": " in line)
    closes = fields.get("connection", "") == "close"
    return int(lines[0].split(" ", 2)[1]), int(fields.get("content-length", "0")), closes


CLIENTS = {"loop": EventLoopPool, "threads": Pool}
FRONT_SETTINGS = {"webhooks": ("WEBHOOKS_CONCURRENCY",), "web": ("WEB_CONCURRENCY", "WEB_THREADS")}


class PaidPoller:
    """Counts paid receivables every POLL_SECONDS; the time the count first reached N."""

    def __init__(self, conninfo: str, count: int):
        self.conninfo, self.count = conninfo, count
        self.all_paid_at: float | None = None
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            while not self._stop.is_set():
                paid = conn.execute(
                    "SELECT count(*) FROM receivables WHERE status = 'paid'"
                ).fetchone()[0]
                now = time.perf_counter()
                self.samples.append((now, paid))
                if paid >= self.count:
                    self.all_paid_at = now
                    return
                self._stop.wait(POLL_SECONDS)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *_exc):
        self._stop.set()
        self._thread.join()


def stats_ms(seconds: list[float]) -> dict:
    ordered = sorted(s * 1000 for s in seconds)
    if len(ordered) < 2:
        value = ordered[0] if ordered else float("nan")
        return {"n": len(ordered), "p50": value, "p95": value, "p99": value, "max": value}
    cuts = statistics.quantiles(ordered, n=100, method="inclusive")
    return {"n": len(ordered), "p50": cuts[49], "p95": cuts[94], "p99": cuts[98],
            "max": ordered[-1]}  # fmt: skip


# --- One run --------------------------------------------------------------------------------
def delivery_order(count: int, burst: int, reordered: int, rng: random.Random) -> list[int]:
    """1..N in order, except `reordered` PIX of the first bursts held back and posted last."""
    early = list(range(1, min(count, burst * 5) + 1))
    held = set(rng.sample(early, min(reordered, len(early))))
    return [i for i in range(1, count + 1) if i not in held] + sorted(held, reverse=True)


def run_once(args, env: dict, conninfo: str, account_id: int, secret: str, var_dir: str,
             number: int) -> dict:  # fmt: skip
    reset(conninfo)
    check_broker_alone(args.broker_url, wait=0 if number == 1 else 30)
    port = free_port()
    env = {**env, "WEBHOOKS_PORT": str(port), "PORT": str(port)}
    web_log = Path(var_dir) / f"{args.front}-{number}.log"
    worker_log = Path(var_dir) / f"worker-{number}.log"
    web = start(procfile_line(args.front), env, web_log)
    worker = start(procfile_line("worker"), env, worker_log)
    pool = None
    try:
        wait_web(port, web, web_log)
        wait_worker(worker, worker_log)
        path = f"/api/v1/pix/webhook/{account_id}/pix?hmac={secret}&ignorar="
        pool = CLIENTS[args.client](args.burst, port, path)
        empty = json.dumps({"pix": []}).encode()
        for _ in range(3):  # warm-up: every connection, every gunicorn worker's first request
            warm = pool.burst([empty] * args.burst)
            if any(status != 200 for status, _, _ in warm):
                raise SystemExit(f"warm-up answered {sorted({s for s, _, _ in warm})}")

        rng = random.Random(number)
        order = delivery_order(args.count, args.burst, args.reordered, rng)
        base = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
        bodies = {i: pix_body(i, base + timedelta(seconds=i / 10)) for i in order}
        again_count = args.count * args.duplicates // 100
        duplicates = sorted(rng.sample(range(1, args.count + 1), again_count), reverse=True)

        first, again = [], []
        warm_posts = 3 * args.burst
        with PaidPoller(conninfo, args.count) as poller:
            started, cpu_started = time.perf_counter(), time.process_time()
            for k in range(0, len(order), args.burst):
                first += pool.burst([bodies[i] for i in order[k : k + args.burst]])
            last_first = max(answered for _, _, answered in first)
            client_cpu = time.process_time() - cpu_started
            for k in range(0, len(duplicates), args.burst):
                again += pool.burst([bodies[i] for i in duplicates[k : k + args.burst]])
            last_any = max([last_first] + [answered for _, _, answered in again])
            deadline = time.monotonic() + SETTLE_TIMEOUT_S
            while poller.all_paid_at is None and time.monotonic() < deadline:
                time.sleep(0.01)
        if poller.all_paid_at is None:
            raise SystemExit(f"not every receivable paid within {SETTLE_TIMEOUT_S} s")
        # Let what the duplicates queued finish before checking (nothing must change).
        time.sleep(2)
        checks = verify(conninfo, args.count)
        return {
            "webhooks": len(first),
            "duplicates": len(again),
            "not_200": sum(1 for s, _, _ in first + again if s != 200),
            "reconnects": pool.reconnects,
            "delivery_s": last_first - started,
            "webhooks_per_s": len(first) / (last_first - started),
            "answer_ms": stats_ms([s for _, s, _ in first]),
            "duplicate_answer_ms": stats_ms([s for _, s, _ in again]),
            "app_ms": stats_ms(app_seconds(web_log, warm_posts, len(first))),
            "client_cpu_share": client_cpu / (last_first - started) / (os.cpu_count() or 1),
            "settled_after_last_s": max(0.0, poller.all_paid_at - last_first),
            "settled_after_last_any_s": max(0.0, poller.all_paid_at - last_any),
            "settled_from_first_s": poller.all_paid_at - started,
            **checks,
        }
    finally:
        if pool is not None:
            pool.close()
        stop(web)
        stop(worker)


APP_TIME = re.compile(r"POST /api/v1/pix/webhook/\S+ \d+ user=\S+ ([0-9.]+)ms")


def app_seconds(web_log: Path, skip: int, count: int) -> list[float]:
    """The first deliveries' times as the Flask app logged them (web/requestlog.py: from the
    request's start in Flask to its answer, the commit and the task sent included; not the
    time waiting for a gunicorn thread, nor the client's); none through the webhook front,
    which logs a line per push to the inbox instead. The bursts follow one another:
    after the warm-up's lines, the next `count` lines are the first deliveries'."""
    times = [float(m.group(1)) / 1000 for m in map(APP_TIME.search, web_log.open()) if m]
    return times[skip : skip + count]


def verify(conninfo: str, count: int) -> dict:
    with psycopg.connect(conninfo) as conn:
        one = conn.execute(
            """SELECT
                 (SELECT count(*) FROM pix_received),
                 (SELECT count(*) FROM pix_received WHERE status = 'applied'),
                 (SELECT count(DISTINCT receivable_id) FROM pix_received),
                 (SELECT count(*) FROM (SELECT receivable_id FROM pix_received
                    GROUP BY receivable_id HAVING count(*) > 1) AS twice),
                 (SELECT count(*) FROM receivables WHERE status = 'paid'
                    AND paid_amount = amount),
                 (SELECT count(*) FROM receivables WHERE paid_amount IS DISTINCT FROM amount),
                 (SELECT count(*) FROM pix_charges WHERE status = 'concluded')"""
        ).fetchone()
    names = ("received_rows", "applied", "receivables_with_pix", "receivables_twice",
             "paid_once", "paid_amount_wrong", "charges_concluded")  # fmt: skip
    checks = dict(zip(names, one, strict=True))
    checks["ok"] = (
        checks["received_rows"] == checks["applied"] == checks["receivables_with_pix"] == count
        and checks["paid_once"] == checks["charges_concluded"] == count
        and checks["receivables_twice"] == 0
        and checks["paid_amount_wrong"] == 0
    )
    return checks


# --- Report ---------------------------------------------------------------------------------
def median_of(runs: list[dict]) -> dict:
    merged = {}
    for key, value in runs[0].items():
        if isinstance(value, dict):
            merged[key] = {k: statistics.median(run[key][k] for run in runs) for k in value}
        elif isinstance(value, bool):
            merged[key] = all(run[key] for run in runs)
        else:
            merged[key] = statistics.median(run[key] for run in runs)
    return merged


def line(label: str, r: dict) -> str:
    a, d, app = r["answer_ms"], r["duplicate_answer_ms"], r["app_ms"]
    return (
        f"| {label} | {r['webhooks']:.0f} + {r['duplicates']:.0f} | {r['not_200']:.0f} "
        f"| {r['webhooks_per_s']:.0f} | {a['p50']:.1f} | {a['p95']:.1f} | {a['p99']:.1f} "
        f"| {a['max']:.0f} | {_ms(app['p50'])} | {_ms(app['p95'])} "
        f"| {r['client_cpu_share'] * 100:.0f}% | {d['p95']:.1f} "
        f"| {r['settled_after_last_s']:.2f} "
        f"| {r['settled_after_last_any_s']:.2f} | {'yes' if r['ok'] else 'NO'} |"
    )


def _ms(value: float) -> str:
    """A time the run measured, or "-" (the webhook front logs its pushes, not each request)."""
    return "-" if value != value else f"{value:.1f}"  # NaN: no times


def report(runs: list[dict], facts: dict, settings: dict, args) -> str:
    med = median_of(runs)
    lines = [
        f"{args.count} PIX webhooks in bursts of {args.burst} concurrent requests (keep-alive),"
        f" {args.reordered} held back and posted last, {args.duplicates}% posted again;"
        f" git {facts['git']}",
        f"Posted to `{settings['web']}` ({settings['concurrency']}) from the {settings['client']}"
        f" client; worker: `{settings['worker']}`"
        f" (WORKER_CONCURRENCY={settings['WORKER_CONCURRENCY']})",
        f"Machine: {facts['nproc']} CPUs ({facts['cpu']}), {facts['ram_gb']} GB RAM, "
        f"PostgreSQL {facts['postgresql']} ({facts['pg_settings']}), Redis {facts['redis']}, "
        f"Python {facts['python']}; {facts['date']}, load average "
        f"{' / '.join(f'{x:.1f}' for x in facts['load_average'])}",
        "",
        "| run | webhooks + duplicates | not 200 | webhooks/s | answer p50 ms | p95 ms "
        "| p99 ms | max ms | in the app p50 ms | in the app p95 ms | client CPU "
        "| duplicates p95 ms | all paid after last webhook s | after last duplicate s "
        "| exactly once |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    lines += [line(str(i + 1), run) for i, run in enumerate(runs)]
    lines.append(line("**median**", med))
    p95_met = med["answer_ms"]["p95"] <= GOAL_P95_MS
    settle_met = med["settled_after_last_s"] <= GOAL_SETTLE_S
    lines += [
        "",
        f"Goal webhook answer p95 <= {GOAL_P95_MS:.0f} ms: {'met' if p95_met else 'NOT met'}; "
        f"all settled within {GOAL_SETTLE_S:.0f} s of the last delivery: "
        f"{'met' if settle_met else 'NOT met'}; exactly once in every run: "
        f"{'yes' if med['ok'] else 'NO'}.",
    ]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000, help="PIX (receivables) to pay")
    parser.add_argument("--burst", type=int, default=100, help="concurrent requests per burst")
    parser.add_argument("--duplicates", type=int, default=10, help="percent posted again")
    parser.add_argument("--reordered", type=int, default=50, help="PIX held back, posted last")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--client", choices=sorted(CLIENTS), default="loop",
        help="loop: one event loop (default); threads: one thread per concurrent request",
    )  # fmt: skip
    parser.add_argument(
        "--front", choices=("webhooks", "web"), default="webhooks",
        help="the Procfile process posted to: the webhook front (default) or gunicorn's app",
    )  # fmt: skip
    parser.add_argument("--database-url", default=DEFAULT_URL, help="dropped and recreated")
    parser.add_argument("--broker-url", default=DEFAULT_BROKER, help="flushed each run")
    parser.add_argument("--json", help="also write every figure to this file")
    args = parser.parse_args(argv)

    var_dir = tempfile.mkdtemp(prefix="provedor-pixbench-")
    env = bench_env(args.database_url, args.broker_url, var_dir)
    conninfo = conninfo_of(args.database_url)
    name = make_url(args.database_url).database
    print(f"Creating {name} with {args.count} receivables and charges...", flush=True)
    create_database(args.database_url, env)
    account_id, secret = create_connection(env)
    seed(conninfo, args.count, account_id)

    runs = []
    for number in range(1, args.runs + 1):
        print(f"Run {number}/{args.runs} (logs in {var_dir})...", flush=True)
        runs.append(run_once(args, env, conninfo, account_id, secret, var_dir, number))
        r = runs[-1]
        print(
            f"  {r['webhooks']} webhooks, {r['webhooks_per_s']:.0f}/s, answer p95 "
            f"{r['answer_ms']['p95']:.1f} ms; all paid {r['settled_after_last_s']:.2f} s after "
            f"the last; exactly once: {r['ok']}",
            flush=True,
        )
    facts = facts_with_services(conninfo, args.broker_url)
    settings = {
        "front": args.front,
        "web": procfile_line(args.front),
        "client": args.client,
        "worker": procfile_line("worker"),
        "concurrency": " ".join(
            f"{name}={os.environ.get(name, 'default')}" for name in FRONT_SETTINGS[args.front]
        ),
        "WORKER_CONCURRENCY": os.environ.get("WORKER_CONCURRENCY", "default"),
    }
    print()
    print(report(runs, facts, settings, args))
    if args.json:
        Path(args.json).write_text(
            json.dumps({"settings": settings, "facts": facts, "runs": runs}, indent=2)
        )
    return 0 if all(r["ok"] and r["not_200"] == 0 for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
