"""Administração > Códigos de atividade fiscal in the browser: an admin adds a code (a malformed
or repeated one refused in Portuguese, nothing stored), changes its description and withdraws
it; a withdrawn code leaves the customer's Opções list; the other roles only read."""

import re

import pytest
from playwright.sync_api import Page, expect

from models.audit import HistoryEntry
from models.customers.fiscal_activity_codes import FiscalActivityCode
from models.db import db
from tests.browser.conftest import axe_violations
from tests.builders import build_customer


def _codes(app) -> list[FiscalActivityCode]:
    with app.app_context():
        rows = db.session.scalars(db.select(FiscalActivityCode)).all()
        db.session.remove()
        return rows


def _history(app, row_id: int) -> list[str]:
    with app.app_context():
        found = db.select(HistoryEntry.action).where(
            HistoryEntry.entity == "fiscal_activity_codes", HistoryEntry.entity_id == str(row_id)
        )
        actions = list(db.session.scalars(found.order_by(HistoryEntry.id)))
        db.session.remove()
        return actions


def _row(page: Page, code: str):
    return page.locator("tbody tr").filter(has=page.get_by_role("rowheader", name=code))


def test_an_admin_adds_describes_and_withdraws_a_code(app, page: Page, sign_in):
    sign_in("admin")
    page.goto("/admin")
    page.get_by_role("link", name="Códigos de atividade fiscal").click()
    expect(page.get_by_role("heading", name="Códigos de atividade fiscal")).to_be_visible()
    assert axe_violations(page) == []

    page.get_by_label("Código (CNAE ou item de serviço)").fill("61108")
    page.get_by_label("Descrição", exact=True).fill("Telefonia fixa <b>")
    page.get_by_role("button", name="Incluir código").click()
    expect(page.locator("#erro-code")).to_have_text(
        "Um código CNAE como 6110-8/01 ou um item de serviço como 1.07."
    )
    expect(page.get_by_label("Descrição", exact=True)).to_have_value("Telefonia fixa <b>")
    assert _codes(app) == []
    assert axe_violations(page) == []

    page.get_by_label("Código (CNAE ou item de serviço)").fill("6110-8/01")
    page.get_by_role("button", name="Incluir código").click()
    expect(page.get_by_role("status")).to_have_text("Código 6110-8/01 incluído.")
    expect(_row(page, "6110-8/01")).to_contain_text("Telefonia fixa <b>")  # as text

    page.get_by_label("Código (CNAE ou item de serviço)").fill("6110-8/01")
    page.get_by_label("Descrição", exact=True).fill("De novo")
    page.get_by_role("button", name="Incluir código").click()
    expect(page.locator("#erro-code")).to_have_text("Este código já está na lista.")
    assert len(_codes(app)) == 1

    row = _row(page, "6110-8/01")
    row.get_by_label("Nova descrição de 6110-8/01").fill("Telefonia fixa comutada")
    row.get_by_role("button", name="Alterar 6110-8/01").click()
    expect(page.get_by_role("status")).to_have_text("Descrição do código 6110-8/01 alterada.")

    asked: list[str] = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.wait_for_load_state()  # the scripts that ask first have run (they are deferred)
    _row(page, "6110-8/01").get_by_role("button", name="Retirar 6110-8/01").click()
    expect(page.get_by_role("status")).to_have_text("Código 6110-8/01 retirado da lista.")
    expect(_row(page, "6110-8/01").locator(".situacao")).to_have_text("Retirado")
    assert asked and "6110-8/01" in asked[0]  # it asked first
    [stored] = _codes(app)
    assert (stored.description, stored.active) == ("Telefonia fixa comutada", False)
    assert _history(app, stored.id) == ["create", "update", "update"]
    assert axe_violations(page) == []

    # Withdrawn: a customer's Opções no longer offers it.
    code = build_customer(app)
    page.goto(f"/clientes/{code}/opcoes")
    expect(page.get_by_text("6110-8/01")).to_have_count(0)


@pytest.mark.parametrize("role", ["attendant", "finance", "technician"])
def test_other_roles_read_the_list_and_change_nothing(app, page: Page, sign_in, role):
    with app.app_context():
        db.session.add(FiscalActivityCode(code="1.07", description="Suporte técnico", active=True))
        db.session.commit()
        row_id = db.session.scalar(db.select(FiscalActivityCode.id))
    sign_in(role)
    page.goto("/admin/codigos-fiscais")
    expect(_row(page, "1.07")).to_contain_text("Suporte técnico")
    expect(page.get_by_role("button")).to_have_text(["Sair"])  # no change offered
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    for url, body in (
        ("/admin/codigos-fiscais", {"code": "1.08", "description": "X"}),
        (f"/admin/codigos-fiscais/{row_id}", {"description": "Outra"}),
        (f"/admin/codigos-fiscais/{row_id}/situacao", {"active": "false"}),
    ):
        answer = page.request.post(url, form={"csrf_token": token, **body})
        assert answer.status == 403, url
    [stored] = _codes(app)
    assert (stored.description, stored.active) == ("Suporte técnico", True)
    assert re.search("Administração", page.locator("nav").first.inner_text()) is None
