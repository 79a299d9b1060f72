"""Financeiro's NFCom panel in a browser, against the stand-in SVRS (tests/sefaz) with a real
worker: the attendant reads an authorized invoice and downloads its DANFE-COM; finance cancels
it (a justification too short said next to its field first) and sees it cancelled; a
technician is offered nothing of it."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_violations
from tests.builders import build_receivable
from tests.fiscal_service import connect, invoice_row, invoiced_customer, status_of, telecom_plan
from tests.waiting import wait_until


@pytest.fixture
def authorized(app, svrs, override_settings, celery_worker) -> tuple[int, int]:
    """(customer code, receivable id) of a telecom bill whose NFCom SEFAZ authorized."""
    connect(app, svrs, override_settings)
    code, subscription_id = invoiced_customer(app, telecom_plan(app), name="Nina Fiscal")
    receivable_id = build_receivable(app, code, subscription_id=subscription_id)
    celery_worker.send_task("tasks.fiscal.sweep")  # what beat sends every minute
    assert wait_until(lambda: status_of(app, receivable_id) == "authorized", timeout=60), (
        invoice_row(app, receivable_id).reason
    )
    return code, receivable_id


def _open_panel(page: Page, code: int, receivable_id: int) -> None:
    page.goto(f"/clientes/{code}/financeiro")
    page.locator(f"#titulo-{receivable_id}").get_by_role(
        "link", name=f"NFCom do título {receivable_id}"
    ).click()
    expect(
        page.get_by_role("heading", name=f"Nota fiscal (NFCom) do título {receivable_id}")
    ).to_be_visible()


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sair").click()
    expect(page.get_by_label("Usuário")).to_be_visible()


def test_the_attendant_reads_the_authorized_invoice_and_downloads_its_danfe(
    page: Page, sign_in, app, authorized
):
    code, receivable_id = authorized
    invoice = invoice_row(app, receivable_id)
    sign_in("attendant")
    _open_panel(page, code, receivable_id)
    expect(page).to_have_url(re.compile(rf"/financeiro/{receivable_id}/nfcom$"))
    expect(page.locator("#nfcom-situacao")).to_have_text("autorizada")
    expect(page.locator("#nfcom-numero")).to_have_text("1 / 1")
    blocks = " ".join(invoice.access_key[i : i + 4] for i in range(0, 44, 4))
    expect(page.locator("#nfcom-chave")).to_have_text(blocks)
    expect(page.get_by_text(invoice.protocol)).to_be_visible()
    expect(page.get_by_role("button", name="Cancelar a NFCom")).to_have_count(0)  # finance's
    assert axe_violations(page) == []

    with page.expect_download() as info:
        page.get_by_role("link", name="Baixar a DANFE-COM (PDF)").click()
    download = info.value
    assert download.suggested_filename == "NFCom-001-000000001.pdf"
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"%PDF") and content == invoice.pdf
    with page.expect_download() as info:
        page.get_by_role("link", name="Baixar o XML").click()
    assert info.value.suggested_filename == "NFCom-001-000000001.xml"


def test_finance_cancels_it_and_sees_it_cancelled_after_the_worker(
    page: Page, sign_in, app, authorized
):
    code, receivable_id = authorized
    sign_in("finance")
    _open_panel(page, code, receivable_id)
    page.on("dialog", lambda dialog: dialog.accept())
    justification = page.get_by_label("Justificativa do cancelamento da NFCom")
    justification.fill("Errada")
    page.get_by_role("button", name="Cancelar a NFCom").click()
    expect(page.locator("#erro-justification")).to_have_text("Entre 15 e 255 caracteres.")
    expect(justification).to_have_value("Errada")
    expect(page.locator("#nfcom-situacao")).to_have_text("autorizada")
    assert axe_violations(page) == []

    justification.fill("Emitida para o cliente errado")
    page.get_by_role("button", name="Cancelar a NFCom").click()
    expect(page.get_by_role("status")).to_have_text("Cancelamento da NFCom na fila para a SEFAZ.")
    expect(page.locator("#nfcom-situacao")).to_have_text("cancelando")
    expect(page).to_have_url(re.compile(rf"/financeiro/{receivable_id}/nfcom$"))
    assert wait_until(lambda: status_of(app, receivable_id) == "cancelled", timeout=60)
    page.reload()
    expect(page.locator("#nfcom-situacao")).to_have_text("cancelada")
    expect(page.get_by_text("Emitida para o cliente errado")).to_be_visible()
    expect(page.get_by_role("link", name="Baixar a DANFE-COM (PDF)")).to_be_visible()
    expect(page.get_by_role("button", name="Cancelar a NFCom")).to_have_count(0)
    assert axe_violations(page) == []


def test_a_technician_is_offered_no_nfcom(page: Page, sign_in, app, authorized):
    code, receivable_id = authorized
    sign_in("technician")
    page.goto(f"/clientes/{code}")
    tabs = page.get_by_role("navigation", name="Abas do cliente")
    expect(tabs.get_by_role("link", name="Cadastro")).to_be_visible()
    expect(tabs.get_by_role("link", name="Financeiro")).to_have_count(0)
    answer = page.goto(f"/clientes/{code}/financeiro/{receivable_id}/nfcom")
    assert answer.status == 403
    expect(page.get_by_role("heading", name="Acesso negado")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("NFCom"))).to_have_count(0)
