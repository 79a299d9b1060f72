"""An attendant's round trip through the record: found by search, edited, the change in Histórico
with who made it and from where (the browser's own address: 127.0.0.1)."""

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_violations
from tests.builders import build_customer


def test_a_field_edited_in_cadastro_shows_in_historico_with_who_and_where(page: Page, sign_in, app):
    code = build_customer(app, name="Rosa Amélia Prado", email="rosa@example.com")
    user = sign_in("attendant")
    page.get_by_label("Buscar").fill("rosa prado")
    page.get_by_role("link", name="Rosa Amélia Prado").click()
    expect(page).to_have_url(re.compile(rf"/clientes/{code}$"))

    page.get_by_role("link", name="Editar").click()
    page.get_by_label("E-mail").fill("rosa.prado@example.com")
    page.get_by_role("button", name="Salvar").click()
    expect(page.get_by_text("Salvo.")).to_be_visible()

    page.get_by_role("link", name="Histórico").click()
    change = page.locator("li.historico-item").first
    expect(change).to_contain_text(user.username)
    expect(change).to_contain_text("127.0.0.1")
    row = change.get_by_role("row", name=re.compile(r"^E-mail"))
    expect(row).to_contain_text("rosa@example.com")
    expect(row).to_contain_text("rosa.prado@example.com")
    assert axe_violations(page) == []
