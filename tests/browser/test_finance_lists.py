"""Contas a receber and E-mails in a browser: finance's lists across all customers, filtered, a
page at a time, with the balance total of the whole filter, each row leading to the customer's
Financeiro tab; refused filters in Portuguese; roles that read neither get no link and a 403."""

import re
from datetime import date, timedelta
from decimal import Decimal

from playwright.sync_api import Page, expect

from models.clock import local_today
from tests.browser.conftest import axe_violations
from tests.browser.test_finance import _notice_cut_off
from tests.builders import BUILDER, build_customer, build_receivable, build_skipped_notice


def _settle(app, receivable_id: int, amount: str) -> None:
    from models.audit import set_actor
    from models.billing import receivables
    from models.db import db

    with app.app_context():
        set_actor(db.session, BUILDER)
        receivables.settle(receivable_id, local_today(), Decimal(amount))
        db.session.commit()


def _filter(page: Page, status: str, due_from: str, due_to: str):
    page.get_by_label("Situação").select_option(label=status)
    page.get_by_label("Vencimento de (dd/mm/aaaa)").fill(due_from)
    page.get_by_label("Vencimento até (dd/mm/aaaa)").fill(due_to)
    with page.expect_response(re.compile(r"/contas-a-receber\?")) as answer:
        page.get_by_role("button", name="Filtrar").click()
    return answer.value


def test_finance_lists_the_overdue_receivables_of_a_period_with_their_balance(
    page: Page, sign_in, app
):
    ana = build_customer(app, name="Ana Devedora")
    bruno = build_customer(app, name="Bruno Devedor")
    in_2011 = [date(2011, 1, 1) + timedelta(days=day) for day in range(51)]
    for due in in_2011[:30]:
        build_receivable(app, customer_code=ana, amount="10.00", due_date=due)
    for due in in_2011[30:]:
        last = build_receivable(app, customer_code=bruno, amount="20.00", due_date=due)
    _settle(app, last, "5.00")  # partially paid: R$ 15,00 still owed, still overdue
    paid = build_receivable(app, customer_code=ana, amount="50.00", due_date=date(2011, 6, 1))
    _settle(app, paid, "50.00")  # in the period, not owed
    build_receivable(app, customer_code=ana, amount="70.00", due_date=date(2010, 12, 31))
    build_receivable(app, customer_code=bruno, amount="80.00")  # due in 10 days

    sign_in("finance")
    page.get_by_role("navigation", name="Principal").get_by_role(
        "link", name="Contas a receber"
    ).click()
    expect(page).to_have_url(re.compile(r"/contas-a-receber$"))
    expect(page.locator(".total-titulos")).to_have_text("54")  # every receivable, unfiltered
    assert _filter(page, "Vencido", "01/01/2011", "31/12/2011").status == 200
    # The total is the whole filter's: 30 x 10,00 + 20 x 20,00 + 15,00 (51 titles, 2 pages).
    expect(page.locator(".total-titulos")).to_have_text("51")
    expect(page.locator(".total-saldo")).to_have_text("R$ 715,00")
    expect(page.locator("table.titulos tbody tr")).to_have_count(50)
    expect(page.get_by_text("Página 1 de 2")).to_be_visible()
    row = page.locator(f"#titulo-{last}")
    expect(row.locator(".situacao")).to_have_text("Vencido (pago parcialmente)")
    expect(row).to_contain_text("R$ 20,00")
    expect(row).to_contain_text("R$ 15,00")
    expect(row).to_contain_text("20/02/2011")
    expect(page.get_by_label("Situação")).to_have_value("overdue")
    assert axe_violations(page) == []

    page.get_by_role("link", name="Próxima").click()
    expect(page.get_by_text("Página 2 de 2")).to_be_visible()
    expect(page.locator("table.titulos tbody tr")).to_have_count(1)
    expect(page.locator(".total-saldo")).to_have_text("R$ 715,00")
    first = page.locator("table.titulos tbody tr").first
    expect(first).to_contain_text("01/01/2011")
    expect(first.locator(".situacao")).to_have_text("Vencido")

    first.get_by_role("link", name="Ana Devedora").click()
    expect(page).to_have_url(re.compile(rf"/clientes/{ana}/financeiro$"))
    expect(page.get_by_role("heading", name="Ana Devedora")).to_be_visible()


def test_a_due_range_that_ends_before_it_starts_is_refused_in_portuguese(page: Page, sign_in):
    sign_in("finance")
    page.goto("/contas-a-receber")
    assert _filter(page, "Em aberto", "31/12/2011", "01/01/2011").status == 422
    expect(page.locator("#erro-due_from")).to_have_text("O vencimento inicial é depois do final.")
    expect(page.get_by_label("Vencimento de (dd/mm/aaaa)")).to_have_value("31/12/2011")
    expect(page.locator(".total-saldo")).to_have_count(0)
    assert axe_violations(page) == []
    answer = page.goto("/contas-a-receber?due_to=31/02/2011&customer_code=abc")
    assert answer.status == 422
    expect(page.locator("#erro-due_to")).to_have_text("Digite uma data como 31/12/2026.")
    expect(page.locator("#erro-customer_code")).to_have_text("Digite um número inteiro.")


def test_finance_lists_the_emails_whose_delivery_was_cut_off(page: Page, sign_in, app):
    eva = build_customer(app, name="Eva Incerta")
    cut_off = _notice_cut_off(app, eva, build_receivable(app, customer_code=eva))
    other = build_customer(app, name="Olga Semail")
    skipped = build_skipped_notice(app, other, build_receivable(app, customer_code=other))

    sign_in("finance")
    page.get_by_role("navigation", name="Principal").get_by_role("link", name="E-mails").click()
    expect(page).to_have_url(re.compile(r"/emails$"))
    expect(page.locator(f"#email-{skipped}")).to_contain_text("cliente sem e-mail")
    page.get_by_label("Situação").select_option(label="Entrega incerta")
    page.get_by_label("E-mail", exact=True).select_option(label="Boleto")
    page.get_by_role("button", name="Filtrar").click()
    expect(page).to_have_url(re.compile(r"/emails\?status=unknown&kind=boleto$"))
    expect(page.locator(f"#email-{skipped}")).to_have_count(0)
    row = page.locator(f"#email-{cut_off}")
    expect(row.locator(".situacao")).to_have_text("Falhou")
    expect(row).to_contain_text("Entrega incerta")
    expect(row).to_contain_text("Eva Incerta")
    assert axe_violations(page) == []

    row.get_by_role("link", name=re.compile("^Reenviar ou marcar como enviado")).click()
    expect(page).to_have_url(re.compile(rf"/clientes/{eva}/financeiro#email-{cut_off}$"))
    tab_row = page.locator(f"#email-{cut_off}")
    expect(tab_row.get_by_role("button", name=re.compile("^Marcar como enviado"))).to_be_visible()


def test_an_attendant_lists_emails_but_not_those_of_unknown_outcome(page: Page, sign_in):
    sign_in("attendant")
    page.goto("/emails")
    options = page.get_by_label("Situação").locator("option")
    expect(options.filter(has_text="Falhou")).to_have_count(1)
    expect(options.filter(has_text="Entrega incerta")).to_have_count(0)
    assert page.goto("/emails?status=unknown").status == 403


def test_a_technician_gets_no_link_and_a_403(page: Page, sign_in):
    sign_in("technician")
    nav = page.get_by_role("navigation", name="Principal")
    expect(nav.get_by_role("link", name="Pesquisar Cliente")).to_be_visible()
    expect(nav.get_by_role("link", name="Contas a receber")).to_have_count(0)
    expect(nav.get_by_role("link", name="E-mails")).to_have_count(0)
    for url in ("/contas-a-receber", "/emails"):
        answer = page.goto(url)
        assert answer.status == 403, url
        expect(page.get_by_text("Seu perfil não permite")).to_be_visible()
