"""Customer search benchmark: N generated customers in PostgreSQL, the API against raw SQL.

    .venv/bin/python bench/search.py [--customers 1000000] [--samples 200] [--reuse]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/provedor_bench]

1. (Re)creates the database, runs the real migrations and loads N customers from
   web.cli.demo_data with COPY, filling every column the ORM fills (derived search columns
   included); the search indexes are dropped for the load and rebuilt from their own
   definitions afterwards. --reuse keeps a database that already holds N customers.
2. Times name search (one word, several words in any order; in code order and in name order),
   address search, exact CPF and exact code through the API (Flask test client, in-process,
   real bearer token) and the same statements through psycopg 3, in the order and with the
   decisions of models/customers/customer_search.py (planner estimate, then one pass or an index
   walk),
   each sample interleaved API / raw.
3. Prints Markdown tables for docs/BENCHMARKS.md, the goals met or not, and the machine.
   --json keeps the figures; --combine prints the medians of several such runs; --explain
   prints EXPLAIN ANALYZE of every search's statements instead of timing them.
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
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from models.customers import customer_search  # noqa: E402
from models.customers.identifiers import fold, format_cpf  # noqa: E402
from web.cli.demo_data import generate_customers  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/provedor_bench"
SEED = 42
# Name terms: very common surnames, common first names (joao must find "João"), rarer
# two-word terms, and a partial word.
NAME_TERMS = ("silva", "santos", "maria", "joao", "paulo rocha", "ana conceicao", "gonçal")
# Words in any order: a surname before the first name, rare and common.
ANY_ORDER_TERMS = ("araujo joao", "rocha paulo", "silva maria")
# Alphabetical lists: common terms walk the name index, rare ones come from the trigram index.
NAME_ORDER_TERMS = (*NAME_TERMS, "araujo joao")
# The issue's address terms (a condominium, a district and a CEP the demo data does not have),
# a street, a common district and a very common one.
ADDRESS_TERMS = ("ipe amarelo", "barra funda", "01153-001", "rua tiradentes", "jardim america")
ADDRESS_TERMS += ("centro",)
GOAL_NAME_P95_MS = 50.0
GOAL_EXACT_P95_MS = 5.0
GOAL_RATIO = 2.0


@dataclass(frozen=True)
class Search:
    """One timed search: its group in the report, and the API's query parameters."""

    group: str  # "name" (code order), "name order", "address"
    field: str
    term: str
    sort: str = "code"

    @property
    def label(self) -> str:
        """How the report names it: field, term, and the order when it is not code."""
        return f"{self.field} `{self.term}`" + (", sort=name" if self.sort == "name" else "")

    @property
    def query(self) -> dict:
        """The query string the API gets."""
        return {"field": self.field, "q": self.term, "sort": self.sort}


SEARCHES = (
    *(Search("name", "name", term) for term in (*NAME_TERMS, *ANY_ORDER_TERMS)),
    *(Search("name order", "name", term, "name") for term in NAME_ORDER_TERMS),
    *(Search("address", "address", term) for term in ADDRESS_TERMS),
)
GROUPS = ("name", "name order", "address", "exact")

COLUMNS = (
    "code", "active", "created_at", "updated_at", "kind", "name", "trade_name", "document",
    "state_registration", "address_street", "address_number", "address_complement",
    "address_district", "address_city", "address_state", "address_cep", "phone", "fax",
    "mobile", "email", "search_name", "search_contact", "search_city", "search_address",
)  # fmt: skip
# Every column of the table, in the order the ORM selects them (Customer.__table__).
SELECT_COLUMNS = (
    "code, active, created_at, updated_at, kind, name, trade_name, document, "
    "state_registration, address_street, address_number, address_complement, "
    "address_district, address_city, address_state, address_cep, address_reference, "
    "condominium, phone, fax, mobile, email, billing_street, billing_number, "
    "billing_complement, billing_district, billing_city, billing_state, billing_cep, "
    "billing_reference, notes, search_name, search_contact, search_city, search_address"
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
    # The demo data has no condominium.
    address = (customer["street"], customer["number"], customer["district"], customer["cep"])
    # Same derivations as models.customers.customers._refresh_search_columns.
    return (
        customer["code"], customer["active"], now, now, customer["kind"], name, trade_name,
        customer["document"], customer["state_registration"], customer["street"],
        customer["number"], customer["complement"], customer["district"], city,
        customer["state"], customer["cep"], customer["phone"], customer["fax"],
        customer["mobile"], customer["email"], fold(f"{name} {trade_name or ''}"),
        " ".join(value for value in contact if value), fold(city or ""),
        fold(" ".join(part for part in address if part)),
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
    from models.db import db
    from models.staff.auth import issue_token
    from models.staff.users import ADMIN, create_user, find_user

    with app.app_context():
        set_actor(db.session, Actor(username="bench", by_system=True))
        user = find_user("bench") or create_user("bench", ADMIN, "bench-password-not-secret")
        plain, _ = issue_token(user, timedelta(hours=12))
        db.session.commit()
    return plain


def check_rows_match_orm(app, codes: list[int]) -> None:
    """The loaded derived columns equal what the ORM would compute for the same record."""
    from models.customers.customers import Customer, _refresh_search_columns
    from models.db import db

    def search_columns(customer) -> tuple:
        return tuple(getattr(customer, name) for name in COLUMNS if name.startswith("search_"))

    with app.app_context():
        for code in codes:
            customer = db.session.get(Customer, code)
            stored = search_columns(customer)
            _refresh_search_columns(None, None, customer)
            derived = search_columns(customer)
            if stored != derived:
                raise SystemExit(f"customer {code}: loaded {stored!r}, ORM derives {derived!r}")
        db.session.rollback()


# --- Raw SQL: the statements models/customers/customer_search.py runs
# ---------------------------------
ORDER_BY = {"code": ("code",), "name": ("search_name", "code")}
ALL_COLUMNS = ", ".join(f"customers.{column}" for column in SELECT_COLUMNS.split(", "))
# A code or a whole CPF: at most one row.
LOOKUP_SQL = f"SELECT {SELECT_COLUMNS} FROM customers WHERE {{where}} ORDER BY code LIMIT %s"
# Many matches: walk an index in the page's order for the page's codes, reading at most %s
# entries (the name index alone for a name search), then read those rows.
WALK_SQL = (
    f"SELECT {ALL_COLUMNS} FROM customers JOIN (SELECT walked.code FROM (SELECT {{keys}}, "
    "{where} AS hit FROM customers ORDER BY {keys} LIMIT %s) AS walked WHERE walked.hit "
    "ORDER BY {walked_keys} LIMIT %s OFFSET 0) AS on_page ON customers.code = on_page.code "
    "ORDER BY {outer_keys}"
)
# The same walk when its budget covers the whole name index: one filtered index-only scan.
NAME_INDEX_SQL = (
    f"SELECT {ALL_COLUMNS} FROM customers JOIN (SELECT code FROM customers WHERE {{where}} "
    "ORDER BY search_name, code LIMIT %s OFFSET 0) AS on_page ON customers.code = on_page.code "
    "ORDER BY customers.search_name, customers.code"
)
CUSTOMERS_IN_STATISTICS_SQL = (
    "SELECT reltuples::bigint FROM pg_class WHERE oid = 'customers'::regclass"
)
# Few matches (or a walk that gave up): the page and the count from one pass over the matches.
ONE_PASS_SQL = (
    "WITH matches AS MATERIALIZED (SELECT {keys} FROM customers WHERE {where}) "
    f"SELECT {ALL_COLUMNS}, "
    "(SELECT count(*) FROM matches) AS total FROM customers JOIN (SELECT code FROM matches "
    "ORDER BY {matches_keys} LIMIT %s OFFSET 0) AS on_page ON customers.code = on_page.code "
    "ORDER BY {outer_keys}"
)


def where_of(field: str, term: str, phrase: bool = False) -> tuple[str, list]:
    """The WHERE clause and its parameters that the API builds for a name or address term."""
    words = customer_search._words(term)
    if field == "address":
        words = [customer_search._address_word(word) for word in words]
    if phrase:
        words = [" ".join(words)]
    column = {"name": "search_name", "address": "search_address"}[field]
    clause = " AND ".join(f"{column} LIKE %s ESCAPE '\\'" for _ in words)
    return clause, [like(word) for word in words]


def _planner_rows(cur, where: str, params: list) -> int:
    plan = cur.execute(
        f"EXPLAIN (FORMAT JSON) SELECT code FROM customers WHERE {where}", params
    ).fetchone()[0]
    return int(plan[0]["Plan"]["Plan Rows"])


def estimate_of(cur, field: str, term: str) -> int:
    """The estimate search_customers takes: all words, or the phrase when that is larger."""
    estimate = _planner_rows(cur, *where_of(field, term))
    if len(customer_search._words(term)) > 1:
        estimate = max(estimate, _planner_rows(cur, *where_of(field, term, phrase=True)))
    return estimate


def _keys(sort: str, table: str) -> str:
    return ", ".join(f"{table}.{key}" for key in ORDER_BY[sort])


def walk_statement(cur, where, params, sort, field, estimate, per_page=50) -> tuple[str, list]:
    """The walk for many matches, with the API's budget: (statement, parameters)."""
    if sort == "name" and field == "name":
        budget = estimate * customer_search.WALK_INDEX_ENTRIES_PER_MATCH
        if budget >= cur.execute(CUSTOMERS_IN_STATISTICS_SQL).fetchone()[0]:
            return NAME_INDEX_SQL.format(where=where), [*params, per_page]
    else:
        budget = estimate * customer_search.WALK_ROWS_PER_MATCH
    statement = WALK_SQL.format(
        keys=", ".join(ORDER_BY[sort]),
        where=where,
        walked_keys=_keys(sort, "walked"),
        outer_keys=_keys(sort, "customers"),
    )
    return statement, [*params, budget, per_page]


def one_pass_statement(where, params, sort, per_page=50) -> tuple[str, list]:
    """The one pass over every match: (statement, parameters)."""
    statement = ONE_PASS_SQL.format(
        keys=", ".join(ORDER_BY[sort]),
        where=where,
        matches_keys=_keys(sort, "matches"),
        outer_keys=_keys(sort, "customers"),
    )
    return statement, [*params, per_page]


def raw_search(conn: psycopg.Connection, search: Search, per_page: int = 50) -> tuple:
    """The statements search_customers runs for `search`, in its order, with its decisions."""
    cur = conn.cursor()
    where, params = where_of(search.field, search.term)
    estimate = estimate_of(cur, search.field, search.term)
    rows = None
    if estimate > customer_search.ESTIMATE_ABOVE:
        statement = walk_statement(
            cur, where, params, search.sort, search.field, estimate, per_page
        )
        rows = cur.execute(*statement).fetchall()
        rows = rows if len(rows) == per_page else None  # else the walk gave up
    if rows is None:
        rows = cur.execute(*one_pass_statement(where, params, search.sort, per_page)).fetchall()
        result = (rows, rows[-1][-1] if rows else 0, True)
    else:
        result = (rows, max(estimate, len(rows)), False)
    conn.rollback()  # the API's session ends its transaction the same way
    return result


def raw_lookup(conn: psycopg.Connection, where: str, value) -> tuple:
    """A code or a whole CPF: one query, no estimate."""
    rows = conn.execute(LOOKUP_SQL.format(where=where), (value, 50)).fetchall()
    conn.rollback()
    return rows


def explain(conn: psycopg.Connection, search: Search) -> None:
    """EXPLAIN ANALYZE of the statements the API could send for `search` (both strategies)."""
    where, params = where_of(search.field, search.term)
    cur = conn.cursor()
    estimate = estimate_of(cur, search.field, search.term)
    walks = estimate > customer_search.ESTIMATE_ABOVE
    strategy = "walks an index first" if walks else "reads every match once"
    print(f"\n### {search.label}: estimate {estimate:,} rows, the API {strategy}")
    statements = {
        "walk": walk_statement(cur, where, params, search.sort, search.field, estimate),
        "one pass": one_pass_statement(where, params, search.sort),
    }
    for strategy, (statement, values) in statements.items():
        plan = cur.execute(f"EXPLAIN (ANALYZE, BUFFERS) {statement}", values).fetchall()
        print(f"-- {strategy}")
        print("\n".join(f"   {line}" for (line,) in plan))
    conn.rollback()


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
        {"field": "name", "q": "paulo rocha", "sort": "name"},
        {"field": "address", "q": "01153-001"},
        {"field": "document", "q": cpf},
    ):
        print(f"\nGET /api/v1/customers {query}:")
        call = api_caller(client, headers, "/api/v1/customers", query)
        for statement in api_statements(app, call):
            print(f"  {statement[:400]}")
    print()


def check_totals(conn, client, headers: dict) -> dict:
    """Matches per search, counted once, against the total the API and the raw mirror report."""
    terms: dict = {}
    counted: dict = {}
    for search in SEARCHES:
        where, params = where_of(search.field, search.term)
        key = (search.field, search.term)
        if key not in counted:
            sql = f"SELECT count(*) FROM customers WHERE {where}"
            counted[key] = conn.execute(sql, params).fetchone()[0]
            conn.rollback()
        data = api_caller(client, headers, "/api/v1/customers", search.query)().get_json()
        _, raw_total, raw_exact = raw_search(conn, search)
        if (raw_total, raw_exact) != (data["total"], data["total_exact"]):
            raise SystemExit(
                f"{search.label}: raw {raw_total} vs API {data['total']}: not mirrored"
            )
        terms[search.label] = {
            "matches": counted[key],
            "total": data["total"],
            "total_exact": data["total_exact"],
            "items": len(data["items"]),
        }
    return terms


def exact_cases(conn, client, headers: dict, n: int, samples: int, rng) -> dict[str, list]:
    """Exact lookups, a different random customer for every sample: (api, raw) pairs."""
    codes = rng.sample(range(1, n + 1), min(n, samples * 4))
    people = conn.execute(
        "SELECT document FROM customers WHERE kind = 'PF' AND code = ANY(%s)", (codes,)
    ).fetchall()
    cpfs = [format_cpf(document) for (document,) in people][:samples]
    conn.rollback()
    path = "/api/v1/customers"
    return {
        "CPF (field=document)": [
            (
                api_caller(client, headers, path, {"field": "document", "q": cpf}),
                lambda cpf=cpf: raw_lookup(
                    conn, "document = %s", cpf.replace(".", "").replace("-", "")
                ),
            )
            for cpf in cpfs
        ],
        "code (field=code)": [
            (
                api_caller(client, headers, path, {"field": "code", "q": str(c)}),
                lambda c=c: raw_lookup(conn, "code = %s", c),
            )
            for c in codes[:samples]
        ],
        "GET /customers/{code}": [
            (api_caller(client, headers, f"{path}/{c}"), lambda c=c: raw_get(conn, c))
            for c in codes[samples : 2 * samples] or codes[:samples]
        ],
    }


def run_benchmark(
    app, token: str, url: str, n: int, samples: int, seed: int, sql_shown: bool = False
) -> dict:
    """Check the totals, then time every search and the exact lookups, API against raw SQL."""
    rng = random.Random(seed + 1)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    warmup = max(10, samples // 10)
    results: dict = {group: {} for group in GROUPS}

    with psycopg.connect(conninfo_of(url)) as conn:
        results["terms"] = check_totals(conn, client, headers)
        for search in SEARCHES:
            case = (
                api_caller(client, headers, "/api/v1/customers", search.query),
                lambda search=search: raw_search(conn, search),
            )
            figures = measure([case], samples, warmup)
            results[search.group][search.label] = figures
            print(f"  {search.label}: {_brief(figures)}", flush=True)

        exact = exact_cases(conn, client, headers, n, samples, rng)
        if sql_shown:
            sql = "SELECT document FROM customers WHERE kind = 'PF' LIMIT 1"
            cpf = format_cpf(conn.execute(sql).fetchone()[0])
            conn.rollback()
            show_sql(app, client, headers, cpf)
        for label, cases in exact.items():
            results["exact"][label] = measure(cases, samples, warmup)
            print(f"  {label}: {_brief(results['exact'][label])}", flush=True)

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
        f", Flask {facts['flask']}. Code: {facts['git']}. Date: {facts['date']}. "
        f"1-minute load average as measuring ended (this benchmark adds about 1): "
        f"{facts.get('load', 'unknown')}."
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
    rows = [item for group in GROUPS for item in results[group].items()]
    for label, figures in rows:
        api, raw = figures["api"], figures["raw"]
        out.append(
            f"| {label} | {api['p50']:.2f} | {api['p95']:.2f} | {api['mean']:.2f} | "
            f"{raw['p50']:.2f} | {raw['p95']:.2f} | {raw['mean']:.2f} | "
            f"{api['p50'] / raw['p50']:.1f}x |"
        )
    out.append("")
    out.append("| search | matches | `total` returned | `total_exact` |")
    out.append("|---|---:|---:|---|")
    for label, info in results["terms"].items():
        # Combined runs list each run's answer: the estimate moves with every ANALYZE.
        totals = info.get("totals", [info["total"]])
        exacts = [str(exact).lower() for exact in info.get("exacts", [info["total_exact"]])]
        out.append(
            f"| {label} | {info['matches']:,} | {' / '.join(f'{t:,}' for t in totals)} | "
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

    def slowest(*groups: str) -> float:
        return max(f["api"]["p95"] for group in groups for f in results[group].values())

    def ratio(*groups: str) -> float:
        return max(
            f["api"]["p50"] / f["raw"]["p50"] for group in groups for f in results[group].values()
        )

    return {
        "name_p95": slowest("name"),
        "name_order_p95": slowest("name order"),
        "address_p95": slowest("address"),
        "exact_p95": slowest("exact"),
        "search_ratio": ratio("name", "name order", "address"),
        "exact_ratio": ratio("exact"),
    }


GOALS = (
    ("name_p95", f"name search p95 <= {GOAL_NAME_P95_MS:g} ms (API), code order", GOAL_NAME_P95_MS,
     " ms"),
    ("name_order_p95", f"name search p95 <= {GOAL_NAME_P95_MS:g} ms (API), name order",
     GOAL_NAME_P95_MS, " ms"),
    ("address_p95", f"address search p95 <= {GOAL_NAME_P95_MS:g} ms (API; the name goal)",
     GOAL_NAME_P95_MS, " ms"),
    ("exact_p95", f"exact lookups p95 <= {GOAL_EXACT_P95_MS:g} ms (API)", GOAL_EXACT_P95_MS, " ms"),
    ("search_ratio", f"API <= {GOAL_RATIO:g}x raw SQL (p50), searches", GOAL_RATIO, "x"),
    ("exact_ratio", f"API <= {GOAL_RATIO:g}x raw SQL (p50), exact lookups", GOAL_RATIO, "x"),
)  # fmt: skip


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
    results: dict = {**{group: {} for group in GROUPS}, "terms": {}, "runs": measured}
    for group in GROUPS:
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
    facts["load"] = " / ".join(str(run["facts"].get("load", "?")) for run in runs)
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
        "--explain", action="store_true", help="print EXPLAIN ANALYZE of each search, no timing"
    )
    parser.add_argument(
        "--combine", nargs="+", metavar="JSON", help="only print the medians of earlier --json runs"
    )
    args = parser.parse_args(argv)
    if args.combine:
        print(markdown(*combine(args.combine)))
        return 0
    args.command = "bench/search.py " + " ".join(argv if argv is not None else sys.argv[1:])
    url = args.database_url
    if "bench" not in (make_url(url).database or ""):
        # The database is dropped and recreated: never the test suite's or production's.
        raise SystemExit(f"refusing {make_url(url).database!r}: the name must contain 'bench'")

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
    if args.explain:
        with psycopg.connect(conninfo_of(url)) as conn:
            for search in SEARCHES:
                explain(conn, search)
        return 0
    token = bench_token(app)
    facts = machine_facts(conninfo_of(url))

    print(f"Measuring ({args.samples} samples per query)...", flush=True)
    results = run_benchmark(app, token, url, args.customers, args.samples, args.seed, args.show_sql)
    facts["load"] = round(os.getloadavg()[0], 2)  # other jobs share the machine
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
