"""Conexões [6.6] in a browser: a customer's sessions, narrowed by login, NAS and period, with the
totals of the whole filter, a page at a time."""

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_violations
from tests.builders import build_customer, build_login, build_subscription
from tests.tasks.extracts.sessions import load_sessions


def _customer_with_sessions(app) -> int:
    """A customer with two logins: 3 sessions of ana.pppoe, 2 of ana2.pppoe, 9 s each."""
    code = build_customer(app, name="Ana Conexões")
    subscription = build_subscription(app, code)
    build_login(app, subscription, "ana.pppoe")
    build_login(app, subscription, "ana2.pppoe")
    load_sessions(app, "ana.pppoe", 3)
    load_sessions(app, "ana2.pppoe", 2, first_id=100)
    return code


def test_the_connections_tab_filters_and_totals(page: Page, sign_in, app):
    code = _customer_with_sessions(app)
    sign_in("attendant")
    page.goto(f"/clientes/{code}")
    page.get_by_role("navigation", name="Abas do cliente").get_by_role(
        "link", name="Conexões"
    ).click()
    expect(page).to_have_url(re.compile(rf"/clientes/{code}/conexoes$"))
    rows = page.locator("table.extrato tbody tr")
    expect(rows).to_have_count(5)
    totals = page.get_by_label("Totais do extrato")
    expect(totals.locator(".total-conexoes")).to_have_text("5")
    expect(totals.locator(".total-tempo")).to_have_text("00:00:45")
    assert axe_violations(page) == []

    page.get_by_label("Login").fill("ana2.pppoe")
    page.get_by_role("button", name="Filtrar").click()
    expect(page).to_have_url(re.compile(r"login=ana2\.pppoe"))
    expect(rows).to_have_count(2)
    expect(totals.locator(".total-conexoes")).to_have_text("2")
    expect(totals.locator(".total-tempo")).to_have_text("00:00:18")
    expect(rows.first.get_by_role("cell").first).to_have_text("ana2.pppoe")

    # A NAS no session went through: nothing, totals zero.
    page.get_by_label("NAS (IP)").fill("10.9.9.9")
    page.get_by_role("button", name="Filtrar").click()
    expect(page.get_by_text("Nenhuma conexão no período.")).to_be_visible()
    expect(totals.locator(".total-conexoes")).to_have_text("0")

    # A login that is not hers, and a reversed period, are refused beside their fields.
    page.get_by_label("NAS (IP)").fill("")
    page.get_by_label("Login").fill("<script>alert(1)</script>")
    page.get_by_role("button", name="Filtrar").click()
    expect(page.locator("#erro-login")).to_contain_text("não é um dos logins deste cliente")
    expect(page.get_by_label("Login")).to_have_value("<script>alert(1)</script>")
    page.get_by_label("Login").fill("")
    page.get_by_label("De (dd/mm/aaaa)").fill("31/12/2030")
    page.get_by_label("Até (dd/mm/aaaa)").fill("01/12/2030")
    page.get_by_role("button", name="Filtrar").click()
    expect(page.locator("#erro-from")).to_have_text("O período começa depois de terminar.")
    expect(page.get_by_label("De (dd/mm/aaaa)")).to_have_attribute("aria-invalid", "true")
    assert axe_violations(page) == []


def test_a_technician_reads_the_connections(page: Page, sign_in, app):
    code = _customer_with_sessions(app)
    sign_in("technician")
    page.goto(f"/clientes/{code}/conexoes")
    expect(page.locator("table.extrato tbody tr")).to_have_count(5)
    assert axe_violations(page) == []
