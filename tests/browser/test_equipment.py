"""Equipamentos [6.5] in the browser: the stock searched and kept, the customer's equipment lent
and returned, a sale in installments on the next bills; an attendant only looks."""

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_violations
from tests.builders import build_equipment


def _stock_rows(page: Page):
    return page.locator("#estoque table tbody tr")


def test_the_stock_is_searched_by_mac_in_any_notation_and_by_patrimony_range(
    page: Page, sign_in, app
):
    build_equipment(app, 101, mac="AA:BB:CC:00:11:22", serial_number="SN-101")
    build_equipment(app, 102, type="onu", model="Huawei HG8245", mac="aa:bb:cc:00:11:33")
    build_equipment(app, 150, model="Intelbras W5")
    build_equipment(app, 300, model="Mikrotik hAP")
    sign_in("technician")
    page.get_by_role("link", name="Equipamentos").click()
    expect(page.get_by_role("heading", name="Equipamentos", level=1)).to_be_visible()
    expect(page.locator("#estoque")).to_contain_text("4 itens")

    page.get_by_label("MAC", exact=True).fill("aabb.cc00.1133")  # Cisco notation
    page.get_by_role("button", name="Pesquisar").click()
    expect(page.locator("#estoque")).to_contain_text("1 item")
    expect(_stock_rows(page)).to_have_count(1)
    expect(_stock_rows(page).first).to_contain_text("Huawei HG8245")
    expect(_stock_rows(page).first).to_contain_text("AA:BB:CC:00:11:33")

    page.get_by_label("MAC", exact=True).fill("aa-bb-cc-00-11-22")
    page.get_by_role("button", name="Pesquisar").click()
    expect(_stock_rows(page)).to_have_count(1)
    expect(_stock_rows(page).first).to_contain_text("SN-101")

    page.get_by_label("MAC", exact=True).fill("")
    page.get_by_label("Patrimônio inicial").fill("100")
    page.get_by_label("Patrimônio final").fill("200")
    page.get_by_role("button", name="Pesquisar").click()
    expect(page.locator("#estoque")).to_contain_text("3 itens")
    expect(_stock_rows(page).locator("td:first-child")).to_have_text(["101", "102", "150"])
    assert axe_violations(page) == []

    page.get_by_label("Patrimônio inicial").fill("200")
    page.get_by_label("Patrimônio final").fill("100")
    page.get_by_role("button", name="Pesquisar").click()
    expect(page.get_by_text("Não pode ser menor que o patrimônio inicial.")).to_be_visible()
    expect(page.get_by_label("Patrimônio final")).to_have_attribute("aria-invalid", "true")
    assert axe_violations(page) == []


def test_a_technician_adds_and_corrects_an_item(page: Page, sign_in, app):
    build_equipment(app, 500, mac="00:11:22:33:44:55")
    sign_in("technician")
    page.goto("/equipamentos")
    form = page.locator("form", has=page.get_by_role("button", name="Incluir item"))
    expect(form).to_be_visible()

    form.get_by_label("Número de patrimônio").fill("501")
    form.get_by_label("Tipo de equipamento").select_option("onu")
    form.get_by_label("Modelo", exact=True).fill("<script>alert(1)</script>")
    form.get_by_label("Endereço MAC").fill("0011.2233.4455")  # another item's, other notation
    form.get_by_role("button", name="Incluir item").click()
    expect(page.get_by_text("Já está em uso em outro item.")).to_be_visible()
    expect(page.get_by_label("Endereço MAC")).to_have_value("0011.2233.4455")  # kept as typed
    assert axe_violations(page) == []

    page.get_by_label("Endereço MAC").fill("0011.2233.4466")
    page.get_by_role("button", name="Incluir item").click()
    expect(page.get_by_role("status").first).to_contain_text("Item de patrimônio 501 incluído")
    expect(_stock_rows(page)).to_have_count(1)
    expect(_stock_rows(page).first).to_contain_text("<script>alert(1)</script>")  # as text
    expect(_stock_rows(page).first).to_contain_text("00:11:22:33:44:66")
    expect(_stock_rows(page).first).to_contain_text("Em estoque")

    page.get_by_role("link", name="Editar patrimônio 501").click()
    expect(page.get_by_label("Modelo", exact=True)).to_have_value("<script>alert(1)</script>")
    page.get_by_label("Modelo", exact=True).fill("Huawei EG8145")
    page.get_by_label("Situação do item").select_option("retired")
    page.get_by_role("button", name="Salvar item").click()
    expect(page.get_by_role("status").first).to_contain_text("Item de patrimônio 501 alterado")
    expect(_stock_rows(page).first).to_contain_text("Huawei EG8145")
    expect(_stock_rows(page).first).to_contain_text("Baixado")
    assert axe_violations(page) == []


def test_an_attendant_sees_the_stock_without_change_controls_and_cannot_post(
    page: Page, sign_in, app
):
    item = build_equipment(app, 800, model="Intelbras W5")
    sign_in("attendant")
    page.goto("/equipamentos")
    expect(_stock_rows(page)).to_have_count(1)
    expect(page.get_by_role("button", name="Incluir item")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("^Editar"))).to_have_count(0)
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    body = {"csrf_token": token, "patrimony_number": "801", "type": "onu", "model": "X"}
    assert page.request.post("/equipamentos", form=body).status == 403
    assert page.request.post(f"/equipamentos/{item}", form={**body, "model": "Y"}).status == 403
    assert page.request.get(f"/equipamentos/{item}").status == 403
    page.reload()
    expect(_stock_rows(page)).to_have_count(1)
    expect(_stock_rows(page).first).to_contain_text("Intelbras W5")
    assert axe_violations(page) == []
