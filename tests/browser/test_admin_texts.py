"""Administração > Tarifas and Modelos de e-mail in the browser: an admin prices a termination
and replaces its price, finance re-prices a period once asked and sees what changed, a bad period
is refused; an admin edits a template, previews it on a customer's real data (nothing saved),
and a template that does not render is refused naming the part; roles that may not get no link,
no button, and a 403."""

import re
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from models.audit import HistoryEntry
from models.db import db
from models.extracts.call_reprice import CallReprice
from models.extracts.calls import Tariff
from models.notices.email_templates import EmailTemplate
from tests.browser.conftest import axe_violations
from tests.builders import build_customer, build_receivable, build_voip_terminal
from tests.cdr_files import cdr_line, import_cdr, write_cdr

NUMBER = "1133334444"
NAME = "Ana <i>Souza</i> & Filhos"


def _history(app, entity: str) -> list[tuple[str, str]]:
    with app.app_context():
        query = db.select(HistoryEntry).where(HistoryEntry.entity == entity)
        rows = [(entry.username, entry.action) for entry in db.session.scalars(query)]
        db.session.remove()
        return rows


def _tariff(app, termination: str) -> tuple | None:
    with app.app_context():
        found = db.session.scalar(db.select(Tariff).where(Tariff.termination == termination))
        db.session.remove()
        if found is None:
            return None
        return found.price_per_minute, found.first_seconds, found.increment_seconds


def _runs(app) -> list[tuple]:
    with app.app_context():
        rows = db.session.scalars(db.select(CallReprice).order_by(CallReprice.id))
        found = [(r.calls, r.changed, r.cost_before, r.cost_after) for r in rows]
        db.session.remove()
        return found


def _template(app, kind: str = "boleto") -> dict:
    with app.app_context():
        template = db.session.get(EmailTemplate, kind)
        parts = {name: getattr(template, name) for name in ("subject", "text_body", "html_body")}
        db.session.remove()
        return parts


def _row(page: Page, label: str):
    return page.locator("tbody tr").filter(
        has=page.get_by_role("rowheader", name=label, exact=True)
    )


# Tarifas ---------------------------------------------------------------------------------------


def test_an_admin_prices_a_termination_and_replaces_its_price(app, page: Page, sign_in):
    admin = sign_in("admin")
    page.get_by_role("link", name="Administração").click()
    page.get_by_role("link", name="Tarifas").click()
    expect(page.get_by_role("heading", name="Tarifas", exact=True)).to_be_visible()
    for label in ("Local", "Longa distância", "Móvel", "Internacional", "0800 (gratuita)"):
        expect(_row(page, label)).to_contain_text("sem tarifa")
    assert axe_violations(page) == []

    # A price not in Brazilian notation: refused next to it, what was typed kept.
    page.get_by_label("Destino").select_option(label="Local")
    page.get_by_label("Preço por minuto (R$)").fill("vinte centavos")
    page.get_by_role("button", name="Salvar tarifa").click()
    expect(
        page.get_by_text("Digite o preço por minuto como 0,12 (até 4 casas decimais).")
    ).to_be_visible()
    expect(page.get_by_label("Preço por minuto (R$)")).to_have_value("vinte centavos")
    expect(page.get_by_label("Destino")).to_have_value("local")
    assert _tariff(app, "local") is None
    assert axe_violations(page) == []

    page.get_by_label("Preço por minuto (R$)").fill("0,25")
    page.get_by_role("button", name="Salvar tarifa").click()
    expect(page.get_by_role("status")).to_have_text("Tarifa de Local definida: R$ 0,25 por minuto.")
    expect(_row(page, "Local")).to_contain_text("R$ 0,25")
    expect(_row(page, "Local")).to_contain_text("mínimo de 30 s, depois de 6 em 6 s")
    expect(_row(page, "Móvel")).to_contain_text("sem tarifa")
    assert _tariff(app, "local") == (Decimal("0.2500"), 30, 6)

    page.get_by_label("Destino").select_option(label="Local")
    page.get_by_label("Preço por minuto (R$)").fill("0,085")
    page.get_by_label("Mínimo cobrado (segundos)").fill("60")
    page.get_by_label("Depois, cobrado de quantos em quantos segundos").fill("1")
    page.get_by_role("button", name="Salvar tarifa").click()
    expect(page.get_by_role("status")).to_have_text(
        "Tarifa de Local substituída: R$ 0,085 por minuto."
    )
    expect(_row(page, "Local")).to_contain_text("mínimo de 60 s, depois de 1 em 1 s")
    assert _tariff(app, "local") == (Decimal("0.0850"), 60, 1)
    assert _history(app, "tariffs") == [(admin.username, "create"), (admin.username, "update")]
    assert axe_violations(page) == []


@pytest.fixture
def november_calls(app, tmp_path):
    """Three answered local calls of November 2026, imported before any tariff (so at 0.00)."""
    build_voip_terminal(app, build_customer(app), number=NUMBER, username="ramal1001")
    lines = [
        cdr_line(src=NUMBER, start="2026-11-10 10:00:00", billsec=60),
        cdr_line(src=NUMBER, start="2026-11-11 10:00:00", billsec=120),
        cdr_line(src=NUMBER, start="2026-11-12 10:00:00", billsec=0, disposition="NO ANSWER"),
    ]
    result = import_cdr(app, write_cdr(tmp_path / "Master.csv", lines))
    assert result.exit_code == 0, result.output


def test_finance_reprices_a_period_once_asked_and_sees_what_changed(
    app, page: Page, sign_in, client, admin, november_calls
):
    body = {"price_per_minute": "0.30", "first_seconds": 30, "increment_seconds": 6}
    assert client.put("/api/v1/tariffs/local", json=body, headers=admin).status_code == 201
    me = sign_in("finance")
    expect(page.get_by_role("link", name="Administração")).to_have_count(0)
    page.goto("/admin/tarifas")
    expect(page.get_by_role("button", name="Salvar tarifa")).to_have_count(0)  # admins only

    # A period that ends before it starts, then one too long: refused next to the field.
    page.get_by_label("Primeiro dia").fill("30/11/2026")
    page.get_by_label("Último dia").fill("01/11/2026")
    page.get_by_role("button", name="Recalcular").click()
    expect(page.get_by_text("A data inicial é depois da data final.")).to_be_visible()
    expect(page.get_by_label("Primeiro dia")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Último dia")).to_have_value("01/11/2026")
    assert axe_violations(page) == []
    page.get_by_label("Primeiro dia").fill("01/01/2025")
    page.get_by_label("Último dia").fill("31/12/2026")
    page.get_by_role("button", name="Recalcular").click()
    expect(
        page.get_by_text(re.compile(r"^O período pode ter no máximo \d+ dias\.$"))
    ).to_be_visible()
    expect(page.get_by_label("Último dia")).to_have_attribute("aria-invalid", "true")
    assert _runs(app) == []

    # A good period is asked about first; going back changes nothing.
    page.get_by_label("Primeiro dia").fill("01/11/2026")
    page.get_by_label("Último dia").fill("30/11/2026")
    page.get_by_role("button", name="Recalcular").click()
    expect(
        page.get_by_text("Recalcular as ligações de 01/11/2026 a 30/11/2026 pelas tarifas de hoje?")
    ).to_be_visible()
    assert axe_violations(page) == []
    assert _runs(app) == []
    page.get_by_role("button", name="Confirmar recálculo").click()

    expect(page.get_by_role("status")).to_have_text(
        "Ligações de 01/11/2026 a 30/11/2026 recalculadas pelas tarifas de hoje."
    )
    result = page.get_by_role("region", name="Resultado do recálculo")
    expect(result).to_contain_text("01/11/2026 a 30/11/2026")
    for term, value in (
        ("Ligações no período", "3"),
        ("Ligações com o custo alterado", "2"),
        ("Custo do período antes", "R$ 0,00"),
        ("Custo do período depois", "R$ 0,90"),  # 60 s: 0,30; 120 s: 0,60
        ("Feito por", me.username),
    ):
        expect(result.locator("div").filter(has_text=term).locator("dd")).to_have_text(value)
    assert _runs(app) == [(3, 2, Decimal("0.00"), Decimal("0.90"))]
    assert _history(app, "call_reprices") == [(me.username, "create")]
    assert axe_violations(page) == []


@pytest.mark.parametrize("role", ["attendant", "technician"])
def test_other_roles_read_the_tariffs_and_change_nothing(app, page: Page, sign_in, role):
    sign_in(role)
    expect(page.get_by_role("link", name="Administração")).to_have_count(0)
    answer = page.goto("/admin/tarifas")  # every role reads the prices of the calls it shows
    assert answer.status == 200
    expect(_row(page, "Local")).to_contain_text("sem tarifa")
    expect(page.get_by_role("button", name="Salvar tarifa")).to_have_count(0)
    expect(page.get_by_role("button", name="Recalcular")).to_have_count(0)
    assert axe_violations(page) == []
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    posts = {
        "/admin/tarifas": {"termination": "local", "price_per_minute": "1,00"},
        "/admin/tarifas/recalculo": {"from": "01/11/2026", "to": "30/11/2026", "confirmado": "sim"},
    }
    for url, form in posts.items():
        answer = page.request.post(url, form=form | {"csrf_token": token})
        assert answer.status == 403, url
        assert "Seu perfil não permite" in answer.text()
    assert _tariff(app, "local") is None
    assert _runs(app) == []


# Modelos de e-mail -----------------------------------------------------------------------------


def test_an_admin_edits_a_template_and_previews_it_on_a_customer(app, page: Page, sign_in):
    code = build_customer(app, name=NAME)
    build_receivable(app, code, amount="1234.50", due_date=date(2030, 2, 10))
    admin = sign_in("admin")
    page.get_by_role("link", name="Administração").click()
    page.get_by_role("link", name="Modelos de e-mail").click()
    expect(page.get_by_role("heading", name="Modelos de e-mail")).to_be_visible()
    for name in ("Aviso de atraso", "Aviso de suspensão"):
        expect(page.get_by_role("link", name=name)).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("link", name="Boleto (fatura disponível)").click()
    expect(page.get_by_role("heading", name="Modelo: Boleto (fatura disponível)")).to_be_visible()
    variables = page.get_by_role("complementary", name="Variáveis deste modelo")
    expect(variables).to_contain_text("customer_name")
    expect(variables).to_contain_text("Linha digitável do boleto")
    expect(variables).not_to_contain_text("days_overdue")
    assert axe_violations(page) == []
    stored = _template(app)

    # What is typed, previewed on the customer: their real name and receivable, nothing saved.
    page.get_by_label("Assunto").fill("Fatura de {{ customer_name }}: {{ amount }}")
    page.get_by_label("Texto", exact=True).fill("Olá {{ customer_name }}, vence em {{ due_date }}.")
    page.get_by_label("HTML", exact=True).fill("<p>Olá <b>{{ customer_name }}</b></p>")
    page.get_by_label("Código do cliente").fill(str(code))
    page.get_by_role("button", name="Pré-visualizar").click()
    preview = page.get_by_role("region", name=f"Prévia para {NAME} (código {code})")
    expect(preview).to_contain_text(f"Fatura de {NAME}: R$ 1.234,50")
    expect(preview).to_contain_text(f"Olá {NAME}, vence em 10/02/2030.")
    frame = page.frame_locator("iframe.previa-html")
    expect(frame.locator("b")).to_have_text(NAME)  # the customer's markup is text, escaped
    expect(frame.locator("i")).to_have_count(0)
    assert page.locator("iframe.previa-html").get_attribute("sandbox") == ""
    expect(page.get_by_label("Assunto")).to_have_value(
        "Fatura de {{ customer_name }}: {{ amount }}"
    )
    assert _template(app) == stored
    assert _history(app, "email_templates") == []
    assert axe_violations(page) == []

    # An unknown customer: said next to the code.
    page.get_by_label("Código do cliente").fill("999999")
    page.get_by_role("button", name="Pré-visualizar").click()
    expect(page.get_by_text("Cliente não encontrado.")).to_be_visible()
    expect(page.get_by_label("Código do cliente")).to_have_attribute("aria-invalid", "true")

    # A template that does not render: refused next to its part, what was typed kept.
    page.get_by_label("Texto", exact=True).fill("Olá {{ unknown_variable }}")
    page.get_by_role("button", name="Salvar modelo").click()
    expect(page.get_by_label("Texto", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#erro-text_body")).to_have_text(
        "A variável unknown_variable não existe neste modelo: use uma das variáveis da lista."
    )
    expect(page.get_by_label("Texto", exact=True)).to_have_value("Olá {{ unknown_variable }}")
    expect(page.get_by_label("Assunto")).not_to_have_attribute("aria-invalid", "true")
    page.get_by_label("Texto", exact=True).fill("Olá {{ customer_name }}.")
    page.get_by_label("HTML", exact=True).fill("<ul>{% for %}<li>x</li>{% endfor %}</ul>")
    page.get_by_role("button", name="Pré-visualizar").click()  # refused by a preview too
    expect(page.locator("#erro-html_body")).to_contain_text("O modelo tem um erro")
    page.get_by_role("button", name="Salvar modelo").click()
    expect(page.locator("#erro-html_body")).to_contain_text("O modelo tem um erro")
    expect(page.get_by_label("HTML", exact=True)).to_have_value(
        "<ul>{% for %}<li>x</li>{% endfor %}</ul>"
    )
    assert _template(app) == stored
    assert _history(app, "email_templates") == []
    assert axe_violations(page) == []

    page.get_by_label("HTML", exact=True).fill("<p>Olá <b>{{ customer_name }}</b></p>")
    page.get_by_role("button", name="Salvar modelo").click()
    expect(page.get_by_role("status")).to_have_text("Modelo Boleto (fatura disponível) salvo.")
    expect(page.get_by_label("Texto", exact=True)).to_have_value("Olá {{ customer_name }}.")
    assert _template(app) == {
        "subject": "Fatura de {{ customer_name }}: {{ amount }}",
        "text_body": "Olá {{ customer_name }}.",
        "html_body": "<p>Olá <b>{{ customer_name }}</b></p>",
    }
    assert _history(app, "email_templates") == [(admin.username, "update")]


def test_finance_previews_without_saving_and_a_technician_is_refused(app, page: Page, sign_in):
    code = build_customer(app, name="Bruno Prévia")
    sign_in("finance")
    expect(page.get_by_role("link", name="Administração")).to_have_count(0)
    page.goto("/admin/modelos/overdue_notice")
    expect(page.get_by_role("button", name="Salvar modelo")).to_have_count(0)
    page.get_by_label("Código do cliente").fill(str(code))
    page.get_by_role("button", name="Pré-visualizar").click()
    preview = page.get_by_role("region", name=f"Prévia para Bruno Prévia (código {code})")
    expect(preview).to_contain_text("O cliente não tem faturas: valores de exemplo.")
    assert axe_violations(page) == []

    page.get_by_role("button", name="Sair").click()
    sign_in("technician")
    expect(page.get_by_role("link", name="Administração")).to_have_count(0)
    for url in ("/admin/modelos", "/admin/modelos/boleto"):
        answer = page.goto(url)
        assert answer.status == 403, url
        expect(page.get_by_text("Seu perfil não permite")).to_be_visible()
    assert axe_violations(page) == []
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    stored = _template(app)
    posts = {
        "/admin/modelos/boleto": {"subject": "x", "text_body": "y", "html_body": "z"},
        "/admin/modelos/boleto/previa": {"customer_code": str(code)},
    }
    for url, form in posts.items():
        answer = page.request.post(url, form=form | {"csrf_token": token})
        assert answer.status == 403, url
    assert _template(app) == stored
