"""Contas de cobrança and Cobrança bancária in the browser: an admin adds a Sicoob account and
makes it the default; finance generates its remessa (the row polled until done) and downloads
the file the API gives; finance imports a Bradesco retorno on the suite's worker and reads the
report (the settled amount, the unknown nosso número to resolve by hand); a truncated file is
refused with its line in Portuguese; an attendant gets no link and a 403."""

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from models.clock import local_today
from tests.browser.conftest import axe_violations
from tests.builders import build_receivable
from tests.tasks.billing.test_bank_files import ACCOUNTS, BRADESCO, _bank_digits, _retorno
from tests.web.api_helpers import API


def _issue(app, client, admin, amount: str = "99.90") -> dict:
    receivable_id = build_receivable(app, amount=amount)
    boleto = client.get(f"{API}/receivables/{receivable_id}/boleto", headers=admin)
    assert boleto.status_code == 200, boleto.json
    return boleto.json


def _today(app):
    with app.app_context():
        return local_today()


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sair").click()
    expect(page.get_by_role("button", name="Entrar")).to_be_visible()


def _add_sicoob_as_default(page: Page) -> None:
    page.goto("/admin")
    page.get_by_role("link", name="Contas de cobrança").click()
    expect(page).to_have_url(re.compile(r"/admin/contas-de-cobranca$"))
    form = page.get_by_role("form", name="Nova conta de cobrança")
    form.get_by_label("Nome da conta").fill("Sicoob principal")
    form.get_by_label("Banco", exact=True).select_option("756")
    form.get_by_label("Agência", exact=True).fill("4327")
    form.get_by_label("Conta", exact=True).fill("417270")
    form.get_by_label("DV da conta").fill("0")
    form.get_by_label("Convênio / Código do beneficiário").fill("12345678")  # 8: too long
    form.get_by_label("Carteira", exact=True).fill("1")
    form.get_by_label("Variação / Modalidade").fill("01")
    form.get_by_label("Beneficiário", exact=True).fill("Provedor Exemplo Ltda")
    form.get_by_label("CNPJ", exact=True).fill("11.222.333/0001-81")
    form.get_by_label("Multa %").fill("2,00")
    form.get_by_label("Juros % ao mês").fill("1,00")
    form.get_by_label("Layout CNAB").select_option("240")
    form.get_by_label("Conta padrão").check()
    form.get_by_role("button", name="Incluir conta").click()
    # Refused by the bank's layout, said next to a field, in Portuguese; what was typed stays.
    errors = page.locator(".erro-campo")
    expect(errors.first).to_be_visible()
    assert "Valor inválido." not in errors.all_inner_texts()
    form = page.get_by_role("form", name="Nova conta de cobrança")
    expect(form.get_by_label("Nome da conta")).to_have_value("Sicoob principal")
    assert axe_violations(page) == []
    form.get_by_label("Convênio / Código do beneficiário").fill("229385")
    form.get_by_role("button", name="Incluir conta").click()
    expect(page.get_by_role("status")).to_have_text("Conta de cobrança Sicoob principal incluída.")
    first = page.locator("table.contas-cobranca tbody tr").first
    expect(first.get_by_role("rowheader")).to_have_text("Sicoob principal")
    expect(first).to_contain_text("Padrão")
    expect(first).to_contain_text("4327 / 417270-0")
    assert axe_violations(page) == []

    # Changed: the default stays the default until another is made it (said by its field).
    first.get_by_role("link", name="Alterar Sicoob principal").click()
    form = page.get_by_role("form", name="Alterar conta Sicoob principal")
    expect(form.get_by_label("Convênio / Código do beneficiário")).to_have_value("229385")
    expect(form.get_by_label("Multa %")).to_have_value("2,00")
    form.get_by_label("Conta padrão").uncheck()
    form.get_by_role("button", name="Salvar conta").click()
    expect(page.locator("#erro-is_default")).to_have_text(
        "É a conta padrão: torne outra conta a padrão antes."
    )
    form = page.get_by_role("form", name="Alterar conta Sicoob principal")
    expect(form.get_by_label("Conta padrão")).to_have_attribute("aria-invalid", "true")
    assert axe_violations(page) == []
    form.get_by_label("Conta padrão").check()
    form.get_by_label("Instruções").fill("Não receber após 30 dias do vencimento.")
    form.get_by_role("button", name="Salvar conta").click()
    expect(page.get_by_role("status")).to_have_text("Conta de cobrança Sicoob principal alterada.")


def test_finance_runs_the_daily_cycle_on_the_accounts_an_admin_keeps(
    page: Page, sign_in, app, client, admin, headers_for, celery_worker
):
    finance = headers_for("finance")
    created = client.post(ACCOUNTS, json=BRADESCO, headers=admin)
    assert created.status_code == 201, created.json
    bradesco_id = created.json["id"]
    paid = _issue(app, client, admin)  # on Bradesco, the default until the admin's Sicoob

    sign_in("admin")
    _add_sicoob_as_default(page)
    for amount in ("99.90", "150.00"):
        assert _issue(app, client, admin, amount)["bank"] == "756"
    _sign_out(page)

    # Finance: the default account preselected, its remessa generated and downloaded.
    sign_in("finance")
    page.get_by_role("navigation", name="Principal").get_by_role(
        "link", name="Cobrança bancária"
    ).click()
    expect(page).to_have_url(re.compile(r"/cobranca-bancaria$"))
    expect(page.get_by_label("Conta de cobrança")).to_contain_text("Sicoob principal")
    chosen = page.get_by_label("Conta de cobrança").locator("option:checked")
    expect(chosen).to_contain_text("Sicoob principal")
    page.get_by_role("button", name="Gerar remessa").click()
    row = page.locator("table.remessas tbody tr").first
    expect(row.locator(".situacao")).to_have_text("Gerada", timeout=30_000)
    expect(row.get_by_role("rowheader")).to_have_text("Remessa 1")
    expect(row).to_contain_text("R$ 249,90")
    with page.expect_download() as download:
        row.get_by_role("link", name=re.compile("^Baixar")).click()
    sicoob_id = client.get(ACCOUNTS, headers=finance).json["items"][0]["id"]
    listed = client.get(f"{ACCOUNTS}/{sicoob_id}/remittances", headers=finance).json["items"]
    api_file = client.get(
        f"{ACCOUNTS}/{sicoob_id}/remittances/{listed[0]['id']}/file", headers=finance
    )
    assert download.value.suggested_filename == listed[0]["file_name"]
    assert Path(download.value.path()).read_bytes() == api_file.data
    assert axe_violations(page) == []
    row.get_by_role("link", name="Remessa 1", exact=True).click()
    expect(page.get_by_role("heading", name="Remessa 1")).to_be_visible()
    expect(page.locator("table.lista tbody tr")).to_have_count(2)
    expect(page.locator("table.lista tbody")).to_contain_text("Entrada")
    assert axe_violations(page) == []

    # A retorno of the Bradesco account: the account picked, the file applied, its report.
    page.goto("/cobranca-bancaria")
    page.get_by_label("Conta de cobrança").select_option(str(bradesco_id))
    page.get_by_role("button", name="Mostrar").click()
    today = _today(app)
    details = [
        {"nosso_numero": _bank_digits(paid), "code": "06", "on": today, "amount": "99.90",
         "paid": "101.90"},
        {"nosso_numero": "99999999999", "code": "06", "on": today, "amount": "12.34",
         "paid": "12.34"},
    ]  # fmt: skip
    content = _retorno(details, today)
    page.get_by_label("Arquivo de retorno").set_input_files(
        {"name": "CB0612001.RET", "mimeType": "application/octet-stream", "buffer": content}
    )
    page.get_by_role("button", name="Importar retorno").click()
    expect(page.get_by_role("status")).to_contain_text("Retorno CB0612001.RET recebido")
    row = page.locator("table.retornos tbody tr").first
    expect(row.locator(".situacao")).to_have_text("Concluído", timeout=30_000)
    expect(row.locator(".progresso-retorno")).to_have_text("2/2")
    assert axe_violations(page) == []
    row.get_by_role("link", name="CB0612001.RET").click()
    expect(page.get_by_role("heading", name="Retorno CB0612001.RET")).to_be_visible()
    settled = page.locator("#tipo-settled")
    expect(settled).to_contain_text("2")
    expect(settled).to_contain_text("R$ 114,24")  # 101,90 + 12,34 paid
    expect(page.locator("#resultado-applied")).to_contain_text("1")
    expect(page.locator("#resultado-unknown")).to_contain_text("1")
    unknown = page.locator("table.desconhecidos tbody tr")
    expect(unknown).to_have_count(1)
    expect(unknown).to_contain_text("99999999999")
    expect(unknown).to_contain_text("R$ 12,34")
    expect(unknown).to_contain_text(today.strftime("%d/%m/%Y"))
    assert axe_violations(page) == []
    with app.app_context():
        from sqlalchemy import text

        from models.db import db

        status = db.session.scalar(
            text("SELECT status FROM receivables WHERE id = :r"), {"r": paid["receivable_id"]}
        )
    assert status == "paid"

    # A truncated file: refused whole, its line said in Portuguese, nothing kept.
    page.goto(f"/cobranca-bancaria?conta={bradesco_id}")
    other = _issue(app, client, admin)
    broken = _retorno(
        [{"nosso_numero": _bank_digits(other), "code": "06", "on": today, "amount": "99.90",
          "paid": "99.90"}], today, sequence=2,
    )  # fmt: skip
    broken = broken.rsplit(b"\r\n", 2)[0] + b"\r\n"
    page.get_by_label("Arquivo de retorno").set_input_files(
        {"name": "cortado.ret", "mimeType": "application/octet-stream", "buffer": broken}
    )
    page.get_by_role("button", name="Importar retorno").click()
    expect(page.locator("#erro-file")).to_have_text(
        "Linha 2: o arquivo termina sem o registro trailer (arquivo incompleto?)."
    )
    expect(page.get_by_label("Arquivo de retorno")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("table.retornos tbody tr")).to_have_count(1)
    assert axe_violations(page) == []
    returns = client.get(f"{ACCOUNTS}/{bradesco_id}/returns", headers=finance).json
    assert returns["total"] == 1


def test_finance_reads_the_accounts_without_forms(page: Page, sign_in):
    sign_in("finance")
    page.goto("/admin/contas-de-cobranca")
    expect(page.get_by_role("rowheader", name="Conta principal")).to_be_visible()
    expect(page.get_by_role("button", name="Incluir conta")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("^Alterar"))).to_have_count(0)
    assert axe_violations(page) == []


def test_an_attendant_gets_no_link_and_a_403(page: Page, sign_in):
    sign_in("attendant")
    nav = page.get_by_role("navigation", name="Principal")
    expect(nav.get_by_role("link", name="Pesquisar Cliente")).to_be_visible()
    expect(nav.get_by_role("link", name="Cobrança bancária")).to_have_count(0)
    for url in ("/cobranca-bancaria", "/admin/contas-de-cobranca"):
        answer = page.goto(url)
        assert answer.status == 403, url
        expect(page.get_by_text("Seu perfil não permite")).to_be_visible()
    assert axe_violations(page) == []
