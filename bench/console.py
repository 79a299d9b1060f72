"""Staff console benchmark (issue 17): the search fragment and the record page on N customers,
and the search as a person sees it in a browser, side by side with the API's search.

    .venv/bin/python bench/console.py [--customers 1000000] [--samples 200] [--browser-samples 60]
        [--reuse] [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/provedor_bench_console]

1. The database and its N customers as bench/search.py builds them (its own functions: the real
   migrations, COPY, the search indexes rebuilt); --reuse keeps a database holding N customers.
   One customer gets a full record: 5 subscriptions, 24 receivables (4 still owed, 2 of them
   overdue), 50 history entries, a login online and 2 items of equipment lent.
2. Server time (Flask test client, in-process, signed in by the console's own form and cookie):
   `GET /?q=...&field=...` with `HX-Request: true` (the results fragment the search box asks
   for) for bench/search.py's name, address and exact (CPF, code) terms, each sample interleaved
   with the API's `GET /api/v1/customers` of the same query and page size; then the whole record
   page `GET /clientes/<code>` of the full customer.
3. In a browser (Playwright driving Debian's chromium against a real HTTP server, werkzeug
   threaded, in this process): the time from the last keystroke in the search box to the
   results painted (htmx's settle, then the next animation frame), which includes the box's
   150 ms debounce (hx-trigger `delay:150ms`).
Prints p50/p95 per query, the goals (fragment p95 <= 60 ms, record p95 <= 120 ms, browser
p95 <= 300 ms), the ratios to the API, and the machine. --json keeps every figure.
"""

import argparse
import importlib.util
import json
import logging
import os
import random
import re
import sys
import tempfile
import threading
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_spec = importlib.util.spec_from_file_location(
    "bench_search", Path(__file__).with_name("search.py")
)
search_bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(search_bench)

from models.customers.identifiers import format_cpf  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/provedor_bench_console"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PASSWORD = "bench-console-password-not-secret"  # noqa: S105 (a throwaway bench user)
SEARCH_TEMPLATE = ROOT / "web/console/templates/console/search.html"
PER_PAGE = 20  # the console's page (web/console/search.py PER_PAGE); the API is asked the same
GOAL_FRAGMENT_P95_MS = 60.0
GOAL_RECORD_P95_MS = 120.0
GOAL_BROWSER_P95_MS = 300.0
ANY_TERMS = ("silva", "paulo rocha", "rua tiradentes")
RECORD = {"subscriptions": 5, "receivables": 24, "history": 50}


# --- Data -----------------------------------------------------------------------------------
def build_full_record(app, code: int) -> None:
    """Give customer `code` a full record (once: a reused database keeps it)."""
    from models.audit import Actor, HistoryEntry, set_actor
    from models.billing.receivables import PAID, create_receivable
    from models.clock import local_today, utcnow
    from models.customers.registration import update_customer
    from models.db import db
    from models.service.equipment import create_equipment
    from models.service.equipment_lending import lend_equipment
    from models.service.items import add_item
    from models.service.plans import create_plan
    from models.service.radius import RadAcct
    from models.service.subscriptions import Subscription, create_subscription
    from models.staff.users import ADMIN, TECHNICIAN, create_user, find_user

    with app.app_context():
        have = db.session.scalar(
            db.select(db.func.count()).where(Subscription.customer_code == code)
        )
        if have:
            return
        set_actor(db.session, Actor(username="bench", by_system=True))
        today = local_today()
        subscriptions = []
        for n in range(RECORD["subscriptions"]):
            plan = create_plan(
                {"name": f"Bench {n}", "kind": "internet", "price": Decimal("99.90"),
                 "download_kbps": 300_000, "upload_kbps": 150_000}
            )  # fmt: skip
            subscriptions.append(create_subscription(code, {"plan_id": plan.id, "due_day": 10}))
        db.session.flush()
        for month in range(RECORD["receivables"]):
            due = today - timedelta(days=30 * (RECORD["receivables"] - 3 - month))
            receivable = create_receivable(
                code,
                "Mensalidade",
                due,
                [{"description": "Plano", "amount": Decimal("99.90"), "kind": "plan"}],
                source_key=f"bench-console:{month}",
                subscription_id=subscriptions[month % len(subscriptions)].id,
            )
            if month < RECORD["receivables"] - 4:  # paid: the last 4 are still owed
                receivable.status, receivable.paid_on = PAID, due
                receivable.paid_amount = receivable.amount
        db.session.flush()
        login = add_item(
            subscriptions[0].id,
            {"kind": "radius_login", "username": "bench.console", "password": "s3nha-pppoe"},
        )
        db.session.add(
            RadAcct(
                acctsessionid="bench-console",
                acctuniqueid="bench-console",
                username=login.username,
                nasipaddress="127.0.0.1",
                acctstarttime=utcnow() - timedelta(hours=1),
                acctupdatetime=utcnow(),
                acctinterval=300,
            )
        )
        for username, role in (("bench.tecnico", TECHNICIAN), ("bench.supervisor", ADMIN)):
            if not find_user(username):
                create_user(username, role, PASSWORD)
        types = tuple(app.config["EQUIPMENT_TYPES"])
        items = [
            create_equipment({"patrimony_number": 900_000 + n, "type": "roteador",
                              "model": "Bench"}, types).id
            for n in range(2)
        ]  # fmt: skip
        db.session.flush()
        lend_equipment(
            code,
            {"subscription_id": subscriptions[0].id, "responsible_user": "bench.tecnico",
             "confirming_user": "bench.supervisor", "items": items},
        )  # fmt: skip
        db.session.flush()
        written = db.session.scalar(
            db.select(db.func.count())
            .select_from(HistoryEntry)
            .where(HistoryEntry.customer_code == code)
        )
        for n in range(max(0, RECORD["history"] - written)):
            update_customer(code, {"notes": f"Anotação {n} do bench"})
            db.session.flush()
        db.session.commit()


def console_user(app) -> str:
    from models.audit import Actor, set_actor
    from models.db import db
    from models.staff.users import ADMIN, create_user, find_user

    with app.app_context():
        set_actor(db.session, Actor(username="bench", by_system=True))
        if not find_user("bench.console"):
            create_user("bench.console", ADMIN, PASSWORD)
        db.session.commit()
    return "bench.console"


def signed_in_client(app, username: str):
    """A test client signed in through the console's form (its CSRF token, its cookie)."""
    client = app.test_client()
    page = client.get("/entrar").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(
        "/entrar", data={"username": username, "password": PASSWORD, "csrf_token": token}
    )
    if response.status_code != 303:
        raise SystemExit(f"console sign-in failed: {response.status_code}")
    return client


# --- Server time ----------------------------------------------------------------------------
def getter(client, path: str, query: dict | None = None, headers: dict | None = None):
    def call():
        response = client.get(path, query_string=query, headers=headers)
        if response.status_code != 200:
            raise SystemExit(f"GET {path} {query} -> {response.status_code}")
        return response

    return call


def search_cases(conn, n: int, samples: int, rng) -> list[tuple[str, str, list[dict]]]:
    """(group, label, queries): bench/search.py's searches, and exact lookups of random
    customers."""
    cases = [(search.group, search.label, [search.query]) for search in search_bench.SEARCHES]
    codes = rng.sample(range(1, n + 1), min(n, samples * 4))
    people = conn.execute(
        "SELECT document FROM customers WHERE kind = 'PF' AND code = ANY(%s)", (codes,)
    ).fetchall()
    conn.rollback()
    cpfs = [format_cpf(document) for (document,) in people][:samples]
    cases.append(("exact", "CPF (field=document)", [{"field": "document", "q": c} for c in cpfs]))
    cases.append(
        ("exact", "code (field=code)", [{"field": "code", "q": str(c)} for c in codes[:samples]])
    )
    # The box as it opens (field "any"): what an attendant types without choosing a field.
    for term in ANY_TERMS:
        cases.append(("any", f"any `{term}`", [{"field": "any", "q": term}]))
    cases.append(("any", "any: a CPF", [{"field": "any", "q": c} for c in cpfs]))
    cases.append(("any", "any: a code", [{"field": "any", "q": str(c)} for c in codes[:samples]]))
    return cases


def server_times(app, client, token: str, cases, record_code: int, samples: int) -> dict:
    api_headers = {"Authorization": f"Bearer {token}"}
    fragment = {"HX-Request": "true"}
    warmup = max(10, samples // 10)
    results: dict = {"search": {}, "record": None}
    for group, label, queries in cases:
        pairs = [
            (
                getter(client, "/", query, fragment),
                getter(client, "/api/v1/customers", {**query, "per_page": PER_PAGE}, api_headers),
            )
            for query in queries
        ]
        figures = search_bench.measure(pairs, samples, warmup)
        results["search"][label] = {
            "group": group, "console": figures["api"], "api": figures["raw"]
        }  # fmt: skip
        c, a = figures["api"], figures["raw"]
        print(
            f"  {label}: console p50 {c['p50']:.1f} p95 {c['p95']:.1f} ms | "
            f"API p50 {a['p50']:.1f} p95 {a['p95']:.1f} ms",
            flush=True,
        )
    page = getter(client, f"/clientes/{record_code}")
    html = page().get_data(as_text=True)
    for shown in ("Débitos em aberto", "Logins on-line", "Equipamentos em comodato"):
        if shown not in html:
            raise SystemExit(f"the record page does not show {shown!r}: is the summary there?")
    for _ in range(warmup):
        page()
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        page()
        times.append((time.perf_counter() - started) * 1000)
    results["record"] = search_bench.summary(times)
    r = results["record"]
    print(f"  record page: p50 {r['p50']:.1f} p95 {r['p95']:.1f} ms", flush=True)
    return results


# --- Browser --------------------------------------------------------------------------------
ARM = """() => {
  const box = document.getElementById("q");
  window.__painted = new Promise((resolve) => {
    let pressed = null, sent = null;
    box.addEventListener("keydown", () => { pressed = performance.now(); }, { once: true });
    document.body.addEventListener("htmx:beforeRequest", () => { sent = performance.now(); },
                                   { once: true });
    document.body.addEventListener("htmx:afterSettle", () => {
      requestAnimationFrame(() => setTimeout(() => {
        const now = performance.now();
        resolve([now - pressed, now - sent]);
      }, 0));
    }, { once: true });
  });
}"""


def browser_times(app, username: str, cases, samples: int) -> dict:
    """Last keystroke to results painted, per group of terms, in a real browser."""
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    groups: dict[str, list[str]] = {}
    fields: dict[str, str] = {}
    for group, _label, queries in cases:
        key = "exact" if group == "exact" else group
        for query in queries:
            if query.get("sort", "code") != "code":
                continue
            groups.setdefault(f"{key} ({query['field']})", []).append(query["q"])
            fields[f"{key} ({query['field']})"] = query["field"]
    results = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
            )
            page = browser.new_page(base_url=base, locale="pt-BR")
            page.goto("/entrar")
            page.get_by_label("Usuário").fill(username)
            page.get_by_label("Senha").fill(PASSWORD)
            page.get_by_role("button", name="Entrar").click()
            page.get_by_role("button", name="Sair").wait_for()
            for name, terms in groups.items():
                page.goto(f"/?field={fields[name]}")
                times, after_debounce = [], []
                for i in range(samples + 5):
                    term = terms[i % len(terms)]
                    if len(terms) > 1 and i and term == terms[(i - 1) % len(terms)]:
                        continue
                    page.eval_on_selector("#q", "(box, v) => { box.value = v; }", term[:-1])
                    page.focus("#q")
                    page.evaluate(ARM)
                    page.keyboard.type(term[-1])
                    elapsed, since_sent = page.evaluate("() => window.__painted")
                    if i >= 5:  # warm-up
                        times.append(elapsed)
                        after_debounce.append(since_sent)
                results[name] = search_bench.summary(times)
                results[f"{name}, request sent to painted"] = search_bench.summary(after_debounce)
                b = results[name]
                print(f"  browser {name}: p50 {b['p50']:.0f} p95 {b['p95']:.0f} ms", flush=True)
            browser.close()
    finally:
        server.shutdown()
        thread.join(10)
    return results


# --- Report ---------------------------------------------------------------------------------
def markdown(results: dict, facts: dict, args) -> str:
    out = [
        f"Machine: {facts['nproc']} CPUs ({facts['cpu']}), {facts['ram_gb']} GB RAM; PostgreSQL "
        f"{facts['postgresql']}; Python {facts['python']}. Code: {facts['git']}. Date: "
        f"{facts['date']}. 1-minute load average as measuring ended: {facts['load']}.",
        "",
        f"`{args.command}`: {args.customers:,} customers, {args.samples} samples per query "
        "(console and API interleaved, Flask test client in-process), times in ms.",
        "",
        "| query | console p50 | console p95 | API p50 | API p95 | console/API p50 |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, f in results["server"]["search"].items():
        c, a = f["console"], f["api"]
        out.append(
            f"| {f['group']}: {label} | {c['p50']:.1f} | {c['p95']:.1f} | {a['p50']:.1f} | "
            f"{a['p95']:.1f} | {c['p50'] / a['p50']:.2f}x |"
        )
    r = results["server"]["record"]
    out += [
        "",
        f"Record page `GET /clientes/<code>` (5 subscriptions, 24 receivables, 50 history "
        f"entries, a login online, 2 items lent): p50 {r['p50']:.1f} ms, p95 {r['p95']:.1f} ms, "
        f"max {r['max']:.1f} ms.",
    ]
    if results.get("browser"):
        out += [
            "",
            f"Browser (chromium headless, {args.browser_samples} samples per group, the "
            f"{_debounce_ms()} ms debounce included): last keystroke to results painted, ms.",
            "",
            "| terms | p50 | p95 | max |",
            "|---|---:|---:|---:|",
        ]
        for name, b in results["browser"].items():
            out.append(f"| {name} | {b['p50']:.0f} | {b['p95']:.0f} | {b['max']:.0f} |")
    worst_fragment = max(f["console"]["p95"] for f in results["server"]["search"].values())
    worst_ratio = max(
        f["console"]["p50"] / f["api"]["p50"] for f in results["server"]["search"].values()
    )
    out += [
        "",
        "| goal | worst | met? |",
        "|---|---:|---|",
        f"| search fragment p95 <= {GOAL_FRAGMENT_P95_MS:g} ms | {worst_fragment:.1f} ms | "
        f"{'yes' if worst_fragment <= GOAL_FRAGMENT_P95_MS else 'no'} |",
        f"| record page p95 <= {GOAL_RECORD_P95_MS:g} ms | {r['p95']:.1f} ms | "
        f"{'yes' if r['p95'] <= GOAL_RECORD_P95_MS else 'no'} |",
    ]
    if results.get("browser"):
        worst_browser = max(
            b["p95"] for name, b in results["browser"].items() if "request sent" not in name
        )
        out.append(
            f"| keystroke to results painted p95 <= {GOAL_BROWSER_P95_MS:g} ms | "
            f"{worst_browser:.0f} ms | {'yes' if worst_browser <= GOAL_BROWSER_P95_MS else 'no'} |"
        )
    out.append(f"| (information) console/API p50, worst query | {worst_ratio:.2f}x | |")
    return "\n".join(out)


def combine(paths: list[str]) -> tuple[dict, dict, argparse.Namespace]:
    """The median of every figure over several --json runs (labels of the first run)."""
    import statistics

    runs = [json.loads(Path(path).read_text()) for path in paths]

    def median_of(pick) -> dict:
        figures = [pick(run["results"]) for run in runs]
        figures = [f for f in figures if f]
        return {stat: statistics.median(f[stat] for f in figures) for stat in figures[0]}

    first = runs[0]["results"]
    search = {}
    for label, f in first["server"]["search"].items():
        if all(label in run["results"]["server"]["search"] for run in runs):
            search[label] = {"group": f["group"]} | {
                side: median_of(lambda r, key=label, s=side: r["server"]["search"][key][s])
                for side in ("console", "api")
            }
    results = {
        "server": {"search": search, "record": median_of(lambda r: r["server"]["record"])},
        "browser": {
            name: median_of(lambda r, name=name: r.get("browser", {}).get(name))
            for name in first.get("browser", {})
        },
    }
    facts = dict(runs[0]["facts"])
    dates = sorted(run["facts"]["date"] for run in runs)
    facts["date"] = f"{dates[0]} to {dates[-1]}"
    facts["load"] = " / ".join(str(run["facts"]["load"]) for run in runs)
    args = argparse.Namespace(**runs[0]["args"])
    args.command += f" (median of {len(runs)} runs)"
    return results, facts, args


def _debounce_ms() -> int:
    """The search box's wait after the last key, as its template sets it (hx-trigger delay)."""
    return int(re.search(r"delay:(\d+)ms", SEARCH_TEMPLATE.read_text()).group(1))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--browser-samples", type=int, default=60)
    parser.add_argument("--seed", type=int, default=search_bench.SEED)
    parser.add_argument("--reuse", action="store_true", help="keep a database holding N rows")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--combine", nargs="+", metavar="JSON", help="medians of --json runs")
    args = parser.parse_args(argv)
    if args.combine:
        print(markdown(*combine(args.combine)))
        return 0
    args.command = "bench/console.py " + " ".join(argv if argv is not None else sys.argv[1:])
    url = args.database_url
    if "bench" not in (make_url(url).database or ""):
        raise SystemExit(f"refusing {make_url(url).database!r}: the name must contain 'bench'")

    var_dir = tempfile.mkdtemp(prefix="provedor-bench-console-")
    logging.basicConfig(
        filename=os.path.join(var_dir, "requests.log"),
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
    )
    if args.reuse and search_bench.customer_count(url) == args.customers:
        print(f"Reusing {args.customers:,} customers in {make_url(url).database}.", flush=True)
        app = search_bench.build_app(url, var_dir)
    else:
        print(f"Creating {make_url(url).database} with {args.customers:,} customers...", flush=True)
        search_bench.recreate_database(url)
        app = search_bench.build_app(url, var_dir)
        search_bench.load_customers(url, args.customers, args.seed)
    record_code = 1
    build_full_record(app, record_code)
    username = console_user(app)
    token = search_bench.bench_token(app)
    client = signed_in_client(app, username)
    rng = random.Random(args.seed + 1)
    conninfo = search_bench.conninfo_of(url)
    with psycopg.connect(conninfo) as conn:
        cases = search_cases(conn, args.customers, args.samples, rng)
    facts = search_bench.machine_facts(conninfo)
    print(f"Server time ({args.samples} samples per query)...", flush=True)
    results = {"server": server_times(app, client, token, cases, record_code, args.samples)}
    if args.browser_samples:
        print(f"Browser ({args.browser_samples} samples per group)...", flush=True)
        results["browser"] = browser_times(app, username, cases, args.browser_samples)
    facts["load"] = round(os.getloadavg()[0], 2)
    report = markdown(results, facts, args)
    print()
    print(report)
    if args.json:
        Path(args.json).write_text(
            json.dumps({"args": vars(args), "facts": facts, "results": results}, indent=2)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
