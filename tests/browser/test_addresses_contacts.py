"""Endereços [5.3] and Contatos [5.4], tabs of the customer record, in the browser."""

import re
import uuid

from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_violations
from tests.browser.customer_forms import open_record, posted
from tests.builders import build_cep, build_contact, build_customer


def _accept_confirmations(page: Page):
    page.on("dialog", lambda dialog: dialog.accept())


def test_an_address_is_added_from_its_cep_edited_and_deleted(page: Page, sign_in, app):
    build_cep(app, "01310100")
    code = build_customer(app, name="Cliente com Endereços")
    open_record(page, sign_in, code)
    page.get_by_role("link", name="Endereços").click()
    expect(page).to_have_url(re.compile(rf"/clientes/{code}/enderecos$"))
    expect(page.get_by_text("Nenhum outro endereço.")).to_be_visible()
    form = page.get_by_role("group", name="Novo endereço")
    form.get_by_label("Tipo de endereço").select_option(label="Instalação")
    form.get_by_label("CEP").press_sequentially("01310100")
    expect(form.get_by_label("Logradouro")).to_have_value("Avenida Paulista")
    expect(form.get_by_label("Bairro")).to_have_value("Bela Vista")
    expect(form.get_by_label("Cidade")).to_have_value("São Paulo")
    expect(form.get_by_label("UF")).to_have_value("SP")
    form.get_by_label("Número", exact=True).fill("1578")
    form.get_by_label("Sala ou apartamento").select_option(label="Sala")
    form.get_by_label("Número da unidade").fill("12")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Salvar endereço").click()
    expect(page.get_by_role("status")).to_have_text("Endereço incluído.")
    row = page.get_by_role("row").nth(1)
    expect(row).to_contain_text("Instalação")
    expect(row).to_contain_text("Avenida Paulista, 1578 Sala 12")
    expect(row).to_contain_text("01310-100")

    row.get_by_role("link", name="Editar").click()
    form = page.get_by_role("group", name="Editar endereço")
    expect(form.get_by_label("Número", exact=True)).to_have_value("1578")
    form.get_by_label("Referência").fill("Em frente ao museu")
    page.get_by_role("button", name="Salvar endereço").click()
    expect(page.get_by_role("status")).to_have_text("Endereço salvo.")
    expect(page.get_by_role("row").nth(1)).to_contain_text("Em frente ao museu")
    assert axe_violations(page) == []

    _accept_confirmations(page)
    page.get_by_role("row").nth(1).get_by_role("button", name="Excluir").click()
    expect(page.get_by_role("status")).to_have_text("Endereço excluído.")
    expect(page.get_by_text("Nenhum outro endereço.")).to_be_visible()


def test_a_bad_or_unknown_cep_is_said_in_portuguese_keeping_what_was_typed(
    page: Page, sign_in, app
):
    code = build_customer(app)
    open_record(page, sign_in, code, "/enderecos")
    form = page.get_by_role("group", name="Novo endereço")
    form.get_by_label("Tipo de endereço").select_option(label="Entrega")
    form.get_by_label("CEP").fill("0131")
    form.get_by_label("Número", exact=True).fill("77")
    page.get_by_role("button", name="Salvar endereço").click()
    form = page.get_by_role("group", name="Novo endereço")
    expect(form.get_by_label("CEP")).to_have_accessible_description(re.compile("CEP"))
    expect(form.get_by_label("CEP")).to_have_value("0131")
    expect(form.get_by_label("Número", exact=True)).to_have_value("77")
    expect(form.get_by_label("Tipo de endereço")).to_have_value("delivery")

    form.get_by_label("CEP").fill("99999-999")  # not in the directory: the parts are asked for
    page.get_by_role("button", name="Salvar endereço").click()
    form = page.get_by_role("group", name="Novo endereço")
    expect(form.get_by_label("Logradouro")).to_have_accessible_description(
        "Preencha: CEP não encontrado."
    )
    expect(form.get_by_label("CEP")).to_have_value("99999-999")
    assert axe_violations(page) == []


def test_contacts_are_added_edited_and_deleted_with_sms_consent(page: Page, sign_in, app):
    code = build_customer(app, name="Cliente com Contatos")
    open_record(page, sign_in, code)
    page.get_by_role("link", name="Contatos").click()
    expect(page).to_have_url(re.compile(rf"/clientes/{code}/contatos$"))
    form = page.get_by_role("group", name="Novo contato")
    form.get_by_label("Nome do contato").fill("Paula Ribeiro")
    form.get_by_label("Tipo de contato").select_option(label="Financeiro")
    form.get_by_label("Cargo").fill("Gerente")
    form.get_by_label("E-mail").fill("paula@example.com")
    sms = form.get_by_label("O contato autorizou enviar SMS no celular")
    expect(sms).to_be_disabled()  # [5.4.6]: only once a mobile is typed
    expect(sms).to_have_accessible_description(
        "Informe o celular para marcar a autorização de SMS."
    )
    sms.evaluate("box => { box.disabled = false; }")  # as a browser without the script
    sms.check()
    page.get_by_role("button", name="Salvar contato").click()  # no mobile: refused
    form = page.get_by_role("group", name="Novo contato")
    sms = form.get_by_label("O contato autorizou enviar SMS no celular")
    expect(sms).to_have_accessible_description("Só com um celular informado.")
    expect(sms).to_be_checked()
    expect(sms).to_be_focused()  # the field with the error
    expect(form.get_by_label("Nome do contato")).to_have_value("Paula Ribeiro")
    form.get_by_label("Celular", exact=True).press_sequentially("11987654321")
    expect(form.get_by_label("Celular", exact=True)).to_have_value("(11) 98765-4321")
    expect(sms).to_be_enabled()
    form.get_by_label("Data de nascimento").fill("15/03/1980")
    page.get_by_role("button", name="Salvar contato").click()
    expect(page.get_by_role("status")).to_have_text("Contato incluído.")
    row = page.get_by_role("row", name=re.compile("Paula Ribeiro"))
    expect(row).to_contain_text("Financeiro")
    expect(row).to_contain_text("(11) 98765-4321")
    expect(row).to_contain_text("Autorizado")
    assert axe_violations(page) == []

    row.get_by_role("link", name="Editar Paula Ribeiro").click()
    form = page.get_by_role("group", name="Editar contato")
    expect(form.get_by_label("Data de nascimento")).to_have_value("15/03/1980")
    expect(form.get_by_label("O contato autorizou enviar SMS no celular")).to_be_checked()
    form.get_by_label("O contato autorizou enviar SMS no celular").uncheck()
    form.get_by_label("Cargo").fill("Diretora")
    page.get_by_role("button", name="Salvar contato").click()
    expect(page.get_by_role("status")).to_have_text("Contato salvo.")
    row = page.get_by_role("row", name=re.compile("Paula Ribeiro"))
    expect(row).to_contain_text("Diretora")
    expect(row.get_by_role("cell", name="Não", exact=True)).to_be_visible()
    assert axe_violations(page) == []

    _accept_confirmations(page)
    row.get_by_role("button", name="Excluir Paula Ribeiro").click()
    expect(page.get_by_role("status")).to_have_text("Contato excluído.")
    expect(page.get_by_text("Nenhum contato.")).to_be_visible()


def test_technician_and_finance_read_the_tabs_but_may_not_change_them(page: Page, sign_in, app):
    code = build_customer(app, name="Cliente Somente Leitura")
    contact = build_contact(app, code, name="Rita Moura")
    for role in ("technician", "finance"):
        sign_in(role)
        page.goto(f"/clientes/{code}/contatos")
        expect(page.get_by_role("row", name=re.compile("Rita Moura"))).to_be_visible()
        expect(page.get_by_role("button", name="Salvar contato")).to_have_count(0)
        expect(page.get_by_role("link", name=re.compile("Editar"))).to_have_count(0)
        assert axe_violations(page) == []
        page.goto(f"/clientes/{code}/enderecos")
        expect(page.get_by_role("button", name="Salvar endereço")).to_have_count(0)
        assert axe_violations(page) == []
        token = page.locator('meta[name="csrf-token"]').get_attribute("content")
        for url in (
            f"/clientes/{code}/contatos",
            f"/clientes/{code}/contatos/{contact}",
            f"/clientes/{code}/contatos/{contact}/excluir",
            f"/clientes/{code}/enderecos",
        ):
            answer = page.request.post(url, form={"name": "X", "csrf_token": token})
            assert answer.status == 403, (role, url)
        page.get_by_role("button", name="Sair").click()
        expect(page.get_by_role("heading", name="Entrar")).to_be_visible()


def _contact_extra_fields(app) -> dict[str, str]:
    """Extra fields for contacts [5.4.11], one of each type, as an admin defines them; their
    labels by type (the names are unique: definitions are shared by every test)."""
    from models.audit import set_actor
    from models.customers.extra_fields import create_definition
    from models.db import db
    from schemas.customers.extra_fields import ExtraFieldInput
    from tests.builders import BUILDER

    tag = uuid.uuid4().hex[:6]
    shapes = {
        "text": {"name": f"Ramal {tag}"},
        "date": {"name": f"Início no cargo {tag}"},
        "number": {"name": f"Limite de compra {tag}"},
        "choice": {"name": f"Turno {tag}", "options": ["manhã", "tarde"]},
    }
    with app.app_context():
        set_actor(db.session, BUILDER)
        for field_type, shape in shapes.items():
            body = {"applies_to": "contact", "type": field_type, **shape}
            create_definition(ExtraFieldInput().load(body))
        db.session.commit()
    return {field_type: shape["name"] for field_type, shape in shapes.items()}


def test_a_contacts_extra_fields_are_edited_with_it(page: Page, sign_in, app):
    labels = _contact_extra_fields(app)
    code = build_customer(app, name="Cliente com Campos de Contato")
    build_contact(app, code, name="Rui Campos", job_title="Comprador", mobile="11987654321")
    open_record(page, sign_in, code, "/contatos")
    page.get_by_role("link", name="Editar Rui Campos").click()
    extras = page.get_by_role("group", name="Campos extras do contato")
    expect(extras.get_by_label(labels["text"])).to_have_value("")
    extras.get_by_label(labels["text"]).fill("<script>alert(1)</script>")
    extras.get_by_label(labels["date"]).fill("31/02/2020")  # no such day
    extras.get_by_label(labels["number"]).fill("1.500,75")
    extras.get_by_label(labels["choice"]).select_option("tarde")
    page.get_by_role("group", name="Editar contato").get_by_label("Cargo").fill("Gerente")
    assert posted(page, "Salvar contato").status == 422
    extras = page.get_by_role("group", name="Campos extras do contato")
    date_input = extras.get_by_label(labels["date"])
    expect(date_input).to_have_accessible_description(
        "Data como 31/12/2026. Digite uma data como 31/12/2026."
    )
    expect(date_input).to_have_value("31/02/2020")
    expect(date_input).to_be_focused()
    expect(extras.get_by_label(labels["number"])).to_have_value("1.500,75")
    assert axe_violations(page) == []
    page.goto(f"/clientes/{code}/contatos")  # nothing was saved: neither the job title
    expect(page.get_by_role("row", name=re.compile("Rui Campos"))).to_contain_text("Comprador")

    page.get_by_role("link", name="Editar Rui Campos").click()
    form = page.get_by_role("group", name="Editar contato")
    form.get_by_label("Cargo").fill("Gerente")
    extras = page.get_by_role("group", name="Campos extras do contato")
    extras.get_by_label(labels["text"]).fill("<script>alert(1)</script>")
    extras.get_by_label(labels["date"]).fill("01/03/2020")
    extras.get_by_label(labels["number"]).fill("1.500,75")
    extras.get_by_label(labels["choice"]).select_option("tarde")
    page.get_by_role("button", name="Salvar contato").click()
    expect(page.get_by_role("status")).to_have_text("Contato salvo.")
    expect(page.get_by_role("row", name=re.compile("Rui Campos"))).to_contain_text("Gerente")

    page.get_by_role("link", name="Editar Rui Campos").click()
    extras = page.get_by_role("group", name="Campos extras do contato")
    expect(extras.get_by_label(labels["text"])).to_have_value("<script>alert(1)</script>")
    expect(extras.get_by_label(labels["date"])).to_have_value("01/03/2020")
    expect(extras.get_by_label(labels["number"])).to_have_value("1500,75")
    expect(extras.get_by_label(labels["choice"])).to_have_value("tarde")
    extras.get_by_label(labels["text"]).fill("")  # cleared
    page.get_by_role("button", name="Salvar contato").click()
    expect(page.get_by_role("status")).to_have_text("Contato salvo.")
    page.get_by_role("link", name="Editar Rui Campos").click()
    extras = page.get_by_role("group", name="Campos extras do contato")
    expect(extras.get_by_label(labels["text"])).to_have_value("")
    expect(extras.get_by_label(labels["date"])).to_have_value("01/03/2020")
    assert axe_violations(page) == []


def test_clearing_the_mobile_withdraws_the_sms_consent(page: Page, sign_in, app):
    code = build_customer(app, name="Cliente do SMS")
    build_contact(app, code, name="Lia Souza", mobile="11987654321", sms_allowed=True)
    open_record(page, sign_in, code, "/contatos")
    page.get_by_role("link", name="Editar Lia Souza").click()
    form = page.get_by_role("group", name="Editar contato")
    expect(form.get_by_label("Nome do contato")).to_be_focused()
    sms = form.get_by_label("O contato autorizou enviar SMS no celular")
    expect(sms).to_be_checked()
    expect(sms).to_be_enabled()
    form.get_by_label("Celular", exact=True).fill("")
    expect(sms).to_be_disabled()
    expect(sms).not_to_be_checked()
    expect(sms).to_have_accessible_description(
        "Informe o celular para marcar a autorização de SMS."
    )
    page.get_by_role("button", name="Salvar contato").click()
    expect(page.get_by_role("status")).to_have_text("Contato salvo.")
    row = page.get_by_role("row", name=re.compile("Lia Souza"))
    expect(row.get_by_role("cell", name="Não", exact=True)).to_be_visible()
    assert axe_violations(page) == []


def test_a_contact_type_no_longer_in_use_is_refused_by_its_field(page: Page, sign_in, app):
    code = build_customer(app, name="Cliente de Tipos")
    open_record(page, sign_in, code, "/contatos")
    form = page.get_by_role("group", name="Novo contato")
    form.get_by_label("Nome do contato").fill("Caio Prado")
    kind = form.get_by_label("Tipo de contato")
    # as a form opened before the setting CONTACT_TYPES dropped the type
    kind.evaluate("select => { select.options[1].value = 'extinto'; select.selectedIndex = 1; }")
    assert posted(page, "Salvar contato").status == 422
    kind = page.get_by_role("group", name="Novo contato").get_by_label("Tipo de contato")
    expect(kind).to_have_accessible_description("Escolha um dos tipos de contato da lista.")
    expect(kind).to_be_focused()
    expect(page.get_by_text("Nenhum contato.")).to_be_visible()
    assert axe_violations(page) == []
