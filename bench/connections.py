"""Connection extract benchmark: 50 million radacct rows, the API against its raw SQL.

    .venv/bin/python bench/connections.py [--rows 50000000] [--samples 50] [--reuse]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/provedor_bench_connections]

1. (Re)creates the database, runs the real migrations (`flask --app web db upgrade`), makes
   160,000 customers with 200,000 logins (the first 40,000 customers have two), and fills
   radacct with INSERT ... SELECT generate_series in time order, as FreeRADIUS appends it:
   12 months, 8 NASes, 90 % of sessions spread over the logins (250 a year each; those
   numbered 1 mod 10 get none, an artefact of the formula), 10 % on 2,000 "flapping" logins
   (2,500 more a year each, short). radacct's indexes and
   constraints are dropped for the load and rebuilt from their own definitions, then ANALYZE.
   --reuse keeps a database that already holds --rows sessions.
2. Times through the API (Flask test client, in-process, real bearer token) and, interleaved,
   the same page and totals statements through psycopg 3: one customer's calendar month
   (typical and flapping; page 1 and a later page), and the staff-wide list of one NAS's day
   and of everyone's day.
3. Prints the figures, EXPLAIN ANALYZE of each raw statement, and the machine, as Markdown.
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import conninfo_of, machine_facts, recreate_database, service_env  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/provedor_bench_connections"
TIMEZONE = "America/Sao_Paulo"
LOGINS, CUSTOMERS, FLAPPING, NASES = 200_000, 160_000, 2_000, 8
CHUNK = 1_000_000  # rows per INSERT (one transaction each)
GOAL_MS = 50.0

# One session per g, in start order; login, NAS, duration and bytes derived from g.
SESSIONS_SQL = """
INSERT INTO radacct (acctsessionid, acctuniqueid, username, realm, nasipaddress, nasportid,
    nasporttype, acctstarttime, acctupdatetime, acctstoptime, acctinterval, acctsessiontime,
    acctauthentic, acctinputoctets, acctoutputoctets, calledstationid, callingstationid,
    acctterminatecause, servicetype, framedprotocol, framedipaddress)
SELECT to_hex(g), md5(g::text), 'bench' || lpad(l::text, 6, '0'), '',
    ('10.0.0.' || (1 + mod(l, %(nases)s)))::inet, 'pppoe-' || l, 'Virtual',
    s, CASE WHEN s + d > %(until)s THEN %(until)s ELSE s + d END,
    CASE WHEN s + d > %(until)s THEN NULL ELSE s + d END, 300,
    CASE WHEN s + d > %(until)s THEN floor(extract(epoch FROM %(until)s - s))::bigint
        ELSE extract(epoch FROM d)::bigint END,
    'RADIUS', down / (4 + mod(h, 8)), down, 'pppoe-bench',
    '02:00:' || substr(x, 1, 2) || ':' || substr(x, 3, 2) || ':' || substr(x, 5, 2) || ':'
        || substr(x, 7, 2),
    CASE WHEN s + d > %(until)s THEN NULL ELSE (ARRAY['User-Request', 'Lost-Carrier',
        'Idle-Timeout', 'Session-Timeout', 'NAS-Reboot', 'Port-Error'])[1 + mod(h, 6)] END,
    'Framed-User', 'PPP', '100.64.0.0'::inet + l
FROM (
    SELECT g, l, h, s, d, upper(lpad(to_hex(l), 8, '0')) AS x,
        extract(epoch FROM d)::bigint * mod(h, 2000000) AS down
    FROM (
        SELECT g, l, h,
            %(since)s + ((g - 1) * %(span_s)s / %(rows)s - mod(h, 600)) * interval '1 second' AS s,
            CASE WHEN l <= %(flapping)s AND mod(g, 10) = 0 THEN 60 + mod(h, 3600)
                ELSE 600 + mod(h, 172800) END * interval '1 second' AS d
        FROM (
            SELECT g, abs(hashint8(g)::bigint) AS h,
                CASE WHEN mod(g, 10) = 0 THEN 1 + mod((g / 10) * 7919, %(flapping)s)
                    ELSE 1 + mod(g * 7919, %(logins)s) END AS l
            FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS g
        ) AS numbered
    ) AS timed
) AS sessions
"""


def login(i: int) -> str:
    return f"bench{i:06d}"


def customer_of(i: int) -> int:
    """The customer of login i: logins past CUSTOMERS are the first customers' second logins."""
    return (i - 1) % CUSTOMERS + 1


# --- Loading --------------------------------------------------------------------------------
def migrate(url: str) -> None:
    env = service_env(url, "redis://127.0.0.1:6379/12", tempfile.mkdtemp(prefix="bench-conn-"))
    subprocess.run(
        ["flask", "--app", "web", "db", "upgrade"],
        cwd=ROOT, env=env, check=True, capture_output=True,
    )  # fmt: skip


def seed_customers(conninfo: str) -> None:
    """Customers, one subscription each, and their logins, as the app leaves them."""
    with psycopg.connect(conninfo) as conn:
        plan_id = conn.execute(
            "INSERT INTO plans (name, kind, download_kbps, upload_kbps, price, radius_group,"
            " active, created_at, updated_at) VALUES ('Bench 300M', 'internet', 300000, 150000,"
            " 99.90, 'bench300', true, now(), now()) RETURNING id"
        ).fetchone()[0]
        conn.execute(
            "INSERT INTO customers (code, active, created_at, updated_at, kind, name, document,"
            " search_name, search_contact, search_city, search_address)"
            " SELECT i, true, now(), now(), 'PF', 'Cliente Bench ' || i,"
            " lpad((90000000000 + i)::text, 11, '0'), 'cliente bench ' || i, '', '', ''"
            " FROM generate_series(1, %s) AS i",
            (CUSTOMERS,),
        )
        conn.execute(
            "INSERT INTO subscriptions (id, customer_code, plan_id, status, due_day, price,"
            " discount, first_due_date, created_at, updated_at)"
            " SELECT i, i, %s, 'active', 10, 99.90, 0, current_date, now(), now()"
            " FROM generate_series(1, %s) AS i",
            (plan_id, CUSTOMERS),
        )
        conn.execute(
            "INSERT INTO subscription_items (id, subscription_id, customer_code, kind, username,"
            " password, created_at)"
            " SELECT i, (i - 1) %% %s + 1, (i - 1) %% %s + 1, 'radius_login',"
            " 'bench' || lpad(i::text, 6, '0'), 'pw' || i, now()"
            " FROM generate_series(1, %s) AS i",
            (CUSTOMERS, CUSTOMERS, LOGINS),
        )
        for table, column in (
            ("customers", "code"),
            ("subscriptions", "id"),
            ("subscription_items", "id"),
        ):
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
                f" (SELECT max({column}) FROM {table}))"
            )


def drop_radacct_indexes(conn) -> list[str]:
    """Drop radacct's indexes and constraints; return the statements that rebuild them."""
    constraints = conn.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = 'radacct'::regclass AND contype IN ('p', 'u')"
    ).fetchall()
    owned = {name for name, _ in constraints}
    indexes = conn.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'radacct'"
    ).fetchall()
    rebuild = [f"ALTER TABLE radacct ADD CONSTRAINT {n} {d}" for n, d in constraints]
    rebuild += [definition for name, definition in indexes if name not in owned]
    for name, _ in constraints:
        conn.execute(f"ALTER TABLE radacct DROP CONSTRAINT {name}")
    for name, _ in indexes:
        if name not in owned:
            conn.execute(f"DROP INDEX {name}")
    return rebuild


def load_sessions(conninfo: str, rows: int, workers: int = 2) -> dict:
    """radacct filled in time order over the 12 months before now, indexes rebuilt after."""
    timings = {}
    with psycopg.connect(conninfo, autocommit=True) as conn:
        # Unlogged for the load only (no WAL for 15 GB of rows); reads are the same.
        conn.execute("ALTER TABLE radacct SET UNLOGGED")
        rebuild = drop_radacct_indexes(conn)
        until = conn.execute("SELECT date_trunc('hour', now())").fetchone()[0]
    params = {
        "since": until - timedelta(days=365),
        "until": until,
        "span_s": 365 * 86400,
        "rows": rows,
        "logins": LOGINS,
        "flapping": FLAPPING,
        "nases": NASES,
    }
    chunks = [(first, min(first + CHUNK - 1, rows)) for first in range(1, rows + 1, CHUNK)]
    started = time.perf_counter()
    lock = threading.Lock()
    failures: list[Exception] = []

    def work():
        with psycopg.connect(conninfo, autocommit=True) as conn:
            while True:
                with lock:
                    if not chunks:
                        return
                    first, last = chunks.pop(0)
                try:
                    conn.execute(SESSIONS_SQL, {**params, "first": first, "last": last})
                except psycopg.Error as error:
                    failures.append(error)
                    chunks.clear()
                    return
                print(f"  rows {first:,}-{last:,} in {time.perf_counter() - started:.0f} s",
                      flush=True)  # fmt: skip

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"loading failed: {failures[0]}")
    timings["insert_s"] = time.perf_counter() - started
    started = time.perf_counter()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '2GB'")
        conn.execute("SET max_parallel_maintenance_workers = 2")
        for statement in rebuild:
            began = time.perf_counter()
            conn.execute(statement)
            print(f"  {statement[:90]} in {time.perf_counter() - began:.0f} s", flush=True)
        timings["indexes_s"] = time.perf_counter() - started
        began = time.perf_counter()
        conn.execute("VACUUM ANALYZE radacct")
        conn.execute("ANALYZE")
        timings["analyze_s"] = time.perf_counter() - began
        timings["table_gb"] = conn.execute(
            "SELECT pg_table_size('radacct') / 1e9::float, pg_indexes_size('radacct') / 1e9::float"
        ).fetchone()
    timings["until"] = until.isoformat()
    return timings


def session_count(conninfo: str) -> int | None:
    try:
        with psycopg.connect(conninfo) as conn:
            return conn.execute("SELECT count(*) FROM radacct").fetchone()[0]
    except psycopg.Error:
        return None


# --- Measuring ------------------------------------------------------------------------------
def build_app(url: str):
    from web import create_app
    from web.config import load_settings

    env = {
        "DATABASE_URL": url,
        "PROVEDOR_VAR_DIR": tempfile.mkdtemp(prefix="bench-conn-"),
        "PROVEDOR_ENV": "development",
        "PROVEDOR_TIMEZONE": TIMEZONE,
        "LOG_LEVEL": "WARNING",
    }
    return create_app(load_settings(env))


def bench_token(app) -> str:
    from models.audit import Actor, set_actor
    from models.db import db
    from models.staff.auth import issue_token
    from models.staff.users import ATTENDANT, create_user, find_user

    with app.app_context():
        set_actor(db.session, Actor(username="bench", by_system=True))
        user = find_user("bench") or create_user("bench", ATTENDANT, "bench-password-not-secret")
        plain, _ = issue_token(user, timedelta(hours=12))
        db.session.commit()
    return plain


def summary(samples: list[float]) -> dict:
    ordered = sorted(samples)
    cuts = statistics.quantiles(ordered, n=100, method="inclusive") if len(ordered) > 1 else None
    return {
        "n": len(ordered),
        "p50": statistics.median(ordered),
        "p95": cuts[94] if cuts else ordered[0],
        "max": ordered[-1],
    }


def radacct_statements(app, client, headers: dict, path: str, query: dict) -> list[tuple]:
    """The statements on radacct one API call sends, with their parameters, to replay raw."""
    from sqlalchemy import event

    from models.db import db

    seen: list[tuple] = []

    def record(_conn, _cursor, statement, parameters, _context, _many):
        if "FROM radacct" in statement:
            seen.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        api_get(client, headers, path, query)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


def api_get(client, headers: dict, path: str, query: dict) -> dict:
    response = client.get(path, query_string=query, headers=headers)
    if response.status_code != 200:
        raise SystemExit(f"GET {path} {query} -> {response.status_code} {response.data[:300]}")
    return response.get_json()


def raw_run(conn, statements: list[tuple]) -> None:
    for statement, parameters in statements:
        conn.execute(statement, parameters).fetchall()


def for_customer(statements: list[tuple], old: int, new: int) -> list[tuple]:
    """The same statements for another customer (its code swapped in the parameters)."""
    return [
        (statement, {k: new if v == old else v for k, v in parameters.items()})
        for statement, parameters in statements
    ]


def explain(conn, statement: str, parameters) -> tuple[float, str]:
    """EXPLAIN (ANALYZE, BUFFERS): the execution time in ms and the plan's text."""
    rows = conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters).fetchall()
    plan = "\n".join(row[0] for row in rows)
    executed = next(row[0] for row in rows if row[0].startswith("Execution Time"))
    return float(executed.split(":")[1].split()[0]), plan


def measure(pairs: list[tuple], warmup: int) -> dict:
    """Time each (api, raw) pair once, interleaved, alternating which goes first."""
    for api, raw in pairs[:warmup]:
        api()
        raw()
    api_ms, raw_ms = [], []
    for i, (api, raw) in enumerate(pairs):
        calls = ((api, api_ms), (raw, raw_ms))
        for call, into in calls if i % 2 == 0 else reversed(calls):
            started = time.perf_counter()
            call()
            into.append((time.perf_counter() - started) * 1000)
    return {"api": summary(api_ms), "raw": summary(raw_ms)}


def previous_month(until) -> tuple[date, date]:
    """The last whole calendar month before `until`, in the ISP's zone."""
    from zoneinfo import ZoneInfo

    first_of_this = until.astimezone(ZoneInfo(TIMEZONE)).date().replace(day=1)
    last = first_of_this - timedelta(days=1)
    return last.replace(day=1), last


def run_benchmark(url: str, samples: int) -> dict:
    """Time the API and its raw statements for each case; EXPLAIN ANALYZE the raw ones."""
    app = build_app(url)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {bench_token(app)}"}
    with psycopg.connect(conninfo_of(url), autocommit=True) as conn:
        until = conn.execute("SELECT max(acctstarttime) FROM radacct").fetchone()[0]
        first, last = previous_month(until)
        month = {"from": first.isoformat(), "to": last.isoformat()}
        day = (last - timedelta(days=3)).isoformat()
        nas_day = {"nas": "10.0.0.3", "from": day, "to": day}
        fixed = {
            "customer month, 2 logins, page 1": (30_000, month),
            "customer month, flapping login, page 1": (1, month),
            "customer month, flapping login, page 5": (1, {**month, "page": 5}),
            "customer month, flapping, login=, page 3": (
                1, {**month, "login": login(1), "page": 3}
            ),
            "staff: one NAS, one day, page 1": (None, nas_day),
            "staff: one NAS, one day, page 100": (None, {**nas_day, "page": 100}),
            # Unnarrowed, the API answers one day at most (422 beyond).
            "staff: everyone, one day, page 1": (None, {"from": day, "to": day}),
        }  # fmt: skip
        results = {"month": month, "day": day, "cases": {}}
        for label, (code, query) in fixed.items():
            path = f"/api/v1/customers/{code}/connections" if code else "/api/v1/connections"
            body = api_get(client, headers, path, query)
            statements = radacct_statements(app, client, headers, path, query)
            pair = (
                lambda p=path, q=query: api_get(client, headers, p, q),
                lambda s=statements: raw_run(conn, s),
            )
            n = samples
            figures = measure([pair] * n, warmup=3)
            plans = [explain(conn, statement, parameters) for statement, parameters in statements]
            figures.update(total=body["total"], items=len(body["items"]), plans=plans)
            results["cases"][label] = figures
            print(f"  {label}: {brief(figures)}", flush=True)

        # A different customer every request, never asked for before: heap pages not cached.
        c0, api_codes, raw_codes = 150_000, range(41_000, 42_000, 20), range(43_000, 44_000, 20)
        base = radacct_statements(
            app, client, headers, f"/api/v1/customers/{c0}/connections", month
        )
        pairs = [
            (
                lambda c=a: api_get(client, headers, f"/api/v1/customers/{c}/connections", month),
                lambda c=b: raw_run(conn, for_customer(base, c0, c)),
            )
            for a, b in list(zip(api_codes, raw_codes, strict=True))[:samples]
        ]
        label = "customer month, 1 login, a new customer each time"
        figures = measure(pairs, warmup=0)
        body = api_get(client, headers, f"/api/v1/customers/{c0}/connections", month)
        plans = [explain(conn, statement, parameters) for statement, parameters in base]
        figures.update(total=body["total"], items=len(body["items"]), plans=plans)
        results["cases"][label] = figures
        print(f"  {label}: {brief(figures)}", flush=True)
    return results


def brief(figures: dict) -> str:
    api, raw = figures["api"], figures["raw"]
    explained = " + ".join(f"{ms:.1f}" for ms, _ in figures["plans"])
    return (
        f"{figures['total']} rows; API p50 {api['p50']:.1f} p95 {api['p95']:.1f} ms | raw p50 "
        f"{raw['p50']:.1f} p95 {raw['p95']:.1f} ms | EXPLAIN ANALYZE {explained} ms"
    )


def markdown(results: dict, facts: dict, load: dict | None, rows: int) -> str:
    lines = [
        f"{rows:,} radacct rows; month {results['month']['from']} to {results['month']['to']},"
        f" NAS day {results['day']}. Times in ms; API = one GET through the Flask test client"
        " (auth, validation, page and totals statements, JSON); raw = the same radacct"
        " statements replayed through psycopg 3; EXPLAIN = server execution time of the totals"
        " statement + the page statement.",
        "",
        "| Case | Rows matched | API p50 | API p95 | Raw p50 | Raw p95 | EXPLAIN (totals + page) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, f in results["cases"].items():
        explained = " + ".join(f"{ms:.1f}" for ms, _ in f["plans"])
        lines.append(
            f"| {label} (n={f['api']['n']}) | {f['total']:,} | {f['api']['p50']:.1f} |"
            f" {f['api']['p95']:.1f} | {f['raw']['p50']:.1f} | {f['raw']['p95']:.1f} |"
            f" {explained} |"
        )
    lines += ["", "Machine: " + ", ".join(f"{k} {v}" for k, v in facts.items())]
    if load:
        lines.append("Load: " + ", ".join(f"{k} {v}" for k, v in load.items()))
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=50_000_000, help="radacct sessions")
    parser.add_argument("--samples", type=int, default=50, help="timed requests per case")
    parser.add_argument("--database-url", default=DEFAULT_URL, help="dropped and recreated")
    parser.add_argument("--reuse", action="store_true", help="keep a database of --rows sessions")
    parser.add_argument("--load-only", action="store_true", help="load, then stop")
    parser.add_argument("--json", help="also write every figure to this file")
    args = parser.parse_args(argv)
    conninfo = conninfo_of(args.database_url)
    load = None
    if not (args.reuse and session_count(conninfo) == args.rows):
        print(f"Creating {make_url(args.database_url).database}, {args.rows:,} sessions...")
        recreate_database(args.database_url)
        migrate(args.database_url)
        started = time.perf_counter()
        seed_customers(conninfo)
        load = load_sessions(conninfo, args.rows)
        load["total_s"] = time.perf_counter() - started
        print(f"  loaded: {json.dumps(load, default=str)}", flush=True)
    if args.load_only:
        return 0
    print(f"Measuring ({args.samples} samples per case)...", flush=True)
    results = run_benchmark(args.database_url, args.samples)
    facts = machine_facts(conninfo)
    print()
    for label, figures in results["cases"].items():
        print(f"### {label}")
        for _, plan in figures["plans"]:
            print(plan, end="\n\n")
    print(markdown(results, facts, load, args.rows))
    if args.json:
        Path(args.json).write_text(
            json.dumps({"facts": facts, "load": load, "results": results}, indent=2, default=str)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
