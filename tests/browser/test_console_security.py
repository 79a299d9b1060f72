"""The console's defences: CSRF on every change, the session cookie, sessions that end, the
Content-Security-Policy (and pages that need no inline script), data shown as text, no redirect
off-site, role checks, and the API's lockout on the sign-in form.

Some run in the browser (what a person sees), most through the Flask test client, which shows
the exact status, headers and cookies a browser would get.
"""

import re
from html.parser import HTMLParser

import pytest
from playwright.sync_api import Page, expect

from models.db import db
from models.staff.tokens import AuthToken
from tests.browser.conftest import axe_violations
from tests.builders import build_customer
from tests.conftest import TEST_PASSWORD
from web.console.record import TABS
from web.permissions import READ, roles_for

# Cookies, tokens, headers and markup: the same whichever database keeps the rows.
pytestmark = pytest.mark.one_backend

COOKIE = "provedor_sessao"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(response) -> str:
    return _CSRF.search(response.get_data(as_text=True)).group(1)


def signed_in(app, user, next_: str = ""):
    """A test client signed in through the form as `user`; returns (client, sign-in response)."""
    client = app.test_client()
    token = csrf_of(client.get("/entrar"))
    response = client.post(
        "/entrar",
        data={
            "username": user.username,
            "password": TEST_PASSWORD,
            "csrf_token": token,
            "next": next_,
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    return client, response


def session_of(app, client) -> dict:
    """What the signed session cookie holds (as the server reads it)."""
    cookie = client.get_cookie(COOKIE)
    if cookie is None:
        return {}
    return app.session_interface.get_signing_serializer(app).loads(cookie.value)


def live_tokens(app, user) -> int:
    with app.app_context():
        return db.session.scalar(
            db.select(db.func.count()).where(
                AuthToken.user_id == user.id, AuthToken.revoked_at.is_(None)
            )
        )


def goes_to_sign_in(response) -> bool:
    return response.status_code in (302, 303) and "/entrar" in response.headers["Location"]


# --- CSRF -----------------------------------------------------------------------------------
def test_a_change_without_the_csrf_token_changes_nothing(app, make_user):
    user = make_user("ana.csrf", "attendant")
    client, _ = signed_in(app, user)
    response = client.post("/sair")  # sign-out revokes the token: a change
    assert response.status_code == 400
    assert "A página expirou" in response.get_data(as_text=True)
    assert live_tokens(app, user) == 1
    assert client.get("/").status_code == 200  # still signed in

    response = client.post("/sair", data={"csrf_token": "forjado"})
    assert response.status_code == 400
    assert live_tokens(app, user) == 1


def test_another_sessions_csrf_token_is_refused(app, make_user):
    victim = make_user("ana.vitima", "attendant")
    attacker = make_user("rui.atacante", "attendant")
    victim_client, _ = signed_in(app, victim)
    attacker_client, _ = signed_in(app, attacker)
    attackers_token = csrf_of(attacker_client.get("/"))
    response = victim_client.post("/sair", data={"csrf_token": attackers_token})
    assert response.status_code == 400
    assert live_tokens(app, victim) == 1
    # The same token as a header (how htmx sends it) is refused as well.
    response = victim_client.post("/sair", headers={"X-CSRFToken": attackers_token})
    assert response.status_code == 400
    assert live_tokens(app, victim) == 1
    # Its own token works, as the header or the field.
    response = victim_client.post("/sair", headers={"X-CSRFToken": csrf_of(victim_client.get("/"))})
    assert goes_to_sign_in(response)
    assert live_tokens(app, victim) == 0


def test_the_sign_in_form_itself_needs_the_token(app, make_user):
    """No login CSRF: a page elsewhere cannot sign the browser in as someone else."""
    user = make_user("ana.login", "attendant")
    client = app.test_client()
    response = client.post("/entrar", data={"username": user.username, "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert live_tokens(app, user) == 0
    assert goes_to_sign_in(client.get("/"))


def test_after_sign_out_the_old_cookie_and_token_change_nothing(app, make_user):
    user = make_user("ana.saiu", "attendant")
    client, _ = signed_in(app, user)
    old_cookie = client.get_cookie(COOKIE).value
    token = csrf_of(client.get("/"))
    assert goes_to_sign_in(client.post("/sair", data={"csrf_token": token}))
    assert live_tokens(app, user) == 0

    replay = app.test_client()  # someone who kept a copy of the cookie
    replay.set_cookie(COOKIE, old_cookie)
    assert goes_to_sign_in(replay.get("/"))
    replay.set_cookie(COOKIE, old_cookie)
    assert goes_to_sign_in(replay.post("/sair", data={"csrf_token": token}))
    assert live_tokens(app, user) == 0
    with app.app_context():  # the revoked token was not touched again
        revoked = db.session.scalars(db.select(AuthToken).where(AuthToken.user_id == user.id))
        assert [t.revoked_at is not None for t in revoked] == [True]


# --- The session cookie ---------------------------------------------------------------------
def test_the_session_cookie_is_httponly_samesite_lax_and_new_at_every_sign_in(app, make_user):
    user = make_user("ana.cookie", "attendant")
    client = app.test_client()
    form = client.get("/entrar")
    before = client.get_cookie(COOKIE).value  # the session before signing in (its CSRF secret)
    response = client.post(
        "/entrar",
        data={"username": user.username, "password": TEST_PASSWORD, "csrf_token": csrf_of(form)},
    )
    assert response.status_code == 303
    set_cookie = response.headers["Set-Cookie"]
    assert set_cookie.startswith(f"{COOKIE}=")
    assert "HttpOnly" in set_cookie
    assert "SameSite=Lax" in set_cookie
    assert session_of(app, client).keys() == {"token"}  # nothing of the old session stays
    client.get("/")  # the first page makes the new session's CSRF secret
    first = session_of(app, client)
    assert first["csrf_token"] != session_of_value(app, before)["csrf_token"]  # rotated

    # A cookie captured before sign-in does not carry the signed-in session.
    stale = app.test_client()
    stale.set_cookie(COOKIE, before)
    assert goes_to_sign_in(stale.get("/"))

    # Signing in again (same browser) gives a new token and a new CSRF secret.
    data = {"username": user.username, "password": TEST_PASSWORD}
    client.post("/entrar", data={**data, "csrf_token": csrf_of(client.get("/entrar"))})
    client.get("/")
    second = session_of(app, client)
    assert second["token"] != first["token"]
    assert second["csrf_token"] != first["csrf_token"]


def session_of_value(app, value: str) -> dict:
    return app.session_interface.get_signing_serializer(app).loads(value)


def test_a_deactivated_users_session_ends(app, make_user, page: Page, sign_in):
    from models.audit import Actor, set_actor
    from models.staff.users import get_user, update_user

    admin = make_user("chefe.admin", "admin")
    user = sign_in("attendant")
    expect(page.get_by_role("heading", name="Pesquisar Cliente")).to_be_visible()
    with app.app_context():
        set_actor(db.session, Actor(username=admin.username, user_id=admin.id))
        update_user(user.id, {"active": False}, get_user(admin.id))
        db.session.commit()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/entrar"))
    expect(page.get_by_role("heading", name="Entrar")).to_be_visible()
    assert axe_violations(page) == []


# --- CSP, frames and no inline script -------------------------------------------------------
class _InlineFinder(HTMLParser):
    """Everything the CSP would block or that needs 'unsafe-inline': inline scripts, on*
    handlers, style attributes, javascript: links."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "script" and not names.get("src"):
            self.found.append("inline <script>")
        if tag == "style":
            self.found.append("<style> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if name == "style":
                self.found.append(f"<{tag} style=...>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"<{tag} {name}=javascript:...>")


def inline_code(html: str) -> list[str]:
    finder = _InlineFinder()
    finder.feed(html)
    return finder.found


def assert_protected(response, what: str) -> None:
    csp = response.headers.get("Content-Security-Policy", "")
    assert "script-src 'self'" in csp, what
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, what
    assert "frame-ancestors 'none'" in csp, what
    assert response.headers.get("X-Frame-Options") == "DENY", what
    assert response.headers.get("X-Content-Type-Options") == "nosniff", what
    assert response.headers.get("Cache-Control") == "no-store", what  # personal data
    assert inline_code(response.get_data(as_text=True)) == [], what


def test_every_console_page_has_the_csp_and_no_inline_script(app, make_user):
    code = build_customer(app, name="Cliente Cabeçalhos")
    anonymous = app.test_client()
    assert_protected(anonymous.get("/entrar"), "sign-in form")
    echoed = anonymous.get('/entrar?next="><script>alert(1)</script>')
    assert_protected(echoed, "sign-in form echoing `next`")
    assert "&lt;script&gt;" in echoed.get_data(as_text=True)
    assert_protected(anonymous.get("/"), "redirect to sign in")
    bad = anonymous.post("/entrar", data={"username": "x", "password": "y"})
    assert_protected(bad, "refused sign-in (CSRF)")
    client, signed = signed_in(app, make_user("ana.csp", "attendant"))
    assert_protected(signed, "sign-in redirect")
    pages = {
        "search": client.get("/"),
        "search results": client.get("/?q=cabecalhos"),
        "search fragment": client.get("/?q=cabecalhos", headers={"HX-Request": "true"}),
        "search refused term": client.get("/?q=%25%25&field=name"),
        "search echoing markup": client.get('/?q="><script>alert(1)</script>'),
        "record": client.get(f"/clientes/{code}"),
        "record fragment": client.get(f"/clientes/{code}", headers={"HX-Request": "true"}),
        "record not found": client.get("/clientes/999999"),
    }
    # Every tab served so far, whole and as a fragment.
    for rule in app.url_map.iter_rules():
        console_get = rule.endpoint.startswith("console.") and "GET" in rule.methods
        if console_get and rule.arguments == {"code"}:
            path = rule.rule.replace("<int:code>", str(code))
            pages[rule.endpoint] = client.get(path)
            pages[f"{rule.endpoint} (htmx)"] = client.get(path, headers={"HX-Request": "true"})
    for what, response in pages.items():
        assert response.status_code < 500, what
        assert_protected(response, what)


def test_the_browser_runs_the_console_without_csp_violations(page: Page, sign_in, app):
    code = build_customer(app, name="Cliente Sem Violações")
    violations: list[str] = []
    page.on(
        "console", lambda m: violations.append(m.text) if "Content Security" in m.text else None
    )
    sign_in("attendant")
    page.get_by_label("Buscar").fill("violacoes")
    results = page.locator("#resultados")
    expect(results.get_by_role("link", name="Cliente Sem Violações")).to_be_visible()
    results.get_by_role("link", name="Cliente Sem Violações").click()
    expect(page).to_have_url(re.compile(rf"/clientes/{code}$"))
    expect(page.get_by_role("heading", name=re.compile("Cliente Sem Violações"))).to_be_visible()
    assert violations == []
    assert axe_violations(page) == []


# --- What people typed shows as text -------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "term", "evaluated"),
    [
        ("Ana <script>alert(1)</script> Injeção", "injecao", None),
        ("Bia {{7*7}} Injeção", "injecao", "Bia 49 Injeção"),
        ("Caio <img src=x onerror=alert(2)> Injeção", "injecao", None),
    ],
)
def test_a_name_with_markup_or_template_code_shows_as_text(
    page: Page, sign_in, app, name, term, evaluated
):
    code = build_customer(app, name=name)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in("attendant")
    page.get_by_label("Buscar").fill(term)
    results = page.locator("#resultados")
    expect(results.get_by_role("link", name=name)).to_be_visible()
    expect(results).to_contain_text(name)
    if evaluated:
        expect(results).not_to_contain_text(evaluated)
    assert page.locator("#resultados script, #resultados img").count() == 0

    results.get_by_role("link", name=name).click()
    expect(page).to_have_url(re.compile(rf"/clientes/{code}$"))
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(name)
    expect(page.locator(".ficha dl.campos")).to_contain_text(name)
    if evaluated:
        expect(page.locator("main")).not_to_contain_text(evaluated)
    assert page.locator("main script, main img").count() == 0
    assert name in page.title()
    assert dialogs == []
    assert axe_violations(page) == []


# --- No redirect off-site -------------------------------------------------------------------
OFF_SITE = [
    "//evil.example",
    "https://evil.example",
    "http://evil.example/entrar",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    " //evil.example",
    "//evil.example/%2F..",
    "javascript:alert(1)",
    "/%2F/evil.example",
    "https:evil.example",
]


def _resolves_here(location: str) -> bool:
    """Whether a browser following `location` from this site stays on it (WHATWG URL rules:
    tabs and newlines are dropped, backslashes are slashes)."""
    from urllib.parse import urljoin, urlsplit

    cleaned = re.sub(r"[\t\n\r]", "", location.strip()).replace("\\", "/")
    target = urlsplit(urljoin("http://console.local/entrar", cleaned))
    return target.scheme in ("http", "https") and target.netloc == "console.local"


@pytest.mark.parametrize("target", OFF_SITE)
def test_sign_in_never_redirects_off_site(app, make_user, target):
    user = make_user("ana.next", "attendant")
    _, response = signed_in(app, user, next_=target)
    location = response.headers["Location"]
    assert _resolves_here(location), location


def test_sign_in_goes_back_to_the_page_asked_for(app, make_user, page: Page):
    code = build_customer(app, name="Cliente Voltar")
    user = make_user("ana.volta", "attendant")
    page.goto(f"/clientes/{code}")
    expect(page).to_have_url(re.compile(rf"/entrar\?next=/clientes/{code}$"))
    page.get_by_label("Usuário").fill(user.username)
    page.get_by_label("Senha").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Entrar").click()
    expect(page).to_have_url(re.compile(rf"/clientes/{code}$"))

    page.get_by_role("button", name="Sair").click()
    page.goto("/entrar?next=//evil.example")
    page.get_by_label("Usuário").fill(user.username)
    page.get_by_label("Senha").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Entrar").click()
    expect(page.get_by_role("heading", name="Pesquisar Cliente")).to_be_visible()
    assert page.url.startswith(app.config.get("SERVER_NAME") or "http://127.0.0.1")
    assert axe_violations(page) == []


# --- Who may read ---------------------------------------------------------------------------
def test_the_record_needs_a_signed_in_user(app):
    code = build_customer(app, name="Cliente Fechado")
    client = app.test_client()
    for path in (f"/clientes/{code}", f"/clientes/{code}/cadastro", "/", "/?q=fechado"):
        response = client.get(path)
        assert goes_to_sign_in(response), path
        assert "Cliente Fechado" not in response.get_data(as_text=True)
    response = client.get(f"/clientes/{code}", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/entrar")
    assert "Cliente Fechado" not in response.get_data(as_text=True)
    # An invented session (not signed by the server) is no session.
    client.set_cookie(COOKIE, "eyJ0b2tlbiI6ImFiYyJ9.forjado.assinatura")
    assert goes_to_sign_in(client.get(f"/clientes/{code}"))


def test_every_console_route_declares_its_roles(app):
    """Closed by default: a console view without `requires` is refused to everyone (403)."""
    for endpoint, view in app.view_functions.items():
        if not endpoint.startswith("console.") or endpoint == "console.static":
            continue
        assert getattr(view, "public", False) or view.allowed_roles, endpoint


def test_a_console_routes_roles_are_checked_before_it_runs(app, make_user, monkeypatch):
    """`requires` on a console view is enforced for session users as for bearer tokens: here the
    record's roles narrowed to admin for the test (a tab such as payment_data does this for
    real: the test below checks every served tab against the role table)."""
    code = build_customer(app, name="Cliente Restrito")
    view = app.view_functions["console.record"]
    monkeypatch.setattr(view, "allowed_roles", frozenset({"admin"}))
    technician, _ = signed_in(app, make_user("tec.restrito", "technician"))
    refused = technician.get(f"/clientes/{code}")
    assert refused.status_code == 403
    text = refused.get_data(as_text=True)
    assert "Acesso negado" in text and "Cliente Restrito" not in text
    assert_protected(refused, "403 page")
    admin, _ = signed_in(app, make_user("chefe.restrito", "admin"))
    assert admin.get(f"/clientes/{code}").status_code == 200


@pytest.mark.parametrize("role", ["admin", "attendant", "finance", "technician"])
def test_each_role_reads_the_record_and_only_the_tabs_of_its_areas(app, make_user, role):
    code = build_customer(app, name="Cliente Abas")
    client, _ = signed_in(app, make_user(f"{role}.abas", role))
    page = client.get(f"/clientes/{code}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    served = [tab for tab in TABS if tab.endpoint in app.view_functions]
    for tab in served:
        path = f"/clientes/{code}/{tab.slug}"
        allowed = role in roles_for(tab.area, READ)
        if tab.slug != "cadastro":
            assert (f'href="{path}"' in html) is allowed, (role, tab.slug)
            response = client.get(path)
            assert response.status_code == (200 if allowed else 403), (role, tab.slug)
            if not allowed:
                assert "Seu perfil não permite" in response.get_data(as_text=True)


# --- Lockout --------------------------------------------------------------------------------
def test_repeated_failures_lock_the_console_sign_in_like_the_api(app, make_user):
    user = make_user("ana.bloqueio", "attendant")
    limit = app.config["PROVEDOR_SETTINGS"].login_max_failures
    client = app.test_client()
    token = csrf_of(client.get("/entrar"))

    def attempt(password: str):
        data = {"username": user.username, "password": password, "csrf_token": token}
        return client.post("/entrar", data=data)

    for _ in range(limit):
        assert attempt("errada").status_code == 401
    locked = attempt(TEST_PASSWORD)  # even the right password waits now
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0
    assert "Muitas tentativas. Tente de novo em" in locked.get_data(as_text=True)
    assert live_tokens(app, user) == 0
    assert_protected(locked, "locked sign-in")
    # The API counts the same attempts: it is locked too.
    api = app.test_client().post(
        "/api/v1/auth/login", json={"username": user.username, "password": TEST_PASSWORD}
    )
    assert api.status_code == 429


def test_the_console_cookie_opens_no_api_route(app, make_user):
    """The API authenticates bearer tokens only: a page elsewhere cannot use the console's cookie
    to change something through the API (which checks no CSRF token)."""
    client, _ = signed_in(app, make_user("ana.api", "admin"))
    assert client.get("/api/v1/customers").status_code == 401
    response = client.post("/api/v1/customers", json={"kind": "PF", "name": "Forjado"})
    assert response.status_code == 401
    with app.app_context():
        from models.customers.customers import Customer

        assert db.session.scalar(db.select(db.func.count()).select_from(Customer)) == 0


def test_signing_in_over_a_session_ends_the_previous_one(app, make_user):
    """A shared terminal: B signs in where A never signed out. A's session ends there (a copy
    of A's cookie opens nothing), not hours later when its token expires."""
    first = make_user("ana.turno1", "attendant")
    second = make_user("bia.turno2", "attendant")
    client, _ = signed_in(app, first)
    old_cookie = client.get_cookie(COOKIE).value
    data = {"username": second.username, "password": TEST_PASSWORD}
    response = client.post("/entrar", data={**data, "csrf_token": csrf_of(client.get("/"))})
    assert response.status_code == 303
    assert live_tokens(app, first) == 0
    assert live_tokens(app, second) == 1
    copy = app.test_client()
    copy.set_cookie(COOKIE, old_cookie)
    assert goes_to_sign_in(copy.get("/"))
    assert "bia.turno2" in client.get("/").get_data(as_text=True)
