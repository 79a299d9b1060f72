"""Administração > Planos, Campos extras and NAS in the browser: an admin keeps the plan catalog,
the extra fields' definitions and the RADIUS concentrators (with the Disconnect-Requests sent to
them); each change lands in the history as from the API; refusals are said in Portuguese next to
the field and change nothing; the other roles get what the role table gives them."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from models.audit import HistoryEntry
from models.customers.extra_fields import ExtraFieldDefinition
from models.db import db
from models.service.plans import Plan
from models.service.radius import Nas
from models.service.radius_disconnects import Disconnect
from tests.browser.conftest import axe_violations
from tests.builders import build_customer, build_plan
from web.permissions import READ, roles_for

SECRET = "Segr3do-do-NAS!"


def _stored(app, model, **where):
    with app.app_context():
        rows = db.session.scalars(db.select(model).filter_by(**where)).all()
        db.session.remove()
        return rows


def _history(app, entity: str, entity_id: int) -> list[HistoryEntry]:
    with app.app_context():
        entries = db.session.scalars(
            db.select(HistoryEntry)
            .where(HistoryEntry.entity == entity, HistoryEntry.entity_id == str(entity_id))
            .order_by(HistoryEntry.id)
        ).all()
        db.session.remove()
        return entries


def _row(page: Page, name: str):
    return page.locator("tbody tr").filter(has=page.get_by_role("rowheader", name=name, exact=True))


def _post(page: Page, button):
    """Click `button` (a form's submit); the POST's answer."""
    with page.expect_response(lambda answer: answer.request.method == "POST") as answer:
        button.click()
    return answer.value


def _campo(page: Page, label: str):
    """The `campo` div of the control labelled `label`: its messages are in it."""
    return page.locator("div.campo").filter(has=page.get_by_label(label, exact=True))


# Planos ----------------------------------------------------------------------------------------


def test_an_admin_creates_changes_and_withdraws_a_plan(app, page: Page, sign_in):
    me = sign_in("admin")
    page.get_by_role("link", name="Administração").click()
    page.get_by_role("link", name="Planos").click()
    expect(page.get_by_role("heading", name="Planos", exact=True)).to_be_visible()
    assert axe_violations(page) == []

    new = page.locator("form", has=page.get_by_role("button", name="Incluir plano"))
    new.get_by_label("Nome do plano").fill("Fibra 300 <b>já</b>")
    new.get_by_label("Tipo do plano").select_option(label="Internet")
    new.get_by_label("Preço mensal (R$)").fill("1.129,90")
    new.get_by_label("Download (kbit/s)").fill("-300")
    new.get_by_label("Upload (kbit/s)").fill("150000")
    answer = _post(page, new.get_by_role("button", name="Incluir plano"))
    assert answer.status == 422
    expect(_campo(page, "Download (kbit/s)")).to_contain_text("De 1 a 100000000.")
    expect(new.get_by_label("Download (kbit/s)")).to_have_attribute("aria-invalid", "true")
    expect(new.get_by_label("Nome do plano")).to_have_value("Fibra 300 <b>já</b>")
    expect(new.get_by_label("Preço mensal (R$)")).to_have_value("1.129,90")
    assert _stored(app, Plan, name="Fibra 300 <b>já</b>") == []
    assert axe_violations(page) == []

    new.get_by_label("Download (kbit/s)").fill("300000")
    answer = _post(page, new.get_by_role("button", name="Incluir plano"))
    assert answer.status == 303
    expect(page.get_by_role("status")).to_have_text("Plano Fibra 300 <b>já</b> incluído.")
    (plan,) = _stored(app, Plan, name="Fibra 300 <b>já</b>")
    assert (plan.kind, plan.download_kbps, plan.upload_kbps) == ("internet", 300_000, 150_000)
    assert (plan.price, plan.radius_group, plan.active) == (
        Decimal("1129.90"),
        f"plano-{plan.id}",
        True,
    )
    row = _row(page, "Fibra 300 <b>já</b>")
    for shown in ("Internet", "300 Mbit/s", "150 Mbit/s", "R$ 1.129,90", f"plano-{plan.id}"):
        expect(row).to_contain_text(shown)
    expect(row).to_contain_text("À venda")
    created = _history(app, "plans", plan.id)[0]  # then its group plano-<id>, as from the API
    assert (created.action, created.username) == ("create", me.username)

    # The same name again: a conflict said next to the name, nothing stored.
    new = page.locator("form", has=page.get_by_role("button", name="Incluir plano"))
    new.get_by_label("Nome do plano").fill("Fibra 300 <b>já</b>")
    new.get_by_label("Tipo do plano").select_option(label="E-mail")
    new.get_by_label("Preço mensal (R$)").fill("10")
    answer = _post(page, new.get_by_role("button", name="Incluir plano"))
    assert answer.status == 409
    expect(_campo(page, "Nome do plano")).to_contain_text("Já existe um plano com este nome.")
    assert len(_stored(app, Plan, name="Fibra 300 <b>já</b>")) == 1

    # Change it: name, price and speeds; a bad price first.
    _row(page, "Fibra 300 <b>já</b>").get_by_role("link", name="Alterar").click()
    change = page.locator("form", has=page.get_by_role("button", name="Salvar plano"))
    expect(change.get_by_label("Nome", exact=True)).to_have_value("Fibra 300 <b>já</b>")
    expect(change.get_by_label("Preço mensal (R$)")).to_have_value("1.129,90")
    change.get_by_label("Nome", exact=True).fill("Fibra 350")
    change.get_by_label("Preço mensal (R$)").fill("12,345")
    change.get_by_label("Download (kbit/s)").fill("350000")
    answer = _post(page, change.get_by_role("button", name="Salvar plano"))
    assert answer.status == 422
    change = page.locator("form", has=page.get_by_role("button", name="Salvar plano"))
    expect(change.locator("div.campo", has_text="Preço mensal")).to_contain_text(
        "Digite um valor como 1.234,56."
    )
    expect(change.get_by_label("Nome", exact=True)).to_have_value("Fibra 350")
    assert _stored(app, Plan, id=plan.id)[0].name == "Fibra 300 <b>já</b>"
    assert axe_violations(page) == []

    change.get_by_label("Preço mensal (R$)").fill("139,90")
    _post(page, change.get_by_role("button", name="Salvar plano"))
    expect(page.get_by_role("status")).to_have_text("Plano Fibra 350 alterado.")
    (plan,) = _stored(app, Plan, id=plan.id)
    assert (plan.name, plan.price, plan.download_kbps) == ("Fibra 350", Decimal("139.90"), 350_000)
    update = _history(app, "plans", plan.id)[-1]
    assert (update.action, update.username) == ("update", me.username)
    assert {c["field"]: (c["old"], c["new"]) for c in update.changes} == {
        "name": ("Fibra 300 <b>já</b>", "Fibra 350"),
        "price": ("1129.90", "139.90"),
        "download_kbps": (300_000, 350_000),
    }

    # Withdrawn from sale after a confirmation; the filter tells on-sale from withdrawn.
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.wait_for_load_state()  # the scripts that ask first have run (they are deferred)
    _row(page, "Fibra 350").get_by_role("button", name="Retirar de venda Fibra 350").click()
    expect(page.get_by_role("status")).to_have_text("Plano Fibra 350 retirado de venda.")
    assert asked and "Fibra 350" in asked[0]
    expect(_row(page, "Fibra 350")).to_contain_text("Fora de venda")
    assert _stored(app, Plan, id=plan.id)[0].active is False
    assert _history(app, "plans", plan.id)[-1].changes == [
        {"field": "active", "old": True, "new": False}
    ]
    filters = page.get_by_role("form", name="Filtrar planos")
    filters.get_by_label("Situação").select_option(label="À venda")
    filters.get_by_role("button", name="Filtrar").click()
    expect(_row(page, "Fibra 350")).to_have_count(0)
    filters = page.get_by_role("form", name="Filtrar planos")
    filters.get_by_label("Situação").select_option(label="Fora de venda")
    filters.get_by_label("Tipo").select_option(label="Internet")
    filters.get_by_role("button", name="Filtrar").click()
    expect(_row(page, "Fibra 350")).to_have_count(1)
    _row(page, "Fibra 350").get_by_role("button", name="Voltar à venda Fibra 350").click()
    expect(page.get_by_role("status")).to_have_text("Plano Fibra 350 voltou à venda.")
    assert _stored(app, Plan, id=plan.id)[0].active is True
    assert axe_violations(page) == []


def test_the_plan_list_pages_and_shows_other_kinds(app, page: Page, sign_in):
    for number in range(51):
        build_plan(app, "email", name=f"E-mail {number:02d}", price="5.00")
    sign_in("admin")
    page.goto("/admin/planos?kind=email")
    expect(page.get_by_text("Página 1 de 2")).to_be_visible()
    row = _row(page, "E-mail 00")
    expect(row).to_contain_text("E-mail")
    expect(row).to_contain_text("R$ 5,00")
    page.get_by_role("link", name="Próxima").click()
    expect(page.get_by_text("Página 2 de 2")).to_be_visible()
    expect(_row(page, "E-mail 50")).to_have_count(1)
    expect(page.get_by_role("rowheader")).to_have_count(1)


# Campos extras ---------------------------------------------------------------------------------


def test_an_admin_defines_a_choice_field_that_then_shows_on_the_record(app, page: Page, sign_in):
    code = build_customer(app)
    me = sign_in("admin")
    page.goto("/admin")
    page.get_by_role("link", name="Campos extras").click()
    expect(page.get_by_role("heading", name="Campos extras", exact=True)).to_be_visible()
    assert axe_violations(page) == []

    # A choice field without options: refused next to the options, nothing stored.
    new = page.locator("form", has=page.get_by_role("button", name="Incluir campo"))
    new.get_by_label("Nome do campo").fill("Tipo de imóvel")
    new.get_by_label("Cadastro do campo").select_option(label="Cliente")
    new.get_by_label("Tipo do campo").select_option(label="Lista de opções")
    answer = _post(page, new.get_by_role("button", name="Incluir campo"))
    assert answer.status == 422
    expect(_campo(page, "Opções (uma por linha)")).to_contain_text(
        "Informe as opções, uma por linha."
    )
    expect(new.get_by_label("Nome do campo")).to_have_value("Tipo de imóvel")
    assert _stored(app, ExtraFieldDefinition, name="Tipo de imóvel") == []
    assert axe_violations(page) == []

    new.get_by_label("Opções (uma por linha)").fill("Casa\nApartamento\n\nSala comercial\nCasa")
    new.get_by_label("Obrigatório").check()
    _post(page, new.get_by_role("button", name="Incluir campo"))
    expect(page.get_by_role("status")).to_have_text("Campo Tipo de imóvel incluído.")
    (field,) = _stored(app, ExtraFieldDefinition, name="Tipo de imóvel")
    assert (field.applies_to, field.type, field.required, field.active) == (
        "customer",
        "choice",
        True,
        True,
    )
    assert field.options == ["Casa", "Apartamento", "Sala comercial"]
    expect(_row(page, "Tipo de imóvel")).to_contain_text("Casa, Apartamento, Sala comercial")
    (created,) = _history(app, "extra_field_definitions", field.id)
    assert (created.action, created.username) == ("create", me.username)

    # The same name for customers again: a conflict, said next to the name.
    new = page.locator("form", has=page.get_by_role("button", name="Incluir campo"))
    new.get_by_label("Nome do campo").fill("Tipo de imóvel")
    new.get_by_label("Tipo do campo").select_option(label="Texto")
    answer = _post(page, new.get_by_role("button", name="Incluir campo"))
    assert answer.status == 409
    expect(_campo(page, "Nome do campo")).to_contain_text("Já existe um campo com este nome")

    # On the customer's record: the field, its options to choose from.
    page.goto(f"/clientes/{code}/campos-extras")
    extra = page.locator("tbody tr", has_text="Tipo de imóvel")
    expect(extra).to_contain_text("Lista de opções")
    expect(extra).to_contain_text("Obrigatório, sem valor")
    extra.get_by_role("link", name="Editar Campo Tipo de imóvel").click()
    options = page.get_by_label("Valor", exact=True).locator("option")
    expect(options).to_have_text(["(sem valor)", "Casa", "Apartamento", "Sala comercial"])
    page.get_by_label("Valor", exact=True).select_option(label="Apartamento")
    page.get_by_role("button", name="Salvar").click()
    expect(page.get_by_role("status")).to_have_text("Valor de “Tipo de imóvel” salvo.")

    # An option a value uses cannot go; renamed and made optional it can.
    page.goto("/admin/campos-extras")
    _row(page, "Tipo de imóvel").get_by_role("link", name="Alterar").click()
    change = page.locator("form", has=page.get_by_role("button", name="Salvar campo"))
    expect(change.get_by_label("Opções (uma por linha)")).to_have_value(
        "Casa\nApartamento\nSala comercial"
    )
    change.get_by_label("Opções (uma por linha)").fill("Casa\nSala comercial")
    answer = _post(page, change.get_by_role("button", name="Salvar campo"))
    assert answer.status == 409
    change = page.locator("form", has=page.get_by_role("button", name="Salvar campo"))
    expect(change).to_contain_text("Opções em uso por valores gravados: Apartamento.")
    assert _stored(app, ExtraFieldDefinition, id=field.id)[0].options == [
        "Casa",
        "Apartamento",
        "Sala comercial",
    ]
    assert axe_violations(page) == []

    change.get_by_label("Nome", exact=True).fill("Imóvel")
    change.get_by_label("Opções (uma por linha)").fill("Casa\nApartamento\nSala comercial\nSítio")
    change.get_by_label("Obrigatório").uncheck()
    _post(page, change.get_by_role("button", name="Salvar campo"))
    expect(page.get_by_role("status")).to_have_text("Campo Imóvel alterado.")
    update = _history(app, "extra_field_definitions", field.id)[-1]
    assert (update.action, update.username) == ("update", me.username)
    changed = {c["field"]: (c["old"], c["new"]) for c in update.changes}
    assert changed == {
        "name": ("Tipo de imóvel", "Imóvel"),
        "options": (
            ["Casa", "Apartamento", "Sala comercial"],
            ["Casa", "Apartamento", "Sala comercial", "Sítio"],
        ),
        "required": (True, False),
    }

    # Withdrawn after a confirmation: the record no longer shows it (its value is kept).
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.wait_for_load_state()  # the scripts that ask first have run (they are deferred)
    _row(page, "Imóvel").get_by_role("button", name="Retirar Imóvel").click()
    expect(page.get_by_role("status")).to_have_text("Campo Imóvel retirado dos cadastros.")
    assert asked and "Imóvel" in asked[0]
    expect(_row(page, "Imóvel")).to_contain_text("Retirado")
    assert _stored(app, ExtraFieldDefinition, id=field.id)[0].active is False
    assert _history(app, "extra_field_definitions", field.id)[-1].changes == [
        {"field": "active", "old": True, "new": False}
    ]
    page.goto(f"/clientes/{code}/campos-extras")
    expect(page.get_by_text("Nenhum campo extra definido para clientes.")).to_be_visible()
    page.get_by_role("link", name="Definir campos extras").click()  # the tab links them
    _row(page, "Imóvel").get_by_role("button", name="Voltar a usar Imóvel").click()
    expect(_row(page, "Imóvel")).to_contain_text("Em uso")
    assert axe_violations(page) == []


# NAS -------------------------------------------------------------------------------------------


def _disconnect(status: str, number: int, error: str | None = None) -> dict:
    return {
        "radacct_id": number,
        "cause": "suspend",
        "username": f"login{number:03d}",
        "acct_session_id": f"sessao-{number}",
        "nas_ip": "10.20.30.40",
        "status": status,
        "attempts": 5 if status == "failed" else 1,
        "last_error": error,
    }


def test_an_admin_adds_a_nas_whose_secret_is_never_shown(app, page: Page, sign_in):
    me = sign_in("admin")
    page.goto("/admin")
    page.get_by_role("link", name="NAS", exact=True).click()
    expect(page.get_by_role("heading", name="NAS", exact=True)).to_be_visible()
    secret = page.get_by_label("Segredo RADIUS")
    expect(secret).to_have_attribute("type", "password")
    expect(secret).to_have_attribute("autocomplete", "off")
    assert axe_violations(page) == []

    # Not an address: refused next to it; the secret is not sent back.
    page.get_by_label("Endereço IP").fill("10.20.30")
    page.get_by_label("Nome", exact=True).fill("bng-centro")
    secret.fill(SECRET)
    answer = _post(page, page.get_by_role("button", name="Incluir NAS"))
    assert answer.status == 422
    expect(_campo(page, "Endereço IP")).to_contain_text("Informe o IP do NAS")
    expect(page.get_by_label("Nome", exact=True)).to_have_value("bng-centro")
    expect(page.get_by_label("Segredo RADIUS")).to_have_value("")
    assert SECRET not in page.content()
    assert _stored(app, Nas) == []

    page.get_by_label("Endereço IP").fill("10.20.30.40")
    page.get_by_label("Segredo RADIUS").fill(SECRET)
    page.get_by_label("Descrição").fill("Centro <i>POP</i>")
    _post(page, page.get_by_role("button", name="Incluir NAS"))
    expect(page.get_by_role("status")).to_have_text("NAS bng-centro (10.20.30.40) incluído.")
    row = _row(page, "bng-centro")
    for shown in ("10.20.30.40", "other", "3799", "Centro <i>POP</i>"):
        expect(row).to_contain_text(shown)
    assert SECRET not in page.content()
    (nas,) = _stored(app, Nas)
    assert (nas.nasname, nas.secret, nas.coa_port) == ("10.20.30.40", SECRET, 3799)
    (created,) = _history(app, "nas", nas.id)
    assert (created.action, created.username) == ("create", me.username)
    assert {"field": "secret", "old": None, "new": "***"} in created.changes

    # The same address again: 409, said in Portuguese; nothing added, the secret not echoed.
    page.get_by_label("Endereço IP").fill("10.20.30.40")
    page.get_by_label("Nome", exact=True).fill("bng-outro")
    page.get_by_label("Segredo RADIUS").fill(SECRET)
    page.get_by_label("Porta CoA").fill("1700")
    answer = _post(page, page.get_by_role("button", name="Incluir NAS"))
    assert answer.status == 409
    expect(_campo(page, "Endereço IP")).to_contain_text("Este NAS já está cadastrado.")
    expect(page.get_by_label("Porta CoA")).to_have_value("1700")
    assert SECRET not in page.content()
    assert len(_stored(app, Nas)) == 1
    assert axe_violations(page) == []


def test_the_failed_disconnect_requests_are_listed_and_paged(app, page: Page, sign_in):
    with app.app_context():
        rows = [_disconnect("acked", 1)]
        rows += [_disconnect("failed", n, "sem resposta (timeout)") for n in range(2, 54)]
        rows.append(_disconnect("pending", 54))
        db.session.execute(db.insert(Disconnect), rows)
        db.session.commit()
        db.session.remove()
    sign_in("technician")  # reads RADIUS, adds no NAS
    page.goto("/admin/nas")
    expect(page.get_by_role("button", name="Incluir NAS")).to_have_count(0)
    expect(page.get_by_label("Segredo RADIUS")).to_have_count(0)
    expect(page.get_by_text("Página 1 de 2")).to_be_visible()
    expect(_row(page, "login054")).to_contain_text("Na fila")
    expect(_row(page, "login001")).to_have_count(0)  # newest first: on page 2

    filters = page.get_by_role("form", name="Filtrar pedidos de desconexão")
    filters.get_by_label("Situação do pedido").select_option(label="Falhou (sem resposta)")
    filters.get_by_role("button", name="Filtrar").click()
    expect(page).to_have_url(re.compile(r"status=failed"))
    failed = _row(page, "login053")
    for shown in ("10.20.30.40", "Suspensão", "Falhou (sem resposta)", "sem resposta (timeout)"):
        expect(failed).to_contain_text(shown)
    expect(_row(page, "login054")).to_have_count(0)
    expect(page.get_by_text("Página 1 de 2")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("link", name="Próxima").click()
    expect(page.get_by_text("Página 2 de 2")).to_be_visible()
    expect(page.locator("tbody tr")).to_have_count(2)  # 52 failed: 50 + 2
    expect(_row(page, "login002")).to_have_count(1)
    expect(_row(page, "login001")).to_have_count(0)


# Roles -----------------------------------------------------------------------------------------

SCREENS = {"/admin/planos": "plans", "/admin/campos-extras": "extra_field_definitions"}
SCREENS["/admin/nas"] = "radius"


@pytest.mark.parametrize("role", ["attendant", "finance", "technician"])
def test_other_roles_read_what_the_table_allows_and_change_nothing(app, page: Page, sign_in, role):
    plan_id = build_plan(app, name="Plano dos outros")
    code = build_customer(app)
    sign_in(role)
    expect(page.get_by_role("link", name="Administração")).to_have_count(0)
    page.goto(f"/clientes/{code}/campos-extras")
    expect(page.get_by_role("heading", name="Campos extras")).to_be_visible()
    expect(page.get_by_role("link", name="Definir campos extras")).to_have_count(0)
    for url, area in SCREENS.items():
        answer = page.goto(url)
        if role in roles_for(area, READ):
            assert answer.status == 200, url
            expect(page.get_by_role("button", name=re.compile("^Incluir"))).to_have_count(0)
            expect(page.get_by_role("link", name=re.compile("^Alterar"))).to_have_count(0)
            expect(page.get_by_role("button", name=re.compile("^Retirar"))).to_have_count(0)
            assert axe_violations(page) == []
        else:
            assert answer.status == 403, url
            expect(page.get_by_text("Seu perfil não permite")).to_be_visible()
    assert page.goto(f"/admin/planos/{plan_id}").status == 403

    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    posts = {
        "/admin/planos": {"name": "Plano intruso", "kind": "email", "price": "1,00"},
        f"/admin/planos/{plan_id}": {"name": "Renomeado"},
        f"/admin/planos/{plan_id}/situacao": {"active": "false"},
        "/admin/campos-extras": {"name": "Intruso", "applies_to": "customer", "type": "text"},
        "/admin/nas": {"nasname": "10.9.9.9", "shortname": "intruso", "secret": SECRET},
    }
    for url, form in posts.items():
        answer = page.request.post(url, form=form | {"csrf_token": token})
        assert answer.status == 403, url
    (plan,) = _stored(app, Plan, id=plan_id)
    assert (plan.name, plan.active) == ("Plano dos outros", True)
    assert _stored(app, Plan, name="Plano intruso") == []
    assert _stored(app, ExtraFieldDefinition, name="Intruso") == []
    assert _stored(app, Nas) == []
