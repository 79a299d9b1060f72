"""The console by keyboard alone: the search box, the results and their pages, the record's tabs,
Sair, and a name for every control (test_sign_in_and_search.py covers ArrowDown + Enter, and
test_options_notes.py Esc on the mandatory-reading dialog: not repeated here)."""

import io
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_violations
from tests.builders import build_cep, build_contact, build_customer
from tests.web.api_helpers import API
from tests.web.customer_payloads import address
from tests.web.payment_payloads import bank_debit, created
from web.console.record import TABS
from web.console.search import PER_PAGE

# Keys, focus and names are the browser's and the markup's: nothing a database changes.
pytestmark = pytest.mark.one_backend

# axe's rules for a control without an accessible name, whatever impact axe gives them.
NAME_RULES = [
    "button-name",
    "link-name",
    "label",
    "select-name",
    "input-button-name",
    "aria-command-name",
    "aria-input-field-name",
    "aria-toggle-field-name",
    "frame-title",
]


def _nameless_controls(page: Page) -> list[dict]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        axe_violations(page)  # injects axe
    script = """async (rules) => (await window.axe.run(document,
        {runOnly: {type: 'rule', values: rules}})).violations.map(
        v => ({id: v.id, nodes: v.nodes.map(n => n.target)}))"""
    return page.evaluate(script, NAME_RULES)


def _focused_name(page: Page) -> str:
    return page.evaluate("() => (document.activeElement.textContent || '').trim()")


def test_arrows_walk_the_results_both_ways_and_up_returns_to_the_box(page: Page, sign_in, app):
    for name in ("Ana Teclado", "Bruno Teclado", "Carla Teclado"):
        build_customer(app, name=name)
    sign_in("attendant")
    box = page.get_by_label("Buscar")
    expect(box).to_be_focused()

    page.keyboard.type("teclado")
    expect(page).to_have_url(re.compile(r"q=teclado&"))  # the whole word's results (below)
    results = page.locator("#resultados a.resultado")
    expect(results).to_have_count(3)
    first, second, third = (results.nth(i) for i in range(3))

    page.keyboard.press("ArrowDown")
    expect(first).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(second).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(third).to_be_focused()
    page.keyboard.press("ArrowDown")  # the last one stays
    expect(third).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(second).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(first).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(box).to_be_focused()
    expect(box).to_have_value("teclado")  # nothing typed was lost on the way

    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expected = second.text_content()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=re.compile(expected))).to_be_visible()
    assert axe_violations(page) == []


def test_results_page_by_keyboard_and_the_arrows_go_on_on_the_next_page(page: Page, sign_in, app):
    for number in range(PER_PAGE + 2):
        build_customer(app, name=f"Cliente Paginado {number:02d}")
    sign_in("attendant")
    expect(page.get_by_label("Buscar")).to_be_focused()
    page.keyboard.type("paginado")
    # On a busy machine a pause while typing sends a search for part of the word: wait for the
    # whole word's results (htmx pushes its URL once they are in), or they would replace the
    # links the arrows are moving through.
    expect(page).to_have_url(re.compile(r"q=paginado&"))
    results = page.locator("#resultados a.resultado")
    expect(results).to_have_count(PER_PAGE)
    expect(page.get_by_text(re.compile(r"Página 1 de 2"))).to_be_visible()

    for _ in range(PER_PAGE):
        page.keyboard.press("ArrowDown")
    expect(results.last).to_be_focused()
    page.keyboard.press("Tab")  # from the last result to the pages
    expect(page.get_by_role("link", name="Próxima")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_text(re.compile(r"Página 2 de 2"))).to_be_visible()
    expect(results).to_have_count(2)
    expect(page).to_have_url(re.compile(r"page=2"))

    # Focus is not lost with the link that was replaced: the new page's results are reachable.
    expect(results.first).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(results.nth(1)).to_be_focused()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    expect(page.get_by_label("Buscar")).to_be_focused()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/clientes/\d+$"))
    assert axe_violations(page) == []


def test_tab_reaches_every_tab_of_the_record_and_sair(page: Page, sign_in, app):
    code = build_customer(app, name="Cliente do Teclado")
    sign_in("admin")  # the role that reads every tab
    page.goto(f"/clientes/{code}")
    expect(page.get_by_role("heading", name=re.compile("Cliente do Teclado"))).to_be_visible()

    reached = []
    for _ in range(60):
        page.keyboard.press("Tab")
        reached.append(_focused_name(page))
        if all(tab.label in reached for tab in TABS) and "Sair" in reached:
            break
    assert "Sair" in reached
    assert [name for name in reached if name in {tab.label for tab in TABS}] == [
        tab.label for tab in TABS
    ]

    page.keyboard.press("Shift+Tab")  # back to the tab before the last one, then opened by Enter
    before_last = TABS[-2]
    expect(page.get_by_role("link", name=before_last.label, exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/clientes/{code}/{before_last.slug}$"))
    assert axe_violations(page) == []


def test_a_dismissed_delete_confirmation_deletes_nothing(page: Page, sign_in, app):
    """The console has no non-mandatory <dialog>: a delete asks by the browser's own confirm
    (hx-confirm), which Esc answers "Cancelar". Dismissed, the contact stays."""
    code = build_customer(app, name="Cliente Que Desiste")
    build_contact(app, code, name="Contato Que Fica")
    sign_in("attendant")
    page.goto(f"/clientes/{code}/contatos")
    asked = []

    def dismiss(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.get_by_role("button", name=re.compile("Excluir")).first.click()
    expect(page.get_by_role("cell", name="Contato Que Fica", exact=True)).to_be_visible()
    assert asked == ["Excluir este contato?"]
    page.reload()
    expect(page.get_by_role("cell", name="Contato Que Fica", exact=True)).to_be_visible()
    assert axe_violations(page) == []


def test_every_control_on_every_tab_has_a_name(page: Page, sign_in, app, client, headers_for):
    admin = headers_for("admin")
    build_cep(app, "01310100")
    code = build_customer(app, name="Cliente Completo")
    build_contact(app, code, name="Contato Completo")
    customer = f"{API}/customers/{code}"

    def made(response):
        assert response.status_code == 201, response.get_json()

    made(client.post(f"{customer}/addresses", json=address(type="installation"), headers=admin))
    note = {"type": "comercial", "text": "Atende de manhã.", "mandatory_reading": False}
    made(client.post(f"{customer}/observations", json=note, headers=admin))
    upload = {"description": "Contrato", "file": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "c.pdf")}
    made(
        client.post(
            f"{customer}/documents", data=upload, headers=admin, content_type="multipart/form-data"
        )
    )
    created(client, admin, code, bank_debit())
    field = {"name": "Ramo", "applies_to": "customer", "type": "text"}
    made(client.post(f"{API}/extra-fields", json=field, headers=admin))
    sign_in("admin")  # every tab, every control offered

    page.goto(f"/clientes/{code}")
    for tab in TABS:
        page.get_by_role("navigation", name="Abas do cliente").get_by_role(
            "link", name=tab.label, exact=True
        ).click()
        expect(page.locator('nav.abas a[aria-current="page"]')).to_have_text(tab.label)
        assert _nameless_controls(page) == [], tab.slug
        assert axe_violations(page) == [], tab.slug
