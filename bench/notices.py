"""Boleto e-mails: N receivables due in 5 days, the daily sweep, two Celery workers, a local
SMTP server (aiosmtpd) counting what arrives; e-mails per second and the workers' peak memory.

    .venv/bin/python bench/notices.py [--count 10000] [--runs 3] [--concurrency 1] [--pix]
        [--json FILE]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/provedor_bench_notices]
        [--broker-url redis://127.0.0.1:6379/12]

1. (Re)creates the database with the real migrations and seeds it with COPY: N customers with
   an e-mail address and `send_boleto_email` on (no payment method: they pay by boleto), and
   one open receivable each (one line), due 5 days from today in the ISP's zone.
2. Starts an aiosmtpd server on loopback in this process (it keeps each message's Message-ID
   and size, and the first message whole) and two workers as the Procfile would, one process
   each (`celery -A tasks.worker worker --pool prefork --concurrency C`), SMTP_HOST pointing at
   the server; waits until both answer ping and warms them up.
3. Per run: empties notices, boletos, their history and the nosso-número sequence; sends
   `tasks.notices.sweep_notices` (t0) and waits until the server has N messages and every
   notice is sent. Wall time from t0 to the last message; e-mails per second; the peak RSS of
   the workers' processes (main + pool children, sampled from /proc every 50 ms).
4. Checks: exactly N messages, N distinct Message-IDs (no duplicate, none missing), N notices
   sent and N boletos with N distinct nosso números; the first message's PDF opens (pypdf).
"""

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from email.parser import BytesHeaderParser
from io import BytesIO
from pathlib import Path

import psycopg
import redis
from aiosmtpd.controller import Controller
from celery import Celery
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    conninfo_of,
    copy_rows,
    recreate_database,
    service_env,
    vacuum,
)
from bench.scheduled_tasks import (  # noqa: E402
    facts_with_services,
    stop_workers,
    today_in_zone,
    wait_for_workers,
)
from tests.smtp_server import free_port  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/provedor_bench_notices"
DEFAULT_BROKER = "redis://127.0.0.1:6379/12"
WORKERS = ("w1", "w2")
RUN_TIMEOUT_S = 1800
GOAL_PER_S = 100.0


class CountingHandler:
    """Keeps each message's Message-ID and size (and the first message whole)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.ids: list[str] = []
        self.bytes = 0
        self.first: bytes | None = None
        self.last_at = 0.0

    async def handle_DATA(self, server, session, envelope):
        headers = BytesHeaderParser().parsebytes(envelope.original_content)
        with self.lock:
            self.ids.append(headers["Message-ID"])
            self.bytes += len(envelope.original_content)
            self.first = self.first or envelope.original_content
            self.last_at = time.perf_counter()
        return "250 2.0.0 OK"

    def reset(self) -> None:
        with self.lock:
            self.ids, self.bytes, self.first = [], 0, None


def seed(conninfo: str, count: int) -> None:
    """N customers paying by boleto, each with one open receivable due in 5 days."""
    now = datetime.now(UTC)
    due = today_in_zone() + timedelta(days=5)
    ids = range(1, count + 1)
    with psycopg.connect(conninfo) as conn:
        copy_rows(
            conn,
            "customers",
            ("code", "active", "created_at", "updated_at", "kind", "name", "document", "email",
             "address_street", "address_number", "address_city", "address_state", "address_cep",
             "search_name", "search_contact", "search_city", "search_address"),
            ((i, True, now, now, "PF", f"Cliente Bench {i}", f"{90000000000 + i:011d}",
              f"cliente{i}@bench.example", "Rua das Flores", str(i), "Recife", "PE", "50010000",
              f"cliente bench {i}", "", "", "") for i in ids),
        )  # fmt: skip
        copy_rows(
            conn,
            "customer_options",
            ("customer_code", "auto_suspend", "charge_boleto_fee", "itemized_invoice",
             "charge_extra_email", "allow_promotional_discounts", "send_boleto_email",
             "send_overdue_notice"),
            ((i, True, False, False, False, False, True, True) for i in ids),
        )  # fmt: skip
        copy_rows(
            conn,
            "receivables",
            ("id", "customer_code", "description", "amount", "issue_date", "due_date", "status",
             "source_key", "created_at", "updated_at"),
            ((i, i, f"Mensalidade {due:%m/%Y}", "99.90", today_in_zone(), due, "open",
              f"bench:{i}", now, now) for i in ids),
        )  # fmt: skip
        copy_rows(
            conn,
            "receivable_lines",
            ("id", "receivable_id", "description", "amount", "kind"),
            ((i, i, "Plano Bench 100M", "99.90", "plan") for i in ids),
        )
        for table, column in (("customers", "code"), ("receivables", "id")):
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
                f" (SELECT max({column}) FROM {table}))"
            )
        conn.execute(
            "SELECT setval(pg_get_serial_sequence('receivable_lines', 'id'), %s)", (count,)
        )
    vacuum(conninfo)


def reset(conninfo: str) -> None:
    with psycopg.connect(conninfo) as conn:
        conn.execute("DELETE FROM history WHERE entity IN ('notices', 'boletos')")
        conn.execute("DELETE FROM notices")
        conn.execute("DELETE FROM boletos")
        conn.execute("DELETE FROM boleto_sequences")
    vacuum(conninfo)


def start_workers(env: dict, var_dir: str, concurrency: int) -> list:
    workers = []
    for name in WORKERS:
        log_path = Path(var_dir) / f"{name}.log"
        command = [
            "celery", "-A", "tasks.worker", "worker", "--pool", "prefork",
            "--concurrency", str(concurrency), "-n", f"{name}@%h", "--loglevel", "WARNING",
        ]  # fmt: skip
        with open(log_path, "a") as log:
            process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        workers.append((process, log_path))
    return workers


def tree_rss_mb(pid: int, field: str = "VmRSS:", source: str = "status") -> float:
    """RSS of a process and its children (the prefork pool), in MiB, from /proc; with
    field="Pss:", source="smaps_rollup" the proportional share (pages shared after the fork
    counted once)."""
    pids, total = [pid], 0
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as children:
                pids += [int(child) for child in children.read().split()]
    except OSError:
        pass
    for each in pids:
        try:
            with open(f"/proc/{each}/{source}") as status:
                for line in status:
                    if line.startswith(field):
                        total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def run_once(conninfo: str, client: Celery, handler: CountingHandler, workers, count: int):
    handler.reset()
    peak = {"total": 0.0, "per_worker": 0.0, "pss": 0.0}
    with psycopg.connect(conninfo, autocommit=True) as conn:
        sent_sql = "SELECT count(*) FROM notices WHERE status = 'sent'"
        t0 = time.perf_counter()
        client.send_task("tasks.notices.sweep_notices")
        while True:
            sizes = [tree_rss_mb(process.pid) for process, _ in workers]
            peak["total"] = max(peak["total"], sum(sizes))
            peak["per_worker"] = max(peak["per_worker"], *sizes)
            if len(handler.ids) % 10 == 0:  # smaps_rollup costs more: now and then
                pss = sum(tree_rss_mb(p.pid, "Pss:", "smaps_rollup") for p, _ in workers)
                peak["pss"] = max(peak["pss"], pss)
            received = len(handler.ids)
            if received >= count and conn.execute(sent_sql).fetchone()[0] >= count:
                break
            if time.perf_counter() - t0 > RUN_TIMEOUT_S:
                raise SystemExit(f"only {received}/{count} e-mails after {RUN_TIMEOUT_S} s")
            time.sleep(0.05)
    wall = handler.last_at - t0
    return {
        "emails": count,
        "wall_s": wall,
        "emails_per_s": count / wall,
        "peak_rss_mb_both_workers": peak["total"],
        "peak_rss_mb_one_worker": peak["per_worker"],
        "peak_pss_mb_both_workers": peak["pss"],
        "mean_message_kb": handler.bytes / max(1, len(handler.ids)) / 1024,
    }


def verify(conninfo: str, handler: CountingHandler, count: int) -> dict:
    from pypdf import PdfReader

    time.sleep(2)  # a duplicate would have arrived by now
    with psycopg.connect(conninfo) as conn:
        one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
        checks = {
            "messages": len(handler.ids),
            "distinct_message_ids": len(set(handler.ids)),
            "notices_sent": one("SELECT count(*) FROM notices WHERE status = 'sent'"),
            "boletos": one("SELECT count(*) FROM boletos"),
            "distinct_nosso_numero": one("SELECT count(DISTINCT nosso_numero) FROM boletos"),
        }
    from email import message_from_bytes, policy

    first = message_from_bytes(handler.first, policy=policy.default)
    (attachment,) = first.iter_attachments()
    checks["pdf_pages"] = len(PdfReader(BytesIO(attachment.get_content())).pages)
    checks["ok"] = (
        all(v == count for k, v in checks.items() if k != "pdf_pages") and checks["pdf_pages"] == 1
    )
    return checks


def report(runs: list[dict], facts: dict, args) -> str:
    rate = statistics.median(r["emails_per_s"] for r in runs)
    wall = statistics.median(r["wall_s"] for r in runs)
    rss = max(r["peak_rss_mb_both_workers"] for r in runs)
    one = max(r["peak_rss_mb_one_worker"] for r in runs)
    pss = max(r["peak_pss_mb_both_workers"] for r in runs)
    lines = [
        f"Boleto e-mails: {args.count} per run, {len(runs)} runs, 2 workers x "
        f"{args.concurrency} process(es), PIX {'on' if args.pix else 'off'}",
        *(
            f"  run {n}: {r['wall_s']:.1f} s, {r['emails_per_s']:.0f} e-mails/s, peak RSS "
            f"{r['peak_rss_mb_both_workers']:.0f} MiB "
            f"(one worker {r['peak_rss_mb_one_worker']:.0f}),"
            f" {r['mean_message_kb']:.0f} KiB/message, checks "
            f"{'ok' if r['verify']['ok'] else r['verify']}"
            for n, r in enumerate(runs, 1)
        ),
        f"median: {wall:.1f} s, {rate:.0f} e-mails/s (goal >= {GOAL_PER_S:.0f}: "
        f"{'met' if rate >= GOAL_PER_S else 'NOT met'}); peak RSS {rss:.0f} MiB both workers, "
        f"{one:.0f} MiB one worker; peak PSS {pss:.0f} MiB both workers",
        f"machine: {json.dumps(facts, default=str)}",
    ]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000, help="boleto e-mails per run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=1, help="pool processes per worker")
    parser.add_argument("--pix", action="store_true", help="boletos híbridos (PIX QR code)")
    parser.add_argument("--database-url", default=DEFAULT_URL, help="dropped and recreated")
    parser.add_argument("--broker-url", default=DEFAULT_BROKER, help="this Redis db is flushed")
    parser.add_argument("--json", help="also write every figure to this file")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # still stop the workers

    handler = CountingHandler()
    port = free_port()
    smtp = Controller(handler, hostname="127.0.0.1", port=port)
    smtp.start()
    var_dir = tempfile.mkdtemp(prefix="provedor-notices-")
    settings = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port), "SMTP_TIMEOUT_S": "30"}
    settings |= {"MAIL_SENDER": "Provedor Bench <cobranca@bench.example>"}
    settings |= {"PIX_KEY": "12345678000195"} if args.pix else {}
    env = service_env(args.database_url, args.broker_url, var_dir, **settings)
    env["PROVEDOR_TIMEZONE"] = "America/Sao_Paulo"
    conninfo = conninfo_of(args.database_url)
    print(f"Creating {make_url(args.database_url).database} with {args.count} receivables "
          f"(worker logs in {var_dir})...", flush=True)  # fmt: skip
    recreate_database(args.database_url)
    subprocess.run(
        ["flask", "--app", "web", "db", "upgrade"], cwd=ROOT, env=env, check=True,
        capture_output=True,
    )  # fmt: skip
    seed(conninfo, args.count)
    broker = redis.Redis.from_url(args.broker_url)
    broker.flushdb()
    client = Celery("bench", broker=args.broker_url)
    workers = start_workers(env, var_dir, args.concurrency)
    runs = []
    try:
        print(f"  workers up: {', '.join(wait_for_workers(client, workers))}", flush=True)
        for number in range(1, args.runs + 1):
            reset(conninfo)
            run = run_once(conninfo, client, handler, workers, args.count)
            run["verify"] = verify(conninfo, handler, args.count)
            run["load_average"] = os.getloadavg()
            runs.append(run)
            rss = run["peak_rss_mb_both_workers"]
            print(
                f"Run {number}: {run['wall_s']:.1f} s, {run['emails_per_s']:.0f}/s, "
                f"{rss:.0f} MiB, {run['verify']}",
                flush=True,
            )
    finally:
        stop_workers(workers)
        smtp.stop()
    facts = facts_with_services(conninfo, args.broker_url)
    print()
    print(report(runs, facts, args))
    if args.json:
        Path(args.json).write_text(json.dumps({"runs": runs, "facts": facts}, default=str))
    return 0 if all(r["verify"]["ok"] for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
