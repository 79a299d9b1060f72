"""Opções [5.1], Campos extras [5.2], Observações [5.5] with the mandatory-reading dialog, and
Consentimentos (LGPD) with the personal-data export, in the browser."""

import json
import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_violations
from tests.builders import build_customer
from tests.web.api_helpers import API

BOLETO_FEE = "Cobrar taxa de boleto"
AUTO_SUSPEND = "Suspender automaticamente se não houver pagamento"


def _created(response) -> dict:
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_finance_changes_an_option_and_sees_it_saved(page: Page, sign_in, app, client, admin):
    code = build_customer(app, name="Padaria Pão Quente")
    codes = f"{API}/fiscal-activity-codes"
    _created(
        client.post(codes, json={"code": "6110-8/01", "description": "Telecom"}, headers=admin)
    )
    sign_in("finance")

    page.goto(f"/clientes/{code}/opcoes")
    expect(page.get_by_role("heading", name="Outras Opções")).to_be_visible()
    expect(page.get_by_label(BOLETO_FEE)).not_to_be_checked()
    expect(page.get_by_label(AUTO_SUSPEND)).to_be_checked()  # a default option
    page.get_by_label(BOLETO_FEE).check()
    page.get_by_label(AUTO_SUSPEND).uncheck()
    page.get_by_label("Código fiscal da atividade").select_option("6110-8/01")
    page.get_by_role("button", name="Salvar").click()
    expect(page.get_by_role("status")).to_have_text("Opções salvas.")

    page.reload()
    expect(page.get_by_label(BOLETO_FEE)).to_be_checked()
    expect(page.get_by_label(AUTO_SUSPEND)).not_to_be_checked()
    expect(page.get_by_label("Código fiscal da atividade")).to_have_value("6110-8/01")
    saved = client.get(f"{API}/customers/{code}/options", headers=admin).get_json()
    assert saved["charge_boleto_fee"] is True and saved["auto_suspend"] is False
    assert saved["fiscal_activity_code"] == "6110-8/01"
    assert axe_violations(page) == []


def test_a_code_withdrawn_meanwhile_is_refused_next_to_its_field(
    page: Page, sign_in, app, client, admin
):
    code = build_customer(app)
    codes = f"{API}/fiscal-activity-codes"
    fiscal = {"code": "1.07", "description": "Suporte técnico em informática"}
    listed = _created(client.post(codes, json=fiscal, headers=admin))
    sign_in("attendant")
    page.goto(f"/clientes/{code}/opcoes")
    page.get_by_label("Código fiscal da atividade").select_option("1.07")
    page.get_by_label(BOLETO_FEE).check()
    withdrawn = client.patch(f"{codes}/{listed['id']}", json={"active": False}, headers=admin)
    assert withdrawn.status_code == 200, withdrawn.get_json()

    page.get_by_role("button", name="Salvar").click()
    expect(page.locator("#erro-fiscal_activity_code")).to_have_text(
        "Escolha um código ativo da lista."
    )
    expect(page.get_by_label(BOLETO_FEE)).to_be_checked()  # what was chosen stays
    saved = client.get(f"{API}/customers/{code}/options", headers=admin).get_json()
    assert saved["charge_boleto_fee"] is False and saved["fiscal_activity_code"] is None
    assert axe_violations(page) == []


def test_a_technician_reads_the_tabs_but_cannot_change_them(page: Page, sign_in, app):
    code = build_customer(app)
    sign_in("technician")
    page.goto(f"/clientes/{code}/opcoes")
    expect(page.get_by_label(AUTO_SUSPEND)).to_be_disabled()
    expect(page.get_by_role("button", name="Salvar")).to_have_count(0)
    assert axe_violations(page) == []
    page.get_by_role("link", name="Observações").click()
    expect(page.get_by_role("heading", name="Observações")).to_be_visible()
    expect(page.get_by_role("link", name="Novo Obs")).to_have_count(0)
    page.get_by_role("link", name="Consentimentos").click()
    expect(page.get_by_role("heading", name="Consentimentos")).to_be_visible()
    expect(page.get_by_role("button", name="Registrar")).to_have_count(0)
    answer = page.goto(f"/clientes/{code}/observacoes/nova")
    assert answer is not None and answer.status == 403


def test_an_extra_field_value_is_set_checked_and_shown(page: Page, sign_in, app, client, admin):
    code = build_customer(app)
    fields = f"{API}/extra-fields"
    text = {"name": "Ramo", "applies_to": "customer", "type": "text", "required": True}
    _created(client.post(fields, json=text, headers=admin))
    visit = {"name": "Data da visita", "applies_to": "customer", "type": "date"}
    visit_id = _created(client.post(fields, json=visit, headers=admin))["id"]
    sign_in("attendant")

    page.goto(f"/clientes/{code}")
    page.get_by_role("link", name="Campos extras").click()
    table = page.locator("table.campos-extras")
    expect(table.get_by_role("row", name=re.compile("Ramo"))).to_contain_text(
        "Obrigatório, sem valor"
    )
    page.get_by_role("link", name="Editar Campo Ramo").click()
    expect(page.get_by_role("heading", name="Valor do Campo Extra: Ramo")).to_be_visible()
    page.get_by_label("Valor", exact=True).fill("<script>alert(1)</script> {{7*7}}")
    page.get_by_role("button", name="Salvar").click()
    expect(page.get_by_role("status")).to_have_text("Valor de “Ramo” salvo.")
    expect(table.get_by_role("row", name=re.compile("Ramo"))).to_contain_text(
        "<script>alert(1)</script> {{7*7}}"
    )

    page.get_by_role("link", name="Editar Campo Data da visita").click()
    page.get_by_label("Valor", exact=True).fill("31/02/2026")
    page.get_by_role("button", name="Salvar").click()
    expect(page.locator("#erro-value")).to_have_text("Digite uma data como 31/12/2026.")
    expect(page.get_by_label("Valor", exact=True)).to_have_value("31/02/2026")
    assert axe_violations(page) == []
    page.get_by_label("Valor", exact=True).fill("15/03/2026")
    page.get_by_role("button", name="Salvar").click()
    expect(table.get_by_role("row", name=re.compile("Data da visita"))).to_contain_text(
        "15/03/2026"
    )
    values = client.get(f"{API}/customers/{code}/extra-fields", headers=admin).get_json()
    by_id = {item["definition"]["id"]: item["value"] for item in values["items"]}
    assert by_id[visit_id] == "2026-03-15"
    assert values["missing"] == []
    assert axe_violations(page) == []


def test_an_observation_is_added_and_edited(page: Page, sign_in, app):
    code = build_customer(app)
    user = sign_in("attendant")
    page.goto(f"/clientes/{code}/observacoes")
    page.get_by_role("link", name="Novo Obs").click()
    page.get_by_label("Tipo de Observação").select_option("financeiro")
    page.get_by_label("Observação", exact=True).fill("Pediu 2ª via do boleto.\nLigar à tarde.")
    page.get_by_role("button", name="Salvar").click()
    expect(page.get_by_role("status")).to_have_text("Observação salva.")
    row = page.locator("table.observacoes tbody tr").first
    expect(row).to_contain_text("Pediu 2ª via do boleto.")
    expect(row).to_contain_text(user.username)
    expect(row).to_contain_text("Financeiro")
    expect(row.get_by_role("cell", name="Não", exact=True)).to_be_visible()
    assert axe_violations(page) == []

    row.get_by_role("link", name=re.compile("Editar")).click()
    expect(page.get_by_label("Observação", exact=True)).to_have_value(
        "Pediu 2ª via do boleto.\nLigar à tarde."
    )
    text = page.get_by_label("Observação", exact=True)
    text.fill("")
    text.evaluate("field => { field.required = false; }")  # past the browser's own check
    page.get_by_role("button", name="Salvar").click()
    expect(page.locator("#erro-text")).to_have_text("Preencha este campo.")
    page.get_by_label("Observação", exact=True).fill("Ligar só à tarde.")
    page.get_by_label("Leitura Obrigatória").check()
    page.get_by_role("button", name="Salvar").click()
    expect(page.get_by_role("status")).to_have_text("Observação alterada.")
    expect(row).to_contain_text("Ligar só à tarde.")
    expect(row.get_by_role("cell", name="Sim", exact=True)).to_be_visible()
    assert axe_violations(page) == []


def test_a_mandatory_observation_must_be_acknowledged_before_the_record_is_used(
    page: Page, sign_in, app, client, headers_for
):
    code = build_customer(app, name="Cliente Com Aviso")
    body = {"type": "técnico", "text": "Cão bravo no portão.", "mandatory_reading": True}
    _created(
        client.post(f"{API}/customers/{code}/observations", json=body, headers=headers_for("admin"))
    )
    user = sign_in("attendant")

    page.goto(f"/clientes/{code}")
    dialog = page.get_by_role("dialog", name="Leitura Obrigatória")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Cão bravo no portão.")
    expect(dialog).to_contain_text("admin.user")
    assert dialog.evaluate("d => d.matches(':modal')")  # the record behind is inert
    assert axe_violations(page) == []

    page.keyboard.press("Escape")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_visible()

    dialog.get_by_role("button", name="Li e estou ciente").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.get_by_role("heading", name=re.compile("Cliente Com Aviso"))).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", name=re.compile("Cliente Com Aviso"))).to_be_visible()
    expect(page.get_by_role("dialog")).to_have_count(0)

    page.get_by_role("link", name="Observações").click()
    row = page.locator("table.observacoes tbody tr").first
    expect(row).to_contain_text("Cão bravo no portão.")
    expect(row.locator("td").nth(5)).to_contain_text(user.username)
    assert axe_violations(page) == []


def test_an_observation_edited_while_shown_is_read_again(
    page: Page, sign_in, app, client, headers_for
):
    code = build_customer(app)
    body = {"type": "geral", "text": "Portão azul.", "mandatory_reading": True}
    url = f"{API}/customers/{code}/observations"
    observation = _created(client.post(url, json=body, headers=headers_for("admin")))
    sign_in("attendant")
    page.goto(f"/clientes/{code}/opcoes")
    dialog = page.get_by_role("dialog", name="Leitura Obrigatória")
    expect(dialog).to_contain_text("Portão azul.")

    changed = {"text": "Portão verde: <b>{{7*7}}</b>"}  # edited after it was shown
    edit = client.patch(f"{url}/{observation['id']}", json=changed, headers=headers_for("admin"))
    assert edit.status_code == 200, edit.get_json()
    dialog.get_by_role("button", name="Li e estou ciente").click()
    expect(dialog).to_contain_text("Portão verde: <b>{{7*7}}</b>")  # as text, shown again
    expect(page).to_have_url(re.compile(rf"/clientes/{code}/opcoes$"))
    dialog.get_by_role("button", name="Li e estou ciente").click()
    expect(page.get_by_role("heading", name="Outras Opções")).to_be_visible()
    expect(page.get_by_role("dialog")).to_have_count(0)
    assert axe_violations(page) == []


def test_consents_are_recorded_and_withdrawn(page: Page, sign_in, app):
    code = build_customer(app)
    user = sign_in("attendant")
    page.goto(f"/clientes/{code}/consentimentos")
    sms = page.get_by_role("row", name=re.compile("^SMS"))
    expect(sms).to_contain_text("Não registrado")

    page.get_by_label("Canal", exact=True).select_option(label="SMS")
    page.get_by_label("Declaração", exact=True).select_option(label="Consentiu")
    page.get_by_label("Como", exact=True).select_option(label="Por telefone")
    page.get_by_label("Observação", exact=True).fill("Pediu avisos por SMS")
    page.get_by_role("button", name="Registrar").click()
    expect(page.get_by_role("status")).to_have_text("Consentimento registrado.")
    expect(sms).to_contain_text("Consentiu")
    expect(sms).to_contain_text(user.username)
    expect(sms).to_contain_text("Pediu avisos por SMS")

    page.get_by_label("Canal", exact=True).select_option(label="SMS")
    page.get_by_label("Declaração", exact=True).select_option(label="Recusou ou retirou")
    page.get_by_label("Como", exact=True).select_option(label="Pessoalmente")
    page.get_by_role("button", name="Registrar").click()
    expect(sms).to_contain_text("Recusou ou retirou")
    statements = page.locator("table.declaracoes tbody tr")
    expect(statements).to_have_count(2)
    expect(statements.first).to_contain_text("Recusou ou retirou")
    expect(page.get_by_role("button", name="Exportar dados pessoais")).to_have_count(0)
    assert axe_violations(page) == []

    answer = page.goto(f"/clientes/{code}/dados-pessoais")
    assert answer is not None and answer.status == 403
    expect(page.get_by_role("heading", name="Acesso negado")).to_be_visible()


def test_an_admin_downloads_the_personal_data(page: Page, sign_in, app):
    code = build_customer(app, name="Titular dos Dados")
    sign_in("admin")
    page.goto(f"/clientes/{code}/consentimentos")
    assert axe_violations(page) == []
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Exportar dados pessoais").click()
    download = download_info.value
    assert download.suggested_filename == f"dados-pessoais-cliente-{code}.json"
    document = json.loads(download.path().read_text(encoding="utf-8"))
    assert document["customer"]["code"] == code
    assert document["customer"]["name"] == "Titular dos Dados"
    assert {"options", "observations", "consents", "history"} <= set(document)
