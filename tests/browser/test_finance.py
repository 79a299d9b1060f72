"""Financeiro in a browser: receivables with their status, a payment (partial, then the rest)
clearing the debt in the record's header, a cancel with its reason, the boleto and its PDF."""

import re
from datetime import timedelta
from io import BytesIO
from pathlib import Path

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from models.billing.settings import BoletoSettings
from models.clock import local_today
from tests.browser.conftest import axe_violations
from tests.builders import (
    build_customer,
    build_receivable,
    build_skipped_notice,
    build_subscription,
)

PAID_ON = "15/03/2025"  # any day in the past


def _row(page: Page, receivable_id: int):
    return page.locator(f"#titulo-{receivable_id}")


def _csrf(page: Page) -> dict:
    return {"X-CSRFToken": page.locator('meta[name="csrf-token"]').get_attribute("content")}


def test_an_attendant_reads_the_receivables_but_may_not_pay_or_cancel(page: Page, sign_in, app):
    code = build_customer(app, name="Ana Leitura")
    receivable_id = build_receivable(app, customer_code=code, amount="1234.56")
    sign_in("attendant")
    page.goto(f"/clientes/{code}")
    page.get_by_role("navigation", name="Abas do cliente").get_by_role(
        "link", name="Financeiro"
    ).click()
    expect(page).to_have_url(re.compile(rf"/clientes/{code}/financeiro$"))
    row = _row(page, receivable_id)
    expect(row).to_contain_text("R$ 1.234,56")
    expect(row).to_contain_text("Plano: R$ 1.234,56")  # its line
    expect(row.locator(".situacao")).to_have_text("Em aberto")
    expect(row).to_contain_text(re.compile(r"\d{2}/\d{2}/\d{4}"))
    expect(page.get_by_role("link", name=re.compile("^Registrar pagamento"))).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("^Cancelar"))).to_have_count(0)
    expect(row.get_by_role("link", name=re.compile("^Boleto"))).to_be_visible()
    assert axe_violations(page) == []
    for action, body in (
        ("pagamento", {"paid_on": PAID_ON, "amount": "10,00"}),
        ("cancelar", {"reason": "Tentativa"}),
    ):
        refused = page.request.post(
            f"/clientes/{code}/financeiro/{receivable_id}/{action}", headers=_csrf(page), form=body
        )
        assert refused.status == 403, action
    page.reload()
    expect(_row(page, receivable_id).locator(".situacao")).to_have_text("Em aberto")


def test_finance_pays_in_two_parts_and_the_header_shows_no_debt(page: Page, sign_in, app):
    code = build_customer(app, name="Bruno Pagador")
    receivable_id = build_receivable(app, customer_code=code, amount="100.00")
    sign_in("finance")
    page.goto(f"/clientes/{code}/financeiro")
    header = page.locator("header.resumo")
    expect(header).to_contain_text("1 · R$ 100,00")
    row = _row(page, receivable_id)
    row.get_by_role("link", name=re.compile("^Registrar pagamento")).click()
    expect(page.get_by_role("heading", name=f"Registrar pagamento do título {receivable_id}"))
    # A wrong amount comes back with its message, what was typed kept.
    page.get_by_label("Data do pagamento").fill(PAID_ON)
    page.get_by_label("Valor recebido").fill("0,00")
    page.get_by_role("button", name="Registrar pagamento").click()
    expect(page.locator("#erro-amount")).to_have_text("Informe um valor maior que zero.")
    expect(page.get_by_label("Data do pagamento")).to_have_value(PAID_ON)
    assert axe_violations(page) == []

    page.get_by_label("Valor recebido").fill("60,50")
    page.get_by_role("button", name="Registrar pagamento").click()
    expect(page.get_by_role("status")).to_contain_text("com saldo a receber")
    expect(row.locator(".situacao")).to_have_text("Pago parcialmente")
    expect(row).to_contain_text("R$ 60,50 em 15/03/2025")
    expect(row).to_contain_text("R$ 39,50")
    expect(header).to_contain_text("1 · R$ 39,50")
    assert axe_violations(page) == []

    row.get_by_role("link", name=re.compile("^Registrar pagamento")).click()
    page.get_by_label("Data do pagamento").fill(PAID_ON)
    page.get_by_label("Valor recebido").fill("39,50")
    page.get_by_role("button", name="Registrar pagamento").click()
    expect(page.get_by_role("status")).to_contain_text(f"título {receivable_id} pago")
    expect(row.locator(".situacao")).to_have_text("Pago")
    expect(header.locator("dt:text-is('Débitos em aberto') + dd")).to_have_text("Nenhum")
    page.reload()
    expect(page.locator("header.resumo dt:text-is('Débitos em aberto') + dd")).to_have_text(
        "Nenhum"
    )
    assert axe_violations(page) == []


def test_finance_cancels_an_open_receivable_with_a_reason(page: Page, sign_in, app):
    code = build_customer(app)
    receivable_id = build_receivable(app, customer_code=code, amount="59.90")
    sign_in("finance")
    page.goto(f"/clientes/{code}/financeiro")
    row = _row(page, receivable_id)
    row.get_by_role("link", name=re.compile("^Cancelar")).click()
    expect(page.get_by_label("Motivo do cancelamento")).to_be_visible()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Cancelar título").click()  # no reason
    expect(page.locator("#erro-reason")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Motivo do cancelamento").fill("<b>Lançado em duplicidade</b>")
    page.get_by_role("button", name="Cancelar título").click()
    expect(page.get_by_role("status")).to_have_text(f"Título {receivable_id} cancelado.")
    assert dialogs and "Cancelar o título" in dialogs[0]
    expect(row.locator(".situacao")).to_have_text("Cancelado")
    expect(row).to_contain_text("Motivo: <b>Lançado em duplicidade</b>")
    expect(row.get_by_role("link")).to_have_count(0)
    assert axe_violations(page) == []


def test_the_boleto_on_screen_matches_its_pdf(page: Page, sign_in, app, override_settings):
    override_settings(
        BoletoSettings,
        pix_key="12345678000195",
        pix_city="Recife",
        beneficiary_document="12345678000195",
    )
    code = build_customer(app, name="Carla Boleto")
    receivable_id = build_receivable(app, customer_code=code, amount="1234.56")
    sign_in("attendant")
    page.goto(f"/clientes/{code}/financeiro")
    _row(page, receivable_id).get_by_role("link", name=re.compile("^Boleto")).click()
    expect(page.get_by_role("heading", name=f"Boleto do título {receivable_id}")).to_be_visible()
    line = page.locator("#linha-digitavel")
    expect(line).to_have_text(re.compile(r"^\d{5}\.\d{5} \d{5}\.\d{6} \d{5}\.\d{6} \d \d{14}$"))
    on_screen = line.inner_text()
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile("2ª via")).click()
    download = info.value
    assert download.suggested_filename.startswith(f"boleto-{receivable_id}-")
    text = PdfReader(BytesIO(Path(download.path()).read_bytes())).pages[0].extract_text()
    assert on_screen in text
    assert "Carla Boleto" in text and "R$ 1.234,56" in text
    assert axe_violations(page) == []

    # The PIX copia e cola, copied by its button.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    pix = page.get_by_label("PIX copia e cola")
    expect(pix).to_have_value(re.compile(r"^000201"))
    page.get_by_role("button", name="Copiar código PIX").click()
    expect(page.locator("#copiado-pix")).to_have_text("Código copiado.")
    assert page.evaluate("navigator.clipboard.readText()") == pix.input_value()


def test_a_hold_is_placed_and_lifted_and_a_trust_unlock_needs_a_suspension(
    page: Page, sign_in, app
):
    code = build_customer(app, name="Dora Retenção")
    subscription_id = build_subscription(app, customer_code=code)
    with app.app_context():
        until = (local_today() + timedelta(days=3)).strftime("%d/%m/%Y")
    sign_in("finance")
    page.goto(f"/clientes/{code}/financeiro")
    expect(page.locator("#limites-desbloqueio")).to_contain_text("no máximo 5 dias à frente")
    expect(page.locator("#limites-desbloqueio")).to_contain_text("a cada 30 dias")

    # Nothing suspended for non-payment: the unlock is refused, in Portuguese.
    page.get_by_label("Desbloquear até").fill(until)
    page.get_by_role("button", name="Conceder desbloqueio").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Nenhum plano do cliente está suspenso por falta de pagamento."
    )
    expect(page.get_by_label("Desbloquear até")).to_have_value(until)
    assert axe_violations(page) == []

    hold = page.locator(f"#retencao-{subscription_id}")
    hold.get_by_label(re.compile("^Reter até")).fill(until)
    hold.get_by_label(re.compile("^Motivo da retenção")).fill("Acordo: paga na sexta")
    expect(hold.get_by_label(re.compile("^Suspender"))).to_be_checked()
    hold.get_by_label(re.compile("^Reduzir")).uncheck()  # the speed may still be reduced
    hold.get_by_role("button", name=re.compile("^Reter suspensão")).click()
    expect(page.get_by_role("status")).to_have_text("Suspensão retida.")
    expect(hold).to_contain_text(f"Retido até {until}: Acordo: paga na sexta")
    expect(hold).to_contain_text("Impede: suspensão.")
    assert axe_violations(page) == []

    page.on("dialog", lambda dialog: dialog.accept())
    hold.get_by_role("button", name=re.compile("^Encerrar retenção")).click()
    expect(page.get_by_role("status")).to_have_text("Retenção encerrada.")
    expect(hold).to_contain_text("Sem retenção em vigor.")
    expect(hold).to_contain_text("encerrada em")
    assert axe_violations(page) == []


def test_finance_sends_a_skipped_email_again(page: Page, sign_in, app):
    code = build_customer(app, name="Eva Aviso")
    receivable_id = build_receivable(app, customer_code=code)
    notice_id = build_skipped_notice(app, code, receivable_id)
    sign_in("finance")
    page.goto(f"/clientes/{code}/financeiro")
    row = page.locator(f"#email-{notice_id}")
    expect(row).to_contain_text("Boleto")
    expect(row.locator(".situacao")).to_have_text("Não enviado")
    expect(row).to_contain_text("(cliente sem e-mail)")
    assert axe_violations(page) == []
    page.on("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name=re.compile("^Reenviar")).click()
    expect(page.get_by_role("status")).to_have_text("E-mail na fila para envio.")
    expect(row.locator(".situacao")).not_to_have_text("Não enviado")
    assert axe_violations(page) == []


def test_an_attendant_sees_the_emails_but_may_not_send_again(page: Page, sign_in, app):
    code = build_customer(app)
    receivable_id = build_receivable(app, customer_code=code)
    notice_id = build_skipped_notice(app, code, receivable_id)
    sign_in("attendant")
    page.goto(f"/clientes/{code}/financeiro")
    expect(page.locator(f"#email-{notice_id} .situacao")).to_have_text("Não enviado")
    expect(page.get_by_role("button", name=re.compile("^Reenviar"))).to_have_count(0)
    refused = page.request.post(
        f"/clientes/{code}/financeiro/emails/{notice_id}/reenviar", headers=_csrf(page)
    )
    assert refused.status == 403


def test_an_owed_receivable_past_its_due_date_shows_overdue(page: Page, sign_in, app):
    code = build_customer(app)
    with app.app_context():
        past = local_today() - timedelta(days=5)
    receivable_id = build_receivable(app, customer_code=code, due_date=past)
    sign_in("attendant")
    page.goto(f"/clientes/{code}/financeiro")
    status = _row(page, receivable_id).locator(".situacao")
    expect(status).to_have_text("Vencido")
    expect(status).to_have_class(re.compile(r"\bvencido\b"))
    expect(page.locator("header.resumo")).to_contain_text(past.strftime("%d/%m/%Y"))
    assert axe_violations(page) == []


def test_receivables_come_in_pages_of_two_years_newest_first(page: Page, sign_in, app):
    code = build_customer(app, name="Cliente Antigo")
    first_due = local_today() - timedelta(days=31 * 25)
    ids = [
        build_receivable(app, customer_code=code, due_date=first_due + timedelta(days=31 * month))
        for month in range(25)
    ]
    sign_in("attendant")
    page.goto(f"/clientes/{code}/financeiro")
    expect(page.locator("table.titulos tbody tr[id^='titulo-']")).to_have_count(24)
    expect(_row(page, ids[-1])).to_be_visible()  # the newest due date on page 1
    expect(_row(page, ids[0])).to_have_count(0)
    pages = page.get_by_role("navigation", name="Páginas de títulos")
    expect(pages).to_contain_text("Página 1 de 2")
    pages.get_by_role("link", name="Próxima").click()
    expect(page).to_have_url(re.compile(rf"/clientes/{code}/financeiro\?page=2$"))
    expect(page.locator("table.titulos tbody tr[id^='titulo-']")).to_have_count(1)
    expect(_row(page, ids[0])).to_be_visible()
    assert axe_violations(page) == []


def _on_screen(day) -> str:
    return day.strftime("%d/%m/%Y")


def test_finance_types_in_a_receivable_of_two_lines(page: Page, sign_in, app):
    code = build_customer(app, name="Cliente Avulso")
    sign_in("finance")
    page.goto(f"/clientes/{code}/financeiro")
    expect(page.get_by_text("Nenhum título.")).to_be_visible()
    page.get_by_role("link", name="Novo título avulso").click()
    expect(page).to_have_url(re.compile(rf"/clientes/{code}/financeiro/novo$"))
    page.get_by_label("Descrição do título").fill("Visita técnica <b>")
    page.get_by_label("Vencimento").fill(_on_screen(local_today() - timedelta(days=1)))
    page.get_by_label("Descrição da linha 1").fill("Visita")
    page.get_by_label("Valor da linha 1").fill("abc")
    page.get_by_role("button", name="Incluir título").click()
    expect(page.locator("#erro-lines-0-amount")).to_have_text("Digite um valor como 1.234,56.")
    expect(page.get_by_label("Descrição do título")).to_have_value("Visita técnica <b>")
    assert axe_violations(page) == []

    # Nothing stored for a refusal; a date in the past is refused by the operation.
    page.get_by_label("Valor da linha 1").fill("150,00")
    page.get_by_role("button", name="Incluir título").click()
    expect(page.locator("#erro-due_date")).to_have_text("Não pode ser uma data passada.")
    page.get_by_label("Vencimento").fill(_on_screen(local_today() + timedelta(days=5)))
    page.get_by_label("Descrição da linha 3").fill("Material")  # row 2 left blank
    page.get_by_label("Valor da linha 3").fill("-20,00")  # lines are charges: none negative
    page.get_by_role("button", name="Incluir título").click()
    expect(page.locator("#erro-lines-2-amount")).to_have_text("Digite um valor como 1.234,56.")
    page.get_by_label("Valor da linha 3").fill("20,00")
    page.get_by_role("button", name="Incluir título").click()
    status = page.get_by_role("status")
    expect(status).to_have_text(re.compile(r"^Título \d+ incluído\.$"))
    receivable_id = int(re.search(r"\d+", status.inner_text()).group())
    row = _row(page, receivable_id)
    expect(row).to_contain_text("Visita técnica <b>")
    expect(row).to_contain_text("Visita: R$ 150,00")
    expect(row).to_contain_text("Material: R$ 20,00")
    expect(row.locator(".situacao")).to_have_text("Em aberto")
    expect(page.locator("header.resumo")).to_contain_text("1 · R$ 170,00")  # its debt

    page.get_by_role("link", name="Histórico").click()
    expect(page.locator("main")).to_contain_text("Visita técnica <b>")


def _notice_cut_off(app, code: int, receivable_id: int) -> int:
    """A boleto e-mail whose delivery was cut off: failed with an unknown outcome."""
    from models.db import db
    from models.notices import notices

    notice_id = build_skipped_notice(app, code, receivable_id)
    with app.app_context():
        notice = db.session.get(notices.Notice, notice_id)
        notice.status, notice.last_error = notices.FAILED, notices.OUTCOME_UNKNOWN
        notice.skipped_reason = None
        db.session.commit()
    return notice_id


def test_finance_marks_sent_an_email_the_mail_server_took(page: Page, sign_in, app):
    code = build_customer(app, name="Eva Incerta")
    receivable_id = build_receivable(app, customer_code=code)
    notice_id = _notice_cut_off(app, code, receivable_id)
    sign_in("attendant")  # reads it, may not mark it
    page.goto(f"/clientes/{code}/financeiro")
    row = page.locator(f"#email-{notice_id}")
    expect(row).to_contain_text("Entrega incerta")
    expect(row.get_by_role("button", name=re.compile("^Marcar como enviado"))).to_have_count(0)
    url = f"/clientes/{code}/financeiro/emails/{notice_id}/enviado"
    assert page.request.post(url, headers=_csrf(page)).status == 403

    sign_in("finance")
    page.goto(f"/clientes/{code}/financeiro")
    row = page.locator(f"#email-{notice_id}")
    expect(row).to_contain_text(f"Message-ID <notice.boleto.{receivable_id}.0@...>")
    expect(row.get_by_role("button", name=re.compile("^Reenviar"))).to_be_visible()
    assert axe_violations(page) == []
    page.on("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name=re.compile("^Marcar como enviado")).click()
    expect(page.get_by_role("status")).to_have_text("E-mail marcado como enviado.")
    expect(row.locator(".situacao")).to_have_text("Enviado")
    expect(row.get_by_role("button")).to_have_count(0)
    # Once sent, marking it again is refused and changes nothing.
    again = page.request.post(url, headers=_csrf(page))
    assert again.status == 409
    assert "Só um e-mail de entrega incerta é marcado como enviado." in again.text()
