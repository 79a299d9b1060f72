"""Conexões (todas) [6.6] in a browser: everyone's RADIUS sessions, for technicians and support,
as GET /connections lists them: narrowed by NAS and login (the last 30 days) with the totals of
the whole filter over every page, only today without a filter, each row's customer linking to
their Conexões tab, and the period rules refused in Portuguese beside their fields."""

import re
from datetime import timedelta

from playwright.sync_api import Page, expect

from models.clock import local_midnight, local_today
from models.staff.users import ROLES
from tests.browser.conftest import axe_violations
from tests.builders import build_customer, build_login, build_session, build_subscription
from tests.tasks.extracts.sessions import NAS, load_sessions
from web.permissions import READ, roles_for


def _today_at_midnight(app):
    """Midnight where the ISP is: the screen's "today" is its date, not UTC's."""
    with app.app_context():
        return local_midnight(local_today())


def _two_customers(app) -> tuple[int, int]:
    """Ana: 60 sessions of 9 s three days ago on NAS 10.9.0.1 and one of 60 s today; Beto: one
    of 3 min yesterday and one open today; and one of a login no customer has, today."""
    ana = build_customer(app, name="Ana Todas")
    build_login(app, build_subscription(app, ana), "ana.pppoe")
    beto = build_customer(app, name="Beto Todas")
    build_login(app, build_subscription(app, beto), "beto.pppoe")
    load_sessions(app, "ana.pppoe", 60)
    today = _today_at_midnight(app)
    minute = timedelta(minutes=1)
    build_session(app, "beto.pppoe", today - 5 * minute, today - 2 * minute, nas="10.0.0.2")
    build_session(app, "beto.pppoe", today + minute, nas="10.0.0.2")  # still open
    build_session(app, "ana.pppoe", today + 2 * minute, today + 3 * minute, nas="10.0.0.2")
    build_session(app, "visitante", today + 4 * minute, today + 5 * minute)
    return ana, beto


def test_everyones_sessions_filtered_by_nas_and_login_with_totals_over_every_page(
    page: Page, sign_in, app
):
    ana, beto = _two_customers(app)
    sign_in("technician")
    page.get_by_role("navigation", name="Principal").get_by_role(
        "link", name="Conexões (todas)"
    ).click()
    expect(page).to_have_url(re.compile(r"/conexoes$"))
    expect(page.get_by_role("heading", name="Conexões (todas)")).to_be_visible()

    # No filter: today only (not yesterday's, not three days ago), everyone's.
    rows = page.locator("table.extrato tbody tr")
    totals = page.get_by_label("Totais do extrato")
    expect(rows).to_have_count(3)
    expect(totals.locator(".total-conexoes")).to_have_text("3")
    expect(totals.locator(".total-tempo")).to_have_text("00:02:00")
    expect(rows.nth(0)).to_contain_text("beto.pppoe")
    expect(rows.nth(0)).to_contain_text("em andamento")
    expect(rows.nth(0).get_by_role("cell").first).to_have_text(f"{beto} · Beto Todas")
    expect(rows.nth(1).get_by_role("cell").first).to_have_text(f"{ana} · Ana Todas")
    expect(rows.nth(2).get_by_role("cell").nth(1)).to_have_text("visitante")
    expect(rows.nth(2).get_by_role("cell").first).to_have_text("")  # no customer's login
    assert axe_violations(page) == []

    # By NAS: the last 30 days, 60 sessions, the totals over both pages.
    page.get_by_label("NAS (IP)").fill(NAS)
    page.get_by_role("button", name="Filtrar").click()
    expect(page).to_have_url(re.compile(r"nas=10\.9\.0\.1"))
    expect(rows).to_have_count(50)
    expect(totals.locator(".total-conexoes")).to_have_text("60")
    expect(totals.locator(".total-tempo")).to_have_text("00:09:00")
    expect(rows.first.get_by_role("cell").first).to_have_text(f"{ana} · Ana Todas")
    pages = page.get_by_role("navigation", name="Páginas das conexões")
    expect(pages).to_contain_text("Página 1 de 2")
    pages.get_by_role("link", name="Próxima").click()
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(rows).to_have_count(10)
    expect(totals.locator(".total-conexoes")).to_have_text("60")
    expect(pages).to_contain_text("Página 2 de 2")
    expect(page.get_by_label("NAS (IP)")).to_have_value(NAS)

    # By login: Beto's two, yesterday's included.
    page.get_by_label("NAS (IP)").fill("")
    page.get_by_label("Login").fill("beto.pppoe")
    page.get_by_role("button", name="Filtrar").click()
    expect(page).to_have_url(re.compile(r"login=beto\.pppoe"))
    expect(rows).to_have_count(2)
    expect(totals.locator(".total-conexoes")).to_have_text("2")
    expect(totals.locator(".total-tempo")).to_have_text("00:03:00")
    expect(pages).to_have_count(0)
    assert axe_violations(page) == []

    # The customer's link opens their record on the Conexões tab.
    rows.first.get_by_role("link", name=f"{beto} · Beto Todas").click()
    expect(page).to_have_url(re.compile(rf"/clientes/{beto}/conexoes$"))
    expect(page.get_by_role("heading", name="Conexões", exact=True)).to_be_visible()
    expect(rows).to_have_count(2)
    expect(totals.locator(".total-conexoes")).to_have_text("2")


def test_filters_refused_beside_their_fields_in_portuguese(page: Page, sign_in, app):
    _, beto = _two_customers(app)
    sign_in("attendant")
    # Everyone's sessions over three days: one day at most without a narrowing filter (422).
    response = page.goto("/conexoes?from=01/11/2026&to=03/11/2026")
    assert response.status == 422
    expect(page.locator("#erro-to")).to_have_text("Sem login, NAS ou cliente, escolha um só dia.")
    expect(page.get_by_label("Até (dd/mm/aaaa)")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("De (dd/mm/aaaa)")).to_have_value("01/11/2026")
    expect(page.locator("table.extrato")).to_have_count(0)
    assert axe_violations(page) == []

    # Narrowed by a customer, three days are fine (none of Beto's then); more than
    # EXTRACT_MAX_DAYS is not.
    page.get_by_label("Código do cliente").fill(str(beto))
    page.get_by_role("button", name="Filtrar").click()
    expect(page.get_by_label("Totais do extrato").locator(".total-conexoes")).to_have_text("0")
    page.get_by_label("De (dd/mm/aaaa)").fill("01/01/2024")
    page.get_by_label("Até (dd/mm/aaaa)").fill("01/01/2025")
    page.get_by_role("button", name="Filtrar").click()
    expect(page.locator("#erro-to")).to_have_text("O período pode ter no máximo 366 dias.")

    page.get_by_label("De (dd/mm/aaaa)").fill("31/12/2030")
    page.get_by_label("Até (dd/mm/aaaa)").fill("01/12/2030")
    page.get_by_role("button", name="Filtrar").click()
    expect(page.locator("#erro-from")).to_have_text("A data inicial é depois da data final.")

    page.get_by_label("De (dd/mm/aaaa)").fill("")
    page.get_by_label("Até (dd/mm/aaaa)").fill("")
    page.get_by_label("Código do cliente").fill("999999")
    page.get_by_label("NAS (IP)").fill("10.0.0.300")
    page.get_by_role("button", name="Filtrar").click()
    expect(page.locator("#erro-nas")).to_have_text("Informe o IP do NAS (por exemplo 10.0.0.1).")
    expect(page.get_by_label("NAS (IP)")).to_have_value("10.0.0.300")
    page.get_by_label("NAS (IP)").fill("")
    page.get_by_role("button", name="Filtrar").click()
    expect(page.locator("#erro-customer_code")).to_have_text("Cliente não encontrado.")
    assert axe_violations(page) == []


def test_every_role_reads_everyones_sessions(page: Page, sign_in, app):
    """Every staff role reads extracts (web.permissions): none is refused the screen."""
    assert set(roles_for("extracts", READ)) == set(ROLES)
    sign_in("finance")
    nav = page.get_by_role("navigation", name="Principal")
    expect(nav.get_by_role("link", name="Conexões (todas)")).to_be_visible()
    assert page.goto("/conexoes").status == 200
    expect(page.get_by_text("Nenhuma conexão no período.")).to_be_visible()
