"""CEP directory import: `flask ceps import` on 500,000 rows, against PostgreSQL's own COPY.

    .venv/bin/python bench/ceps.py [--rows 500000] [--runs 3] [--json FILE]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/provedor_bench_ceps]

1. Writes --rows CEPs (unique, realistic streets, districts, cities and UFs; ';' between
   fields, UTF-8) to a CSV file in a temporary folder.
2. For PostgreSQL (the database is dropped and recreated by the real migrations; its name must
   contain "bench") and for SQLite (a new file in the temporary folder), --runs times each:
   the import into an empty directory (every row new), then the same file again (every row
   unchanged), then the file with every 10th row changed (those updated). Each is the command's
   own code (models.customers.cep_import.CepImport, committed per 50,000-row chunk), in this
   process.
3. The reference: psycopg's COPY of the same file into a plain table with the same columns
   and no constraint (TRUNCATE first), --runs times.
4. Prints the medians (and every run), rows/s, the ratio to COPY, and the machine.
"""

import argparse
import csv
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import conninfo_of, machine_facts, recreate_database  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/provedor_bench_ceps"
STREETS = ("Rua", "Avenida", "Travessa", "Alameda", "Praça", "Estrada")
NAMES = ("das Flores", "São João", "Brasil", "XV de Novembro", "Tiradentes", "Getúlio Vargas",
         "Dom Pedro II", "Castro Alves", "da Consolação", "Santos Dumont", "Paulista")  # fmt: skip
DISTRICTS = ("Centro", "Jardim América", "Vila Nova", "Bela Vista", "Boa Vista", "Santa Cruz")
CITIES = (("São Paulo", "SP"), ("Rio de Janeiro", "RJ"), ("Belo Horizonte", "MG"),
          ("Curitiba", "PR"), ("Porto Alegre", "RS"), ("Salvador", "BA"), ("Recife", "PE"),
          ("Manaus", "AM"), ("Goiânia", "GO"), ("Florianópolis", "SC"))  # fmt: skip


def write_file(path: Path, rows: int, seed: int = 7, changed_every: int = 0) -> None:
    """--rows unique CEPs; `changed_every` N renames the street of every Nth row."""
    rng = random.Random(seed)
    ceps = rng.sample(range(1_000_000, 99_999_999), rows)
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, delimiter=";")
        writer.writerow(["cep", "street", "district", "city", "state"])
        for n, cep in enumerate(ceps):
            street = f"{STREETS[n % 6]} {NAMES[n % 11]} {n % 997}"
            if changed_every and n % changed_every == 0:
                street += " (nova)"
            city, uf = CITIES[n % 10]
            writer.writerow([f"{cep:08d}", street, DISTRICTS[n % 6], city, uf])


def build_app(url: str, var_dir: str):
    from flask_migrate import upgrade

    from web import create_app
    from web.config import load_settings

    env = {"DATABASE_URL": url, "PROVEDOR_VAR_DIR": var_dir, "PROVEDOR_ENV": "development",
           "LOG_LEVEL": "WARNING"}  # fmt: skip
    app = create_app(load_settings(env))
    with app.app_context():
        upgrade()
    return app


def timed_import(app, path: Path) -> tuple[float, dict]:
    from models.customers.cep_import import CepImport
    from models.db import db

    with app.app_context():
        started = time.perf_counter()
        importer = CepImport(path)
        for _ in importer.run():
            db.session.commit()
        elapsed = time.perf_counter() - started
        report = importer.report
        counts = {"new": report.new, "updated": report.updated, "unchanged": report.unchanged,
                  "bad": report.bad_count}  # fmt: skip
        return elapsed, counts


def empty_directory(app) -> None:
    from models.db import db

    with app.app_context():
        db.session.execute(db.text("DELETE FROM ceps"))
        db.session.commit()


def bench_backend(app, files: dict[str, Path], runs: int) -> dict:
    """Per run: into an empty table, the same file again, the file with 10 % changed."""
    figures: dict[str, list] = {"empty": [], "again": [], "changed": []}
    counts = {}
    for _ in range(runs):
        empty_directory(app)
        for case, path in (("empty", files["base"]), ("again", files["base"]),
                           ("changed", files["changed"])):  # fmt: skip
            elapsed, counts[case] = timed_import(app, path)
            figures[case].append(elapsed)
    return {"seconds": figures, "counts": counts}


def bench_copy(conninfo: str, path: Path, runs: int) -> list[float]:
    """PostgreSQL's COPY of the same file into a plain table, the floor for any import."""
    seconds = []
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_ceps_plain (cep varchar(8), "
                     "street varchar(200), district varchar(120), city varchar(120), "
                     "state varchar(2))")  # fmt: skip
        for _ in range(runs):
            conn.execute("TRUNCATE bench_ceps_plain")
            started = time.perf_counter()
            with conn.transaction(), conn.cursor() as cursor:
                sql = "COPY bench_ceps_plain FROM STDIN (FORMAT csv, HEADER true, DELIMITER ';')"
                with cursor.copy(sql) as copy, path.open("rb") as file:
                    while block := file.read(1 << 20):
                        copy.write(block)
            seconds.append(time.perf_counter() - started)
        conn.execute("DROP TABLE bench_ceps_plain")
    return seconds


def summary(name: str, seconds: list[float], rows: int, copy_median: float) -> str:
    median = statistics.median(seconds)
    each = ", ".join(f"{s:.2f}" for s in seconds)
    return (f"| {name} | {median:.2f} s | {rows / median:,.0f} | {median / copy_median:.1f}x "
            f"| {each} |")  # fmt: skip


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-ceps-") as folder:
        files = {"base": Path(folder) / "ceps.csv", "changed": Path(folder) / "ceps-10pc.csv"}
        write_file(files["base"], args.rows)
        write_file(files["changed"], args.rows, changed_every=10)
        size_mb = files["base"].stat().st_size / 1e6
        print(f"{args.rows:,} rows, {size_mb:.1f} MB", flush=True)

        recreate_database(args.database_url)
        conninfo = conninfo_of(args.database_url)
        results = {"copy": bench_copy(conninfo, files["base"], args.runs)}
        results["postgresql"] = bench_backend(build_app(args.database_url, folder), files,
                                              args.runs)  # fmt: skip
        sqlite_url = f"sqlite:///{folder}/bench.sqlite3"
        results["sqlite"] = bench_backend(build_app(sqlite_url, folder), files, args.runs)
        facts = machine_facts(conninfo, rows=args.rows, file_mb=round(size_mb, 1))

    copy_median = statistics.median(results["copy"])
    print("| what | median | rows/s | vs COPY | runs (s) |")
    print("|---|---|---|---|---|")
    print(summary("PostgreSQL COPY into a plain table", results["copy"], args.rows, copy_median))
    for backend in ("postgresql", "sqlite"):
        for case, label in (("empty", "all new"), ("again", "same file again, all unchanged"),
                            ("changed", "10 % changed")):  # fmt: skip
            seconds = results[backend]["seconds"][case]
            print(summary(f"import, {backend}, {label}", seconds, args.rows, copy_median))
        print(f"counts {backend}: {results[backend]['counts']}")
    print(json.dumps(facts))
    if args.json:
        args.json.write_text(json.dumps({"results": results, "machine": facts}, indent=2))
    return 0


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
