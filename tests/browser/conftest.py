"""The staff console in a real browser: Playwright driving Debian's Chromium against a live server.

The server is the suite's app (its database, PostgreSQL or SQLite) served by werkzeug in a
thread. Nothing downloads a browser: CHROMIUM (default /usr/bin/chromium, which .ci/run
installs) is launched. A failing test keeps a screenshot (pyproject's --screenshot option).
Tests find controls by their label and role, as people do.
"""

import os
import threading
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from werkzeug.serving import make_server

from tests.conftest import TEST_PASSWORD

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
AXE = Path(__file__).with_name("axe-4.14.1.min.js")

expect.set_options(timeout=10_000)


@pytest.fixture(scope="session")
def live_server(app):
    """The app on a free port of 127.0.0.1, for as long as the session."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, headless, as CI has it (no sandbox: CI runs as root)."""
    if not Path(CHROMIUM).exists():
        why = f"no browser at {CHROMIUM}: install Debian's chromium (.ci/run does) or set CHROMIUM"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(why)
        pytest.skip(why)
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args, live_server):
    """A Brazilian attendant's browser: pt-BR, São Paulo's time, this server."""
    return {
        **browser_context_args,
        "base_url": live_server,
        "locale": "pt-BR",
        "timezone_id": "America/Sao_Paulo",
    }


@pytest.fixture
def sign_in(page: Page, make_user):
    """Sign in through the form as a new user of `role`; returns the user."""

    def sign(role: str = "attendant", username: str | None = None):
        user = make_user(username or f"{role}.console", role)
        page.goto("/entrar")
        page.get_by_label("Usuário").fill(user.username)
        page.get_by_label("Senha").fill(TEST_PASSWORD)
        page.get_by_role("button", name="Entrar").click()
        expect(page.get_by_role("button", name="Sair")).to_be_visible()
        return user

    return sign


def delay_script(page: Page, pattern: str, ms: int = 1000) -> list[str]:
    """Serve the scripts matching `pattern` `ms` late (a busy machine, a slow network), so a test
    can type before they run; returns the URLs delayed, to check the delay happened."""
    delayed: list[str] = []

    def late(route):
        delayed.append(route.request.url)
        page.wait_for_timeout(ms)
        route.continue_()

    page.route(pattern, late)
    return delayed


def axe_violations(page: Page, impacts=("serious", "critical")) -> list[dict]:
    """axe-core's violations of `impacts` on the page as it is now (a pinned copy, injected by
    the DevTools protocol, which the page's Content-Security-Policy does not govern).

    The markup is the same on either database, so the run that leaves out the `one_backend`
    tests (TEST_SKIP_ONE_BACKEND=1, scripts/test's PostgreSQL run) leaves out axe too, unless
    the browser modules are shared out between the runs (TEST_BROWSER_HALF): then each screen
    is checked by the one run that shows it.
    """
    if os.environ.get("TEST_SKIP_ONE_BACKEND") == "1" and not os.environ.get("TEST_BROWSER_HALF"):
        return []
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => (await window.axe.run(document)).violations")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result
        if v["impact"] in impacts
    ]
