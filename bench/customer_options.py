"""The billing jobs' query: customers with an option flag on, partial index vs a sequential scan.

    .venv/bin/python bench/customer_options.py [--customers 300000] [--samples 15] [--json FILE]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/provedor_bench_options]

1. (Re)creates the database with the real migrations (`flask --app web db upgrade`) and fills
   it with SQL: N customers and their customer_options rows, each flag on for a share of them
   (SHARES below: the defaults on for most, the exceptions for few), then VACUUM ANALYZE.
2. For each flag, times `models.customers.customer_options.customers_with_option(flag)` as
SQLAlchemy
   compiles it (every code fetched, in code order), and one keyset page of it as a job reads
   (`customer_code > <middle> LIMIT 1000`), --samples times each after a warm-up: once as the
   planner chooses (the flag's partial index) and once with index scans switched off (a
   sequential scan of the table), interleaved. Prints medians in ms, the plans' nodes and the
   machine.
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import conninfo_of, machine_facts, recreate_database, service_env  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/provedor_bench_options"
# Share of customers with each flag on (per mille), as an ISP's base might look.
SHARES = {
    "auto_suspend": 900,
    "charge_boleto_fee": 200,
    "itemized_invoice": 50,
    "charge_extra_email": 20,
    "allow_promotional_discounts": 100,
    "send_boleto_email": 800,
    "send_overdue_notice": 850,
}
PAGE = 1000
NO_INDEX = "SET enable_indexscan = off; SET enable_indexonlyscan = off; SET enable_bitmapscan = off"


def load(url: str, customers: int) -> None:
    """The schema by the migrations, then customers and options by SQL (flags hashed by code)."""
    recreate_database(url)
    env = service_env(url, "memory://", tempfile.mkdtemp(prefix="bench-options-"))
    subprocess.run(
        ["flask", "--app", "web", "db", "upgrade"],
        cwd=ROOT, env=env, check=True, capture_output=True,
    )  # fmt: skip
    flags = ", ".join(SHARES)
    # A different spread per flag: (code * prime) % 1000 < share.
    values = ", ".join(
        f"(n * {prime}) % 1000 < {share}"
        for prime, share in zip((7, 11, 13, 17, 19, 23, 29), SHARES.values(), strict=True)
    )
    with psycopg.connect(conninfo_of(url), autocommit=True) as conn:
        conn.execute(
            "INSERT INTO customers (active, created_at, updated_at, kind, name, document,"
            " search_name, search_contact, search_city, search_address)"
            " SELECT true, now(), now(), 'PF', 'Cliente ' || n, lpad(n::text, 11, '0'),"
            " 'cliente ' || n, '', '', '' FROM generate_series(1, %s) AS n",
            (customers,),
        )
        conn.execute(
            f"INSERT INTO customer_options (customer_code, {flags})"
            f" SELECT code, {values} FROM (SELECT code, code AS n FROM customers) AS c"
        )
        conn.execute("VACUUM ANALYZE customers")
        conn.execute("VACUUM ANALYZE customer_options")


def statements(customers: int) -> dict[str, dict[str, str]]:
    """Per flag, the full select and one keyset page, as SQLAlchemy compiles them."""
    from sqlalchemy.dialects import postgresql

    from models.customers.customer_options import CustomerOptions, customers_with_option

    def sql(query) -> str:
        return str(
            query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
        )

    result = {}
    for flag in SHARES:
        query = customers_with_option(flag)
        page = query.where(CustomerOptions.customer_code > customers // 2).limit(PAGE)
        result[flag] = {"all": sql(query), "page": sql(page)}
    return result


def timed(conn, sql: str) -> float:
    start = time.perf_counter()
    conn.execute(sql).fetchall()
    return (time.perf_counter() - start) * 1000


def plan_of(conn, sql: str) -> str:
    rows = conn.execute(f"EXPLAIN {sql}").fetchall()
    return " / ".join(row[0].split("  (")[0].strip().lstrip("-> ") for row in rows)


def measure(url: str, customers: int, samples: int) -> dict:
    """Medians in ms per flag and shape, index vs sequential scan, interleaved."""
    figures = {}
    with (
        psycopg.connect(conninfo_of(url), autocommit=True) as indexed,
        psycopg.connect(conninfo_of(url), autocommit=True) as sequential,
    ):
        sequential.execute(NO_INDEX)
        for flag, shapes in statements(customers).items():
            for shape, sql in shapes.items():
                for conn in (indexed, sequential):
                    timed(conn, sql)  # warm-up
                index_ms, seq_ms = [], []
                for _ in range(samples):
                    index_ms.append(timed(indexed, sql))
                    seq_ms.append(timed(sequential, sql))
                figures[f"{flag}/{shape}"] = {
                    "rows": len(indexed.execute(sql).fetchall()),
                    "index_ms": round(statistics.median(index_ms), 2),
                    "seq_ms": round(statistics.median(seq_ms), 2),
                    "plan": plan_of(indexed, sql),
                    "seq_plan": plan_of(sequential, sql),
                }
    return figures


def report(figures: dict, facts: dict, customers: int) -> None:
    print(f"\n{customers:,} customers; medians in ms (planner's choice vs index scans off)\n")
    print("| flag / shape | on for | rows | index | seq scan | seq/index | plan |")
    print("|---|---|---|---|---|---|---|")
    for key, row in figures.items():
        flag = key.split("/")[0]
        ratio = row["seq_ms"] / row["index_ms"] if row["index_ms"] else float("nan")
        print(
            f"| {key} | {SHARES[flag] / 10:.0f} % | {row['rows']:,} | {row['index_ms']} |"
            f" {row['seq_ms']} | {ratio:.1f}x | {row['plan']} |"
        )
    print("\nmachine:", json.dumps(facts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=300_000)
    parser.add_argument("--samples", type=int, default=15)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    load(args.database_url, args.customers)
    figures = measure(args.database_url, args.customers, args.samples)
    facts = machine_facts(conninfo_of(args.database_url), customers=args.customers)
    report(figures, facts, args.customers)
    if args.json:
        Path(args.json).write_text(json.dumps({"figures": figures, "machine": facts}, indent=1))


if __name__ == "__main__":
    main()
