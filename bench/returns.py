"""Bank files on PostgreSQL (issue 19): a remessa of 100,000 boletos and a retorno of 20,000
liquidações against 1,000,000 open receivables, through the API and a real worker.

    .venv/bin/python bench/returns.py [--customers 1000000] [--remessa 100000]
        [--liquidations 20000] [--small 5000] [--runs 1] [--reuse] [--json FILE]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/provedor_bench_returns]
        [--broker-url redis://127.0.0.1:6379/14]

1. (Re)creates the database with the real migrations (`flask --app web db upgrade`), creates an
   admin (`flask --app web users create`) and, through the API, a Bradesco (237) CNAB 400
   billing account as the default; loads with COPY --customers customers (bench/search.py's
   loader, demo data with addresses), one plan, one subscription each (every 20th suspended for
   non-payment, its receivable overdue), one open receivable each (99.90, one plan line) and
   its boleto on that account: the columns `issue_boletos` writes, codes and `bank_number`
   computed by the same code (the bank's layout, `models.billing.boletos.bank_number`), nosso
   número = boleto id; the account's sequence row set past them. All boletos but the last
   --remessa are recorded as sent (remittance_items under an earlier remessa, number 1).
   --reuse keeps a database that holds exactly --customers boletos (each run puts back what the
   previous one changed).
2. Remessa: a fresh worker (`celery -A tasks.worker worker -P solo`, the bench's DATABASE_URL,
   CELERY_BROKER_URL, PROVEDOR_VAR_DIR); POST /billing-accounts/{id}/remittances, poll GET until
   done, GET the file (counted: --remessa detail lines); wall time from the POST, the worker's
   time (created_at -> finished_at) and its peak RSS (VmHWM, /proc).
3. Retornos: Bradesco CNAB 400 files written with the reader's own records (as
   tests/tasks/billing/test_bank_files.py does) holding liquidações (code 06, paid = amount) of
   boletos spread over the table: first --small of them, then --liquidations others, each with a
   fresh worker: POST .../returns (multipart) -> poll until done; wall, worker time, peak RSS.
   Checked: every liquidação applied and its receivable paid (SQL count). Lifts: each chunk
   sends one `tasks.suspension.lift_paid_customers` message for its customers after it
   commits; the worker, kept running after the retorno is done, runs them, and the bench waits
   (at most LIFT_WAIT_S) until no liquidated customer is suspended for non-payment any more
   (`lifts_done_s`, `still_suspended`: 0 when every lift happened).
4. --runs times steps 2-3 (the state put back between runs); prints each run, the medians, a
   table against the goals (each <= 20 s, worker memory flat: peak at --liquidations vs
   --small), and the machine. --json FILE keeps every figure.
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    conninfo_of,
    copy_rows,
    machine_facts,
    memory_mb,
    recreate_database,
    seconds_between,
    service_env,
    start_worker,
    stop_worker,
    wait_ready,
)
from bench.search import load_customers  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/provedor_bench_returns"
DEFAULT_BROKER = "redis://127.0.0.1:6379/14"
ADMIN, PASSWORD = "bench", "bench-password-not-secret"
GOAL_S = 20.0
POLL_S = 0.2
TIMEOUT_S = 1800
SUSPENDED_EVERY = 20  # every 20th customer is suspended for non-payment
AMOUNT = Decimal("99.90")
LIFT_WAIT_S = 120  # for the lift messages to have run after the retorno is done
ACCOUNT = {  # as tests/tasks/billing/test_bank_files.py
    "name": "Bradesco cobrança",
    "bank": "237",
    "agency": "1234",
    "agency_dv": "5",
    "account": "1234567",
    "account_dv": "1",
    "agreement": "123",
    "wallet": "09",
    "beneficiary_name": "Provedor Exemplo Ltda",
    "beneficiary_document": "11.222.333/0001-81",
    "fine_percent": "2.00",
    "interest_percent_month": "1.00",
    "cnab_layout": 400,
    "is_default": True,
}


# --- Database --------------------------------------------------------------------------------
def rebuild_indexes_after(conn, table: str, load) -> None:
    """Drop the table's plain indexes (not constraints), run `load`, build them again."""
    indexes = conn.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN"
        " (SELECT conname FROM pg_constraint)",
        (table,),
    ).fetchall()
    for name, _ in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    load()
    for _, definition in indexes:
        conn.execute(definition)


def load(conninfo: str, url: str, n: int, remessa: int, account_id: int) -> dict:
    """Customers, subscriptions, receivables, boletos and the earlier remessa; seconds each."""
    from models.billing.boleto_banks import BankAccount, bank_for
    from models.billing.boletos import bank_number

    timings = {}
    started = time.perf_counter()
    load_customers(url, n, seed=42)
    timings["customers"] = time.perf_counter() - started
    now = datetime.now(UTC)
    today = now.date()
    overdue, upcoming = today - timedelta(days=30), today + timedelta(days=10)
    account = BankAccount(
        ACCOUNT["bank"], ACCOUNT["agency"], ACCOUNT["account"], ACCOUNT["agreement"],
        ACCOUNT["wallet"],
    )  # fmt: skip
    layout = bank_for(account.bank)
    ids = range(1, n + 1)

    def due(i: int) -> date:
        return overdue if i % SUSPENDED_EVERY == 0 else upcoming

    with psycopg.connect(conninfo) as conn:
        conn.execute("SET maintenance_work_mem = '512MB'")
        started = time.perf_counter()
        plan_id = conn.execute(
            "INSERT INTO plans (name, kind, download_kbps, upload_kbps, price, radius_group,"
            " active, created_at, updated_at) VALUES ('Bench 100M', 'internet', 100000, 50000,"
            " 99.90, 'plano-bench', true, %s, %s) RETURNING id",
            (now, now),
        ).fetchone()[0]
        suspended = ("suspended", "non_payment", "Inadimplência")
        copy_rows(
            conn, "subscriptions",
            ("id", "customer_code", "plan_id", "status", "suspended_for", "suspension_reason",
             "due_day", "price", "discount", "first_due_date", "created_at", "updated_at"),
            ((i, i, plan_id, *(suspended if i % SUSPENDED_EVERY == 0 else ("active", None, None)),
              10, AMOUNT, Decimal("0.00"), today - timedelta(days=90), now, now) for i in ids),
        )  # fmt: skip
        rebuild_indexes_after(conn, "receivables", lambda: copy_rows(
            conn, "receivables",
            ("id", "customer_code", "subscription_id", "description", "amount", "issue_date",
             "due_date", "status", "created_at", "updated_at"),
            ((i, i, i, "Mensalidade Bench 100M", AMOUNT, due(i) - timedelta(days=10), due(i),
              "open", now, now) for i in ids),
        ))  # fmt: skip
        add_lines(conn)
        timings["subscriptions, receivables"] = time.perf_counter() - started

        started = time.perf_counter()

        def boletos():
            for i in ids:  # sequence i: the nosso número the boleto of receivable i drew
                codes = layout.codes(account, i, due(i), AMOUNT, issued=today)
                yield (
                    i, i, account_id, i, account.bank, account.agreement, i,
                    codes.nosso_numero_printed, bank_number(codes.nosso_numero), codes.barcode,
                    codes.linha_digitavel, AMOUNT, due(i), now, False,
                )  # fmt: skip

        rebuild_indexes_after(conn, "boletos", lambda: copy_rows(
            conn, "boletos",
            ("id", "receivable_id", "billing_account_id", "customer_code", "bank", "agreement",
             "sequence", "nosso_numero", "bank_number", "barcode", "digitable_line", "amount",
             "due_date", "issued_at", "demo"),
            boletos(),
        ))  # fmt: skip
        key = layout.sequence_key(account, today)
        conn.execute(
            "INSERT INTO boleto_sequences (bank, agreement, next_value) VALUES (%s, %s, %s)",
            (account.bank, key, n + 1),
        )
        timings["boletos"] = time.perf_counter() - started

        started = time.perf_counter()
        sent = n - remessa
        conn.execute(
            "INSERT INTO remittances (id, billing_account_id, status, sequence, layout,"
            " file_name, entries, cancellations, total, requested_by, created_at, finished_at)"
            " VALUES (1, %s, 'done', 1, 400, 'CB000001.REM', %s, 0, %s, 'bench', %s, %s)",
            (account_id, sent, AMOUNT * sent, now, now),
        )
        conn.execute(
            "INSERT INTO remittance_items (remittance_id, boleto_id, occurrence)"
            " SELECT 1, i, 'entry' FROM generate_series(1, %s) AS i",
            (sent,),
        )
        for table in ("subscriptions", "receivables", "boletos", "remittances", "remittance_items"):
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"
            )
        conn.execute(
            "UPDATE billing_accounts SET next_remittance_sequence = 2 WHERE id = %s", (account_id,)
        )
        timings["earlier remessa"] = time.perf_counter() - started
    with psycopg.connect(conninfo, autocommit=True) as conn:
        started = time.perf_counter()
        conn.execute("VACUUM ANALYZE")
        timings["vacuum analyze"] = time.perf_counter() - started
    return timings


def add_lines(conn) -> None:
    """Each receivable's one line (its plan), as monthly billing writes it: what settle and the
    remessa load with a receivable."""
    rebuild_indexes_after(
        conn,
        "receivable_lines",
        lambda: conn.execute(
            "INSERT INTO receivable_lines (id, receivable_id, description, amount, kind)"
            " SELECT id, id, 'Bench 100M', amount, 'plan' FROM receivables"
        ),
    )
    conn.execute(
        "SELECT setval(pg_get_serial_sequence('receivable_lines', 'id'), max(id))"
        " FROM receivable_lines"
    )


def boleto_count(conninfo: str) -> int:
    try:
        with psycopg.connect(conninfo, connect_timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM boletos").fetchone()[0]
    except psycopg.Error:
        return -1


def put_back(conninfo: str, n: int, remessa: int) -> None:
    """Undo what a run did: the remessas and retornos, payments, boletos' bank state, lifts."""
    sent = n - remessa
    with psycopg.connect(conninfo) as conn:
        conn.execute("DELETE FROM return_occurrences")
        conn.execute("DELETE FROM return_files")
        conn.execute("DELETE FROM remittance_items WHERE remittance_id <> 1")
        conn.execute("DELETE FROM remittances WHERE id <> 1")
        conn.execute("UPDATE billing_accounts SET next_remittance_sequence = 2")
        conn.execute(
            "UPDATE receivables SET status = 'open', paid_on = NULL, paid_amount = NULL"
            " WHERE status <> 'open'"
        )
        conn.execute(
            "UPDATE boletos SET bank_state = NULL, bank_note = NULL WHERE bank_state IS NOT NULL"
        )
        conn.execute(
            "UPDATE subscriptions SET status = 'suspended', suspended_for = 'non_payment'"
            " WHERE id %% %s = 0 AND status <> 'suspended'",
            (SUSPENDED_EVERY,),
        )
        conn.execute("DELETE FROM history WHERE entity IN ('receivables', 'boletos',"
                     " 'subscriptions', 'remittances', 'return_files')")  # fmt: skip
        count = conn.execute("SELECT count(*) FROM remittance_items").fetchone()[0]
        if count != sent:
            raise SystemExit(f"{count} boletos recorded as sent, not {sent}")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


# --- Retorno files ---------------------------------------------------------------------------
def retorno(numbers: list[int], on: date, sequence: int) -> bytes:
    """A Bradesco CNAB 400 retorno of liquidações (06, paid = amount) of these nossos números,
    written with the reader's own records, as tests/tasks/billing/test_bank_files.py does."""
    from models.billing.boleto_banks import BankAccount, bank_for
    from models.billing.cnab.return_readers import bradesco_400 as bradesco

    account = BankAccount("237", "1234", "1234567", "123", "09")
    layout = bank_for("237")
    lines = [
        bradesco.HEADER.render(
            {
                "record_type": "0",
                "direction": "2",
                "literal": "RETORNO",
                "service": "01",
                "service_name": "COBRANCA",
                "agreement": "00000000000000000123",
                "company_name": "PROVEDOR EXEMPLO",
                "bank": "237",
                "bank_name": "BRADESCO",
                "created_on": on,
                "density": "01600000",
                "sequence": f"{sequence:05d}",
                "number": "000001",
            }
        )
    ]
    for line, number in enumerate(numbers, 2):
        nosso = f"{number:011d}"
        lines.append(
            bradesco.DETAIL.render(
                {
                    "record_type": "1",
                    "wallet": "009",
                    "nosso_numero": nosso + layout.nosso_numero_with_dv(nosso, account)[-1],
                    "code": "06",
                    "occurred_on": on,
                    "amount": str(AMOUNT),
                    "paid": str(AMOUNT),
                    "credit_date": on,
                    "number": f"{line:06d}",
                }
            )
        )
    lines.append(
        bradesco.TRAILER.render(
            {
                "record_type": "9",
                "direction": "2",
                "service": "01",
                "bank": "237",
                "confirmed_count": 0,
                "settled_count": len(numbers),
                "written_off_count": 0,
                "number": f"{len(lines) + 1:06d}",
            }
        )
    )
    return "".join(line + "\r\n" for line in lines).encode("latin-1")


def spread(n: int, count: int, offset: int) -> list[int]:
    """`count` boleto ids spread evenly over 1..n, starting `offset` into each stride."""
    stride = n // count
    return [offset + k * stride for k in range(count)]


# --- Jobs ------------------------------------------------------------------------------------
def still_suspended(conninfo: str, numbers: list[int]) -> int:
    """Subscriptions of the liquidated customers still suspended for non-payment."""
    with psycopg.connect(conninfo) as conn:
        return conn.execute(
            "SELECT count(*) FROM subscriptions WHERE suspended_for = 'non_payment'"
            " AND customer_code = ANY(%s)",
            (numbers,),
        ).fetchone()[0]


def job(app, env, log_path: Path, submit, poll, after=None) -> tuple[dict, dict, dict]:
    """A fresh worker; `submit()` -> url; poll until `poll(state)`; wall, state, memory; then
    `after()` (its figures added) while the worker still runs."""
    # An empty broker: the previous retorno's lift messages would run first on this worker.
    redis.Redis.from_url(env["CELERY_BROKER_URL"]).flushdb()
    worker = start_worker(env, log_path, "bench-returns")
    try:
        wait_ready(app, worker, log_path)
        idle = memory_mb(worker.pid)
        started = time.perf_counter()
        url = submit()
        while True:
            state = poll(url)
            if state["status"] not in ("queued", "applying"):
                break
            if time.perf_counter() - started > TIMEOUT_S:
                raise SystemExit(f"{url} still {state['status']}")
            time.sleep(POLL_S)
        wall = time.perf_counter() - started
        memory = memory_mb(worker.pid)
        extra = after() if after else {}
    finally:
        stop_worker(worker)
    return (
        {"wall_s": wall, "idle_rss_mb": idle["VmRSS"], "peak_rss_mb": memory["VmHWM"], **extra},
        state,
        url,
    )


def remessa_job(app, client, headers, env, var_dir, account_id, expected: int) -> dict:
    base = f"/api/v1/billing-accounts/{account_id}/remittances"

    def submit() -> str:
        asked = client.post(base, json={}, headers=headers)
        if asked.status_code != 202:
            raise SystemExit(f"POST remittances: {asked.status_code} {asked.get_json()}")
        return asked.headers["Location"]

    figures, state, url = job(
        app, env, var_dir / "worker-remessa.log", submit,
        lambda url: client.get(url, headers=headers).get_json(),
    )  # fmt: skip
    if state["status"] != "done":
        raise SystemExit(f"remessa {state}")
    started = time.perf_counter()
    download = client.get(f"{url}/file", headers=headers)
    figures["download_s"] = time.perf_counter() - started
    details = sum(1 for line in download.data.split(b"\r\n") if line[:1] == b"1")
    figures.update(
        entries=state["entries"], cancellations=state["cancellations"],
        worker_s=seconds_between(state["created_at"], state["finished_at"]),
        file_mb=len(download.data) / 1e6, detail_lines=details,
        ok=state["entries"] == expected == details and state["cancellations"] == 0,
    )  # fmt: skip
    return figures


def retorno_job(app, client, headers, env, var_dir, account_id, conninfo, numbers, sequence):
    on = datetime.now(UTC).date() - timedelta(days=1)  # never after the ISP's local today
    content = retorno(numbers, on, sequence)
    base = f"/api/v1/billing-accounts/{account_id}/returns"
    log_path = var_dir / f"worker-retorno-{len(numbers)}-{sequence}.log"

    def submit() -> str:
        upload = {"file": (BytesIO(content), f"CB{sequence:06d}.RET")}
        answer = client.post(base, data=upload, headers=headers)
        if answer.status_code != 202:
            raise SystemExit(f"POST returns: {answer.status_code} {answer.get_json()}")
        return answer.headers["Location"]

    def lifted() -> dict:
        """The lift messages the chunks sent, run by this worker: how long after done until
        no liquidated customer is still suspended for non-payment (at most LIFT_WAIT_S)."""
        started = time.perf_counter()
        left = still_suspended(conninfo, numbers)
        while left and time.perf_counter() - started < LIFT_WAIT_S:
            time.sleep(POLL_S)
            left = still_suspended(conninfo, numbers)
        return {"lifts_done_s": time.perf_counter() - started, "still_suspended": left}

    figures, state, _ = job(
        app, env, log_path, submit,
        lambda url: client.get(url, headers=headers).get_json(),
        after=lifted,
    )  # fmt: skip
    if state["status"] != "done":
        raise SystemExit(f"retorno {state}")
    with psycopg.connect(conninfo) as conn:
        paid = conn.execute(
            "SELECT count(*) FROM receivables WHERE status = 'paid' AND id = ANY(%s)", (numbers,)
        ).fetchone()[0]
    suspended = sum(1 for n in numbers if n % SUSPENDED_EVERY == 0)
    figures.update(
        liquidations=len(numbers), file_mb=len(content) / 1e6,
        worker_s=seconds_between(state["created_at"], state["finished_at"]),
        by_outcome=state["report"]["by_outcome"], receivables_paid=paid,
        of_suspended_customers=suspended,
        ok=paid == len(numbers) and figures["still_suspended"] == 0
        and state["report"]["by_outcome"] == {"applied": len(numbers)},
    )  # fmt: skip
    return figures


# --- App -------------------------------------------------------------------------------------
def bench_app(url: str, broker: str, var_dir: Path):
    from web import create_app
    from web.config import load_settings

    env = {
        "DATABASE_URL": url,
        "CELERY_BROKER_URL": broker,
        "PROVEDOR_VAR_DIR": str(var_dir),
        "PROVEDOR_ENV": "development",
        "LOG_LEVEL": "WARNING",
    }
    return create_app(load_settings(env))


def login(client) -> dict:
    answer = client.post("/api/v1/auth/login", json={"username": ADMIN, "password": PASSWORD})
    if answer.status_code != 200:
        raise SystemExit(f"login: {answer.status_code} {answer.get_json()}")
    return {"Authorization": f"Bearer {answer.get_json()['access_token']}"}


def default_account(client, headers) -> int:
    listed = client.get("/api/v1/billing-accounts", headers=headers).get_json()
    items = listed["items"] if isinstance(listed, dict) else listed
    for item in items:
        if item["name"] == ACCOUNT["name"]:
            return item["id"]
    created = client.post("/api/v1/billing-accounts", json=ACCOUNT, headers=headers)
    if created.status_code != 201:
        raise SystemExit(f"POST billing-accounts: {created.status_code} {created.get_json()}")
    return created.get_json()["id"]


# --- Report ----------------------------------------------------------------------------------
def medians(runs: list[dict], key: str) -> dict:
    values = [run[key] for run in runs]
    return {
        field: statistics.median(v[field] for v in values)
        for field in ("wall_s", "worker_s", "peak_rss_mb", "idle_rss_mb")
    }


def table(results: dict, args) -> str:
    rows = [
        ("remessa", f"{args.remessa:,} boletos", "remessa", True),
        ("retorno", f"{args.small:,} liquidações", "retorno_small", False),
        ("retorno", f"{args.liquidations:,} liquidações", "retorno", True),
    ]
    lines = [
        f"| file | size | wall (median of {len(results['runs'])}) | worker | per second |"
        " peak RSS | goal | ratio to goal |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, size, key, goal in rows:
        m = results["medians"][key]
        count = int(size.split()[0].replace(",", ""))
        lines.append(
            f"| {name} | {size} | {m['wall_s']:.1f} s | {m['worker_s']:.1f} s |"
            f" {count / m['wall_s']:,.0f} | {m['peak_rss_mb']:.0f} MB |"
            f" {'<= 20 s' if goal else '-'} |"
            f" {m['wall_s'] / GOAL_S:.2f}x |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--remessa", type=int, default=100_000)
    parser.add_argument("--liquidations", type=int, default=20_000)
    parser.add_argument("--small", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--broker-url", default=DEFAULT_BROKER)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--json")
    args = parser.parse_args()
    conninfo = conninfo_of(args.database_url)
    var_dir = Path(tempfile.mkdtemp(prefix="provedor-bench-returns-"))
    env = service_env(args.database_url, args.broker_url, str(var_dir), LOG_LEVEL="INFO")
    results: dict = {"args": vars(args), "runs": []}
    reuse = args.reuse and boleto_count(conninfo) == args.customers
    if not reuse:
        recreate_database(args.database_url)
        flask = ["flask", "--app", "web"]
        subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True,
                       capture_output=True)  # fmt: skip
        subprocess.run(
            [*flask, "users", "create", ADMIN, "--role", "admin", "--password", PASSWORD],
            cwd=ROOT, env=env, check=True, capture_output=True,
        )  # fmt: skip
    redis.Redis.from_url(args.broker_url).flushdb()
    app = bench_app(args.database_url, args.broker_url, var_dir)
    client = app.test_client()
    headers = login(client)
    account_id = default_account(client, headers)
    if reuse:
        print(f"reusing {args.customers:,} boletos", flush=True)
        with psycopg.connect(conninfo) as conn:  # a database loaded before lines were
            if conn.execute("SELECT count(*) FROM receivable_lines").fetchone()[0] == 0:
                add_lines(conn)
    else:
        results["load_s"] = load(
            conninfo, args.database_url, args.customers, args.remessa, account_id
        )
        print(f"loaded: {json.dumps(results['load_s'])}", flush=True)
    big = spread(args.customers, args.liquidations, args.customers // args.liquidations)
    small = spread(args.customers, args.small, 1 + args.customers // args.small // 2)
    if set(big) & set(small):
        raise SystemExit("the two retornos share boletos")
    try:
        for run in range(1, args.runs + 1):
            if reuse or run > 1:
                put_back(conninfo, args.customers, args.remessa)
            figures = {
                "remessa": remessa_job(app, client, headers, env, var_dir, account_id, args.remessa)
            }
            print(f"run {run} remessa: {json.dumps(figures['remessa'])}", flush=True)
            figures["retorno_small"] = retorno_job(
                app, client, headers, env, var_dir, account_id, conninfo, small, 2 * run - 1
            )
            print(f"run {run} retorno: {json.dumps(figures['retorno_small'])}", flush=True)
            figures["retorno"] = retorno_job(
                app, client, headers, env, var_dir, account_id, conninfo, big, 2 * run
            )
            print(f"run {run} retorno: {json.dumps(figures['retorno'])}", flush=True)
            results["runs"].append(figures)
            if not all(f["ok"] for f in figures.values()):
                raise SystemExit(f"run {run}: a check failed (see the 'ok' fields)")
    finally:
        results["machine"] = machine_facts(conninfo, var_dir=str(var_dir))
        if results["runs"]:
            results["medians"] = {
                key: medians(results["runs"], key)
                for key in ("remessa", "retorno_small", "retorno")
            }
            print()
            print(table(results, args))
            peak = results["medians"]
            print(
                f"worker peak RSS {args.small:,} -> {args.liquidations:,} liquidações:"
                f" {peak['retorno_small']['peak_rss_mb']:.0f} ->"
                f" {peak['retorno']['peak_rss_mb']:.0f} MB"
            )
        print(json.dumps(results["machine"]))
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
