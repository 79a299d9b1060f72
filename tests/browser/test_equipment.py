"""Equipamentos [6.5] in the browser: the stock searched and kept, the customer's equipment lent
and returned, a sale in installments on the next bills; an attendant only looks."""

import re

from playwright.sync_api import Page, expect

from models.audit import set_actor
from models.db import db
from models.service.equipment import update_equipment
from models.service.equipment_lending import lend_equipment
from tests.browser.conftest import axe_violations
from tests.builders import (
    BUILDER,
    build_customer,
    build_equipment,
    build_plan,
    build_subscription,
)
from tests.tasks.billing.test_equipment_sale import _billed
from tests.tasks.billing.test_monthly_billing import _bill, _months


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
    page.get_by_role("link", name="Estoque de equipamentos").click()
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
    expect(page.get_by_text("Já está em uso.")).to_be_visible()
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


def _customer_with_plan(app, make_user, **fields) -> tuple[int, int]:
    make_user("joao.tecnico", "technician")
    make_user("ana.supervisora", "admin")
    code = build_customer(app, name="Cliente dos Equipamentos")
    plan = build_plan(app, name="Fibra 300")
    return code, build_subscription(app, code, plan, **fields)


def _held(page: Page):
    return page.locator("#itens-do-cliente tbody tr")


def test_a_technician_lends_an_item_to_a_subscription_and_takes_it_back(
    page: Page, sign_in, app, make_user
):
    code, subscription = _customer_with_plan(app, make_user)
    build_equipment(app, 401, type="onu", model="Huawei HG8245", mac="aa:bb:cc:dd:04:01")
    build_equipment(app, 402, model="Intelbras W5")
    sign_in("technician")
    page.goto(f"/clientes/{code}")
    page.get_by_role("navigation", name="Abas do cliente").get_by_role(
        "link", name="Equipamentos", exact=True
    ).click()
    expect(page.get_by_role("heading", name="Equipamentos", level=2)).to_be_visible()
    expect(page.get_by_text("Nenhum item com o cliente.")).to_be_visible()
    lend = page.locator("form", has=page.get_by_role("button", name="Emprestar"))

    lend.get_by_label("Plano do cliente").select_option(str(subscription))
    lend.get_by_label("Patrimônios").fill("401, 999")
    lend.get_by_label("Usuário Responsável").select_option("joao.tecnico")
    lend.get_by_label("Usuário que Confirma").select_option("joao.tecnico")
    lend.get_by_role("button", name="Emprestar").click()
    expect(page.get_by_text("Nenhum item com patrimônio 999.")).to_be_visible()
    lend = page.locator("form", has=page.get_by_role("button", name="Emprestar"))
    expect(lend.get_by_label("Patrimônios")).to_have_value("401, 999")  # kept as typed
    assert axe_violations(page) == []

    lend.get_by_label("Patrimônios").fill("401")
    lend.get_by_role("button", name="Emprestar").click()
    expect(page.get_by_text("Escolha alguém além do responsável.")).to_be_visible()
    lend = page.locator("form", has=page.get_by_role("button", name="Emprestar"))
    lend.get_by_label("Usuário que Confirma").select_option("ana.supervisora")
    lend.get_by_role("button", name="Emprestar").click()
    expect(page.get_by_role("status").first).to_have_text("Itens emprestados.")
    expect(_held(page)).to_have_count(1)
    row = _held(page).first
    for text in ("401", "Huawei HG8245", "AA:BB:CC:DD:04:01", "Emprestado", "joao.tecnico"):
        expect(row).to_contain_text(text)
    expect(row).to_contain_text("ana.supervisora")
    assert axe_violations(page) == []

    page.goto("/equipamentos?patrimony_from=401&patrimony_to=401")
    expect(_stock_rows(page).first).to_contain_text("Emprestado")
    expect(_stock_rows(page).first.get_by_role("link", name=str(code), exact=True)).to_be_visible()

    page.goto(f"/clientes/{code}/equipamentos")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Retirar Item de patrimônio 401").click()
    expect(page.get_by_role("status").first).to_have_text("Item de patrimônio 401 retirado.")
    expect(page.get_by_text("Nenhum item com o cliente.")).to_be_visible()
    page.goto("/equipamentos?patrimony_from=401&patrimony_to=401")
    expect(_stock_rows(page).first).to_contain_text("Em estoque")
    assert axe_violations(page) == []


def test_a_sale_in_three_installments_is_on_the_next_bills(
    page: Page, sign_in, app, make_user, celery_worker
):
    first, second, _ = _months(app)
    code, subscription = _customer_with_plan(app, make_user, first_due_date=first.replace(day=10))
    build_equipment(app, 402, model="Intelbras W5")
    sign_in("finance")  # sells (equipment_sale) and reads the bills, but lends nothing
    page.goto(f"/clientes/{code}/equipamentos")
    expect(page.get_by_role("button", name="Emprestar")).to_have_count(0)
    sell = page.locator("form", has=page.get_by_role("button", name="Vender"))
    expect(sell).to_be_visible()
    sell.get_by_label("Plano do cliente").select_option(str(subscription))
    sell.get_by_label("Patrimônios").fill("402")
    sell.get_by_label("Usuário Responsável").select_option("joao.tecnico")
    sell.get_by_label("Usuário que Confirma").select_option("ana.supervisora")
    sell.get_by_label("Valor da venda (R$)").fill("100,00")
    sell.get_by_label("Forma de cobrança").select_option("billing_event")
    sell.get_by_label("Número de parcelas").fill("3")
    sell.get_by_role("button", name="Vender").click()
    expect(page.get_by_role("status").first).to_have_text("Venda registrada.")
    sales = page.locator("#vendas tbody tr")
    expect(sales).to_have_count(1)
    expect(sales.first).to_contain_text("R$ 100,00")
    expect(sales.first).to_contain_text("3 parcelas nas próximas faturas")
    expect(_held(page).first).to_contain_text("Vendido")
    sale_id = int(re.search(r"\d+", sales.first.locator("td").first.inner_text()).group())

    assert _billed(app, sale_id)  # the worker made the installments (billing events)
    assert _bill(first) == 1 and _bill(second) == 1  # the next two monthly billings
    page.reload()
    sales = page.locator("#vendas tbody tr")
    expect(sales.first).to_contain_text("Faturada")
    installments = sales.first.locator("ul.parcelas li")
    expect(installments).to_have_count(3)
    expect(installments.nth(0)).to_contain_text(
        re.compile(r"Parcela 1: R\$ 33,34 — Faturada na conta nº \d+")
    )
    expect(installments.nth(1)).to_contain_text(
        re.compile(r"Parcela 2: R\$ 33,33 — Faturada na conta nº \d+")
    )
    expect(installments.nth(2)).to_have_text("Parcela 3: R$ 33,33 — A faturar")
    assert axe_violations(page) == []


def test_an_attendant_sees_the_customer_equipment_without_change_controls(
    page: Page, sign_in, app, make_user
):
    code, subscription = _customer_with_plan(app, make_user)
    build_equipment(app, 601)
    sign_in("attendant")
    page.goto(f"/clientes/{code}/equipamentos")
    expect(page.get_by_role("heading", name="Equipamentos", level=2)).to_be_visible()
    expect(page.get_by_role("button", name="Emprestar")).to_have_count(0)
    expect(page.get_by_role("button", name="Vender")).to_have_count(0)
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    body = {
        "csrf_token": token,
        "subscription_id": str(subscription),
        "items": "601",
        "responsible_user": "joao.tecnico",
        "confirming_user": "ana.supervisora",
    }
    base = f"/clientes/{code}/equipamentos"
    assert page.request.post(base, form=body).status == 403
    sale = {**body, "sale.price": "90,00", "sale.mode": "billing_event", "sale.installments": "3"}
    assert page.request.post(f"{base}/vendas", form=sale).status == 403
    assert page.request.post(f"{base}/1/retirar", form={"csrf_token": token}).status == 403
    page.reload()
    expect(page.get_by_text("Nenhum item com o cliente.")).to_be_visible()
    assert axe_violations(page) == []


def test_a_sale_as_one_receivable_with_its_due_date(
    page: Page, sign_in, app, make_user, celery_worker
):
    first, _, _ = _months(app)
    code, subscription = _customer_with_plan(app, make_user)
    build_equipment(app, 403, model="Mikrotik hAP")
    due = first.replace(day=15)
    sign_in("admin")
    page.goto(f"/clientes/{code}/equipamentos")
    sell = page.locator("form", has=page.get_by_role("button", name="Vender"))
    sell.get_by_label("Plano do cliente").select_option(str(subscription))
    sell.get_by_label("Patrimônios").fill("403")
    sell.get_by_label("Usuário Responsável").select_option("joao.tecnico")
    sell.get_by_label("Usuário que Confirma").select_option("ana.supervisora")
    sell.get_by_label("Forma de cobrança").select_option("receivable")
    sell.get_by_role("button", name="Vender").click()  # no price, no due date
    sell = page.locator("form", has=page.get_by_role("button", name="Vender"))
    expect(sell.get_by_label("Valor da venda (R$)")).to_have_attribute("aria-invalid", "true")
    expect(sell.get_by_label("Patrimônios")).to_have_value("403")  # kept as typed
    sell.get_by_label("Valor da venda (R$)").fill("1.250,50")
    sell.get_by_role("button", name="Vender").click()  # still no due date
    sell = page.locator("form", has=page.get_by_role("button", name="Vender"))
    expect(sell.locator("#erro-sale-due_date")).to_have_text(
        "Preencha este campo para esta forma de cobrança."
    )
    expect(sell.get_by_label("Valor da venda (R$)")).to_have_value("1.250,50")
    assert axe_violations(page) == []

    sell.get_by_label("Vencimento (conta a receber)").fill(due.strftime("%d/%m/%Y"))
    sell.get_by_role("button", name="Vender").click()
    expect(page.get_by_role("status").first).to_have_text("Venda registrada.")
    sales = page.locator("#vendas tbody tr")
    expect(sales.first).to_contain_text("R$ 1.250,50")
    expect(sales.first).to_contain_text(f"Conta a receber, vencimento {due:%d/%m/%Y}")
    sale_id = int(re.search(r"\d+", sales.first.locator("td").first.inner_text()).group())

    assert _billed(app, sale_id)
    page.reload()
    sales = page.locator("#vendas tbody tr")
    expect(sales.first).to_contain_text(
        re.compile(rf"Conta nº \d+: R\$ 1\.250,50, vence em {due:%d/%m/%Y}")
    )
    assert axe_violations(page) == []


def test_an_items_history_lists_its_corrections_and_lendings(page: Page, sign_in, app, make_user):
    code, subscription = _customer_with_plan(app, make_user)
    item = build_equipment(app, 9100, mac="aa:bb:cc:00:11:22")
    with app.app_context():
        set_actor(db.session, BUILDER)
        update_equipment(item, {"serial_number": "SN-CORRIGIDO"}, ())
        lending = {"subscription_id": subscription, "items": [item]}
        lending |= {"responsible_user": "joao.tecnico", "confirming_user": "ana.supervisora"}
        lend_equipment(code, lending)
        db.session.commit()
    sign_in("technician")
    page.goto("/equipamentos?patrimony_from=9100&patrimony_to=9100")
    page.get_by_role("link", name="Histórico do patrimônio 9100").click()
    expect(page.get_by_role("heading", name="Histórico do patrimônio 9100")).to_be_visible()
    entries = page.locator("li.historico-item")
    lent = entries.filter(has_text="Comodato de equipamento · Inclusão")
    expect(lent).to_have_count(1)
    corrected = entries.filter(has_text="SN-CORRIGIDO")
    expect(corrected).to_contain_text("Equipamento · Alteração")
    expect(corrected).to_contain_text("Número de série")
    expect(entries.last).to_contain_text("Equipamento · Inclusão")
    assert axe_violations(page) == []
    assert page.request.get("/equipamentos/999999/historico").status == 404
