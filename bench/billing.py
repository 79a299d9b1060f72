"""Monthly billing of N subscriptions on PostgreSQL, through the real task function.

    .venv/bin/python bench/billing.py [--subscriptions 100000] [--runs 3]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/provedor_bench_billing]

1. (Re)creates the database with the real migrations and seeds it with COPY: one plan, N
   customers with one active subscription each (due days 1-28 of next month, every third with a
   discount), their options (every tenth with `charge_boleto_fee`, half of those paying by
   bank debit) and, for every twentieth subscription, a sale in 3 installments (billing events).
2. --runs times: empties receivables, their lines and history, puts the events back to
   pending, VACUUM ANALYZE; then runs `tasks.billing.run_monthly_billing` in this process (the
   task object itself, so its app context and commits are the worker's) on day 20 of next month
   (every due day of the month within reach): wall time of the first run (creates N), then of a
   second (creates nothing). Checks every subscription has one receivable and every amount is
   the sum of its lines.
3. Prints each run, the medians, the goal (under 60 s), and the machine.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta

import psycopg

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.common import (
    ROOT,
    conninfo_of,
    copy_rows,
    machine_facts,
    recreate_database,
    service_env,
)

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/provedor_bench_billing"
GOAL_SECONDS = 60.0


def next_month() -> date:
    today = datetime.now(UTC).date()
    return (today.replace(day=28) + timedelta(days=4)).replace(day=1)


def seed(conninfo: str, count: int, month: date) -> None:
    """Customers, options, subscriptions and installments, as the app would have left them."""
    now = datetime.now(UTC)
    ids = range(1, count + 1)
    with psycopg.connect(conninfo) as conn:
        plan_id = conn.execute(
            "INSERT INTO plans (name, kind, download_kbps, upload_kbps, price, radius_group,"
            " active, created_at, updated_at) VALUES ('Bench 100M', 'internet', 100000, 50000,"
            " 99.90, 'plano-bench', true, %s, %s) RETURNING id",
            (now, now),
        ).fetchone()[0]
        copy_rows(
            conn,
            "customers",
            ("code", "active", "created_at", "updated_at", "kind", "name", "document",
             "search_name", "search_contact", "search_city", "search_address"),
            ((i, True, now, now, "PF", f"Cliente Bench {i}", f"{90000000000 + i:011d}",
              f"cliente bench {i}", "", "", "") for i in ids),
        )  # fmt: skip
        flags = [
            row[0]
            for row in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name ="
                " 'customer_options' AND data_type = 'boolean' ORDER BY column_name"
            )
        ]
        copy_rows(
            conn,
            "customer_options",
            ("customer_code", *flags),
            ((i, *(flag == "charge_boleto_fee" and i % 10 == 0 for flag in flags)) for i in ids),
        )
        copy_rows(
            conn,
            "payment_methods",
            ("customer_code", "method", "debit_status", "is_default", "bank_code", "agency",
             "account_number", "account_type", "created_at", "updated_at"),
            ((i, "bank_debit", "active", True, "001", "1234", f"{i:08d}", "checking", now, now)
             for i in ids if i % 20 == 0),
        )  # fmt: skip
        copy_rows(
            conn,
            "subscriptions",
            ("id", "customer_code", "plan_id", "status", "due_day", "price", "discount",
             "first_due_date", "created_at", "updated_at"),
            ((i, i, plan_id, "active", 1 + i % 28, "99.90", "10.00" if i % 3 == 0 else "0.00",
              month.replace(day=1 + i % 28), now, now) for i in ids),
        )  # fmt: skip
        copy_rows(
            conn,
            "billing_events",
            ("customer_code", "subscription_id", "description", "amount", "status",
             "source_key", "sequence", "created_at"),
            ((i, i, f"Roteador ({n}/3)", "33.34" if n == 1 else "33.33", "pending",
              f"sale:{i}", n, now) for i in ids if i % 20 == 0 for n in (1, 2, 3)),
        )  # fmt: skip
        conn.execute("SELECT setval(pg_get_serial_sequence('subscriptions', 'id'), %s)", (count,))


def reset(conninfo: str) -> None:
    with psycopg.connect(conninfo) as conn:
        conn.execute("UPDATE billing_events SET status = 'pending', receivable_id = NULL")
        conn.execute("TRUNCATE receivable_lines, history")
        conn.execute("DELETE FROM receivables")  # billing_events refer to it: no TRUNCATE
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def check(conninfo: str, count: int) -> dict:
    with psycopg.connect(conninfo) as conn:
        billed = conn.execute(
            "SELECT count(*), count(DISTINCT subscription_id) FROM receivables"
        ).fetchone()
        wrong = conn.execute(
            "SELECT count(*) FROM (SELECT r.id FROM receivables r JOIN receivable_lines l"
            " ON l.receivable_id = r.id GROUP BY r.id HAVING sum(l.amount) <> min(r.amount)) x"
        ).fetchone()[0]
        lines = conn.execute("SELECT kind, count(*) FROM receivable_lines GROUP BY kind")
        by_kind = dict(lines.fetchall())
        history = conn.execute(
            "SELECT count(*) FROM history WHERE entity = 'receivables'"
        ).fetchone()[0]
    ok = billed == (count, count) and wrong == 0 and history == count
    return {"ok": ok, "receivables": billed[0], "lines": by_kind, "history": history}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    args = parser.parse_args(argv)

    var_dir = tempfile.mkdtemp(prefix="provedor-billing-")
    env = service_env(args.database_url, "filesystem://", var_dir)
    conninfo = conninfo_of(args.database_url)
    recreate_database(args.database_url)
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "web", "db", "upgrade"],
        cwd=ROOT, env=env, check=True, capture_output=True,
    )  # fmt: skip
    month = next_month()
    started = time.perf_counter()
    seed(conninfo, args.subscriptions, month)
    print(f"seeded {args.subscriptions} subscriptions in {time.perf_counter() - started:.1f} s")

    os.environ.update({k: v for k, v in env.items() if k != "PATH"})
    from tasks.billing import run_monthly_billing
    from web import create_app

    create_app()  # binds the shared task to this app, as the worker's entry point does
    run_on = month.replace(day=20).isoformat()
    firsts, seconds = [], []
    for run in range(1, args.runs + 1):
        reset(conninfo)
        started = time.perf_counter()
        created = run_monthly_billing(run_on)
        firsts.append(time.perf_counter() - started)
        started = time.perf_counter()
        again = run_monthly_billing(run_on)
        seconds.append(time.perf_counter() - started)
        checked = check(conninfo, args.subscriptions)
        print(
            f"run {run}: first {firsts[-1]:.1f} s ({created} created), second"
            f" {seconds[-1]:.1f} s ({again} created); checks {checked}",
            flush=True,
        )
        if not checked["ok"] or again != 0 or created != args.subscriptions:
            raise SystemExit("the billing did not bill every subscription exactly once")
    first, second = statistics.median(firsts), statistics.median(seconds)
    print(f"median first run: {first:.1f} s ({args.subscriptions / first:.0f} subscriptions/s)")
    print(f"median second run: {second:.1f} s")
    print(f"goal (< {GOAL_SECONDS:.0f} s): {'met' if first < GOAL_SECONDS else 'NOT met'}")
    print(machine_facts(conninfo))


if __name__ == "__main__":
    main()
