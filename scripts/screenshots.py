"""The README's console screenshots (docs/img/), taken again on a throwaway database.

    .venv/bin/python scripts/screenshots.py          # writes docs/img/console-*.png

It starts the app on SQLite in a temporary folder, adds one customer with a plan, its RADIUS
login online, a scheduled suspension, three bills and an export half done (no worker runs, so
the export stays in progress), and photographs the screens with Debian's Chromium (CHROMIUM).
The records go through the same operations as the API, with the builders the tests use.
"""

import os
import secrets
import sys
import tempfile
import threading
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from models.audit import Actor, set_actor  # noqa: E402
from models.billing import receivables  # noqa: E402
from models.clock import local_today, utcnow  # noqa: E402
from models.db import db  # noqa: E402
from models.extracts.exports import Export  # noqa: E402
from models.service import scheduled_tasks  # noqa: E402
from models.staff.users import User, create_user  # noqa: E402
from tests.builders import (  # noqa: E402
    build_customer,
    build_login,
    build_open_session,
    build_plan,
    build_receivable,
    build_subscription,
)
from web import create_app  # noqa: E402
from web.config import load_settings  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
OUT = ROOT / "docs" / "img"
PASSWORD = secrets.token_urlsafe(16)  # the throwaway admin's
VIEWPORT = {"width": 1280, "height": 900}


def _app(var: Path):
    env = {"PROVEDOR_VAR_DIR": str(var), "PROVEDOR_ENV": "test", "PROVEDOR_ENV_FILE": "/dev/null"}
    app = create_app(load_settings(env))
    with app.app_context():
        upgrade()
    return app


def _records(app) -> tuple[int, int]:
    """The customer shown, and the export in progress."""
    code = build_customer(
        app, name="Maria Aparecida Souza", email="maria.souza@exemplo.com.br", mobile="11987654321"
    )
    plan = build_plan(app, name="Fibra 300 Mega", price="119.90")
    subscription = build_subscription(app, customer_code=code, plan_id=plan, due_day=10)
    build_login(app, subscription, "maria.souza")
    build_open_session(app, "maria.souza", session_id="foto-1")
    today = local_today()
    paid = build_receivable(app, code, "119.90", today - timedelta(days=50))
    build_receivable(app, code, "119.90", today - timedelta(days=20))  # overdue
    build_receivable(app, code, "119.90", today + timedelta(days=10))
    with app.app_context():
        set_actor(db.session, Actor(username="fotos", by_system=True))
        create_user("ana.admin", "admin", PASSWORD, "Ana Administradora")
        receivables.settle(paid, today - timedelta(days=48), Decimal("119.90"))
        task = {"subscription_id": subscription, "kind": "suspend", "run_on": today + timedelta(7)}
        scheduled_tasks.schedule(code, task)
        user = db.session.scalar(db.select(User).where(User.username == "ana.admin"))
        export = Export(
            user_id=user.id,
            requested_by=user.username,
            source="connections",
            format="xlsx",
            params={"title": "Conexões de novembro", "filters": {}, "columns": []},
            status="running",
            rows_total=120_000,
            rows_written=50_400,
            started_at=utcnow() - timedelta(seconds=21),
        )
        db.session.add(export)
        db.session.commit()
        return code, export.id


def main() -> None:
    with tempfile.TemporaryDirectory() as var:
        app = _app(Path(var))
        code, export_id = _records(app)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page(
                base_url=base, viewport=VIEWPORT, locale="pt-BR", timezone_id="America/Sao_Paulo"
            )
            page.goto("/entrar")
            page.get_by_label("Usuário").fill("ana.admin")
            page.get_by_label("Senha").fill(PASSWORD)
            page.get_by_role("button", name="Entrar").click()
            expect(page.get_by_role("button", name="Sair")).to_be_visible()
            for path, name in (
                (f"/clientes/{code}/planos", "console-plans.png"),
                (f"/clientes/{code}/financeiro", "console-finance.png"),
                (f"/exportacoes/{export_id}", "console-export.png"),
            ):
                page.goto(path)
                page.wait_for_load_state("networkidle")
                page.screenshot(path=str(OUT / name), full_page=False)
                print(f"wrote docs/img/{name}")
            browser.close()
        server.shutdown()


if __name__ == "__main__":
    main()
