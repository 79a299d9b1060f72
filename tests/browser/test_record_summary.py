"""The record's summary header [5]: plans and their status, open debts, logins online, equipment
lent, each only for the roles that may read it (a technician sees no receivables)."""

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from models.audit import set_actor
from models.clock import local_today
from models.db import db
from tests.browser.conftest import axe_violations
from tests.builders import (
    BUILDER,
    build_customer,
    build_equipment,
    build_login,
    build_open_session,
    build_plan,
    build_receivable,
    build_subscription,
)


def _suspend(app, subscription_id: int) -> None:
    from models.service.subscription_changes import SUSPEND, change_status

    with app.app_context():
        set_actor(db.session, BUILDER)
        change_status(subscription_id, SUSPEND)
        db.session.commit()


def _lend(app, code: int, subscription_id: int, items: list[int]) -> None:
    from models.service.equipment_lending import lend_equipment

    with app.app_context():
        set_actor(db.session, BUILDER)
        lend_equipment(
            code,
            {
                "subscription_id": subscription_id,
                "responsible_user": "joao.tecnico",
                "confirming_user": "ana.supervisora",
                "items": items,
            },
        )
        db.session.commit()


@pytest.fixture
def customer(app, make_user):
    """Two plans (one suspended), two open receivables (one overdue), a login online, a router
    and an ONU lent; one more receivable paid (it is not a debt)."""
    make_user("joao.tecnico", "technician")
    make_user("ana.supervisora", "admin")
    code = build_customer(app, name="Cliente Resumo")
    fibra = build_subscription(app, code, build_plan(app, name="Fibra 300"))
    radio = build_subscription(app, code, build_plan(app, name="Rádio 10"))
    _suspend(app, radio)
    build_login(app, fibra, username="resumo.fibra")
    build_open_session(app, "resumo.fibra")
    today = local_today()
    build_receivable(app, code, amount="120.00", due_date=today - timedelta(days=12))
    build_receivable(app, code, amount="99.90", due_date=today + timedelta(days=18))
    items = [build_equipment(app, 501), build_equipment(app, 502, type="onu", model="Huawei")]
    _lend(app, code, fibra, items)
    return code, today - timedelta(days=12)


def _item(page: Page, term: str):
    """The header's <dd> for the <dt> named `term`."""
    return page.locator(".resumo-itens > div").filter(has=page.get_by_text(term, exact=True))


def test_the_header_shows_plans_debts_logins_online_and_equipment(page: Page, sign_in, customer):
    code, overdue_since = customer
    sign_in("attendant")
    page.goto(f"/clientes/{code}")

    plans = _item(page, "Planos")
    expect(plans.get_by_role("listitem")).to_have_text(["Fibra 300: Ativo", "Rádio 10: Suspenso"])
    expect(_item(page, "Débitos em aberto").locator("dd")).to_have_text("2 · R$ 219,90")
    expect(_item(page, "Vencido desde").locator("dd")).to_have_text(
        f"{overdue_since:%d/%m/%Y} (1 conta vencida)"
    )
    expect(_item(page, "Logins on-line").locator("dd")).to_contain_text("1: resumo.fibra (desde ")
    equipment = _item(page, "Equipamentos em comodato").locator("dd")
    expect(equipment).to_contain_text("2:")
    expect(equipment).to_contain_text("roteador TP-Link (patrimônio 501)")
    expect(equipment).to_contain_text("onu Huawei (patrimônio 502)")
    assert axe_violations(page) == []


def test_a_technician_sees_no_debts(page: Page, sign_in, customer):
    code, _ = customer
    sign_in("technician")
    page.goto(f"/clientes/{code}")
    expect(_item(page, "Planos").get_by_role("listitem")).to_have_count(2)
    expect(_item(page, "Logins on-line").locator("dd")).to_contain_text("resumo.fibra")
    expect(_item(page, "Equipamentos em comodato").locator("dd")).to_contain_text("2:")
    expect(_item(page, "Débitos em aberto")).to_have_count(0)
    expect(_item(page, "Vencido desde")).to_have_count(0)
    expect(page.locator(".resumo")).not_to_contain_text("R$")
    assert axe_violations(page) == []


def test_finance_sees_debts_but_not_radius_sessions(page: Page, sign_in, customer):
    code, _ = customer
    sign_in("finance")
    page.goto(f"/clientes/{code}")
    expect(_item(page, "Débitos em aberto").locator("dd")).to_have_text("2 · R$ 219,90")
    expect(_item(page, "Logins on-line")).to_have_count(0)
    assert axe_violations(page) == []


def test_a_customer_without_plans_or_debts_says_nothing_is_owed(page: Page, sign_in, app):
    code = build_customer(app, name="Cliente Novo")
    sign_in("admin")
    page.goto(f"/clientes/{code}")
    expect(_item(page, "Planos").locator("dd")).to_have_text("Nenhum")
    expect(_item(page, "Débitos em aberto").locator("dd")).to_have_text("Nenhum")
    expect(_item(page, "Vencido desde").locator("dd")).to_have_text("Nada vencido")
    expect(_item(page, "Logins on-line").locator("dd")).to_have_text("Nenhum")
    expect(_item(page, "Equipamentos em comodato").locator("dd")).to_have_text("Nenhum")
    assert axe_violations(page) == []
