"""Customer search benchmark: N generated customers in PostgreSQL, the API against raw SQL.

    .venv/bin/python bench/search.py [--customers 1000000] [--samples 200] [--reuse]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/provedor_bench]

1. (Re)creates the database, runs the real migrations and loads N customers from
   models.demo_data with COPY, filling every column the ORM fills (derived search columns
   included); the search indexes are dropped for the load and rebuilt from their own
   definitions afterwards. --reuse keeps a database that already holds N customers.
2. Times name substring search, exact CPF and exact code through the API (Flask test client,
   in-process, real bearer token) and the same statements through psycopg 3, in the order and
   with the decisions of models/customer_search.py (page, planner estimate, count), each
   sample interleaved API / raw.
3. Prints Markdown tables for docs/BENCHMARKS.md, the goals met or not, and the machine.
   --json keeps the figures; --combine prints the medians of several such runs.
"""

import argparse
import json
import logging
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from models import customer_search  # noqa: E402
from models.demo_data import generate_customers  # noqa: E402
from models.documents import fold, format_cpf  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/provedor_bench"
SEED = 42
# Name terms: very common surnames, common first names (joao must find "João"), rarer
# two-word terms, and a partial word.
NAME_TERMS = ("silva", "santos", "maria", "joao", "paulo rocha", "ana conceicao", "gonçal")
GOAL_NAME_P95_MS = 50.0
GOAL_EXACT_P95_MS = 5.0
GOAL_RATIO = 2.0

COLUMNS = (
    "code", "active", "created_at", "updated_at", "kind", "name", "trade_name", "document",
    "state_registration", "address_street", "address_number", "address_complement",
    "address_district", "address_city", "address_state", "address_cep", "phone", "fax",
    "mobile", "email", "search_name", "search_contact", "search_city",
)  # fmt: skip
# Every column of the table, in the order the ORM selects them (Customer.__table__).
SELECT_COLUMNS = (
    "code, active, created_at, updated_at, kind, name, trade_name, document, "
    "state_registration, address_street, address_number, address_complement, "
    "address_district, address_city, address_state, address_cep, address_reference, "
    "condominium, phone, fax, mobile, email, billing_street, billing_number, "
    "billing_complement, billing_district, billing_city, billing_state, billing_cep, "
    "billing_reference, notes, search_name, search_contact, search_city"
)


# --- Machine --------------------------------------------------------------------------------
def machine_facts(conninfo: str) -> dict:
    cpu = "unknown"
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as meminfo:
        ram_kb = int(meminfo.readline().split()[1])
    with psycopg.connect(conninfo) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
        settings = {
            name: conn.execute(f"SHOW {name}").fetchone()[0]
            for name in ("shared_buffers", "work_mem", "effective_cache_size", "jit")
        }
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": os.cpu_count(),
        "nproc": subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip(),
        "cpu": cpu,
        "ram_gb": round(ram_kb / 1024 / 1024, 1),
        "postgresql": version,
        "pg_settings": settings,
        "python": platform.python_version(),
        "sqlalchemy": _version("sqlalchemy"),
        "psycopg": psycopg.__version__,
        "flask": _version("flask"),
        "git": subprocess.run(
            ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        or "unknown",
    }


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


# --- Database and load ----------------------------------------------------------------------
def conninfo_of(url: str, database: str | None = None) -> str:
    target = make_url(url).set(drivername="postgresql")
    if database:
        target = target.set(database=database)
    return target.render_as_string(hide_password=False)


def customer_count(url: str) -> int | None:
    try:
        with psycopg.connect(conninfo_of(url), connect_timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM customers").fetchone()[0]
    except psycopg.Error:
        return None


def recreate_database(url: str) -> None:
    name = make_url(url).database
    with psycopg.connect(conninfo_of(url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _row(customer: dict, now: datetime) -> tuple:
    name, trade_name = customer["name"], customer["trade_name"]
    contact = (customer["email"], customer["phone"], customer["mobile"], customer["fax"])
    city = customer["city"]
    # Same derivations as models.customers._refresh_search_columns.
    return (
        customer["code"], customer["active"], now, now, customer["kind"], name, trade_name,
        customer["document"], customer["state_registration"], customer["street"],
        customer["number"], customer["complement"], customer["district"], city,
        customer["state"], customer["cep"], customer["phone"], customer["fax"],
        customer["mobile"], customer["email"], fold(f"{name} {trade_name or ''}"),
        " ".join(value for value in contact if value), fold(city or ""),
    )  # fmt: skip


def load_customers(url: str, n: int, seed: int) -> dict:
    """COPY n customers; returns the time of each step in seconds."""
    timings = {}
    with psycopg.connect(conninfo_of(url)) as conn:
        # The search indexes (not the constraints) are rebuilt after the load from the
        # definitions the migration created, so names and definitions stay the same.
        indexes = conn.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = 'customers' "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
        ).fetchall()
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        started = time.perf_counter()
        now = datetime.now(UTC)
        with conn.cursor().copy(f"COPY customers ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for customer in generate_customers(n, seed=seed):
                copy.write_row(_row(customer, now))
        conn.execute(
            "SELECT setval(pg_get_serial_sequence('customers', 'code'), max(code)) FROM customers"
        )
        conn.commit()
        timings["copy"] = time.perf_counter() - started

        started = time.perf_counter()
        conn.execute("SET maintenance_work_mem = '512MB'")
        for name, definition in indexes:
            step = time.perf_counter()
            conn.execute(definition)
            conn.commit()
            timings[f"index {name}"] = time.perf_counter() - step
        timings["indexes"] = time.perf_counter() - started

    started = time.perf_counter()
    with psycopg.connect(conninfo_of(url), autocommit=True) as conn:
        # A bulk load leaves hint bits and the visibility map unset; autovacuum would set
        # them in production, so measure the settled table.
        conn.execute("VACUUM (ANALYZE) customers")
    timings["vacuum analyze"] = time.perf_counter() - started
    return timings


# --- App ------------------------------------------------------------------------------------
def build_app(url: str, var_dir: str):
    from flask_migrate import upgrade

    from web import create_app
    from web.config import load_settings

    env = {
        "DATABASE_URL": url,
        "PROVEDOR_VAR_DIR": var_dir,
        "PROVEDOR_ENV": "development",
        "LOG_LEVEL": "INFO",
    }
    app = create_app(load_settings(env))
    with app.app_context():
        upgrade()
    return app


def bench_token(app) -> str:
    from models.audit import Actor, set_actor
    from models.auth import issue_token
    from models.db import db
    from models.users import ADMIN, create_user, find_user

    with app.app_context():
        set_actor(db.session, Actor(username="bench", by_system=True))
        user = find_user("bench") or create_user("bench", ADMIN, "bench-password-not-secret")
        plain, _ = issue_token(user, timedelta(hours=12))
        db.session.commit()
    return plain


def check_rows_match_orm(app, codes: list[int]) -> None:
    """The loaded derived columns equal what the ORM would compute for the same record."""
    from models.customers import Customer, _refresh_search_columns
    from models.db import db

    with app.app_context():
        for code in codes:
            customer = db.session.get(Customer, code)
            stored = (customer.search_name, customer.search_contact, customer.search_city)
            _refresh_search_columns(None, None, customer)
            derived = (customer.search_name, customer.search_contact, customer.search_city)
            if stored != derived:
                raise SystemExit(f"customer {code}: loaded {stored!r}, ORM derives {derived!r}")
        db.session.rollback()


# --- Raw SQL: the statements models/customer_search.py runs ---------------------------------
PAGE_SQL = (
    f"SELECT {SELECT_COLUMNS} FROM customers WHERE {{where}} ORDER BY code LIMIT %s OFFSET %s"
)
COUNT_SQL = "SELECT count(*) FROM (SELECT code FROM customers WHERE {where}) AS anon_1"
NAME_WHERE = "search_name LIKE %s ESCAPE '\\'"


# models/customer_search.py as committed counts in a second query; the one-pass variant
# proposed in docs/BENCHMARKS.md adds _page_and_count. The mirror follows whichever is there.
ONE_PASS = hasattr(customer_search, "_page_and_count")
ONE_PASS_SQL = (
    "WITH matches AS MATERIALIZED (SELECT code FROM customers WHERE {where}) "
    f"SELECT {', '.join('customers.' + c for c in SELECT_COLUMNS.split(', '))}, "
    "(SELECT count(*) FROM matches) AS total FROM customers JOIN (SELECT code FROM matches "
    "ORDER BY code LIMIT %s OFFSET %s) AS on_page ON customers.code = on_page.code "
    "ORDER BY customers.code"
)


def _estimate(cur, where: str, value) -> int:
    plan = cur.execute(
        f"EXPLAIN (FORMAT JSON) SELECT code FROM customers WHERE {where}", (value,)
    ).fetchone()[0]
    return int(plan[0]["Plan"]["Plan Rows"])


def raw_search(
    conn: psycopg.Connection, where: str, value, unique: bool = False, per_page: int = 50
) -> tuple:
    """The statements search_customers runs, in its order, with its decisions."""
    cur = conn.cursor()
    if ONE_PASS and not unique:
        estimate = _estimate(cur, where, value)
        if estimate <= customer_search.ESTIMATE_ABOVE:
            rows = cur.execute(ONE_PASS_SQL.format(where=where), (value, per_page, 0)).fetchall()
            result = (rows, rows[-1][-1] if rows else 0, True)
        else:
            rows = cur.execute(PAGE_SQL.format(where=where), (value, per_page, 0)).fetchall()
            full = len(rows) == per_page
            result = (rows, max(estimate, len(rows)) if full else len(rows), not full)
    else:
        # Page, then (full page) the planner's estimate and (under the threshold) a count.
        rows = cur.execute(PAGE_SQL.format(where=where), (value, per_page, 0)).fetchall()
        result = (rows, len(rows), True)
        if len(rows) == per_page and ONE_PASS:
            total = cur.execute(COUNT_SQL.format(where=where), (value,)).fetchone()[0]
            result = (rows, total, True)
        elif len(rows) == per_page:
            estimate = _estimate(cur, where, value)
            if estimate > customer_search.ESTIMATE_ABOVE:
                result = (rows, max(estimate, len(rows)), False)
            else:
                total = cur.execute(COUNT_SQL.format(where=where), (value,)).fetchone()[0]
                result = (rows, total, True)
    conn.rollback()  # the API's session ends its transaction the same way
    return result


def raw_get(conn: psycopg.Connection, code: int) -> tuple:
    row = conn.execute(f"SELECT {SELECT_COLUMNS} FROM customers WHERE code = %s", (code,))
    result = row.fetchone()
    conn.rollback()
    return result


def like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# --- Measuring ------------------------------------------------------------------------------
def summary(samples: list[float]) -> dict:
    ordered = sorted(samples)
    cuts = statistics.quantiles(ordered, n=100, method="inclusive")
    return {
        "n": len(ordered),
        "p50": statistics.median(ordered),
        "p95": cuts[94],
        "mean": statistics.fmean(ordered),
        "max": ordered[-1],
    }


def measure(cases: list[tuple[Callable, Callable]], samples: int, warmup: int) -> dict:
    """Time each (api, raw) pair `samples` times, interleaved, alternating which goes first."""
    for i in range(warmup):
        api, raw = cases[i % len(cases)]
        api()
        raw()
    api_ms, raw_ms = [], []
    for i in range(samples):
        api, raw = cases[i % len(cases)]
        pair = ((api, api_ms), (raw, raw_ms))
        for call, into in pair if i % 2 == 0 else reversed(pair):
            started = time.perf_counter()
            call()
            into.append((time.perf_counter() - started) * 1000)
    return {"api": summary(api_ms), "raw": summary(raw_ms)}


def api_statements(app, call) -> list[str]:
    """The SQL statements one API call sends, for checking the raw mirror by eye."""
    from sqlalchemy import event

    from models.db import db

    seen: list[str] = []

    def record(_conn, _cursor, statement, parameters, _context, _many):
        seen.append(f"{' '.join(statement.split())}  -- {parameters}")

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


def api_caller(client, headers: dict, path: str, query: dict | None = None):
    def call():
        response = client.get(path, query_string=query, headers=headers)
        if response.status_code != 200:
            raise SystemExit(f"GET {path} {query} -> {response.status_code} {response.data[:300]}")
        return response

    return call


def show_sql(app, client, headers: dict, cpf: str) -> None:
    for query in (
        {"field": "name", "q": "silva"},
        {"field": "name", "q": "paulo rocha"},
        {"field": "document", "q": cpf},
    ):
        print(f"\nGET /api/v1/customers {query}:")
        call = api_caller(client, headers, "/api/v1/customers", query)
        for statement in api_statements(app, call):
            print(f"  {statement[:400]}")
    print()


def run_benchmark(
    app, token: str, url: str, n: int, samples: int, seed: int, sql_shown: bool = False
) -> dict:
    rng = random.Random(seed + 1)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    warmup = max(10, samples // 10)
    results: dict = {"name": {}, "exact": {}, "terms": {}}

    with psycopg.connect(conninfo_of(url)) as conn:
        # Matches per term, counted once, to set against the total the API reports.
        for term in NAME_TERMS:
            folded = fold(term)
            actual = conn.execute(
                f"SELECT count(*) FROM customers WHERE {NAME_WHERE}", (like(folded),)
            ).fetchone()[0]
            body = api_caller(client, headers, "/api/v1/customers", {"field": "name", "q": term})()
            data = body.get_json()
            _, raw_total, raw_exact = raw_search(conn, NAME_WHERE, like(folded))
            if (raw_total, raw_exact) != (data["total"], data["total_exact"]):
                raise SystemExit(f"{term}: raw {raw_total} vs API {data['total']}: not mirrored")
            results["terms"][term] = {
                "matches": actual,
                "total": data["total"],
                "total_exact": data["total_exact"],
                "items": len(data["items"]),
            }

        # Name search, term by term.
        for term in NAME_TERMS:
            value = like(fold(term))
            case = (
                api_caller(client, headers, "/api/v1/customers", {"field": "name", "q": term}),
                lambda value=value: raw_search(conn, NAME_WHERE, value),
            )
            results["name"][term] = measure([case], samples, warmup)
            print(f"  name {term!r}: {_brief(results['name'][term])}", flush=True)

        # Exact lookups: a different random customer each sample.
        codes = rng.sample(range(1, n + 1), min(n, samples * 4))
        people = conn.execute(
            "SELECT document FROM customers WHERE kind = 'PF' AND code = ANY(%s)", (codes,)
        ).fetchall()
        cpfs = [format_cpf(document) for (document,) in people][:samples]
        conn.rollback()
        if sql_shown:
            show_sql(app, client, headers, cpfs[0])
        cases = [
            (
                api_caller(client, headers, "/api/v1/customers", {"field": "document", "q": cpf}),
                lambda cpf=cpf: raw_search(
                    conn, "document = %s", cpf.replace(".", "").replace("-", ""), unique=True
                ),
            )
            for cpf in cpfs
        ]
        results["exact"]["CPF (field=document)"] = measure(cases, samples, warmup)
        cases = [
            (
                api_caller(client, headers, "/api/v1/customers", {"field": "code", "q": str(c)}),
                lambda c=c: raw_search(conn, "code = %s", c, unique=True),
            )
            for c in codes[:samples]
        ]
        results["exact"]["code (field=code)"] = measure(cases, samples, warmup)
        cases = [
            (
                api_caller(client, headers, f"/api/v1/customers/{c}"),
                lambda c=c: raw_get(conn, c),
            )
            for c in codes[samples : 2 * samples] or codes[:samples]
        ]
        results["exact"]["GET /customers/{code}"] = measure(cases, samples, warmup)
        for label, figures in results["exact"].items():
            print(f"  {label}: {_brief(figures)}", flush=True)

    return results


def _brief(figures: dict) -> str:
    api, raw = figures["api"], figures["raw"]
    return (
        f"API p50 {api['p50']:.2f} p95 {api['p95']:.2f} ms | raw p50 {raw['p50']:.2f} "
        f"p95 {raw['p95']:.2f} ms | ratio p50 {api['p50'] / raw['p50']:.1f}x"
    )


# --- Report ---------------------------------------------------------------------------------
def markdown(results: dict, facts: dict, load: dict | None, args) -> str:
    out = []
    out.append(
        f"Machine: {facts['nproc']} CPUs ({facts['cpu']}), {facts['ram_gb']} GB RAM; "
        f"PostgreSQL {facts['postgresql']} (shared_buffers {facts['pg_settings']['shared_buffers']}"
        f", work_mem {facts['pg_settings']['work_mem']}, jit {facts['pg_settings']['jit']}); "
        f"Python {facts['python']}, SQLAlchemy {facts['sqlalchemy']}, psycopg {facts['psycopg']}"
        f", Flask {facts['flask']}. Code: {facts['git']}. Date: {facts['date']}."
    )
    out.append("")
    runs = getattr(args, "runs", 1)
    out.append(
        f"`{args.command}`: {args.customers:,} customers, {args.samples} samples per query "
        "(API and raw SQL interleaved), times in ms"
        + (f", each figure the median of {runs} runs." if runs > 1 else ".")
    )
    out.append("")
    out.append(
        "| query | API p50 | API p95 | API mean | raw p50 | raw p95 | raw mean | API/raw p50 |"
    )
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|")
    rows = [(f"name `{term}`", figures) for term, figures in results["name"].items()]
    rows += list(results["exact"].items())
    for label, figures in rows:
        api, raw = figures["api"], figures["raw"]
        out.append(
            f"| {label} | {api['p50']:.2f} | {api['p95']:.2f} | {api['mean']:.2f} | "
            f"{raw['p50']:.2f} | {raw['p95']:.2f} | {raw['mean']:.2f} | "
            f"{api['p50'] / raw['p50']:.1f}x |"
        )
    out.append("")
    out.append("| name term | matches | `total` returned | `total_exact` |")
    out.append("|---|---:|---:|---|")
    for term, info in results["terms"].items():
        # Combined runs list each run's answer: the estimate moves with every ANALYZE.
        totals = info.get("totals", [info["total"]])
        exacts = [str(exact).lower() for exact in info.get("exacts", [info["total_exact"]])]
        out.append(
            f"| `{term}` | {info['matches']:,} | {' / '.join(f'{t:,}' for t in totals)} | "
            f"{' / '.join(exacts)} |"
        )
    out.append("")
    out.extend(goals(results))
    if load:
        out.append("")
        steps = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in load.items())
        out.append(f"Load{' (median)' if runs > 1 else ''}: {steps}.")
    return "\n".join(out)


def worst(results: dict) -> dict[str, float]:
    """The worst figure of each goal: the slowest query's p95, the largest API/raw ratio."""
    ratio = {
        group: max(f["api"]["p50"] / f["raw"]["p50"] for f in results[group].values())
        for group in ("name", "exact")
    }
    return {
        "name_p95": max(f["api"]["p95"] for f in results["name"].values()),
        "exact_p95": max(f["api"]["p95"] for f in results["exact"].values()),
        "name_ratio": ratio["name"],
        "exact_ratio": ratio["exact"],
    }


GOALS = (
    ("name_p95", f"name search p95 <= {GOAL_NAME_P95_MS:g} ms (API)", GOAL_NAME_P95_MS, " ms"),
    ("exact_p95", f"exact lookups p95 <= {GOAL_EXACT_P95_MS:g} ms (API)", GOAL_EXACT_P95_MS, " ms"),
    ("name_ratio", f"API <= {GOAL_RATIO:g}x raw SQL (p50), name search", GOAL_RATIO, "x"),
    ("exact_ratio", f"API <= {GOAL_RATIO:g}x raw SQL (p50), exact lookups", GOAL_RATIO, "x"),
)


def goals(results: dict) -> list[str]:
    """Goal table; for combined runs also each run's worst figure (medians hide a bad run)."""
    measured = worst(results)
    per_run = [worst(run) for run in results.get("runs", [])]
    lines = [
        f"| goal | worst query{' (medians)' if per_run else ''} | met? |"
        + (" each run | runs meeting it |" if per_run else ""),
        "|---|---:|---|" + ("---|---|" if per_run else ""),
    ]
    for key, label, limit, unit in GOALS:
        line = (
            f"| {label} | {measured[key]:.1f}{unit} | {'yes' if measured[key] <= limit else 'no'} |"
        )
        if per_run:
            each = " / ".join(f"{run[key]:.1f}" for run in per_run)
            met = sum(run[key] <= limit for run in per_run)
            line += f" {each} | {met} of {len(per_run)} |"
        lines.append(line)
    return lines


def combine(paths: list[str]) -> tuple[dict, dict, dict | None, argparse.Namespace]:
    """The median of every figure over several --json files of the same benchmark."""
    runs = [json.loads(Path(path).read_text()) for path in paths]
    first = runs[0]["results"]
    measured = [run["results"] for run in runs]
    results: dict = {"name": {}, "exact": {}, "terms": {}, "runs": measured}
    for group in ("name", "exact"):
        for label, figures in first[group].items():
            results[group][label] = {
                side: {
                    stat: statistics.median(one[group][label][side][stat] for one in measured)
                    for stat in figures[side]
                }
                for side in ("api", "raw")
            }
    for term, info in first["terms"].items():
        results["terms"][term] = {
            **info,
            "totals": [one["terms"][term]["total"] for one in measured],
            "exacts": [one["terms"][term]["total_exact"] for one in measured],
        }
    loads = [run["load"] for run in runs if run.get("load")]
    load = (
        {step: statistics.median(one[step] for one in loads) for step in loads[0]}
        if loads
        else None
    )
    facts = dict(runs[0]["facts"])
    facts.setdefault("git", "unknown")
    dates = sorted(run["facts"]["date"] for run in runs)
    facts["date"] = f"{dates[0]} to {dates[-1]}" if len(dates) > 1 else dates[0]
    meta = runs[0].get("args", {})
    args = argparse.Namespace(
        command=meta.get("command", "bench/search.py"),
        customers=meta.get("customers", 1_000_000),
        samples=meta.get("samples", 200),
        runs=len(runs),
    )
    return results, facts, load, args


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--reuse", action="store_true", help="keep a database holding N rows")
    parser.add_argument("--json", help="also write the raw figures to this file")
    parser.add_argument("--show-sql", action="store_true", help="print the API's statements")
    parser.add_argument(
        "--combine", nargs="+", metavar="JSON", help="only print the medians of earlier --json runs"
    )
    args = parser.parse_args(argv)
    if args.combine:
        print(markdown(*combine(args.combine)))
        return 0
    args.command = "bench/search.py " + " ".join(argv if argv is not None else sys.argv[1:])
    url = args.database_url

    var_dir = tempfile.mkdtemp(prefix="provedor-bench-")
    # One log line per request is part of the API's work; it goes to a file, not the terminal.
    logging.basicConfig(
        filename=os.path.join(var_dir, "requests.log"),
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
    )

    load = None
    if args.reuse and customer_count(url) == args.customers:
        print(f"Reusing {args.customers:,} customers in {make_url(url).database}.", flush=True)
        app = build_app(url, var_dir)
    else:
        print(f"Creating {make_url(url).database} with {args.customers:,} customers...", flush=True)
        recreate_database(url)
        app = build_app(url, var_dir)
        started = time.perf_counter()
        load = load_customers(url, args.customers, args.seed)
        load["total"] = time.perf_counter() - started
        print("Load: " + ", ".join(f"{k} {v:.1f} s" for k, v in load.items()), flush=True)
    rng = random.Random(args.seed)
    check_rows_match_orm(app, rng.sample(range(1, args.customers + 1), min(20, args.customers)))
    token = bench_token(app)
    facts = machine_facts(conninfo_of(url))

    print(f"Measuring ({args.samples} samples per query)...", flush=True)
    strategy = "one pass (page with count)" if ONE_PASS else "page, estimate, then count"
    print(f"models/customer_search.py strategy mirrored in raw SQL: {strategy}.")
    results = run_benchmark(app, token, url, args.customers, args.samples, args.seed, args.show_sql)
    report = markdown(results, facts, load, args)
    print()
    print(report)
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "args": {
                        "command": args.command,
                        "customers": args.customers,
                        "samples": args.samples,
                        "strategy": strategy,
                    },
                    "facts": facts,
                    "load": load,
                    "results": results,
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
