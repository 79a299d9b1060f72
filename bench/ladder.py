"""The non-payment ladder (issue 22): N customers overdue on the same day move through the
reduced-speed stage, from one sweep sent as beat sends it to the real worker; the CoA-Requests
trail behind, sent to a NAS stand-in that ACKs each one.

    .venv/bin/python bench/ladder.py [--customers 100000] [--runs 3] [--json FILE]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/provedor_bench_ladder]
        [--broker-url redis://127.0.0.1:6379/15]
    .venv/bin/python bench/ladder.py --embedded --customers 10000 --runs 1   # SQLite + files

1. (Re)creates the database with the real migrations and loads (COPY on PostgreSQL; the
   models' tables, executemany, on SQLite): one internet plan (100/50 Mbit/s) and its group,
   one NAS (the `nas` row, coa_port pointing at the stand-in), and per customer: auto_suspend
   on, an active subscription, a RADIUS login (radcheck, radusergroup in the plan's group),
   an open radacct session on that NAS, one receivable owed and overdue by the same days
   (past REDUCE_AFTER_DAYS, short of AUTO_SUSPEND_AFTER_DAYS), and its "reduction" notice
   sent long enough ago (past REDUCE_NOTICE_DAYS): every customer is due for the reduction.
2. Starts the NAS stand-in in its own process: an asyncio UDP server checking each
   CoA-Request's authenticator with the NAS secret, answering CoA-ACK (Disconnect-ACK to a
   Disconnect-Request), and counting what it got per Acct-Session-Id (and the rate limit).
3. Per run: puts everything back (full speed, the plan's group, no reduction periods, no
   requests, no history, the reduced group's rows gone; VACUUM ANALYZE), flushes the broker,
   starts the Procfile's `worker` line (WORKER_CONCURRENCY, default 2), sends
   `tasks.suspension.sweep_auto_suspension` with no arguments as beat does (t0), and polls
   the database every 0.2 s: the stage is done when all N subscriptions have speed_reduced_at
   and all N logins are in the plan's reduced group; the CoA-Requests are done when all N rows
   are acked. Also taken: the sweep task's own time (the worker's log) and the NAS's last ACK.
4. Checks exactly once: a second sweep changes nothing; one speed_reductions row and one
   history entry per subscription; one CoA-Request row per session (none superseded), each
   acked; the NAS received each session once, with the plan's reduced rate limit.
"""

import argparse
import asyncio
import hashlib
import json
import multiprocessing
import os
import re
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    conninfo_of,
    copy_rows,
    machine_facts,
    recreate_database,
    service_env,
    vacuum,
)
from bench.pix import procfile_line, start, stop, wait_worker  # noqa: E402
from bench.scheduled_tasks import TIMEZONE, facts_with_services, today_in_zone  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/provedor_bench_ladder"
DEFAULT_BROKER = "redis://127.0.0.1:6379/15"  # flushed each run: never a database a service uses
SWEEP_TASK = "tasks.suspension.sweep_auto_suspension"
NAS_IP = "127.0.0.1"
NAS_SECRET = "ladder-bench-secret"  # noqa: S105  (the stand-in's, made up)
PLAN_GROUP = "plano-ladder"
UPLOAD_KBPS, DOWNLOAD_KBPS = 50_000, 100_000
AMOUNT = "99.90"
OVERDUE_DAYS = 30  # past REDUCE_AFTER_DAYS (15), short of AUTO_SUSPEND_AFTER_DAYS (45)
NOTICE_AGE_DAYS = 20  # past REDUCE_NOTICE_DAYS (15)
POLL_SECONDS = 0.2
RUN_TIMEOUT_S = 1800
GOAL_STAGE_S = 60.0


def login(i: int) -> str:
    return f"ladder{i:06d}"


def session_id(i: int) -> str:
    return f"L{i:08X}"


# --- The NAS stand-in, in its own process ---------------------------------------------------
# RFC 5176 codes: request -> ACK.
ACK_OF = {40: 41, 43: 44}  # Disconnect-Request -> Disconnect-ACK, CoA-Request -> CoA-ACK
ACCT_SESSION_ID, VENDOR_SPECIFIC = 44, 26
MIKROTIK_RATE_LIMIT_HEAD = struct.pack("!IB", 14988, 8)  # vendor MikroTik, attribute 8


class _Nas(asyncio.DatagramProtocol):
    """Checks, counts and ACKs each request; the counts go back through a pipe on request."""

    def __init__(self, secret: bytes):
        self.secret = secret
        self.sessions: dict[str, int] = {}
        self.rate_limits: dict[str, int] = {}
        self.unverified = self.packets = 0
        self.first_ack = self.last_ack = None

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data: bytes, peer) -> None:
        self.packets += 1
        if len(data) < 20 or data[0] not in ACK_OF:
            return
        code, ident, length = data[0], data[1], struct.unpack("!H", data[2:4])[0]
        attributes = data[20:length]
        expected = _md5(data[:4] + bytes(16) + attributes + self.secret)
        if expected != data[4:20]:
            self.unverified += 1  # a NAS drops what another secret signed
            return
        session, limit = _attributes(attributes)
        self.sessions[session] = self.sessions.get(session, 0) + 1
        self.rate_limits[limit] = self.rate_limits.get(limit, 0) + 1
        head = struct.pack("!BBH", ACK_OF[code], ident, 20)
        self.transport.sendto(head + _md5(head + data[4:20] + self.secret), peer)
        self.last_ack = time.time()
        self.first_ack = self.first_ack or self.last_ack

    def report(self) -> dict:
        return {
            "sessions": self.sessions,
            "rate_limits": self.rate_limits,
            "unverified": self.unverified,
            "packets": self.packets,
            "first_ack": self.first_ack,
            "last_ack": self.last_ack,
        }

    def reset(self) -> None:
        self.__init__(self.secret)
        self.transport = self.transport


def _md5(data: bytes) -> bytes:
    """RADIUS authenticators are MD5 by the RFC (2865, 5176)."""
    return hashlib.md5(data, usedforsecurity=False).digest()


def _attributes(data: bytes) -> tuple[str | None, str | None]:
    """(Acct-Session-Id, Mikrotik-Rate-Limit) of a request's attributes."""
    session = limit = None
    at = 0
    while at + 2 <= len(data):
        kind, size = data[at], data[at + 1]
        value = data[at + 2 : at + size]
        if kind == ACCT_SESSION_ID:
            session = value.decode()
        elif kind == VENDOR_SPECIFIC and value[:5] == MIKROTIK_RATE_LIMIT_HEAD:
            limit = value[6 : 4 + value[5]].decode()
        at += max(size, 2)
    return session, limit


def _serve_nas(port: int, secret: str, control) -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        _, nas = await loop.create_datagram_endpoint(
            lambda: _Nas(secret.encode()), local_addr=(NAS_IP, port)
        )
        stopped = loop.create_future()

        def command() -> None:
            what = control.recv()
            if what == "report":
                control.send(nas.report())
            elif what == "reset":
                nas.reset()
                control.send("ok")
            else:
                stopped.set_result(None)

        loop.add_reader(control.fileno(), command)
        control.send("ready")
        await stopped

    asyncio.run(main())


class NasProcess:
    """The NAS stand-in's process: `report()` its counts, `reset()` them, `close()` it."""

    def __init__(self, port: int):
        self.control, theirs = multiprocessing.Pipe()
        self.process = multiprocessing.get_context("fork").Process(
            target=_serve_nas, args=(port, NAS_SECRET, theirs), daemon=True
        )
        self.process.start()
        if not self.control.poll(10) or self.control.recv() != "ready":
            raise SystemExit("the NAS stand-in did not start")

    def ask(self, what: str):
        self.control.send(what)
        return self.control.recv()

    def report(self) -> dict:
        return self.ask("report")

    def reset(self) -> None:
        self.ask("reset")

    def close(self) -> None:
        self.control.send("stop")
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.kill()


def free_udp_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind((NAS_IP, 0))
        return probe.getsockname()[1]


# --- Data -----------------------------------------------------------------------------------
class Loader:
    """Writes rows: COPY on PostgreSQL, the models' tables (SQLAlchemy, executemany) on
    SQLite, where the types need the app's own conversions (RadiusTime is epoch seconds)."""

    def __init__(self, url: str):
        self.url = url
        self.postgres = make_url(url).get_backend_name() == "postgresql"

    def __enter__(self):
        if self.postgres:
            self.conn = psycopg.connect(conninfo_of(self.url))
        else:
            self.engine = create_engine(self.url)
            self.conn = self.engine.connect()
        return self

    def __exit__(self, *exc):
        if exc[0] is None:
            self.conn.commit()
        self.conn.close()
        if not self.postgres:
            self.engine.dispose()

    def put(self, table: str, columns: tuple, rows) -> None:
        if self.postgres:
            copy_rows(self.conn, table, columns, rows)
            return
        from models.db import db

        model_table = db.metadata.tables[table]
        batch = []
        for row in rows:
            batch.append(dict(zip(columns, row, strict=True)))
            if len(batch) == 5000:
                self.conn.execute(model_table.insert(), batch)
                batch = []
        if batch:
            self.conn.execute(model_table.insert(), batch)

    def execute(self, sql: str, params: dict | None = None):
        if self.postgres:
            return self.conn.execute(sql, params or {})
        return self.conn.execute(text(sql.replace("%(", ":").replace(")s", "")), params or {})


def seed(url: str, count: int, nas_port: int) -> int:
    """Everything the reduction needs, as the app would have left it; returns the plan's id."""
    import models  # noqa: F401  (registers every table on the metadata)

    now = datetime.now(UTC)
    today = today_in_zone()
    due = today - timedelta(days=OVERDUE_DAYS)
    sent = now - timedelta(days=NOTICE_AGE_DAYS)
    ids = range(1, count + 1)
    with Loader(url) as load:
        load.put(
            "plans",
            ("id", "name", "kind", "download_kbps", "upload_kbps", "price", "radius_group",
             "active", "created_at", "updated_at"),
            [(1, "Ladder 100M", "internet", DOWNLOAD_KBPS, UPLOAD_KBPS, AMOUNT, PLAN_GROUP,
              True, now, now)],
        )  # fmt: skip
        load.put(
            "radgroupreply",
            ("groupname", "attribute", "op", "value"),
            [(PLAN_GROUP, "Mikrotik-Rate-Limit", ":=", f"{UPLOAD_KBPS}k/{DOWNLOAD_KBPS}k")],
        )
        load.put(
            "nas",
            ("nasname", "shortname", "type", "secret", "coa_port"),
            [(NAS_IP, "bench-nas", "other", NAS_SECRET, nas_port)],
        )
        load.put(
            "customers",
            ("code", "active", "created_at", "updated_at", "kind", "name", "document",
             "address_city", "address_state", "search_name", "search_contact", "search_city",
             "search_address"),
            ((i, True, now, now, "PF", f"Cliente Ladder {i}", f"{90000000000 + i:011d}",
              "Recife", "PE", f"cliente ladder {i}", "", "", "") for i in ids),
        )  # fmt: skip
        load.put(
            "customer_options",
            ("customer_code", "auto_suspend", "charge_boleto_fee", "itemized_invoice",
             "charge_extra_email", "allow_promotional_discounts", "send_boleto_email",
             "send_overdue_notice"),
            ((i, True, False, False, False, False, False, True) for i in ids),
        )  # fmt: skip
        load.put(
            "subscriptions",
            ("id", "customer_code", "plan_id", "status", "due_day", "price", "discount",
             "first_due_date", "created_at", "updated_at"),
            ((i, i, 1, "active", due.day if due.day <= 28 else 28, AMOUNT, "0.00", due, now,
              now) for i in ids),
        )  # fmt: skip
        load.put(
            "subscription_items",
            ("id", "subscription_id", "customer_code", "kind", "username", "password",
             "created_at"),
            ((i, i, i, "radius_login", login(i), f"pw{i:06d}", now) for i in ids),
        )  # fmt: skip
        load.put(
            "radcheck",
            ("username", "attribute", "op", "value"),
            ((login(i), "Cleartext-Password", ":=", f"pw{i:06d}") for i in ids),
        )
        load.put(
            "radusergroup",
            ("username", "groupname", "priority"),
            ((login(i), PLAN_GROUP, 1) for i in ids),
        )
        load.put(
            "radacct",
            ("acctsessionid", "acctuniqueid", "username", "nasipaddress", "acctstarttime",
             "acctupdatetime", "framedipaddress"),
            ((session_id(i), f"ladder-{i}", login(i), NAS_IP, now, now,
              f"100.64.{i // 250 % 256}.{i % 250 + 1}") for i in ids),
        )  # fmt: skip
        load.put(
            "receivables",
            ("id", "customer_code", "description", "amount", "issue_date", "due_date",
             "status", "source_key", "created_at", "updated_at"),
            ((i, i, f"Mensalidade {due:%m/%Y}", AMOUNT, due - timedelta(days=10), due, "open",
              f"ladderbench:{i}", now, now) for i in ids),
        )  # fmt: skip
        load.put(
            "notices",
            ("receivable_id", "kind", "stage", "customer_code", "recipient", "status",
             "attempts", "created_at", "updated_at", "next_attempt_at", "sent_at"),
            ((i, "reduction", 0, i, f"cliente{i}@example.com", "sent", 1, sent, sent, sent,
              sent) for i in ids),
        )  # fmt: skip
        if load.postgres:
            for table, column in (
                ("plans", "id"),
                ("customers", "code"),
                ("subscriptions", "id"),
                ("subscription_items", "id"),
                ("receivables", "id"),
            ):
                load.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
                    f" (SELECT max({column}) FROM {table}))"
                )
    return 1


def reset(url: str, plan_id: int, nas_port: int) -> None:
    """Back to the loaded state: full speed, the plan's group, no periods, requests, history."""
    from models.service.radius import reduced_group

    group = reduced_group(plan_id)
    with Loader(url) as db:
        db.execute(
            "UPDATE subscriptions SET speed_reduced_at = NULL, updated_at = created_at"
            " WHERE speed_reduced_at IS NOT NULL"
        )
        db.execute("DELETE FROM speed_reductions")
        db.execute(
            "UPDATE radusergroup SET groupname = %(plan)s WHERE groupname <> %(plan)s",
            {"plan": PLAN_GROUP},
        )
        db.execute("DELETE FROM radius_disconnects")
        db.execute("DELETE FROM history")
        db.execute("DELETE FROM radgroupreply WHERE groupname = %(group)s", {"group": group})
        db.execute("DELETE FROM radgroupcheck WHERE groupname = %(group)s", {"group": group})
        db.execute("UPDATE nas SET coa_port = %(port)s", {"port": nas_port})
    if make_url(url).get_backend_name() == "postgresql":
        vacuum(conninfo_of(url))


# --- Measuring ------------------------------------------------------------------------------
class Poller:
    """Every POLL_SECONDS: subscriptions reduced, logins in the reduced group, CoA acked; the
    (wall clock) time each first reached N."""

    def __init__(self, url: str, count: int, group: str):
        self.engine = create_engine(url)
        self.count, self.group = count, group
        self.stage_done_at = self.acked_at = None
        self.samples: list[tuple[float, int, int, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        query = text(
            "SELECT (SELECT count(*) FROM subscriptions WHERE speed_reduced_at IS NOT NULL),"
            " (SELECT count(*) FROM radusergroup WHERE groupname = :group),"
            " (SELECT count(*) FROM radius_disconnects WHERE status = 'acked')"
        )
        with self.engine.connect() as conn:
            while not self._stop.is_set():
                reduced, grouped, acked = conn.execute(query, {"group": self.group}).one()
                conn.rollback()
                now = time.time()
                self.samples.append((now, reduced, grouped, acked))
                if self.stage_done_at is None and min(reduced, grouped) >= self.count:
                    self.stage_done_at = now
                if self.acked_at is None and acked >= self.count:
                    self.acked_at = now
                if self.stage_done_at and self.acked_at:
                    return
                self._stop.wait(POLL_SECONDS)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *_exc):
        self._stop.set()
        self._thread.join()
        self.engine.dispose()


SUCCEEDED = re.compile(
    r"Task tasks\.suspension\.sweep_auto_suspension\[[^\]]+\] succeeded in ([0-9.]+)s: (.*)$"
)


def sweeps_done(log_path: Path) -> list[tuple[float, str]]:
    """(seconds, result) of each sweep the worker finished, from its log."""
    found = []
    for log_line in log_path.read_text().splitlines():
        match = SUCCEEDED.search(log_line)
        if match:
            found.append((float(match.group(1)), match.group(2)))
    return found


def wait_for_sweeps(log_path: Path, worker, count: int, timeout: float) -> list:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = sweeps_done(log_path)
        if len(done) >= count:
            return done
        if worker.poll() is not None:
            raise SystemExit(f"the worker exited; see {log_path}")
        if "sweep_auto_suspension" in log_path.read_text() and " raised " in log_path.read_text():
            raise SystemExit(f"the sweep failed; see {log_path}")
        time.sleep(0.2)
    raise SystemExit(f"the sweep did not finish within {timeout:.0f} s; see {log_path}")


def celery_client(env: dict):
    """The app's Celery, to send the sweep as beat does (made before the clock starts)."""
    from web import create_app
    from web.config import load_settings

    return create_app(load_settings(env)).extensions["celery"]


def send_sweep(celery) -> None:
    """Send the sweep as beat does: by name, no arguments, to the default queue."""
    celery.send_task(SWEEP_TASK)


def sweep_here(env: dict) -> dict:
    """The sweep in this process, as the worker runs it (the second sweep, when the worker's
    queue still holds CoA-Requests); what it owes is sent to the flushed broker, unread."""
    from tasks.billing import sweep_auto_suspension
    from web import create_app
    from web.config import load_settings

    with create_app(load_settings(env)).app_context():
        return sweep_auto_suspension.run()


def flush_broker(args, var_dir: str) -> None:
    if args.embedded:
        for folder in ("broker", "broker-processed", "broker-control"):
            for path in (Path(var_dir) / folder).glob("*"):
                path.unlink()
    else:
        redis.Redis.from_url(args.broker_url).flushdb()


def run_once(args, env: dict, plan_id: int, nas: NasProcess, var_dir: str, number: int) -> dict:
    from models.service.radius import reduced_group

    reset(args.database_url, plan_id, args.nas_port)
    nas.reset()
    flush_broker(args, var_dir)
    log_path = Path(var_dir) / f"worker-{number}.log"
    worker = start(procfile_line("worker"), env, log_path)
    try:
        wait_worker(worker, log_path)
        group = reduced_group(plan_id)
        celery = celery_client(env)
        with Poller(args.database_url, args.customers, group) as poller:
            started = time.time()
            send_sweep(celery)
            sweeps = wait_for_sweeps(log_path, worker, 1, RUN_TIMEOUT_S)
            deadline = time.monotonic() + RUN_TIMEOUT_S
            while poller.stage_done_at is None and time.monotonic() < deadline:
                time.sleep(0.05)
            if poller.stage_done_at is None:
                raise SystemExit(f"the stage did not complete; see {log_path}")
            trail_end = time.monotonic() + (args.trail_limit or RUN_TIMEOUT_S)
            while poller.acked_at is None and time.monotonic() < trail_end:
                time.sleep(0.05)
            stopped_at = time.time()
        complete = poller.acked_at is not None
        if not complete and not args.trail_limit:
            raise SystemExit(f"not every CoA-Request was acked; see {log_path}")
        # A second sweep, as a second beat or tomorrow's would: it must change nothing. Behind
        # CoA-Requests still queued it would wait for them all: then it runs in this process.
        if complete:
            first = nas.report()
            send_sweep(celery)
            second_result = wait_for_sweeps(log_path, worker, 2, RUN_TIMEOUT_S)[1][1]
            time.sleep(2)  # anything it wrongly owed would be sent by now
        else:
            stop(worker)
            flush_broker(args, var_dir)
            first = nas.report()
            second_result = str(sweep_here(env))
        second = nas.report()
        checks = verify(args.database_url, args.customers, group, second, complete)
        checks["second_sweep_result"] = second_result
        checks["second_sweep_changed_nothing"] = sum(second["sessions"].values()) == sum(
            first["sessions"].values()
        ) and '"reduced": 0' in second_result.replace("'", '"')
        checks["ok"] = checks["ok"] and checks["second_sweep_changed_nothing"]
        progress = [
            (round(at - started, 2), reduced, acked)
            for at, reduced, _, acked in poller.samples[:: max(1, len(poller.samples) // 40)]
        ]
        at_stage = max(
            (acked for at, _, _, acked in poller.samples if at <= poller.stage_done_at), default=0
        )
        acked_end = poller.samples[-1][3]
        after_stage_rate = (acked_end - at_stage) / max(1e-9, stopped_at - poller.stage_done_at)
        return {
            "stage_s": poller.stage_done_at - started,
            "sweep_task_s": sweeps[0][0],
            "sweep_result": sweeps[0][1],
            "coa_complete": complete,
            "coa_acked_s": (poller.acked_at if complete else stopped_at) - started,
            "coa_acked_count": acked_end,
            "coa_acked_by_stage_end": at_stage,
            "coa_per_s_after_stage": after_stage_rate,
            "coa_all_acked_estimate_s": (
                poller.acked_at - started
                if complete
                else stopped_at - started + (args.customers - acked_end) / after_stage_rate
            ),
            "nas_first_ack_s": first["first_ack"] - started,
            "nas_last_ack_s": first["last_ack"] - started,
            "progress": progress,
            **checks,
        }
    finally:
        stop(worker)


def verify(url: str, count: int, group: str, nas: dict, complete: bool) -> dict:
    """The exactly-once checks; with the CoA-Requests cut short (`complete` false), each sent
    at most once and every one owed still recorded once."""
    from models.service.radius import reduced_rate_limit

    engine = create_engine(url)
    with engine.connect() as conn:
        one = conn.execute(
            text(
                """SELECT
                 (SELECT count(*) FROM subscriptions WHERE speed_reduced_at IS NOT NULL
                    AND status = 'active'),
                 (SELECT count(*) FROM radusergroup WHERE groupname = :group),
                 (SELECT count(*) FROM speed_reductions),
                 (SELECT count(DISTINCT subscription_id) FROM speed_reductions
                    WHERE ended_on IS NULL),
                 (SELECT count(*) FROM radius_disconnects WHERE kind = 'coa'
                    AND status <> 'superseded'),
                 (SELECT count(DISTINCT radacct_id) FROM radius_disconnects WHERE kind = 'coa'
                    AND status <> 'superseded'),
                 (SELECT count(*) FROM radius_disconnects WHERE status = 'superseded'),
                 (SELECT count(*) FROM radius_disconnects WHERE status = 'acked'),
                 (SELECT count(*) FROM radius_disconnects WHERE kind <> 'coa'),
                 (SELECT count(*) FROM history WHERE entity = 'subscriptions'),
                 (SELECT count(DISTINCT entity_id) FROM history WHERE entity = 'subscriptions')"""
            ),
            {"group": group},
        ).one()
    engine.dispose()
    names = ("reduced", "in_reduced_group", "reduction_periods", "open_periods_distinct",
             "coa_rows", "coa_sessions", "superseded", "acked", "disconnects",
             "history_entries", "history_subscriptions")  # fmt: skip
    checks = dict(zip(names, one, strict=True))
    expected_limit = reduced_rate_limit(UPLOAD_KBPS, DOWNLOAD_KBPS, 50)
    checks["nas_sessions"] = len(nas["sessions"])
    checks["nas_requests"] = sum(nas["sessions"].values())
    checks["nas_unverified"] = nas["unverified"]
    checks["nas_rate_limits"] = nas["rate_limits"]
    checks["ok"] = (
        checks["reduced"] == checks["in_reduced_group"] == count
        and checks["reduction_periods"] == checks["open_periods_distinct"] == count
        and checks["coa_rows"] == checks["coa_sessions"] == count
        and checks["superseded"] == checks["disconnects"] == 0
        and checks["history_entries"] == checks["history_subscriptions"] == count
        and checks["nas_sessions"] == checks["nas_requests"]
        and checks["nas_unverified"] == 0
        and set(nas["rate_limits"]) <= {expected_limit}
    )
    if complete:
        checks["ok"] = checks["ok"] and checks["acked"] == checks["nas_sessions"] == count
    else:  # a request the NAS answered may not be recorded yet when the worker stopped
        checks["ok"] = checks["ok"] and checks["acked"] <= checks["nas_sessions"] <= count
    return checks


def profile(args, env: dict, plan_id: int) -> None:
    """Run the sweep in this process, as the worker does, under cProfile, with every SQL
    statement counted and timed; print where the time goes. The CoA-Requests are not sent
    (their messages are dropped): this is the stage alone."""
    import cProfile
    import io
    import pstats
    from collections import defaultdict

    from sqlalchemy import event

    from models.db import db
    from tasks.billing import sweep_auto_suspension
    from web import create_app
    from web.config import load_settings

    reset(args.database_url, plan_id, args.nas_port)
    app = create_app(load_settings(env))
    statements = defaultdict(lambda: [0, 0.0])

    def before(conn, _cursor, _statement, _parameters, _context, _many):
        conn.info.setdefault("started", []).append(time.perf_counter())

    def after(conn, _cursor, statement, _parameters, _context, _many):
        took = time.perf_counter() - conn.info["started"].pop()
        key = " ".join(statement.split())[:110]
        statements[key][0] += 1
        statements[key][1] += took

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", before)
        event.listen(db.engine, "after_cursor_execute", after)
        from unittest import mock

        profiler = cProfile.Profile()
        started = time.perf_counter()
        with mock.patch("models.service.radius_disconnects.after_commit"):
            profiler.enable()
            result = sweep_auto_suspension.run()
            profiler.disable()
        took = time.perf_counter() - started
    print(f"sweep in this process: {took:.1f} s, {result}")
    sql_total = sum(seconds for _, seconds in statements.values())
    print(f"SQL: {sum(n for n, _ in statements.values())} statements, {sql_total:.1f} s")
    for key, (n, seconds) in sorted(statements.items(), key=lambda kv: -kv[1][1])[:15]:
        print(f"  {seconds:7.2f} s {n:6d}x  {key}")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
    print(out.getvalue())


# --- Report ---------------------------------------------------------------------------------
def median_of(runs: list[dict], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def report(runs: list[dict], facts: dict, args) -> str:
    backend = (
        "SQLite + filesystem broker (the embedded default)"
        if args.embedded
        else f"PostgreSQL {facts['postgresql']}, Redis {facts['redis']}"
    )
    lines = [
        f"{args.customers:,} customers overdue on the same day, each with an open session on "
        f"one NAS; one `{SWEEP_TASK}` sent as beat does to the Procfile's worker "
        f"(`{procfile_line('worker')}`, WORKER_CONCURRENCY="
        f"{os.environ.get('WORKER_CONCURRENCY', 'default 2')}); git {facts['git']}",
        f"Machine: {facts['nproc']} CPUs ({facts['cpu']}), {facts['ram_gb']} GB RAM, {backend},"
        f" Python {facts['python']}; {facts['date']}, load average "
        f"{' / '.join(f'{x:.1f}' for x in facts['load_average'])}",
        "",
        "| run | stage done s | sweep task s | CoA acked when the stage was done "
        "| CoA/s after it | all CoA acked s | exactly once |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for i, run in enumerate(runs):
        lines.append(_row(str(i + 1), run))
    keys = ("stage_s", "sweep_task_s", "coa_acked_by_stage_end", "coa_per_s_after_stage",
            "coa_all_acked_estimate_s")  # fmt: skip
    median = {key: median_of(runs, key) for key in keys}
    median["ok"] = all(run["ok"] for run in runs)
    median["coa_complete"] = all(run["coa_complete"] for run in runs)
    lines.append(_row("**median**", median))
    met = median["stage_s"] < GOAL_STAGE_S
    lines += [
        "",
        f"Goal: the stage in under {GOAL_STAGE_S:.0f} s: {'met' if met else 'NOT met'}; "
        f"exactly once in every run: {'yes' if median['ok'] else 'NO'}.",
    ]
    return "\n".join(lines)


def _row(label: str, run: dict) -> str:
    trailing = f"{run['coa_all_acked_estimate_s']:.0f}"
    if not run["coa_complete"]:
        trailing = f"~{trailing} (estimate)"
    return (
        f"| {label} | {run['stage_s']:.1f} | {run['sweep_task_s']:.1f} "
        f"| {run['coa_acked_by_stage_end']:,.0f} | {run['coa_per_s_after_stage']:.0f} "
        f"| {trailing} | {'yes' if run['ok'] else 'NO'} |"
    )


def machine(args, var_dir: str) -> dict:
    if not args.embedded:
        return facts_with_services(conninfo_of(args.database_url), args.broker_url)
    facts = machine_facts(conninfo_of(DEFAULT_URL, "postgres"))
    facts.pop("postgresql")
    return facts


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", default=DEFAULT_URL, help="dropped and recreated")
    parser.add_argument("--broker-url", default=DEFAULT_BROKER, help="flushed each run")
    parser.add_argument(
        "--embedded", action="store_true",
        help="SQLite and the filesystem broker under a temporary folder (the default setup)",
    )  # fmt: skip
    parser.add_argument("--json", help="also write every figure to this file")
    parser.add_argument(
        "--trail-limit", type=float, default=0,
        help="stop waiting for the CoA-Requests this many seconds after the stage (0: wait for"
        " all); the rate then gives an estimate of when all would be acked",
    )  # fmt: skip
    parser.add_argument(
        "--profile", action="store_true",
        help="instead of the runs: the sweep in this process under cProfile, SQL timed",
    )  # fmt: skip
    args = parser.parse_args(argv)

    var_dir = tempfile.mkdtemp(prefix="provedor-ladderbench-")
    if args.embedded:
        args.database_url = f"sqlite:///{var_dir}/provedor.sqlite"
        env = service_env(args.database_url, "", var_dir, PROVEDOR_TIMEZONE=TIMEZONE)
        env.pop("CELERY_BROKER_URL")
    else:
        env = service_env(args.database_url, args.broker_url, var_dir, PROVEDOR_TIMEZONE=TIMEZONE)
        recreate_database(args.database_url)
    print(f"Loading {args.customers:,} customers (logs in {var_dir})...", flush=True)
    subprocess.run(
        ["flask", "--app", "web", "db", "upgrade"], cwd=ROOT, env=env, check=True,
        capture_output=True,
    )  # fmt: skip
    args.nas_port = free_udp_port()
    loaded = time.perf_counter()
    plan_id = seed(args.database_url, args.customers, args.nas_port)
    print(f"  loaded in {time.perf_counter() - loaded:.0f} s", flush=True)
    if args.profile:
        profile(args, env, plan_id)
        return 0
    nas = NasProcess(args.nas_port)
    runs = []
    try:
        for number in range(1, args.runs + 1):
            print(f"Run {number}/{args.runs}...", flush=True)
            runs.append(run_once(args, env, plan_id, nas, var_dir, number))
            r = runs[-1]
            print(
                f"  stage {r['stage_s']:.1f} s (sweep task {r['sweep_task_s']:.1f} s); CoA "
                f"acked {r['coa_acked_count']:,} by {r['coa_acked_s']:.0f} s, "
                f"{r['coa_per_s_after_stage']:.0f}/s after the stage, all "
                f"{'at' if r['coa_complete'] else 'at ~'}{r['coa_all_acked_estimate_s']:.0f} s;"
                f" exactly once: {r['ok']}",
                flush=True,
            )
            if not r["ok"]:
                print(json.dumps({k: v for k, v in r.items() if k != "progress"}, indent=1))
    finally:
        nas.close()
    facts = machine(args, var_dir)
    print()
    print(report(runs, facts, args))
    if args.json:
        Path(args.json).write_text(json.dumps({"facts": facts, "runs": runs}, indent=2))
    return 0 if all(r["ok"] for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
