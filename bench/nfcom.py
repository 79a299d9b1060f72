"""NFCom issuing (issue 21): N telecom bills invoiced by the Procfile's worker (Celery prefork,
WORKER_CONCURRENCY=2) against the stand-in SVRS in its own process; seconds until every
invoice is authorized with its DANFE-COM stored.

    .venv/bin/python bench/nfcom.py [--count 1000] [--runs 3] [--json FILE]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/provedor_bench_nfcom]
        [--broker-url redis://127.0.0.1:6379/9]

1. (Re)creates the database with the real migrations: one internet plan with its fiscal
   profile (tests/fiscal_service.PROFILE), then by COPY N customers in São Paulo (IBGE
   3550308, tests/web/customer_payloads.address) paying by boleto, each with a subscription of
   the plan and one open receivable of one plan line issued today.
2. Per run: empties invoices, boletos and their history; starts the stand-in SVRS in its own
   process (this script with --serve-standin DIR: SvrsStandIn(verifier="in-process"), which
   writes its address, CA and the issuer's A1 to DIR); saves the fiscal settings from this
   process (models' save_settings: the A1 encrypted with CARD_ENCRYPTION_KEYS, next number 1,
   active); starts the Procfile's `worker` line with SEFAZ_BASE_URL and SEFAZ_CA_FILE.
3. Sends `tasks.fiscal.sweep` once (t0) and polls the database every 100 ms until all N
   invoices are authorized with a PDF: total seconds, invoices per second, and when all were
   made, all signed and all authorized.
4. Checks: N authorized, numbers 1..N once each, next_number N+1, every invoice with its PDF
   (the first one opens) and nfcomProc, and the stand-in (asked with SIGUSR1) authorized
   exactly the N keys the database holds, with N distinct protocols and no violation.
"""

import argparse
import base64
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

import psycopg
import redis
from celery import Celery
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import conninfo_of, copy_rows, recreate_database, service_env  # noqa: E402
from bench.scheduled_tasks import facts_with_services, today_in_zone  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/provedor_bench_nfcom"
DEFAULT_BROKER = "redis://127.0.0.1:6379/9"  # flushed each run
POLL_SECONDS = 0.1
RUN_TIMEOUT_S = 900
GOAL_S = 60.0
AMOUNT = "99.90"


# --- The stand-in SVRS, in its own process ------------------------------------------------
def serve_standin(folder: str) -> None:
    """Start SvrsStandIn, write what the service needs to `folder`, serve until SIGTERM;
    on SIGUSR1 write what it authorized to folder/counts.json."""
    from tests.fiscal_service import ISSUER_CNPJ, a1_pkcs12
    from tests.sefaz import SvrsStandIn

    where = Path(folder)
    svrs = SvrsStandIn(cnpj=ISSUER_CNPJ, verifier="in-process").start()
    (where / "ca.pem").write_text(svrs.ca_pem)
    (where / "a1.p12").write_bytes(a1_pkcs12(svrs))

    def counts(*_):
        with svrs.registry.lock:
            authorizations = list(svrs.registry.by_key.items())
        answered = svrs.answered("NFComRecepcao")
        data = {
            "keys": sorted(key for key, _ in authorizations),
            "protocols": len({a.protocol for _, a in authorizations}),
            "recepcao_100": answered.count(100),
            "recepcao_other": len(answered) - answered.count(100),
            "violations": list(svrs.violations),
        }
        (where / "counts.tmp").write_text(json.dumps(data))
        os.replace(where / "counts.tmp", where / "counts.json")

    signal.signal(signal.SIGUSR1, counts)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    (where / "base_url").write_text(svrs.base_url)  # last: the others are written by now
    try:
        while True:
            signal.pause()
    finally:
        svrs.stop()


def start_standin(folder: Path, log_path: Path) -> tuple[subprocess.Popen, str]:
    with open(log_path, "a") as log:
        process = subprocess.Popen(
            [sys.executable, __file__, "--serve-standin", str(folder)], cwd=ROOT,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    deadline = time.monotonic() + 60
    while not (folder / "base_url").exists():
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the stand-in did not start; see {log_path}")
        time.sleep(0.1)
    return process, (folder / "base_url").read_text()


def standin_counts(process: subprocess.Popen, folder: Path) -> dict:
    (folder / "counts.json").unlink(missing_ok=True)
    process.send_signal(signal.SIGUSR1)
    deadline = time.monotonic() + 10
    while not (folder / "counts.json").exists():
        if time.monotonic() > deadline:
            raise SystemExit("the stand-in did not answer SIGUSR1")
        time.sleep(0.05)
    return json.loads((folder / "counts.json").read_text())


# --- Set-up -------------------------------------------------------------------------------
def make_app(env: dict):
    from web import create_app
    from web.config import load_settings

    return create_app(load_settings(env))


def create_plan(app) -> int:
    """The internet plan and its fiscal profile, through the models."""
    from models.audit import Actor, set_actor
    from models.db import db
    from models.fiscal.plan_profiles import save_profile
    from models.service.plans import create_plan as create
    from tests.fiscal_service import PROFILE

    with app.app_context():
        set_actor(db.session, Actor(username="bench", by_system=True))
        plan = create(
            {"name": "Fibra 100M", "kind": "internet", "price": AMOUNT,
             "download_kbps": 100_000, "upload_kbps": 50_000}
        )  # fmt: skip
        save_profile(plan.id, dict(PROFILE))
        plan_id = plan.id
        db.session.commit()
    return plan_id


def seed(conninfo: str, count: int, plan_id: int) -> None:
    """N customers in São Paulo paying by boleto, a subscription and an open bill each."""
    from tests.fiscal_service import SAO_PAULO

    now = datetime.now(UTC)
    today = today_in_zone()
    due = today + timedelta(days=10)
    ids = range(1, count + 1)
    with psycopg.connect(conninfo) as conn:
        copy_rows(
            conn,
            "customers",
            ("code", "active", "created_at", "updated_at", "kind", "name", "document", "email",
             "phone", "address_street", "address_number", "address_complement",
             "address_district", "address_city", "address_state", "address_cep",
             "address_city_code", "search_name", "search_contact", "search_city",
             "search_address"),
            ((i, True, now, now, "PF", f"Cliente NFCom {i}", f"{90000000000 + i:011d}",
              f"cliente{i}@bench.example", "1133334444", "Avenida Paulista", "1000", "Apto 12",
              "Bela Vista", "São Paulo", "SP", "01310100", SAO_PAULO, f"cliente nfcom {i}", "",
              "", "") for i in ids),
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
            "subscriptions",
            ("id", "customer_code", "plan_id", "status", "due_day", "price", "discount",
             "first_due_date", "created_at", "updated_at"),
            ((i, i, plan_id, "active", 10, AMOUNT, "0", due, now, now) for i in ids),
        )  # fmt: skip
        copy_rows(
            conn,
            "receivables",
            ("id", "customer_code", "subscription_id", "description", "amount", "issue_date",
             "due_date", "status", "billing_month", "source_key", "created_at", "updated_at"),
            ((i, i, i, f"Mensalidade {due:%m/%Y}", AMOUNT, today, due, "open",
              due.replace(day=1), f"nfbench:{i}", now, now) for i in ids),
        )  # fmt: skip
        copy_rows(
            conn,
            "receivable_lines",
            ("id", "receivable_id", "description", "amount", "kind"),
            ((i, i, "Plano Fibra 100M", AMOUNT, "plan") for i in ids),
        )
        for table, column in (("customers", "code"), ("subscriptions", "id"),
                              ("receivables", "id"), ("receivable_lines", "id")):  # fmt: skip
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
                f" (SELECT max({column}) FROM {table}))"
            )
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def reset(conninfo: str) -> None:
    """No invoice, no boleto (the first run issues them while signing, so does every run)."""
    with psycopg.connect(conninfo) as conn:
        conn.execute("DELETE FROM history WHERE entity IN ('nfcom_invoices', 'boletos')")
        conn.execute("DELETE FROM nfcom_invoices")
        conn.execute("DELETE FROM boletos")
        conn.execute("DELETE FROM boleto_sequences")
        conn.execute("DELETE FROM nfcom_series")  # each series starts again at 1
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def save_fiscal_settings(app, folder: Path) -> None:
    """The issuer with the stand-in's A1, active from 40 days ago (models' save_settings)."""
    from models.audit import Actor, set_actor
    from models.clock import local_today, utcnow
    from models.db import db
    from models.fiscal.fiscal_settings import save_settings
    from tests.fiscal_service import A1_PASSWORD, ISSUER

    with app.app_context():
        set_actor(db.session, Actor(username="bench", by_system=True))
        data = {
            **ISSUER,
            "active": True,
            "first_issue_date": local_today() - timedelta(days=40),
            "certificate": (folder / "a1.p12").read_bytes(),
            "certificate_password": A1_PASSWORD,
        }
        save_settings(data, utcnow())
        db.session.commit()


def procfile_line(name: str) -> str:
    from honcho.environ import parse_procfile

    return parse_procfile((ROOT / "Procfile").read_text()).processes[name]


def start_worker(env: dict, log_path: Path) -> subprocess.Popen:
    """The Procfile's worker line as honcho or supervisord runs it (a shell, then exec)."""
    with open(log_path, "a") as log:
        return subprocess.Popen(
            ["/bin/sh", "-c", f"exec {procfile_line('worker')}"], cwd=ROOT, env=env,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip


def wait_ready(worker: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise SystemExit(f"the worker exited; see {log_path}")
        if " ready." in log_path.read_text():
            return
        time.sleep(0.2)
    raise SystemExit(f"the worker did not get ready; see {log_path}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # its own session: only what this script started
        process.wait()


# --- A run --------------------------------------------------------------------------------
STATUS_SQL = """
SELECT count(*),
       count(*) FILTER (WHERE number IS NOT NULL),
       count(*) FILTER (WHERE status = 'authorized' AND pdf IS NOT NULL),
       count(*) FILTER (WHERE status NOT IN ('pending', 'signed', 'authorized'))
FROM nfcom_invoices
"""


def measure(conninfo: str, broker_url: str, count: int) -> dict:
    """Send the sweep once; poll until all are authorized with a PDF."""
    client = Celery("bench", broker=broker_url)
    marks: dict[str, float] = {}
    samples = []
    with psycopg.connect(conninfo, autocommit=True) as conn:
        t0 = time.perf_counter()
        client.send_task("tasks.fiscal.sweep")
        while True:
            made, signed, done, stuck = conn.execute(STATUS_SQL).fetchone()
            elapsed = time.perf_counter() - t0
            samples.append((round(elapsed, 2), made, signed, done))
            for name, value in (("made", made), ("signed", signed), ("authorized", done)):
                if value >= count and name not in marks:
                    marks[name] = elapsed
            if stuck:
                raise SystemExit(f"{stuck} invoices neither pending, signed nor authorized")
            if done >= count:
                break
            if elapsed > RUN_TIMEOUT_S:
                raise SystemExit(f"only {done}/{count} authorized after {RUN_TIMEOUT_S} s")
            time.sleep(POLL_SECONDS)
    client.close()
    first = next((s[0] for s in samples if s[3] > 0), None)
    wall = marks["authorized"]
    return {
        "wall_s": wall,
        "invoices_per_s": count / wall,
        "all_made_s": marks["made"],
        "all_signed_s": marks["signed"],
        "first_authorized_s": first,
        "half_authorized_s": next(s[0] for s in samples if s[3] >= count / 2),
        "timeline": samples[:: max(1, len(samples) // 40)],
    }


def verify(conninfo: str, standin: dict, count: int) -> dict:
    from pypdf import PdfReader

    with psycopg.connect(conninfo) as conn:
        one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
        numbers = [row[0] for row in conn.execute("SELECT number FROM nfcom_invoices")]
        keys = sorted(row[0] for row in conn.execute("SELECT access_key FROM nfcom_invoices"))
        pdf = one("SELECT pdf FROM nfcom_invoices ORDER BY number LIMIT 1")
        checks = {
            "authorized": one("SELECT count(*) FROM nfcom_invoices WHERE status = 'authorized'"),
            "numbers_1_to_n": sorted(numbers) == list(range(1, count + 1)),
            "next_number": one("SELECT next_number FROM nfcom_series"),
            "with_pdf_and_proc": one(
                "SELECT count(*) FROM nfcom_invoices"
                " WHERE pdf IS NOT NULL AND authorized_xml IS NOT NULL"
            ),
            "distinct_protocols_db": one("SELECT count(DISTINCT protocol) FROM nfcom_invoices"),
            "pdf_pages": len(PdfReader(BytesIO(pdf)).pages),
            "pdf_kb": round(len(pdf) / 1024, 1),
            "standin_keys_match": standin["keys"] == keys,
            "standin_protocols": standin["protocols"],
            "standin_recepcao_100": standin["recepcao_100"],
            "standin_recepcao_other": standin["recepcao_other"],
            "standin_violations": len(standin["violations"]),
        }
    checks["ok"] = (
        checks["authorized"] == count
        and checks["numbers_1_to_n"]
        and checks["next_number"] == count + 1
        and checks["with_pdf_and_proc"] == count
        and checks["distinct_protocols_db"] == count
        and checks["pdf_pages"] >= 1
        and checks["standin_keys_match"]
        and checks["standin_protocols"] == count
        and checks["standin_recepcao_100"] == count
        and checks["standin_recepcao_other"] == 0
        and checks["standin_violations"] == 0
    )
    return checks


def run_once(args, app, env: dict, conninfo: str, number: int) -> dict:
    folder = Path(tempfile.mkdtemp(prefix=f"svrs-{number}-", dir=env["PROVEDOR_VAR_DIR"]))
    log_dir = Path(env["PROVEDOR_VAR_DIR"])
    reset(conninfo)
    redis.Redis.from_url(args.broker_url).flushdb()
    standin, base_url = start_standin(folder, log_dir / f"standin-{number}.log")
    worker = None
    try:
        save_fiscal_settings(app, folder)
        worker_env = env | {"SEFAZ_BASE_URL": base_url, "SEFAZ_CA_FILE": str(folder / "ca.pem")}
        worker_log = log_dir / f"worker-{number}.log"
        worker = start_worker(worker_env, worker_log)
        wait_ready(worker, worker_log)
        run = measure(conninfo, args.broker_url, args.count)
        run["verify"] = verify(conninfo, standin_counts(standin, folder), args.count)
    finally:
        if worker is not None:
            stop(worker)
        stop(standin)
    run["load_average"] = os.getloadavg()
    return run


def report(runs: list[dict], facts: dict, args) -> dict:
    def median(name):
        return statistics.median(r[name] for r in runs)

    summary = {
        "count": args.count,
        "runs": len(runs),
        "median_wall_s": median("wall_s"),
        "median_invoices_per_s": median("invoices_per_s"),
        "median_all_signed_s": median("all_signed_s"),
        "median_first_authorized_s": median("first_authorized_s"),
        "goal_s": GOAL_S * args.count / 1000,
        "checks_ok": all(r["verify"]["ok"] for r in runs),
        "per_run": [{k: v for k, v in r.items() if k != "timeline"} for r in runs],
        "machine": facts,
    }
    summary["goal_met"] = summary["median_wall_s"] <= summary["goal_s"]
    return summary


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="invoices per run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", default=DEFAULT_URL, help="dropped and recreated")
    parser.add_argument("--broker-url", default=DEFAULT_BROKER, help="flushed each run")
    parser.add_argument("--json", help="also write every figure (timelines too) to this file")
    parser.add_argument("--serve-standin", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_standin:
        serve_standin(args.serve_standin)
        return 0
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # still stop what was started

    var_dir = tempfile.mkdtemp(prefix="provedor-nfcom-")
    card_key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    env = service_env(
        args.database_url, args.broker_url, var_dir,
        CARD_ENCRYPTION_KEYS=card_key,  # the settings row's A1 is encrypted with it
        WORKER_CONCURRENCY="2",
    )  # fmt: skip
    conninfo = conninfo_of(args.database_url)
    print(f"Creating {make_url(args.database_url).database} with {args.count} bills "
          f"(logs in {var_dir})...", file=sys.stderr, flush=True)  # fmt: skip
    recreate_database(args.database_url)
    subprocess.run(
        ["flask", "--app", "web", "db", "upgrade"], cwd=ROOT, env=env, check=True,
        capture_output=True,
    )  # fmt: skip
    app = make_app(env)
    seed(conninfo, args.count, create_plan(app))
    runs = []
    for number in range(1, args.runs + 1):
        run = run_once(args, app, env, conninfo, number)
        runs.append(run)
        print(
            f"Run {number}: {run['wall_s']:.1f} s, {run['invoices_per_s']:.1f}/s, all signed at "
            f"{run['all_signed_s']:.1f} s, checks {'ok' if run['verify']['ok'] else run['verify']}",
            file=sys.stderr, flush=True,
        )  # fmt: skip
    summary = report(runs, facts_with_services(conninfo, args.broker_url), args)
    print(json.dumps(summary, indent=2, default=str))
    if args.json:
        Path(args.json).write_text(json.dumps({"summary": summary, "runs": runs}, default=str))
    return 0 if summary["checks_ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
