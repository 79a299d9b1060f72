"""Cadastro [5] edited in the browser, and Novo cliente PF/PJ [3]."""

import re

from playwright.sync_api import Page, expect

from models.customers.customers import get_customer
from tests.browser.conftest import axe_violations, delay_script
from tests.browser.customer_forms import open_record, posted
from tests.builders import build_cep, build_customer
from tests.web.customer_payloads import format_cnpj, format_cpf, new_cnpj, new_cpf


def _main_address(page: Page):
    return page.get_by_role("group", name="Endereço", exact=True)


def _fill_main_address(page: Page, cep="01310-100", number="1000"):
    group = _main_address(page)
    group.get_by_label("CEP").fill(cep)
    group.get_by_label("Logradouro").fill("Avenida Paulista")
    group.get_by_label("Número").fill(number)
    group.get_by_label("Bairro").fill("Bela Vista")
    group.get_by_label("Cidade").fill("São Paulo")
    group.get_by_label("UF").fill("SP")


def test_a_pf_is_registered_through_the_form(page: Page, sign_in):
    sign_in("attendant")
    page.get_by_role("link", name="Novo cliente PF").click()
    expect(page.get_by_role("heading", name="Novo cliente PF")).to_be_visible()
    cpf = new_cpf()
    page.get_by_label("Nome", exact=True).fill("Ana Beatriz Lima")
    page.get_by_label("CPF").press_sequentially(cpf)
    expect(page.get_by_label("CPF")).to_have_value(format_cpf(cpf))  # the mask
    _fill_main_address(page)
    page.get_by_label("Celular").fill("11987654321")
    page.get_by_label("E-mail").fill("ana@example.com")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Cadastrar").click()
    expect(page).to_have_url(re.compile(r"/clientes/\d+$"))
    expect(page.get_by_role("heading", name=re.compile("Ana Beatriz Lima"))).to_be_visible()
    expect(page.locator("#aba")).to_contain_text(format_cpf(cpf))
    expect(page.locator("#aba")).to_contain_text("(11) 98765-4321")
    expect(page.locator("#aba")).to_contain_text("Avenida Paulista, 1000")
    assert axe_violations(page) == []


def test_a_pj_is_registered_through_the_form(page: Page, sign_in):
    sign_in("attendant")
    page.goto("/clientes/novo?kind=PJ")
    expect(page.get_by_role("heading", name="Novo cliente PJ")).to_be_visible()
    cnpj = new_cnpj()
    page.get_by_label("Razão social").fill("Oficina Mecânica Central Ltda")
    page.get_by_label("Nome fantasia").fill("Oficina Central")
    page.get_by_label("CNPJ").fill(cnpj)
    page.get_by_label("Inscrição estadual").fill("ISENTO")
    _fill_main_address(page)
    page.get_by_role("button", name="Cadastrar").click()
    expect(page).to_have_url(re.compile(r"/clientes/\d+$"))
    tab = page.locator("#aba")
    expect(tab).to_contain_text("Pessoa jurídica")
    expect(tab).to_contain_text("Oficina Central")
    expect(tab).to_contain_text(format_cnpj(cnpj))
    assert axe_violations(page) == []


def test_errors_show_in_portuguese_next_to_their_fields_keeping_what_was_typed(page: Page, sign_in):
    sign_in("attendant")
    page.goto("/clientes/novo?kind=PF")
    page.get_by_label("CPF").fill("123.456.789-00")
    _fill_main_address(page, cep="0131")
    page.get_by_label("E-mail").fill("<script>alert(1)</script>")
    assert posted(page, "Cadastrar").status == 422
    name = page.get_by_label("Nome", exact=True)
    expect(name).to_have_accessible_description("Preencha este campo.")
    expect(name).to_be_focused()  # the first field with an error
    expect(page.get_by_label("CPF")).to_have_accessible_description(
        "CPF inválido: confira os dígitos verificadores."
    )
    expect(page.get_by_label("CPF")).to_have_value("123.456.789-00")
    cep = _main_address(page).get_by_label("CEP")
    expect(cep).to_have_value("0131")
    expect(cep).to_have_accessible_description(re.compile("CEP"))
    expect(page.get_by_label("E-mail")).to_have_value("<script>alert(1)</script>")
    expect(_main_address(page).get_by_label("Logradouro")).to_have_value("Avenida Paulista")
    assert axe_violations(page) == []


def test_editing_saves_what_changed_and_says_so(page: Page, sign_in, app):
    code = build_customer(app, name="Carlos Eduardo Nunes")
    open_record(page, sign_in, code)
    page.get_by_role("link", name="Editar").click()
    name = page.get_by_label("Nome", exact=True)
    expect(name).to_have_value("Carlos Eduardo Nunes")
    assert axe_violations(page) == []
    name.fill("Carlos Eduardo Nunes Filho")
    page.get_by_label("Condomínio").fill("{{7*7}}")
    page.get_by_label("E-mail").fill("")  # cleared: sent as null
    page.get_by_label("Observações gerais").fill("Primeira linha\nSegunda linha")
    page.get_by_role("button", name="Salvar").click()
    expect(page.get_by_role("status")).to_have_text("Salvo.")
    expect(page.get_by_role("heading", name=re.compile("Nunes Filho"))).to_be_visible()
    tab = page.locator("#aba")
    expect(tab).to_contain_text("{{7*7}}")
    expect(tab).not_to_contain_text("maria.souza@example.com")
    expect(tab).to_contain_text("Segunda linha")
    assert axe_violations(page) == []


def test_a_billing_address_must_be_whole(page: Page, sign_in, app):
    code = build_customer(app, name="Cliente Sem Cobrança")
    open_record(page, sign_in, code, "/editar")
    billing = page.get_by_role("group", name=re.compile("Endereço de cobrança"))
    billing.get_by_label("Logradouro").fill("Rua da Cobrança")
    page.get_by_role("button", name="Salvar").click()
    billing = page.get_by_role("group", name=re.compile("Endereço de cobrança"))
    expect(billing.get_by_label("Número")).to_have_accessible_description("Preencha este campo.")
    expect(billing.get_by_label("Logradouro")).to_have_value("Rua da Cobrança")
    assert axe_violations(page) == []


def test_a_cpf_of_another_customer_is_refused_by_its_field(page: Page, sign_in, app):
    taken = new_cpf()
    build_customer(app, name="Primeira Pessoa", cpf=taken)
    code = build_customer(app, name="Segunda Pessoa")
    open_record(page, sign_in, code, "/editar")
    page.get_by_label("CPF").fill(format_cpf(taken))
    page.get_by_label("Nome", exact=True).fill("Segunda Pessoa Alterada")
    assert posted(page, "Salvar").status == 409
    expect(page.get_by_label("CPF")).to_have_accessible_description(
        re.compile("Outro cliente .*já o tem")
    )
    expect(page.get_by_label("Nome", exact=True)).to_have_value("Segunda Pessoa Alterada")
    page.goto(f"/clientes/{code}")
    expect(page.get_by_role("heading", name=re.compile("Segunda Pessoa"))).not_to_contain_text(
        "Alterada"
    )
    assert axe_violations(page) == []


def test_a_customer_is_deactivated_and_reactivated(page: Page, sign_in, app):
    code = build_customer(app, name="Cliente Temporário")
    open_record(page, sign_in, code)
    page.get_by_role("button", name="Desativar cliente").click()
    expect(page.get_by_role("status")).to_have_text("Cliente desativado.")
    expect(page.locator(".resumo")).to_contain_text("Inativo")
    page.get_by_role("button", name="Reativar cliente").click()
    expect(page.get_by_role("status")).to_have_text("Cliente reativado.")
    expect(page.locator(".resumo")).to_contain_text("Ativo")
    assert axe_violations(page) == []


def test_the_address_cep_fills_street_district_city_and_state(page: Page, sign_in, app):
    build_cep(app, "04538133", street="Avenida Brigadeiro Faria Lima", district="Itaim Bibi")
    sign_in("attendant")
    page.goto("/clientes/novo?kind=PF")
    group = _main_address(page)
    group.get_by_label("CEP").press_sequentially("04538133")
    expect(group.get_by_label("CEP")).to_have_value("04538-133")
    expect(group.get_by_label("Logradouro")).to_have_value("Avenida Brigadeiro Faria Lima")
    expect(group.get_by_label("Bairro")).to_have_value("Itaim Bibi")
    expect(group.get_by_label("Cidade")).to_have_value("São Paulo")
    expect(group.get_by_label("UF")).to_have_value("SP")
    assert axe_violations(page) == []


def test_technician_and_finance_see_no_editing_and_are_refused(page: Page, sign_in, app):
    code = build_customer(app, name="Cliente Protegido")
    for role in ("technician", "finance"):
        sign_in(role)
        page.goto("/")
        expect(page.get_by_role("heading", name="Pesquisar Cliente")).to_be_visible()
        expect(page.get_by_role("link", name="Novo cliente PF")).to_have_count(0)
        page.goto(f"/clientes/{code}")
        expect(page.get_by_role("heading", name=re.compile("Cliente Protegido"))).to_be_visible()
        expect(page.get_by_role("link", name="Editar")).to_have_count(0)
        expect(page.get_by_role("button", name="Desativar cliente")).to_have_count(0)
        assert axe_violations(page) == []
        token = page.locator('meta[name="csrf-token"]').get_attribute("content")
        for url, form in (
            (f"/clientes/{code}/editar", {"name": "Outro Nome"}),
            (f"/clientes/{code}/ativo", {"active": "false"}),
            ("/clientes/novo?kind=PF", {"name": "Novo"}),
        ):
            answer = page.request.post(url, form={**form, "csrf_token": token})
            assert answer.status == 403, (role, url)
        assert page.request.get(f"/clientes/{code}/editar").status == 403
        page.get_by_role("button", name="Sair").click()
        expect(page.get_by_role("heading", name="Entrar")).to_be_visible()


def test_the_kind_changes_from_pf_to_pj_and_back_with_its_document(page: Page, sign_in, app):
    code = build_customer(app, name="Mercearia do Bairro")
    open_record(page, sign_in, code, "/editar")
    kind = page.get_by_role("group", name="Tipo")
    expect(kind.get_by_label("Pessoa física")).to_be_checked()
    expect(page.get_by_label("CNPJ")).to_be_hidden()
    expect(page.get_by_label("Nome fantasia")).to_be_hidden()
    kind.get_by_label("Pessoa jurídica").check()
    expect(page.get_by_label("CPF")).to_be_hidden()
    expect(page.get_by_label("Razão social")).to_have_value("Mercearia do Bairro")
    expect(page.get_by_label("Nome fantasia")).to_be_visible()
    assert axe_violations(page) == []
    assert posted(page, "Salvar").status == 422  # no CNPJ yet
    cnpj_input = page.get_by_label("CNPJ")
    expect(cnpj_input).to_have_accessible_description("Obrigatório para pessoa jurídica.")
    expect(cnpj_input).to_be_focused()  # the first field with an error
    expect(page.get_by_role("group", name="Tipo").get_by_label("Pessoa jurídica")).to_be_checked()
    cnpj = new_cnpj()
    cnpj_input.fill(cnpj)
    page.get_by_label("Nome fantasia").fill("Mercearia Boa Compra")
    page.get_by_label("Inscrição estadual").fill("ISENTO")
    page.get_by_role("button", name="Salvar").click()
    expect(page.get_by_role("status")).to_have_text("Salvo.")
    tab = page.locator("#aba")
    expect(tab).to_contain_text("Pessoa jurídica")
    expect(tab).to_contain_text(format_cnpj(cnpj))
    expect(tab).to_contain_text("Mercearia Boa Compra")
    assert axe_violations(page) == []

    page.get_by_role("link", name="Editar").click()
    kind = page.get_by_role("group", name="Tipo")
    expect(kind.get_by_label("Pessoa jurídica")).to_be_checked()
    kind.get_by_label("Pessoa física").check()
    expect(page.get_by_label("Nome fantasia")).to_be_hidden()
    expect(page.get_by_label("Nome", exact=True)).to_be_visible()
    cpf = new_cpf()
    page.get_by_label("CPF").fill(cpf)
    page.get_by_role("button", name="Salvar").click()
    expect(page.get_by_role("status")).to_have_text("Salvo.")
    tab = page.locator("#aba")
    expect(tab).to_contain_text("Pessoa física")
    expect(tab).to_contain_text(format_cpf(cpf))
    expect(tab).not_to_contain_text("Mercearia Boa Compra")
    with app.app_context():
        customer = get_customer(code)
        kept = (customer.kind, customer.trade_name, customer.state_registration)
    assert kept == ("PF", None, None)
    assert axe_violations(page) == []


def test_enter_saves_the_form_and_cancelar_goes_back_to_the_record(page: Page, sign_in, app):
    code = build_customer(app, name="Cliente do Teclado")
    open_record(page, sign_in, code)
    page.get_by_role("link", name="Editar").click()
    expect(page).to_have_url(re.compile(rf"/clientes/{code}/editar$"))
    page.get_by_role("link", name="Cancelar").click()
    expect(page).to_have_url(re.compile(rf"/clientes/{code}$"))
    expect(page.get_by_role("button", name="Salvar")).to_have_count(0)
    page.get_by_role("link", name="Editar").click()
    name = page.get_by_label("Nome", exact=True)
    expect(name).to_be_focused()  # ready to type
    name.fill("Cliente do Teclado Enter")
    name.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Salvo.")
    expect(page.get_by_role("heading", name=re.compile("Teclado Enter"))).to_be_visible()
    assert axe_violations(page) == []


def test_novo_cliente_changes_kind_keeping_what_was_typed(page: Page, sign_in):
    sign_in("attendant")
    page.get_by_role("link", name="Novo cliente PF").click()
    expect(page.get_by_label("Nome", exact=True)).to_be_focused()
    page.get_by_label("Nome", exact=True).fill("Padaria Pão Quente Ltda")
    _fill_main_address(page)
    page.get_by_role("group", name="Tipo").get_by_label("Pessoa jurídica").check()
    expect(page.get_by_role("heading", name="Novo cliente PJ")).to_be_visible()
    expect(page.get_by_label("Razão social")).to_have_value("Padaria Pão Quente Ltda")
    expect(page.get_by_label("CPF")).to_be_hidden()
    cnpj = new_cnpj()
    page.get_by_label("CNPJ").fill(cnpj)
    page.get_by_label("Nome fantasia").fill("Pão Quente")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Cadastrar").click()
    expect(page).to_have_url(re.compile(r"/clientes/\d+$"))
    tab = page.locator("#aba")
    expect(tab).to_contain_text("Pessoa jurídica")
    expect(tab).to_contain_text(format_cnpj(cnpj))
    expect(tab).to_contain_text("Pão Quente")


def test_what_was_typed_before_the_scripts_ran_gets_its_mask(page: Page, sign_in):
    sign_in("attendant")
    delayed = delay_script(page, "**/assets/console.js")  # the attendant types meanwhile
    page.goto("/clientes/novo?kind=PF", wait_until="commit")
    cpf = new_cpf()
    page.get_by_label("CPF").fill(cpf)
    expect(page.get_by_label("CPF")).to_have_value(format_cpf(cpf))
    assert delayed, "console.js was not delayed: the test proves nothing"
