"""Exports: millions of radacct rows through the real job path, against COPY and the naive way.

    .venv/bin/python bench/exports.py [--rows 5000000] [--xlsx-rows 1000000] [--reuse]
        [--naive-max 5000000] [--skip-naive-xlsx] [--json FILE]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/provedor_bench_exports]
        [--broker-url redis://127.0.0.1:6379/13] [--drop]

1. (Re)creates the database with the real migrations (`flask --app web db upgrade`), creates
   the admin with `flask --app web users create`, and loads one customer with LOGINS radius
   logins and --rows radacct rows with one INSERT ... SELECT generate_series (indexes rebuilt
   after, ANALYZE): a session every 4.32 s, so each day in the ISP's zone holds exactly 20,000
   and a period of N/20,000 days holds exactly N rows. --reuse keeps a database that holds them.
2. The job path, each export with a fresh worker (`celery -A tasks.worker worker -P solo`, the
   bench's DATABASE_URL / CELERY_BROKER_URL / PROVEDOR_VAR_DIR): log in (POST /auth/login),
   POST /exports (connections of the customer over the period, totals on), poll GET /exports/N
   until done, GET its file; wall time from the POST; the worker's peak RSS (VmHWM) read from
   /proc before it is stopped. CSV of 1M rows and of --rows, XLSX of --xlsx-rows.
3. The references, each in its own process (its peak RSS, VmHWM, read there), on the export's own
   SELECT (compiled by models.extracts.extracts, the same filters): (a) psycopg COPY (query) TO
   STDOUT
   into a file; (b) pandas.read_sql of the whole query, then to_csv / to_excel; (c) XlsxWriter
   in constant-memory mode, cell by cell with typed writes; and
   models.extracts.export_xlsx.write_xlsx fed
   by a plain psycopg server-side cursor (the chosen writer without the job around it).
4. Prints a table (rows/s, wall, peak RSS, ratio to COPY and to (c)), the goals, the machine.
   --drop drops the database at the end.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import date, timedelta
from pathlib import Path

import psycopg
import redis
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    conninfo_of,
    machine_facts,
    memory_mb,
    recreate_database,
    seconds_between,
    service_env,
    start_worker,
    stop_worker,
    wait_ready,
)

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/provedor_bench_exports"
DEFAULT_BROKER = "redis://127.0.0.1:6379/13"
TIMEZONE = "America/Sao_Paulo"  # UTC-3 all year: local midnight is 03:00 UTC
FIRST_DAY = date(2026, 1, 1)
ROWS_PER_DAY = 20_000  # 86,400 s / 4.32 s
CUSTOMER = 1
LOGINS = 300
NASES = ("10.255.0.1", "10.255.0.2", "10.255.0.3", "10.255.0.4")
ADMIN, PASSWORD = "bench", "bench-password-not-secret"
POLL_S = 0.5
EXPORT_TIMEOUT_S = 3600
GOAL_CSV_VS_COPY, GOAL_XLSX_VS_C, GOAL_RSS_MB = 1.3, 2.0, 250


# --- Database --------------------------------------------------------------------------------
def load(conninfo: str, rows: int) -> float:
    """The customer, its logins and `rows` sessions; returns the seconds the load took."""
    started = time.perf_counter()
    with psycopg.connect(conninfo) as conn:
        conn.execute(
            "INSERT INTO plans (id, name, kind, download_kbps, upload_kbps, price, radius_group,"
            " active, created_at, updated_at) VALUES (1, 'Bench', 'internet', 100000, 50000,"
            " 99.90, 'plano-bench', true, now(), now())"
        )
        conn.execute(
            "INSERT INTO customers (code, active, created_at, updated_at, kind, name, document,"
            " search_name, search_contact, search_city, search_address) VALUES (%s, true, now(),"
            " now(), 'PJ', 'Bench Telecom', '11222333000181', 'bench telecom', '', '', '')",
            (CUSTOMER,),
        )
        conn.execute(
            "INSERT INTO subscriptions (id, customer_code, plan_id, status, due_day, price,"
            " discount, first_due_date, created_at, updated_at) VALUES (1, %s, 1, 'active', 10,"
            " 99.90, 0, %s, now(), now())",
            (CUSTOMER, FIRST_DAY),
        )
        conn.execute(
            "INSERT INTO subscription_items (subscription_id, customer_code, kind, username,"
            " password, created_at) SELECT 1, %s, 'radius_login', 'bench' || lpad(i::text, 4,"
            " '0'), 'pw' || i, now() FROM generate_series(1, %s) AS i",
            (CUSTOMER, LOGINS),
        )
        indexes = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'radacct' AND indexname"
            " NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'radacct'::regclass)"
        ).fetchall()
        for name, _ in indexes:  # built once after the load: much faster than row by row
            conn.execute(f'DROP INDEX "{name}"')
        conn.execute(
            "INSERT INTO radacct (acctsessionid, acctuniqueid, username, nasipaddress,"
            " acctstarttime, acctupdatetime, acctstoptime, acctsessiontime, acctinputoctets,"
            " acctoutputoctets, framedipaddress, callingstationid, acctterminatecause)"
            " SELECT to_hex(i), 'bench-' || i, 'bench' || lpad((1 + mod(i, %(logins)s))::text,"
            " 4, '0'), (%(nases)s::inet[])[1 + mod(i, %(nas_count)s)], s, s + d, s + d,"
            " extract(epoch FROM d), mod(i * 7919, 900000000), mod(i * 104729, 9000000000),"
            " '100.64.0.0'::inet + mod(i, 65000), '02:00:' || lpad(to_hex(mod(i, 256)), 2, '0')"
            " || ':00:00:01', (ARRAY['User-Request', 'Lost-Carrier', 'Idle-Timeout'])"
            "[1 + mod(i, 3)] FROM generate_series(0::bigint, %(rows)s - 1) AS i,"
            " LATERAL (SELECT %(first)s::timestamptz + i * interval '4.32 seconds' AS s,"
            " mod(i, 7200) * interval '1 second' AS d) AS t",
            {
                "logins": LOGINS,
                "nases": list(NASES),
                "nas_count": len(NASES),
                "rows": rows,
                "first": f"{FIRST_DAY} 00:00 {TIMEZONE}",
            },
        )
        for _, definition in indexes:
            conn.execute(definition)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


def loaded_rows(conninfo: str) -> int:
    try:
        with psycopg.connect(conninfo) as conn:
            return conn.execute("SELECT count(*) FROM radacct").fetchone()[0]
    except psycopg.Error:
        return -1


def period(rows: int) -> dict:
    """The filters of an export of exactly `rows` rows (a multiple of ROWS_PER_DAY)."""
    days = rows // ROWS_PER_DAY
    last = FIRST_DAY + timedelta(days=days - 1)
    return {"customer_code": CUSTOMER, "from": FIRST_DAY.isoformat(), "to": last.isoformat()}


def export_sql(app, conninfo: str, filters: dict) -> str:
    """The export's own SELECT (every column of the connection extract), with its values bound."""
    from models.extracts import extracts

    parsed = {**filters, "from": date.fromisoformat(filters["from"])}
    parsed["to"] = date.fromisoformat(filters["to"])
    with app.app_context():
        query = extracts.rows_query(
            extracts.CONNECTIONS, parsed, extracts.columns_of(extracts.CONNECTIONS)
        )
        compiled = query.compile(
            dialect=app.extensions["sqlalchemy"].engine.dialect,
            compile_kwargs={"render_postcompile": True},
        )
    with psycopg.connect(conninfo) as conn:
        return psycopg.ClientCursor(conn).mogrify(compiled.string, compiled.params)


# --- References, each in its own process -----------------------------------------------------
def xlsx_layout():
    """The connection extract's columns as the XLSX writer takes them (from the parent)."""
    from models.extracts.export_xlsx import XlsxColumn

    return [XlsxColumn(*column) for column in json.loads(os.environ["BENCH_LAYOUT"])]


def layout_of(app) -> list:
    from models.extracts import extracts

    with app.app_context():
        columns = extracts.columns_of(extracts.CONNECTIONS)
        return [(c.title, c.kind, c.width_px) for c in columns]


def child(kind: str, conninfo: str, sql: str, out: str) -> dict:
    """One reference; returns its rows and this process's peak RSS."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(TIMEZONE)
    baseline = memory_mb(os.getpid())["VmRSS"]
    started = time.perf_counter()
    if kind == "copy":
        rows = 0
        statement = f"COPY ({sql}) TO STDOUT (FORMAT csv)"
        with (
            psycopg.connect(conninfo) as conn,
            open(out, "wb") as file,
            conn.cursor().copy(statement) as copy,
        ):
            for chunk in copy:
                file.write(chunk)
                rows += bytes(chunk).count(b"\n")
    elif kind in ("pandas_csv", "pandas_xlsx"):
        import pandas as pd
        from sqlalchemy import create_engine

        url = make_url(conninfo_url(conninfo))
        with create_engine(url).connect() as connection:
            frame = pd.read_sql(sql, connection)
        rows = len(frame)
        if kind == "pandas_csv":
            frame.to_csv(out, index=False)
        else:  # Excel has no zones: the naive way converts and strips them
            for name in ("start", "stop"):
                frame[name] = frame[name].dt.tz_convert(zone).dt.tz_localize(None)
            frame.to_excel(out, index=False)
    elif kind == "xlsxwriter":
        rows = xlsxwriter_cells(conninfo, sql, out, zone)
    elif kind == "write_xlsx":
        from models.extracts.export_xlsx import write_xlsx

        with psycopg.connect(conninfo) as conn, conn.cursor(name="export") as cursor:
            cursor.itersize = 5_000
            cursor.execute(sql)
            rows = write_xlsx(
                Path(out), "Extrato", xlsx_layout(), cursor, None, lambda n: None, zone=zone
            )
    else:
        raise SystemExit(f"unknown reference {kind}")
    wall = time.perf_counter() - started
    # VmHWM, not getrusage: ru_maxrss keeps the forking parent's size across exec
    peak = memory_mb(os.getpid())["VmHWM"]
    return {"rows": rows, "wall_s": wall, "peak_rss_mb": peak, "start_mb": baseline}


def conninfo_url(conninfo: str) -> str:
    return "postgresql+psycopg://" + conninfo.split("://", 1)[1]


def xlsxwriter_cells(conninfo: str, sql: str, out: str, zone) -> int:
    """(c): XlsxWriter constant_memory, one typed write per cell, same layout as the job's."""
    import xlsxwriter

    from models.extracts.export_xlsx import DATETIME_FORMAT, NUMBER_FORMATS, width_chars
    from models.extracts.extracts import DATETIME, TEXT

    layout = xlsx_layout()
    book = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet("Extrato")
    bold = book.add_format({"bold": True})
    formats = [
        book.add_format({"num_format": DATETIME_FORMAT if c.kind == DATETIME else ""})
        if c.kind in (TEXT, DATETIME)
        else book.add_format({"num_format": NUMBER_FORMATS[c.kind]})
        for c in layout
    ]
    for index, column in enumerate(layout):
        sheet.set_column(index, index, width_chars(column.width_px))
    sheet.write_string(0, 0, "Extrato", bold)
    for index, column in enumerate(layout):
        sheet.write_string(1, index, column.title, bold)
    sheet.freeze_panes(2, 0)
    kinds = [c.kind for c in layout]
    rows = 0
    with psycopg.connect(conninfo) as conn, conn.cursor(name="export") as cursor:
        cursor.itersize = 5_000
        cursor.execute(sql)
        for line, row in enumerate(cursor, start=2):
            for col, (value, kind) in enumerate(zip(row, kinds, strict=True)):
                if value is None:
                    continue
                if kind == TEXT:
                    sheet.write_string(line, col, value, formats[col])
                elif kind == DATETIME:
                    local = value.astimezone(zone).replace(tzinfo=None)
                    sheet.write_datetime(line, col, local, formats[col])
                else:
                    sheet.write_number(line, col, value, formats[col])
            rows += 1
    book.close()
    return rows


def run_reference(kind: str, conninfo: str, sql: str, out: Path, layout: list) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as file:
        file.write(sql)
    command = [sys.executable, __file__, "--child", kind, "--sql-file", file.name, "--out", out]
    try:
        done = subprocess.run(
            [str(part) for part in command], capture_output=True, text=True, check=False, env={
                **os.environ, "BENCH_CONNINFO": conninfo, "BENCH_LAYOUT": json.dumps(layout),
                "PYTHONPATH": str(ROOT)}
        )  # fmt: skip
    finally:
        os.unlink(file.name)
    if done.returncode != 0:
        raise SystemExit(f"reference {kind} failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["file_mb"] = out.stat().st_size / 1e6
    out.unlink()
    return result


# --- The job path ----------------------------------------------------------------------------
def job(app, client, headers, env, var_dir: Path, fmt: str, rows: int) -> dict:
    """One export through the API and a fresh worker: wall from the POST, the worker's peak."""
    log_path = var_dir / f"worker-{fmt}-{rows}.log"
    worker = start_worker(env, log_path, "bench-exports")
    try:
        wait_ready(app, worker, log_path)
        idle = memory_mb(worker.pid)
        body = {
            "source": "connections",
            "filters": period(rows),
            "format": fmt,
            "title": f"Conexões do cliente {CUSTOMER}",
            "totals": True,
        }
        started = time.perf_counter()
        answer = client.post("/api/v1/exports", json=body, headers=headers)
        if answer.status_code != 202:
            raise SystemExit(f"POST /exports: {answer.status_code} {answer.get_json()}")
        location, progress = answer.headers["Location"], []
        while True:
            state = client.get(location, headers=headers).get_json()
            if state["status"] == "running" and state["rows_written"]:
                progress.append((state["percent"], state["seconds_left"]))
            if state["status"] in ("done", "failed", "expired"):
                break
            if time.perf_counter() - started > EXPORT_TIMEOUT_S:
                raise SystemExit(f"export {state['id']} still {state['status']}")
            time.sleep(POLL_S)
        wall = time.perf_counter() - started
        memory = memory_mb(worker.pid)
    finally:
        stop_worker(worker)
    if state["status"] != "done":
        raise SystemExit(f"export failed: {state}; see {log_path}")
    download = client.get(f"{location}/file", headers=headers)
    if download.status_code != 200:
        raise SystemExit(f"GET file: {download.status_code}")
    download.close()
    path = next((var_dir / "exports").glob(f"{state['id']}-*.{fmt}"))
    return {
        "rows": state["rows_written"],
        "rows_total": state["rows_total"],
        "wall_s": wall,
        "worker_s": seconds_between(state["started_at"], state["finished_at"]),
        "peak_rss_mb": memory["VmHWM"],
        "idle_rss_mb": idle["VmRSS"],
        "file_mb": state["file_size"] / 1e6,
        "progress_samples": len(progress),
        "checked": check_file(path, fmt, rows),
    }


def check_file(path: Path, fmt: str, rows: int) -> str:
    """Rows in the file as expected: title, heading, rows, totals."""
    if fmt == "xlsx":
        with zipfile.ZipFile(path) as xlsx:
            head = xlsx.open("xl/worksheets/sheet1.xml").read(600).decode()
        expected = f'<dimension ref="A1:J{rows + 3}"/>'
        found = expected in head
    else:
        with open(path, "rb") as file:
            lines = sum(chunk.count(b"\n") for chunk in iter(lambda: file.read(1 << 20), b""))
        found = lines == rows + 3
    return "ok" if found else "WRONG ROW COUNT"


def bench_app(url: str, broker: str, var_dir: Path):
    from web import create_app
    from web.config import load_settings

    env = {
        "DATABASE_URL": url,
        "CELERY_BROKER_URL": broker,
        "PROVEDOR_VAR_DIR": str(var_dir),
        "PROVEDOR_ENV": "development",
        "PROVEDOR_TIMEZONE": TIMEZONE,
        "LOG_LEVEL": "WARNING",
    }
    return create_app(load_settings(env))


def login(client) -> dict:
    answer = client.post("/api/v1/auth/login", json={"username": ADMIN, "password": PASSWORD})
    if answer.status_code != 200:
        raise SystemExit(f"login: {answer.status_code} {answer.get_json()}")
    return {"Authorization": f"Bearer {answer.get_json()['access_token']}"}


# --- Report ----------------------------------------------------------------------------------
def table(results: dict) -> str:
    lines = [
        "| export | rows | wall | rows/s | peak RSS | vs COPY | vs (c) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, result in results.items():
        if not isinstance(result, dict) or "wall_s" not in result:
            continue
        rows = result["rows"]
        copy = results.get(f"(a) COPY {rows:,}")
        c = results.get(f"(c) xlsxwriter cells {rows:,}")
        versus_copy = f"{result['wall_s'] / copy['wall_s']:.2f}x" if copy else "-"
        versus_c = f"{c['wall_s'] / result['wall_s']:.2f}x faster" if c else "-"
        lines.append(
            f"| {name} | {rows:,} | {result['wall_s']:.1f} s | {rows / result['wall_s']:,.0f} |"
            f" {result['peak_rss_mb']:,.0f} MB | {versus_copy} | {versus_c} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=1_000_000)
    parser.add_argument("--naive-max", type=int, default=5_000_000)
    parser.add_argument("--skip-naive-xlsx", action="store_true")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--broker-url", default=DEFAULT_BROKER)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--drop", action="store_true")
    parser.add_argument("--json")
    parser.add_argument("--child")
    parser.add_argument("--sql-file")
    parser.add_argument("--out")
    args = parser.parse_args()
    if args.child:
        sql = Path(args.sql_file).read_text()
        print(json.dumps(child(args.child, os.environ["BENCH_CONNINFO"], sql, args.out)))
        return
    small = min(1_000_000, args.rows)
    for rows in (args.rows, args.xlsx_rows, small):
        if rows % ROWS_PER_DAY or rows // ROWS_PER_DAY > 366:
            raise SystemExit(f"{rows}: a multiple of {ROWS_PER_DAY:,}, at most 366 days of them")
    conninfo = conninfo_of(args.database_url)
    var_dir = Path(tempfile.mkdtemp(prefix="provedor-bench-exports-"))
    env = service_env(args.database_url, args.broker_url, str(var_dir), PROVEDOR_TIMEZONE=TIMEZONE)
    results: dict = {}
    if args.reuse and loaded_rows(conninfo) == args.rows:
        print(f"reusing {args.rows:,} rows")
    else:
        recreate_database(args.database_url)
        flask = ["flask", "--app", "web"]
        subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True)
        subprocess.run(
            [*flask, "users", "create", ADMIN, "--role", "admin", "--password", PASSWORD],
            cwd=ROOT, env=env, check=True, capture_output=True,
        )  # fmt: skip
        results["load_s"] = load(conninfo, args.rows)
        print(f"loaded {args.rows:,} radacct rows in {results['load_s']:.0f} s")
    redis.Redis.from_url(args.broker_url).flushdb()
    app = bench_app(args.database_url, args.broker_url, var_dir)
    client = app.test_client()
    headers = login(client)
    scratch = var_dir / "references"
    scratch.mkdir()

    def reference(kind: str, label: str, rows: int, suffix: str) -> None:
        sql = export_sql(app, conninfo, period(rows))
        out = scratch / f"r.{suffix}"
        results[f"{label} {rows:,}"] = run_reference(kind, conninfo, sql, out, layout_of(app))
        print(f"{label} {rows:,}: {json.dumps(results[f'{label} {rows:,}'])}", flush=True)

    def exported(fmt: str, rows: int) -> None:
        key = f"job {fmt.upper()} {rows:,}"
        results[key] = job(app, client, headers, env, var_dir, fmt, rows)
        print(f"{key}: {json.dumps(results[key])}", flush=True)

    try:
        for rows in sorted({small, args.rows}):
            reference("copy", "(a) COPY", rows, "csv")
            exported("csv", rows)
            if rows <= args.naive_max:
                reference("pandas_csv", "(b) pandas read_sql + to_csv", rows, "csv")
        rows = args.xlsx_rows
        if rows not in (small, args.rows):
            reference("copy", "(a) COPY", rows, "csv")
        exported("xlsx", rows)
        reference("write_xlsx", "write_xlsx (rustpy-xlsxwriter) alone", rows, "xlsx")
        reference("xlsxwriter", "(c) xlsxwriter cells", rows, "xlsx")
        if not args.skip_naive_xlsx:
            reference("pandas_xlsx", "(b) pandas read_sql + to_excel", rows, "xlsx")
    finally:
        results["machine"] = machine_facts(conninfo, exports_dir=str(var_dir))
        print()
        print(table(results))
        print(json.dumps(results["machine"]))
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=2, default=str))
        if args.drop:
            with psycopg.connect(conninfo_of(args.database_url, "postgres"), autocommit=True) as c:
                c.execute(f'DROP DATABASE IF EXISTS "{make_url(args.database_url).database}"')
    goals(results, small, args.rows, args.xlsx_rows)


def goals(results: dict, small: int, rows: int, xlsx_rows: int) -> None:
    csv_ratio = max(
        results[f"job CSV {n:,}"]["wall_s"] / results[f"(a) COPY {n:,}"]["wall_s"]
        for n in {small, rows}
    )
    xlsx = results[f"job XLSX {xlsx_rows:,}"]
    xlsx_speedup = results[f"(c) xlsxwriter cells {xlsx_rows:,}"]["wall_s"] / xlsx["wall_s"]
    peaks = [r["peak_rss_mb"] for k, r in results.items() if k.startswith("job ")]
    print(f"CSV within {GOAL_CSV_VS_COPY}x of COPY: {csv_ratio:.2f}x")
    print(f"XLSX at least {GOAL_XLSX_VS_C}x (c): {xlsx_speedup:.2f}x,"
          f" {xlsx['rows'] / xlsx['wall_s']:,.0f} rows/s (aim 50,000)")  # fmt: skip
    print(f"worker peak RSS under {GOAL_RSS_MB} MB: {max(peaks):.0f} MB")


if __name__ == "__main__":
    main()
