"""Dados de pagamento [5.6], Histórico [5.7], Documentos [5.8], Favoritos [5.9] in a browser."""

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_violations
from tests.builders import build_customer
from tests.web.api_helpers import API
from tests.web.payment_payloads import bank_debit, card, created

API_IP = "198.51.100.23"


def _methods(client, headers_for, code: int) -> tuple[dict, dict]:
    admin = headers_for("admin")
    return created(client, admin, code, bank_debit()), created(client, admin, code, card())


def test_an_attendant_reads_the_account_masked_and_cannot_change_it(
    page: Page, sign_in, app, client, headers_for
):
    code = build_customer(app, name="Ana Débito")
    account, _card = _methods(client, headers_for, code)
    sign_in("attendant")
    page.goto(f"/clientes/{code}")
    page.get_by_role("navigation", name="Abas do cliente").get_by_role(
        "link", name="Dados de pagamento"
    ).click()
    expect(page).to_have_url(re.compile(rf"/clientes/{code}/pagamento$"))
    rows = page.locator("table.formas-pagamento tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("*****123-4")
    expect(rows.nth(0)).not_to_contain_text("98765123-4")
    expect(rows.nth(1)).to_contain_text("411111******1111")
    expect(page.get_by_role("button", name=re.compile("^Remover"))).to_have_count(0)
    expect(page.get_by_role("heading", name="Nova forma de pagamento")).to_have_count(0)
    assert axe_violations(page) == []
    # The route refuses what the screen does not offer.
    refused = page.request.post(
        f"/clientes/{code}/pagamento/{account['id']}/remover",
        headers={"X-CSRFToken": page.locator('meta[name="csrf-token"]').get_attribute("content")},
    )
    assert refused.status == 403


def test_finance_reads_the_account_whole_adds_a_card_and_downloads_the_authorization(
    page: Page, sign_in, app, client, headers_for
):
    code = build_customer(app, name="Bruno Financeiro")
    account, _card = _methods(client, headers_for, code)
    sign_in("finance")
    page.goto(f"/clientes/{code}/pagamento")
    rows = page.locator("table.formas-pagamento tbody tr")
    expect(rows.nth(0)).to_contain_text("98765123-4")
    expect(rows.nth(1)).to_contain_text("411111******1111")  # a card is masked for everyone

    # A wrong security code comes back as an error, without the card number or the code.
    page.get_by_label("Forma de Cobrança").select_option("card")
    page.get_by_label("Nro. Cartão").fill("5555 5555 5555 4444")
    page.get_by_label("Validade").fill("12/2039")
    page.get_by_label("Dígito de Segurança").fill("12")
    page.get_by_role("button", name="Salvar").click()
    expect(page.locator("#erro-security_code")).to_have_text("3 ou 4 dígitos.")
    expect(page.get_by_label("Nro. Cartão")).to_have_value("")
    expect(page.get_by_label("Dígito de Segurança")).to_have_value("")
    expect(page.get_by_label("Validade")).to_have_value("12/2039")
    assert "5555555555554444" not in page.content()
    assert axe_violations(page) == []

    page.get_by_label("Nro. Cartão").fill("5555 5555 5555 4444")
    page.get_by_label("Dígito de Segurança").fill("321")
    page.get_by_role("button", name="Salvar").click()
    expect(page.get_by_role("status")).to_have_text("Dados salvos com sucesso.")
    expect(rows).to_have_count(3)
    expect(rows.nth(2)).to_contain_text("555555******4444")
    assert "321" not in page.locator("#aba").inner_html().replace("*", "")

    with page.expect_download() as info:
        rows.nth(0).get_by_role("link", name=re.compile("Autorização de Débito")).click()
    download = info.value
    assert download.suggested_filename == f"autorizacao-debito-{code}-{account['id']}.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF")
    assert axe_violations(page) == []


def test_an_attendant_downloads_the_authorization_too(
    page: Page, sign_in, app, client, headers_for
):
    code = build_customer(app)
    account, _card = _methods(client, headers_for, code)
    sign_in("attendant")
    page.goto(f"/clientes/{code}/pagamento")
    with page.expect_download() as info:
        page.locator(f"#forma-{account['id']}").get_by_role(
            "link", name=re.compile("Autorização de Débito")
        ).click()
    assert Path(info.value.path()).read_bytes().startswith(b"%PDF")


def test_a_technician_has_no_payment_data_tab_and_is_refused_its_url(page: Page, sign_in, app):
    code = build_customer(app)
    sign_in("technician")
    page.goto(f"/clientes/{code}")
    tabs = page.get_by_role("navigation", name="Abas do cliente")
    expect(tabs.get_by_role("link", name="Histórico")).to_be_visible()
    expect(tabs.get_by_role("link", name="Dados de pagamento")).to_have_count(0)
    response = page.goto(f"/clientes/{code}/pagamento")
    assert response.status == 403
    expect(page.get_by_role("heading", name="Acesso negado")).to_be_visible()
    assert axe_violations(page) == []


def test_history_shows_an_api_change_field_by_field_and_hides_payment_data_from_a_technician(
    page: Page, sign_in, app, client, headers_for
):
    code = build_customer(app, name="Carla Histórico", email="carla@example.com")
    admin = headers_for("admin")
    response = client.patch(
        f"{API}/customers/{code}",
        json={"email": "carla.nova@example.com"},
        headers=admin,
        environ_base={"REMOTE_ADDR": API_IP},
    )
    assert response.status_code == 200, response.get_json()
    created(client, admin, code, bank_debit())

    sign_in("attendant")
    page.goto(f"/clientes/{code}")
    page.get_by_role("link", name="Histórico").click()
    expect(page).to_have_url(re.compile(rf"/clientes/{code}/historico$"))
    entries = page.locator("li.historico-item")
    expect(entries.first).to_contain_text("Dados de pagamento")  # newest first
    change = entries.nth(1)
    expect(change).to_contain_text("Alteração")
    expect(change).to_contain_text("admin.user")
    expect(change).to_contain_text(API_IP)
    expect(change.locator("time")).to_have_text(re.compile(r"^\d{2}/\d{2}/\d{4} \d{2}:\d{2}$"))
    row = change.get_by_role("row", name=re.compile(r"^E-mail \(email\)"))
    expect(row).to_contain_text("carla@example.com")
    expect(row).to_contain_text("carla.nova@example.com")
    assert axe_violations(page) == []

    page.get_by_role("button", name="Sair").click()
    sign_in("technician")
    page.goto(f"/clientes/{code}/historico")
    expect(page.locator("li.historico-item").first).to_contain_text("carla.nova@example.com")
    expect(page.locator("#aba")).not_to_contain_text("Dados de pagamento")
    expect(page.locator("#aba")).not_to_contain_text("123-4")
    assert axe_violations(page) == []


def test_history_pages_with_previous_and_next(page: Page, sign_in, app, client, headers_for):
    code = build_customer(app)
    admin = headers_for("admin")
    for number in range(21):  # a page holds 20
        response = client.patch(
            f"{API}/customers/{code}", json={"notes": f"nota {number}"}, headers=admin
        )
        assert response.status_code == 200
    sign_in("attendant")
    page.goto(f"/clientes/{code}/historico")
    expect(page.get_by_text("Página 1 de 2")).to_be_visible()
    expect(page.locator("li.historico-item").first).to_contain_text("nota 20")
    page.get_by_role("link", name="Próxima").click()
    expect(page.get_by_text("Página 2 de 2")).to_be_visible()
    expect(page).to_have_url(re.compile(r"page=2"))
    page.get_by_role("link", name="Anterior").click()
    expect(page.get_by_text("Página 1 de 2")).to_be_visible()
    assert axe_violations(page) == []


def test_upload_by_the_file_input_download_byte_for_byte_and_search(
    page: Page, sign_in, app, tmp_path
):
    code = build_customer(app, name="Davi Documentos")
    contract = bytes(range(256)) * 40  # binary, every byte value
    path = tmp_path / "contrato assinado.bin"
    path.write_bytes(contract)
    sign_in("attendant")
    page.goto(f"/clientes/{code}")
    page.get_by_role("link", name="Documentos").click()
    expect(page).to_have_url(re.compile(rf"/clientes/{code}/documentos$"))

    page.get_by_role("button", name="Enviar").click()  # nothing chosen
    expect(page.locator("#erro-file")).to_have_text("Escolha um arquivo.")
    expect(page.locator("#erro-description")).to_have_text("Preencha este campo.")

    page.get_by_label("Arquivo").set_input_files(str(path))
    page.get_by_label("Descrição do documento").fill("Contrato <b>assinado</b> {{7*7}}")
    page.get_by_label("Observação do documento").fill("Via do cliente")
    page.get_by_role("button", name="Enviar").click()
    expect(page.get_by_role("status")).to_have_text("Documento enviado.")
    rows = page.locator("table.documentos tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Contrato <b>assinado</b> {{7*7}}")
    assert axe_violations(page) == []

    with page.expect_download() as info:
        rows.first.get_by_role("link", name=re.compile("^Download")).click()
    assert info.value.suggested_filename == "contrato assinado.bin"
    assert Path(info.value.path()).read_bytes() == contract

    path.write_bytes(b"RG frente e verso")
    page.get_by_label("Arquivo").set_input_files(str(path))
    page.get_by_label("Descrição do documento").fill("Identidade")
    page.get_by_role("button", name="Enviar").click()
    expect(rows).to_have_count(2)

    search = page.get_by_role("search", name="Pesquisar documentos")
    search.get_by_label("Descrição", exact=True).fill("contrato")
    search.get_by_role("button", name="Pesquisar").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Contrato")

    # Dates: both were sent today; a period in the far past finds nothing, one around
    # the documents' own date finds both (read from the list: no test depends on today).
    search.get_by_label("Descrição", exact=True).fill("")
    search.get_by_label("De", exact=True).fill("01/01/2001")
    search.get_by_label("Até", exact=True).fill("31/12/2001")
    search.get_by_role("button", name="Pesquisar").click()
    expect(page.get_by_text("Nenhum documento encontrado.")).to_be_visible()
    search.get_by_label("De", exact=True).fill("01/01/2001")
    search.get_by_label("Até", exact=True).fill("31/12/9998")
    search.get_by_role("button", name="Pesquisar").click()
    expect(rows).to_have_count(2)
    search.get_by_label("De", exact=True).fill("31/12/2001")
    search.get_by_label("Até", exact=True).fill("01/01/2001")
    search.get_by_role("button", name="Pesquisar").click()
    expect(page.locator("#erro-from")).to_have_text("A data inicial é depois da data final.")
    assert axe_violations(page) == []

    search.get_by_label("De", exact=True).fill("")
    search.get_by_label("Até", exact=True).fill("")
    search.get_by_role("button", name="Pesquisar").click()
    expect(rows).to_have_count(2)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Excluir Identidade").click()
    expect(page.get_by_role("status")).to_have_text("Documento excluído.")
    expect(rows).to_have_count(1)


def test_a_document_dropped_on_the_zone_is_sent(page: Page, sign_in, app):
    code = build_customer(app)
    sign_in("attendant")
    page.goto(f"/clientes/{code}/documentos")
    zone = page.locator("[data-soltar]")
    data = page.evaluate_handle(
        """() => { const d = new DataTransfer();
                   d.items.add(new File(["arrastado"], "solto.txt", {type: "text/plain"}));
                   return d; }"""
    )
    zone.dispatch_event("dragenter", {"dataTransfer": data})
    expect(zone).to_have_class(re.compile("arrastando"))
    zone.dispatch_event("drop", {"dataTransfer": data})
    expect(zone).not_to_have_class(re.compile("arrastando"))
    page.get_by_label("Descrição do documento").fill("Arrastado")
    page.get_by_role("button", name="Enviar").click()
    expect(page.locator("table.documentos tbody tr")).to_contain_text("solto.txt")


def test_a_technician_reads_documents_but_may_not_send_them(page: Page, sign_in, app):
    code = build_customer(app)
    sign_in("technician")
    page.goto(f"/clientes/{code}/documentos")
    expect(page.get_by_role("heading", name="Documentos", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Enviar documento")).to_have_count(0)
    expect(page.get_by_label("Arquivo")).to_have_count(0)
    assert axe_violations(page) == []


def test_the_star_toggles_and_the_header_lists_the_favorite(page: Page, sign_in, app):
    code = build_customer(app, name="Eva <script>alert(1)</script>")
    sign_in("technician")
    page.goto(f"/clientes/{code}")
    star = page.get_by_role("button", name="Marcar como favorito")
    expect(star).to_have_attribute("aria-pressed", "false")
    menu = page.locator("#favoritos")
    expect(menu.locator("summary")).to_have_text("Favoritos (0)")
    star.click()
    marked = page.get_by_role("button", name="Remover dos favoritos")
    expect(marked).to_have_attribute("aria-pressed", "true")
    expect(menu.locator("summary")).to_have_text("Favoritos (1)")
    assert axe_violations(page) == []

    page.goto("/")
    page.locator("#favoritos summary").click()
    link = page.get_by_role("link", name="Eva <script>alert(1)</script>")
    expect(link).to_be_visible()
    assert axe_violations(page) == []
    link.click()
    expect(page).to_have_url(re.compile(rf"/clientes/{code}$"))
    page.get_by_role("button", name="Remover dos favoritos").click()
    expect(page.get_by_role("button", name="Marcar como favorito")).to_have_attribute(
        "aria-pressed", "false"
    )
    expect(page.locator("#favoritos summary")).to_have_text("Favoritos (0)")


def test_finance_changes_an_account_and_removes_a_method(
    page: Page, sign_in, app, client, headers_for
):
    code = build_customer(app)
    account, card_method = _methods(client, headers_for, code)
    sign_in("finance")
    page.goto(f"/clientes/{code}/pagamento")
    row = page.locator(f"#forma-{account['id']}")
    row.get_by_role("link", name=re.compile("^Alterar")).click()
    expect(page.get_by_role("heading", name="Alterar forma de pagamento")).to_be_visible()
    expect(page.get_by_label("Nro. de Conta Cte.")).to_have_value("98765123-4")
    page.get_by_role("button", name="Salvar").click()
    expect(page.get_by_role("alert")).to_have_text("Nada foi alterado.")
    page.get_by_label("Status Débito").select_option("active")
    page.get_by_label("Nro. de Conta Cte.").fill("1111222-3")
    page.get_by_role("button", name="Salvar").click()
    expect(page.get_by_role("status")).to_have_text("Dados salvos com sucesso.")
    expect(row).to_contain_text("1111222-3")
    expect(row).to_contain_text("Ativo")
    assert axe_violations(page) == []

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(f"#forma-{card_method['id']}").get_by_role(
        "button", name=re.compile("^Remover")
    ).click()
    expect(page.get_by_role("status")).to_have_text("Forma de pagamento removida.")
    expect(page.locator("table.formas-pagamento tbody tr")).to_have_count(1)


def test_a_document_is_described_again_and_downloads_under_its_own_policy(
    page: Page, sign_in, app, tmp_path
):
    code = build_customer(app)
    path = tmp_path / "pagina.html"
    path.write_text("<script>alert(1)</script>", encoding="utf-8")
    sign_in("attendant")
    page.goto(f"/clientes/{code}/documentos")
    page.get_by_label("Arquivo").set_input_files(str(path))
    page.get_by_label("Descrição do documento").fill("Página")
    page.get_by_role("button", name="Enviar").click()
    rows = page.locator("table.documentos tbody tr")
    expect(rows).to_have_count(1)
    href = rows.first.get_by_role("link", name=re.compile("^Download")).get_attribute("href")
    answer = page.request.get(href)
    assert answer.headers["content-security-policy"] == "default-src 'none'; sandbox"
    assert "attachment" in answer.headers["content-disposition"]

    rows.first.get_by_role("link", name=re.compile("^Alterar")).click()
    form = page.get_by_role("form", name="Alterar documento")
    form.get_by_label("Descrição", exact=True).fill("")
    form.get_by_role("button", name="Salvar").click()
    expect(page.locator("#erro-description").first).to_have_text("Preencha este campo.")
    form = page.get_by_role("form", name="Alterar documento")
    form.get_by_label("Descrição", exact=True).fill("Página salva do site")
    form.get_by_label("Observação", exact=True).fill("Enviada pelo cliente")
    form.get_by_role("button", name="Salvar").click()
    expect(page.get_by_role("status")).to_have_text("Documento alterado.")
    expect(rows.first).to_contain_text("Página salva do site")
    expect(rows.first).to_contain_text("Enviada pelo cliente")
    assert axe_violations(page) == []


def test_a_document_past_the_size_limit_is_refused_in_portuguese(
    page: Page, sign_in, app, tmp_path, monkeypatch
):
    monkeypatch.setitem(app.config, "DOCUMENTS_MAX_BYTES", 4096)
    code = build_customer(app)
    path = tmp_path / "grande.bin"
    path.write_bytes(b"x" * 8192)
    sign_in("attendant")
    page.goto(f"/clientes/{code}/documentos")
    page.get_by_label("Arquivo").set_input_files(str(path))
    page.get_by_label("Descrição do documento").fill("Grande demais")
    page.get_by_role("button", name="Enviar").click()
    expect(page.get_by_role("heading", name="Arquivo grande demais")).to_be_visible()
    page.goto(f"/clientes/{code}/documentos")
    expect(page.get_by_text("Nenhum documento.")).to_be_visible()


def test_a_document_larger_than_a_json_body_uploads(page: Page, sign_in, app, tmp_path):
    code = build_customer(app)
    path = tmp_path / "digitalizado.pdf"
    scanned = b"%PDF-1.4\n" + b"0" * (app.config["MAX_CONTENT_LENGTH"] + 100_000)
    path.write_bytes(scanned)
    sign_in("attendant")
    page.goto(f"/clientes/{code}/documentos")
    page.get_by_label("Arquivo").set_input_files(str(path))
    page.get_by_label("Descrição do documento").fill("Contrato digitalizado")
    page.get_by_role("button", name="Enviar").click()
    expect(page.get_by_role("status")).to_have_text("Documento enviado.")
    expect(page.locator("table.documentos tbody tr")).to_contain_text(f"{len(scanned)} bytes")
