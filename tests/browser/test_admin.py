"""Administração > Usuários in the browser: an admin creates a user (who then signs in),
changes a role, deactivates and reactivates, and unlocks one locked by failed sign-ins; the
other roles neither see Administração nor reach it."""

import re

import pytest
from playwright.sync_api import Page, expect

from models.db import db
from models.staff.users import User
from tests.browser.conftest import axe_violations
from tests.conftest import TEST_PASSWORD

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ELSEWHERE = "10.9.8.7"  # the locked user's address: not the browser's (127.0.0.1)


def _sign_in_form(app, username: str, password: str):
    """A sign-in through the form from ELSEWHERE (a test client); returns the answer."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ELSEWHERE
    token = _CSRF.search(client.get("/entrar").get_data(as_text=True)).group(1)
    body = {"username": username, "password": password, "csrf_token": token}
    return client.post("/entrar", data=body)


def _row(page: Page, username: str):
    return page.locator("tbody tr").filter(
        has=page.get_by_role("rowheader", name=username, exact=True)
    )


def _stored(app, username: str) -> User | None:
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == username))
        db.session.remove()
        return user


def test_an_admin_creates_a_user_who_then_signs_in(app, page: Page, sign_in):
    sign_in("admin")
    page.get_by_role("link", name="Administração").click()
    expect(page.get_by_role("heading", name="Administração")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("link", name="Usuários").click()
    expect(page.get_by_role("heading", name="Usuários", exact=True)).to_be_visible()

    # Too short a password: refused next to the field, what was typed kept.
    page.get_by_label("Usuário", exact=True).fill("Maria.Nova")
    page.get_by_label("Nome completo").fill("<script>alert(1)</script> {{7*7}}")
    page.get_by_label("Perfil", exact=True).select_option(label="Atendente")
    page.get_by_label("Senha").fill("curta")
    page.get_by_role("button", name="Criar usuário").click()
    expect(page.get_by_text("Entre 10 e 1024 caracteres.")).to_be_visible()
    expect(page.get_by_label("Usuário", exact=True)).to_have_value("Maria.Nova")
    expect(page.get_by_label("Perfil", exact=True)).to_have_value("attendant")
    assert _stored(app, "maria.nova") is None
    assert axe_violations(page) == []

    page.get_by_label("Senha").fill("senha-da-maria-1")
    page.get_by_role("button", name="Criar usuário").click()
    expect(page.get_by_role("status")).to_have_text("Usuário maria.nova criado.")
    row = _row(page, "maria.nova")
    expect(row).to_contain_text("<script>alert(1)</script> {{7*7}}")  # as text
    expect(row.get_by_label("Perfil de maria.nova")).to_have_value("attendant")
    assert _stored(app, "maria.nova").role == "attendant"

    # The same username again: a conflict, said next to the field.
    page.get_by_label("Usuário", exact=True).fill("maria.nova")
    page.get_by_label("Perfil", exact=True).select_option(label="Técnico")
    page.get_by_label("Senha").fill("outra-senha-123")
    page.get_by_role("button", name="Criar usuário").click()
    expect(page.get_by_text("Este usuário já existe.")).to_be_visible()

    # Another role for her.
    row = _row(page, "maria.nova")
    row.get_by_label("Perfil de maria.nova").select_option(label="Financeiro")
    row.get_by_role("button", name="Alterar perfil de maria.nova").click()
    expect(page.get_by_role("status")).to_have_text(
        "Perfil de maria.nova alterado para Financeiro."
    )
    assert _stored(app, "maria.nova").role == "finance"
    assert axe_violations(page) == []

    # She signs in with the password the admin gave her, and sees no Administração.
    page.get_by_role("button", name="Sair").click()
    page.get_by_label("Usuário").fill("maria.nova")
    page.get_by_label("Senha").fill("senha-da-maria-1")
    page.get_by_role("button", name="Entrar").click()
    expect(page.get_by_role("button", name="Sair")).to_be_visible()
    expect(page.get_by_text("maria.nova (finance)")).to_be_visible()
    expect(page.get_by_role("link", name="Administração")).to_have_count(0)


def test_an_admin_unlocks_a_locked_user_and_deactivates_and_reactivates(
    app, page: Page, sign_in, make_user
):
    joao = make_user("joao.bloqueado", "attendant")
    limit = app.config["PROVEDOR_SETTINGS"].login_max_failures
    for _ in range(limit):
        assert _sign_in_form(app, joao.username, "errada").status_code == 401
    assert _sign_in_form(app, joao.username, TEST_PASSWORD).status_code == 429  # locked

    me = sign_in("admin")
    page.goto("/admin/usuarios")
    row = _row(page, "joao.bloqueado")
    expect(row).to_contain_text("Bloqueado")
    # Her own account: no role change, no deactivation offered.
    mine = _row(page, me.username)
    expect(mine.get_by_role("button", name=re.compile("^Desativar"))).to_have_count(0)
    expect(mine.get_by_label(re.compile("^Perfil"))).to_have_count(0)

    row.get_by_role("button", name="Desbloquear joao.bloqueado").click()
    expect(page.get_by_role("status")).to_have_text("Bloqueios de joao.bloqueado removidos.")
    expect(_row(page, "joao.bloqueado")).not_to_contain_text("Bloqueado")
    assert _stored(app, "joao.bloqueado").logins_unlocked_at is not None
    assert _sign_in_form(app, joao.username, TEST_PASSWORD).status_code == 303  # in again

    # Deactivating asks first; then he cannot sign in until reactivated.
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.wait_for_load_state()  # the scripts that ask first have run (they are deferred)
    _row(page, "joao.bloqueado").get_by_role("button", name="Desativar joao.bloqueado").click()
    expect(page.get_by_role("status")).to_have_text("Usuário joao.bloqueado desativado.")
    assert asked and "joao.bloqueado" in asked[0]
    expect(_row(page, "joao.bloqueado")).to_contain_text("Inativo")
    assert _stored(app, "joao.bloqueado").active is False
    assert _sign_in_form(app, joao.username, TEST_PASSWORD).status_code != 303
    assert axe_violations(page) == []

    _row(page, "joao.bloqueado").get_by_role("button", name="Reativar joao.bloqueado").click()
    expect(page.get_by_role("status")).to_have_text("Usuário joao.bloqueado reativado.")
    assert _stored(app, "joao.bloqueado").active is True
    assert axe_violations(page) == []


@pytest.mark.parametrize("role", ["attendant", "finance", "technician"])
def test_other_roles_do_not_see_administracao_nor_reach_it(
    app, page: Page, sign_in, make_user, role
):
    target = make_user("alvo.admin", "attendant")
    sign_in(role)
    expect(page.get_by_role("link", name="Pesquisar Cliente")).to_be_visible()
    expect(page.get_by_role("link", name="Administração")).to_have_count(0)
    expect(page.get_by_role("link", name="Administração")).to_have_count(0)
    answer = page.goto("/admin/motivos")  # every role reads the list a cancellation uses
    assert answer.status == 200
    expect(page.get_by_role("button", name="Incluir motivo")).to_have_count(0)
    for url in ("/admin", "/admin/usuarios"):
        answer = page.goto(url)
        assert answer.status == 403, url
        expect(page.get_by_text("Seu perfil não permite")).to_be_visible()
    assert axe_violations(page) == []

    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    posts = {
        "/admin/usuarios": {"username": "intruso", "role": "admin", "password": "senha-longa-1"},
        f"/admin/usuarios/{target.id}/perfil": {"role": "admin"},
        f"/admin/usuarios/{target.id}/situacao": {"active": "false"},
        f"/admin/usuarios/{target.id}/desbloquear": {},
        "/admin/motivos": {"name": "Motivo intruso"},
        "/admin/feriados": {"date": "20/01/2031", "name": "Feriado intruso"},
    }
    for url, form in posts.items():
        answer = page.request.post(url, form=form | {"csrf_token": token})
        assert answer.status == 403, url
    assert _stored(app, "intruso") is None
    stored = _stored(app, "alvo.admin")
    assert (stored.role, stored.active, stored.logins_unlocked_at) == ("attendant", True, None)


def test_an_admin_keeps_the_cancel_reasons(app, page: Page, sign_in):
    sign_in("admin")
    page.goto("/admin")
    page.get_by_role("link", name="Motivos de cancelamento").click()
    expect(page.get_by_role("heading", name="Motivos de cancelamento")).to_be_visible()

    page.get_by_label("Motivo", exact=True).fill("Mudou de cidade <b>já</b>")
    page.get_by_role("button", name="Incluir motivo").click()
    expect(page.get_by_role("status")).to_have_text("Motivo Mudou de cidade <b>já</b> incluído.")
    expect(page.get_by_role("rowheader", name="Mudou de cidade <b>já</b>")).to_be_visible()
    assert axe_violations(page) == []

    # The same text again: refused next to the field, typed text kept.
    page.get_by_label("Motivo", exact=True).fill("Mudou de cidade <b>já</b>")
    page.get_by_role("button", name="Incluir motivo").click()
    expect(page.get_by_text("Este motivo já existe.")).to_be_visible()
    expect(page.get_by_label("Motivo", exact=True)).to_have_value("Mudou de cidade <b>já</b>")

    row = page.locator("tbody tr").filter(has_text="Mudou de cidade <b>já</b>")
    row.get_by_label("Novo texto de Mudou de cidade <b>já</b>").fill("Mudou para o interior")
    row.get_by_role("button", name="Renomear").click()
    expect(page.get_by_role("status")).to_have_text("Motivo renomeado para Mudou para o interior.")
    row = page.locator("tbody tr").filter(
        has=page.get_by_role("rowheader", name="Mudou para o interior", exact=True)
    )
    row.get_by_role("button", name="Retirar Mudou para o interior").click()
    withdrawn = "Motivo Mudou para o interior retirado da lista."
    expect(page.get_by_role("status")).to_have_text(withdrawn)
    expect(row).to_contain_text("Retirado")
    with app.app_context():
        from models.service.cancel_reasons import list_reasons

        assert "Mudou para o interior" not in [reason.name for reason in list_reasons(True)]
        db.session.remove()
    row.get_by_role("button", name="Voltar a usar Mudou para o interior").click()
    expect(row).to_contain_text("Em uso")
    assert axe_violations(page) == []


def test_an_admin_keeps_the_local_holidays(page: Page, sign_in):
    sign_in("admin")
    page.goto("/admin")
    page.get_by_role("link", name="Feriados").click()
    expect(page.get_by_role("heading", name="Feriados")).to_be_visible()
    page.get_by_label("Ano").fill("2031")
    page.get_by_role("button", name="Mostrar").click()
    expect(page.get_by_role("table", name="Feriados de 2031")).to_be_visible()
    tiradentes = page.locator("tbody tr").filter(has_text="Tiradentes")
    expect(tiradentes).to_contain_text("21/04/2031")
    expect(tiradentes.get_by_role("button")).to_have_count(0)  # national: not removable

    page.get_by_label("Data", exact=True).fill("31/02/2031")
    page.get_by_label("Nome", exact=True).fill("Aniversário da cidade <i>x</i>")
    page.get_by_role("button", name="Incluir feriado").click()
    expect(page.get_by_text("Digite uma data como 31/12/2026.")).to_be_visible()
    expect(page.get_by_label("Nome", exact=True)).to_have_value("Aniversário da cidade <i>x</i>")

    page.get_by_label("Data", exact=True).fill("25/01/2031")
    page.get_by_role("button", name="Incluir feriado").click()
    expect(page.get_by_role("status")).to_have_text(
        "Feriado Aniversário da cidade <i>x</i> incluído."
    )
    expect(page.get_by_role("table", name="Feriados de 2031")).to_be_visible()
    ours = page.locator("tbody tr").filter(has_text="Aniversário da cidade <i>x</i>")
    expect(ours).to_contain_text("25/01/2031")
    expect(ours).to_contain_text("Local")
    assert axe_violations(page) == []

    page.get_by_label("Data", exact=True).fill("25/01/2031")
    page.get_by_label("Nome", exact=True).fill("Outro nome")
    page.get_by_role("button", name="Incluir feriado").click()
    expect(page.get_by_text("Esta data já é um feriado local.")).to_be_visible()

    page.goto("/admin/feriados?year=2031")
    page.once("dialog", lambda dialog: dialog.accept())
    ours.get_by_role("button", name="Excluir Aniversário da cidade <i>x</i>").click()
    expect(page.get_by_role("status")).to_have_text("Feriado excluído.")
    expect(ours).to_have_count(0)
    expect(tiradentes).to_have_count(1)
    assert axe_violations(page) == []
