"""Scheduled tasks: N suspensions due today, two Celery workers, PostgreSQL + Redis, end to end.

    .venv/bin/python bench/scheduled_tasks.py [--tasks 10000] [--runs 3] [--sessions 0,10]
        [--profile 500] [--json FILE]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/provedor_bench_tasks]
        [--broker-url redis://127.0.0.1:6379/13]

1. (Re)creates the database with the real migrations (`flask --app web db upgrade`) and seeds it
   with SQL (COPY, not the API): one admin user (a real argon2 hash), one internet plan and its
   radgroupreply, N customers, N active subscriptions (one each), one radius_login item per
   subscription with its radcheck and radusergroup rows (as `sync_login` writes them), and N
   scheduled tasks `suspend`, `pending`, due today in the ISP's zone, scheduled by the admin.
2. Flushes the Redis database and starts two workers as the Procfile would, one process each:
   `celery -A tasks.worker worker --pool prefork --concurrency 1 -n w1@%h` (and w2), with the
   bench's DATABASE_URL / CELERY_BROKER_URL; waits until both answer ping, then warms them up.
3. For each --sessions percentage (share of logins with an open radacct session; their NAS has
   no `nas` row, so each Disconnect-Request fails at once and its send_disconnect task is
   short, but it still takes a worker turn), --runs times: resets tasks to pending,
   subscriptions to active and RADIUS rows to the plan's group (history and disconnects
   emptied, VACUUM ANALYZE), sends `tasks.plans.sweep_scheduled_tasks` (t0) and polls
   `scheduled_tasks` until all N are done or failed (wall time, tasks/s); then waits for the
   disconnect tasks to drain. It then checks every effect happened exactly once, resets again
   and times one SQL UPDATE of the same subscriptions (and one of their radusergroup rows) in
   the same database: the ratio end to end / SQL.
4. Prints per-run figures and medians, the checks, and the machine. --profile N then applies N
   tasks in this process, exactly as a worker's `apply_scheduled_tasks` does, counting and
   timing every SQL statement (SQLAlchemy cursor events) to show where a task's time goes.
   Workers are stopped (SIGTERM, warm shutdown) at the end and on error.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import redis
from celery import Celery
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

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/provedor_bench_tasks"
DEFAULT_BROKER = "redis://127.0.0.1:6379/13"
TIMEZONE = "America/Sao_Paulo"  # PROVEDOR_TIMEZONE's default; "due today" is a date there
PLAN_GROUP = "plano-bench"
SUSPENDED_GROUP = "suspenso"  # RADIUS_SUSPENDED_GROUP's default
ADMIN = "admin"
GHOST_NAS = "192.0.2.1"  # TEST-NET-1, no `nas` row: the disconnect fails without waiting
WORKERS = ("w1", "w2")
POLL_SECONDS = 0.02
RUN_TIMEOUT_S = 1800
STALL_S = 30  # no task claimed this long after the sweep was sent: it failed
GOAL_TASKS_PER_S = 500.0


# --- Machine and database -------------------------------------------------------------------
def facts_with_services(conninfo: str, broker_url: str) -> dict:
    """The machine, plus the PostgreSQL settings that decide commit costs and Redis's version."""
    with psycopg.connect(conninfo) as conn:
        settings = {
            name: conn.execute(f"SHOW {name}").fetchone()[0]
            for name in ("shared_buffers", "synchronous_commit", "fsync", "max_connections")
        }
    redis_version = redis.Redis.from_url(broker_url).info("server").get("redis_version", "?")
    return machine_facts(conninfo, pg_settings=settings, redis=redis_version)


def worker_env(url: str, broker: str, var_dir: str) -> dict:
    """The workers' environment: "due today" is a date in the ISP's zone."""
    return service_env(url, broker, var_dir, PROVEDOR_TIMEZONE=TIMEZONE)


def today_in_zone() -> date:
    return datetime.now(UTC).astimezone(ZoneInfo(TIMEZONE)).date()


def seed(conninfo: str, count: int) -> None:
    """Everything the sweep needs, written the way the app would have left it."""
    from models.staff.users import hash_password

    now = datetime.now(UTC)
    today = today_in_zone()
    with psycopg.connect(conninfo) as conn:
        admin_id = conn.execute(
            "INSERT INTO users (username, full_name, role, active, password_hash, created_at,"
            " updated_at) VALUES (%s, 'Bench Admin', 'admin', true, %s, %s, %s) RETURNING id",
            (ADMIN, hash_password("bench-password-not-secret"), now, now),
        ).fetchone()[0]
        plan_id = conn.execute(
            "INSERT INTO plans (name, kind, download_kbps, upload_kbps, price, radius_group,"
            " active, created_at, updated_at) VALUES ('Bench 100M', 'internet', 100000, 50000,"
            " 99.90, %s, true, %s, %s) RETURNING id",
            (PLAN_GROUP, now, now),
        ).fetchone()[0]
        conn.execute(
            "INSERT INTO radgroupreply (groupname, attribute, op, value)"
            " VALUES (%s, 'Mikrotik-Rate-Limit', ':=', '50000k/100000k')",
            (PLAN_GROUP,),
        )
        ids = range(1, count + 1)
        copy_rows(
            conn,
            "customers",
            ("code", "active", "created_at", "updated_at", "kind", "name", "document",
             "search_name", "search_contact", "search_city", "search_address"),
            ((i, True, now, now, "PF", f"Cliente Bench {i}", f"{90000000000 + i:011d}",
              f"cliente bench {i}", "", "", "") for i in ids),
        )  # fmt: skip
        copy_rows(
            conn,
            "subscriptions",
            ("id", "customer_code", "plan_id", "status", "due_day", "price", "discount",
             "first_due_date", "created_at", "updated_at"),
            ((i, i, plan_id, "active", 10, "99.90", "0.00", today, now, now) for i in ids),
        )  # fmt: skip
        copy_rows(
            conn,
            "subscription_items",
            ("id", "subscription_id", "customer_code", "kind", "username", "password",
             "created_at"),
            ((i, i, i, "radius_login", login(i), f"pw{i:06d}", now) for i in ids),
        )  # fmt: skip
        copy_rows(
            conn,
            "radcheck",
            ("username", "attribute", "op", "value"),
            ((login(i), "Cleartext-Password", ":=", f"pw{i:06d}") for i in ids),
        )
        copy_rows(
            conn,
            "radusergroup",
            ("username", "groupname", "priority"),
            ((login(i), PLAN_GROUP, 1) for i in ids),
        )
        copy_rows(
            conn,
            "scheduled_tasks",
            ("id", "customer_code", "subscription_id", "kind", "run_on", "status",
             "scheduled_by_id", "scheduled_by", "created_at", "attempts"),
            ((i, i, i, "suspend", today, "pending", admin_id, ADMIN, now, 0) for i in ids),
        )  # fmt: skip
        for table, column in (
            ("customers", "code"),
            ("subscriptions", "id"),
            ("subscription_items", "id"),
            ("scheduled_tasks", "id"),
        ):
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
                f" (SELECT max({column}) FROM {table}))"
            )
    vacuum(conninfo)


def login(i: int) -> str:
    return f"bench{i:06d}"


def reset(conninfo: str, count: int, sessions_pct: float) -> int:
    """Back to the seeded state: tasks pending, subscriptions active, logins in the plan group.

    History and disconnects are emptied, and `sessions_pct` % of the logins get an open
    session (on a NAS with no `nas` row). Returns how many sessions are open.
    """
    every = round(100 / sessions_pct) if sessions_pct > 0 else 0
    now = datetime.now(UTC)
    with psycopg.connect(conninfo) as conn:
        conn.execute(
            "UPDATE scheduled_tasks SET status = 'pending', claimed_at = NULL,"
            " lease_until = NULL, attempts = 0, executed_at = NULL, failure_reason = NULL"
        )
        conn.execute(
            "UPDATE subscriptions SET status = 'active', status_changed_at = NULL,"
            " updated_at = created_at"
        )
        conn.execute("UPDATE radusergroup SET groupname = %s", (PLAN_GROUP,))
        conn.execute("TRUNCATE history, radius_disconnects, radacct RESTART IDENTITY")
        opened = [i for i in range(1, count + 1) if every and i % every == 0]
        copy_rows(
            conn,
            "radacct",
            ("acctsessionid", "acctuniqueid", "username", "nasipaddress", "acctstarttime",
             "acctupdatetime", "framedipaddress"),
            ((f"S{i:08X}", f"bench-{i}", login(i), GHOST_NAS, now, now,
              f"100.64.{i // 250 % 256}.{i % 250 + 1}") for i in opened),
        )  # fmt: skip
    vacuum(conninfo)
    return len(opened)


# --- Workers --------------------------------------------------------------------------------
def start_workers(env: dict, var_dir: str) -> list[tuple[subprocess.Popen, Path]]:
    workers = []
    for name in WORKERS:
        log_path = Path(var_dir) / f"{name}.log"
        command = [
            "celery", "-A", "tasks.worker", "worker", "--pool", "prefork", "--concurrency", "1",
            "-n", f"{name}@%h", "--loglevel", os.environ.get("LOG_LEVEL", "INFO"),
        ]  # fmt: skip
        with open(log_path, "a") as log:
            process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        workers.append((process, log_path))
    return workers


def stop_workers(workers: list[tuple[subprocess.Popen, Path]]) -> None:
    """Warm shutdown (SIGTERM to each worker's main process); kill its group if it hangs."""
    for process, _ in workers:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process, _ in workers:
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # its own session: only what we started
            process.wait()


def wait_for_workers(client: Celery, workers, timeout: float = 90) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process, log_path in workers:
            if process.poll() is not None:
                raise SystemExit(f"a worker exited ({process.returncode}); see {log_path}")
        replies = client.control.ping(timeout=1.0) or []
        names = sorted(name for reply in replies for name in reply)
        if all(any(n.startswith(f"{w}@") for n in names) for w in WORKERS):
            return names
    raise SystemExit("the workers did not answer ping")


def queue_empty(broker: redis.Redis) -> bool:
    """No message waiting in the default queue, none delivered and unacknowledged."""
    return broker.llen("celery") == 0 and broker.zcard("unacked_index") == 0


def wait_queue_empty(broker: redis.Redis, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not queue_empty(broker):
        if time.monotonic() > deadline:
            raise SystemExit("the Celery queue did not drain")
        time.sleep(0.05)


# --- One run --------------------------------------------------------------------------------
def run_once(conninfo: str, client: Celery, broker: redis.Redis, count: int, sessions: int):
    with psycopg.connect(conninfo, autocommit=True) as conn:
        finished_sql = "SELECT count(*) FROM scheduled_tasks WHERE status IN ('done', 'failed')"
        owed_sql = "SELECT count(*), count(*) FILTER (WHERE attempts > 0) FROM radius_disconnects"
        claimed_sql = "SELECT count(*) FROM scheduled_tasks WHERE status <> 'pending'"
        t0_db = conn.execute("SELECT clock_timestamp()").fetchone()[0]
        t0 = time.perf_counter()
        client.send_task("tasks.plans.sweep_scheduled_tasks")
        first = None
        while True:
            finished = conn.execute(finished_sql).fetchone()[0]
            now = time.perf_counter()
            if now - t0 > STALL_S and not conn.execute(claimed_sql).fetchone()[0]:
                raise SystemExit(f"the sweep claimed nothing in {STALL_S} s: see the worker logs")
            if finished and first is None:
                first = now - t0
            if finished >= count:
                wall = now - t0
                break
            if now - t0 > RUN_TIMEOUT_S:
                raise SystemExit(f"only {finished}/{count} tasks finished after {RUN_TIMEOUT_S} s")
            time.sleep(POLL_SECONDS)
        # The disconnect tasks the suspensions sent: each is attempted once (no NAS: fails).
        while True:
            owed, attempted = conn.execute(owed_sql).fetchone()
            if owed == sessions and attempted == owed and queue_empty(broker):
                drained = time.perf_counter() - t0
                break
            if time.perf_counter() - t0 > RUN_TIMEOUT_S:
                raise SystemExit(f"disconnects: {attempted}/{owed} attempted, {sessions} owed")
            time.sleep(POLL_SECONDS)
        sweep_s, last_s = conn.execute(
            "SELECT extract(epoch FROM max(claimed_at) - %(t0)s),"
            " extract(epoch FROM max(executed_at) - %(t0)s) FROM scheduled_tasks",
            {"t0": t0_db},
        ).fetchone()
    return {
        "tasks": count,
        "sessions": sessions,
        "wall_s": wall,
        "tasks_per_s": count / wall,
        "first_done_s": first,
        "sweep_claimed_s": float(sweep_s),  # last claim page, from t0 (database clock)
        "last_executed_s": float(last_s),  # last executed_at, from t0 (database clock)
        "drained_s": drained,  # disconnect tasks attempted too, queue empty
    }


def verify(conninfo: str, count: int, sessions: int) -> dict:
    """Every effect exactly once: the counts the issue asks for, and no duplicates."""
    queries = {
        "tasks_done": "SELECT count(*) FROM scheduled_tasks WHERE status = 'done'",
        "tasks_failed": "SELECT count(*) FROM scheduled_tasks WHERE status = 'failed'",
        "tasks_attempted_twice": "SELECT count(*) FROM scheduled_tasks WHERE attempts <> 1",
        "subscriptions_suspended": "SELECT count(*) FROM subscriptions WHERE status = 'suspended'",
        "radusergroup_suspended": (
            f"SELECT count(*) FROM radusergroup WHERE groupname = '{SUSPENDED_GROUP}'"
        ),
        "radusergroup_rows": "SELECT count(*) FROM radusergroup",
        "radcheck_rows": "SELECT count(*) FROM radcheck",
        "history_subscription_updates": (
            "SELECT count(*) FROM history WHERE entity = 'subscriptions' AND action = 'update'"
        ),
        "history_subscriptions_doubled": (
            "SELECT count(*) FROM (SELECT entity_id FROM history WHERE entity = 'subscriptions'"
            " AND action = 'update' GROUP BY entity_id HAVING count(*) > 1) AS d"
        ),
        "history_task_updates": (
            "SELECT count(*) FROM history WHERE entity = 'scheduled_tasks' AND action = 'update'"
        ),
        "disconnects": "SELECT count(*) FROM radius_disconnects",
        "disconnects_doubled": (
            "SELECT count(*) FROM (SELECT radacct_id FROM radius_disconnects"
            " GROUP BY radacct_id HAVING count(*) > 1) AS d"
        ),
    }
    with psycopg.connect(conninfo) as conn:
        found = {name: conn.execute(sql).fetchone()[0] for name, sql in queries.items()}
    expected = {
        "tasks_done": count,
        "tasks_failed": 0,
        "tasks_attempted_twice": 0,
        "subscriptions_suspended": count,
        "radusergroup_suspended": count,
        "radusergroup_rows": count,
        "radcheck_rows": count,
        "history_subscription_updates": count,
        "history_subscriptions_doubled": 0,
        "history_task_updates": count,
        "disconnects": sessions,
        "disconnects_doubled": 0,
    }
    return {
        "ok": found == expected,
        "found": found,
        "wrong": {k: (found[k], v) for k, v in expected.items() if found[k] != v},
    }


def sql_reference(conninfo: str) -> dict:
    """One UPDATE of the same subscriptions, and one of their logins' radusergroup rows."""
    with psycopg.connect(conninfo) as conn:
        ids = [row[0] for row in conn.execute("SELECT subscription_id FROM scheduled_tasks")]
        conn.commit()
        started = time.perf_counter()
        conn.execute(
            "UPDATE subscriptions SET status = 'suspended', status_changed_at = now(),"
            " updated_at = now() WHERE id = ANY(%s)",
            (ids,),
        )
        conn.commit()
        subscriptions_s = time.perf_counter() - started
        started = time.perf_counter()
        conn.execute(
            "UPDATE radusergroup SET groupname = %s FROM subscription_items AS i"
            " WHERE i.username = radusergroup.username AND i.kind = 'radius_login'"
            " AND i.deleted_at IS NULL AND i.subscription_id = ANY(%s)",
            (SUSPENDED_GROUP, ids),
        )
        conn.commit()
        radusergroup_s = time.perf_counter() - started
    return {"sql_subscriptions_s": subscriptions_s, "sql_radusergroup_s": radusergroup_s}


# --- Profile --------------------------------------------------------------------------------
def normalize(statement: str) -> str:
    """A statement's shape: literals and parameter lists folded, whitespace collapsed."""
    text = re.sub(r"\s+", " ", statement).strip()
    text = re.sub(r"\(%\(\w+\)s(?:, %\(\w+\)s)*\)", "(...)", text)
    text = re.sub(r"%\((\w+?)(?:_m?\d+)+\)s", r"%(\1)s", text)
    return text


def profile_in_process(env: dict, count: int) -> dict:
    """Apply `count` claimed tasks here, as a worker does, timing each SQL statement."""
    from sqlalchemy import event

    import models.service.scheduled_tasks as scheduled_tasks
    from models.db import db
    from tasks.service import apply_scheduled_tasks
    from web import create_app
    from web.config import load_settings

    os.environ.update({k: env[k] for k in ("DATABASE_URL", "CELERY_BROKER_URL")})
    app = create_app(load_settings(env))
    app.logger.setLevel("WARNING")
    stats: dict[str, list] = defaultdict(lambda: [0, 0.0])
    timing = {"commits": 0, "commit_s": 0.0}

    with app.app_context():
        engine = db.engine
        lease = app.config["PROVEDOR_SETTINGS"].scheduled_tasks_lease_seconds
        ids = scheduled_tasks.claim_due_tasks(count, timedelta(seconds=lease))
        db.session.commit()

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn, cursor, statement, parameters, context, executemany):
        conn.info["bench_started"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn, cursor, statement, parameters, context, executemany):
        entry = stats[normalize(statement)]
        entry[0] += 1
        entry[1] += time.perf_counter() - conn.info.pop("bench_started")

    from sqlalchemy.engine import Connection

    real_commit = Connection._commit_impl

    def timed_commit(self):
        started = time.perf_counter()
        try:
            return real_commit(self)
        finally:
            timing["commits"] += 1
            timing["commit_s"] += time.perf_counter() - started

    Connection._commit_impl = timed_commit
    sent = []
    # Disconnects are only counted (they would go to the bench's broker otherwise).
    from tasks import service as radius_tasks

    radius_tasks.send_disconnect.delay = lambda *a, **k: sent.append(a)
    # First half timed (SQL events only), second half under cProfile (which slows Python).
    timed_ids, profiled_ids = ids[: len(ids) // 2], ids[len(ids) // 2 :]
    profiler = cProfile.Profile()
    try:
        started = time.perf_counter()
        for start in range(0, len(timed_ids), 50):  # tasks.service.BATCH ids per message
            apply_scheduled_tasks(timed_ids[start : start + 50])
        elapsed = time.perf_counter() - started
        timed_stats = {sql: list(entry) for sql, entry in stats.items()}
        timed_commits = dict(timing)
        profiler.enable()
        for start in range(0, len(profiled_ids), 50):
            apply_scheduled_tasks(profiled_ids[start : start + 50])
        profiler.disable()
    finally:
        Connection._commit_impl = real_commit
    stats, timing = timed_stats, timed_commits
    ids = timed_ids
    applied = len(ids)
    sql_s = sum(t for _, t in stats.values())
    stream = io.StringIO()
    project = pstats.Stats(profiler, stream=stream).sort_stats("cumulative")
    project.print_stats(r"/work/main/(models|tasks)/", 25)
    return {
        "tasks": applied,
        "elapsed_s": elapsed,
        "tasks_per_s": applied / elapsed,
        "statements": sum(n for n, _ in stats.values()),
        "statements_per_task": sum(n for n, _ in stats.values()) / applied,
        "sql_s": sql_s,
        "commits": timing["commits"],
        "commit_s": timing["commit_s"],
        "disconnects_sent": len(sent),
        "by_statement": sorted(
            ({"sql": sql, "count": n, "seconds": t} for sql, (n, t) in stats.items()),
            key=lambda row: -row["seconds"],
        ),
        "cprofile_tottime": stream.getvalue(),
        "cprofile_tasks": len(profiled_ids),
    }


def profile_report(profile: dict) -> str:
    n = profile["tasks"]
    cursor_ms = profile["sql_s"] * 1000 / n
    commit_ms = profile["commit_s"] * 1000 / n
    total_ms = profile["elapsed_s"] * 1000 / n
    lines = [
        f"In-process profile: {n} tasks applied by one process as `apply_scheduled_tasks` does "
        f"(batches of 50, one transaction per task): {profile['tasks_per_s']:.0f} tasks/s, "
        f"{total_ms:.2f} ms per task, of which {cursor_ms:.2f} ms in cursor.execute "
        f"({profile['statements_per_task']:.1f} statements per task), {commit_ms:.2f} ms in "
        f"COMMIT ({profile['commits'] / n:.2f} per task), the rest "
        f"({total_ms - cursor_ms - commit_ms:.2f} ms) Python (ORM, audit, Celery wrapper).",
        "",
        "| statement (normalized) | count | per task | total ms | ms per task |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in profile["by_statement"]:
        sql = row["sql"] if len(row["sql"]) <= 110 else row["sql"][:107] + "..."
        lines.append(
            f"| `{sql}` | {row['count']} | {row['count'] / n:.2f} "
            f"| {row['seconds'] * 1000:.0f} | {row['seconds'] * 1000 / n:.3f} |"
        )
    lines += [
        "",
        f"cProfile of {profile['cprofile_tasks']} more tasks, the project's functions"
        " by cumulative time:",
        "```",
    ]
    lines += [profile["cprofile_tottime"].strip(), "```"]
    return "\n".join(lines)


# --- Report ---------------------------------------------------------------------------------
FIGURES = (
    "wall_s", "tasks_per_s", "first_done_s", "sweep_claimed_s", "last_executed_s", "drained_s",
    "sql_subscriptions_s", "sql_radusergroup_s", "ratio_subscriptions", "ratio_both",
)  # fmt: skip


def line(label: str, r: dict) -> str:
    return (
        f"| {label} | {r['sessions']:.0f} | {r['wall_s']:.2f} | {r['tasks_per_s']:.0f} "
        f"| {r['first_done_s']:.2f} | {r['sweep_claimed_s']:.2f} | {r['drained_s']:.2f} "
        f"| {r['sql_subscriptions_s'] * 1000:.0f} | {r['sql_radusergroup_s'] * 1000:.0f} "
        f"| {r['ratio_subscriptions']:.0f} | {r['ratio_both']:.0f} |"
    )


def report(results: dict, facts: dict, count: int) -> str:
    lines = [
        f"{count} scheduled suspensions due today, 2 workers (`--pool prefork --concurrency 1`),"
        f" PostgreSQL {facts['postgresql']} + Redis {facts['redis']}; git {facts['git']}",
        f"Machine: nproc {facts['nproc']} ({facts['cpu']}), {facts['ram_gb']} GB RAM, "
        f"Python {facts['python']}, PostgreSQL settings {facts['pg_settings']}; "
        f"{facts['date']}, load average {' / '.join(f'{x:.1f}' for x in facts['load_average'])}",
        "",
        "| run | open sessions | wall s (sweep -> last done) | tasks/s | first done s "
        "| last claim s | disconnects drained s | SQL UPDATE subscriptions ms "
        "| SQL UPDATE radusergroup ms | ratio e2e / subscriptions UPDATE "
        "| ratio e2e / both UPDATEs |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for pct, runs in results.items():
        for i, run in enumerate(runs, 1):
            lines.append(line(f"{pct}% sessions, {i}", run))
        med = {k: statistics.median(run[k] for run in runs) for k in (*FIGURES, "sessions")}
        lines.append(line(f"**{pct}% sessions, median**", med))
    lines.append("")
    for pct, runs in results.items():
        med = statistics.median(run["tasks_per_s"] for run in runs)
        checks = all(run["verify"]["ok"] for run in runs)
        lines.append(
            f"{pct}% sessions: goal >= {GOAL_TASKS_PER_S:.0f} tasks/s end to end: "
            f"{'met' if med >= GOAL_TASKS_PER_S else 'NOT met'} (median {med:.0f}); "
            f"exactly-once checks: {'all passed' if checks else 'FAILED'} in {len(runs)} runs."
        )
        for i, run in enumerate(runs, 1):
            if not run["verify"]["ok"]:
                lines.append(f"  run {i} wrong (found, expected): {run['verify']['wrong']}")
    first = next(iter(results.values()))[0]["verify"]["found"]
    lines.append(f"Checks (first run of the first scenario): {first}")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=10_000, help="scheduled tasks due today")
    parser.add_argument("--runs", type=int, default=3, help="measured runs per scenario")
    parser.add_argument(
        "--sessions",
        default="0,10",
        help="comma-separated %% of logins with an open session (one scenario each)",
    )
    parser.add_argument("--database-url", default=DEFAULT_URL, help="dropped and recreated")
    parser.add_argument("--broker-url", default=DEFAULT_BROKER, help="this Redis db is flushed")
    parser.add_argument(
        "--profile", type=int, default=0, help="then apply N tasks in-process, timing SQL"
    )
    parser.add_argument("--json", help="also write every figure to this file")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # still stop the workers
    scenarios = [float(p) for p in args.sessions.split(",") if p.strip()]

    var_dir = tempfile.mkdtemp(prefix="provedor-tasks-")
    env = worker_env(args.database_url, args.broker_url, var_dir)
    conninfo = conninfo_of(args.database_url)
    name = make_url(args.database_url).database
    print(f"Creating {name} with {args.tasks} tasks (worker logs in {var_dir})...", flush=True)
    recreate_database(args.database_url)
    subprocess.run(
        ["flask", "--app", "web", "db", "upgrade"],
        cwd=ROOT, env=env, check=True, capture_output=True,
    )  # fmt: skip
    started = time.perf_counter()
    seed(conninfo, args.tasks)
    print(f"  seeded in {time.perf_counter() - started:.1f} s", flush=True)

    broker = redis.Redis.from_url(args.broker_url)
    broker.flushdb()
    client = Celery("bench", broker=args.broker_url)
    workers = start_workers(env, var_dir)
    results: dict[str, list[dict]] = {}
    try:
        names = wait_for_workers(client, workers)
        print(f"  workers up: {', '.join(names)}", flush=True)
        for _ in range(4):  # nothing due yet: imports, connections, first-query costs
            client.send_task("tasks.plans.sweep_scheduled_tasks")
        wait_queue_empty(broker)
        for pct in scenarios:
            label = f"{pct:g}"
            results[label] = []
            for number in range(1, args.runs + 1):
                sessions = reset(conninfo, args.tasks, pct)
                print(f"Run {number}/{args.runs}, {label}% sessions ({sessions})...", flush=True)
                run = run_once(conninfo, client, broker, args.tasks, sessions)
                run["verify"] = verify(conninfo, args.tasks, sessions)
                reset(conninfo, args.tasks, 0)
                run.update(sql_reference(conninfo))
                run["ratio_subscriptions"] = run["wall_s"] / run["sql_subscriptions_s"]
                run["ratio_both"] = run["wall_s"] / (
                    run["sql_subscriptions_s"] + run["sql_radusergroup_s"]
                )
                run["load_average"] = os.getloadavg()
                results[label].append(run)
                print(
                    f"  {run['wall_s']:.2f} s, {run['tasks_per_s']:.0f} tasks/s, "
                    f"SQL {run['sql_subscriptions_s'] * 1000:.0f} + "
                    f"{run['sql_radusergroup_s'] * 1000:.0f} ms; checks "
                    f"{'ok' if run['verify']['ok'] else run['verify']['wrong']}",
                    flush=True,
                )
    finally:
        stop_workers(workers)
    facts = facts_with_services(conninfo, args.broker_url)
    print()
    print(report(results, facts, args.tasks))
    profile = None
    if args.profile:
        reset(conninfo, args.tasks, scenarios[-1] if scenarios else 0)
        print(f"\nProfiling {args.profile} tasks in this process...", flush=True)
        profile = profile_in_process(env, args.profile)
        print()
        print(profile_report(profile))
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {"facts": facts, "results": results, "profile": profile}, indent=2, default=str
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
