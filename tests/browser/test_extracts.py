"""Conexões [6.6] in a browser: a customer's sessions, narrowed by login, NAS and period, with the
totals of the whole filter, a page at a time; Exportar [6.6.1] run by a real worker, its progress
moving to 100 %, the file downloaded and read back; Minhas exportações."""

import re

import openpyxl
from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_violations
from tests.builders import (
    build_customer,
    build_login,
    build_plan,
    build_subscription,
    build_voip_terminal,
)
from tests.cdr_files import cdr_line, import_cdr, write_cdr
from tests.tasks.extracts.sessions import load_sessions
from tests.web.api_helpers import API


def _customer_with_sessions(app) -> int:
    """A customer with two logins: 3 sessions of ana.pppoe, 2 of ana2.pppoe, 9 s each."""
    code = build_customer(app, name="Ana Conexões")
    subscription = build_subscription(app, code)
    build_login(app, subscription, "ana.pppoe")
    build_login(app, subscription, "ana2.pppoe")
    load_sessions(app, "ana.pppoe", 3)
    load_sessions(app, "ana2.pppoe", 2, first_id=100)
    return code


def test_the_connections_tab_filters_and_totals(page: Page, sign_in, app):
    code = _customer_with_sessions(app)
    sign_in("attendant")
    page.goto(f"/clientes/{code}")
    page.get_by_role("navigation", name="Abas do cliente").get_by_role(
        "link", name="Conexões"
    ).click()
    expect(page).to_have_url(re.compile(rf"/clientes/{code}/conexoes$"))
    rows = page.locator("table.extrato tbody tr")
    expect(rows).to_have_count(5)
    totals = page.get_by_label("Totais do extrato")
    expect(totals.locator(".total-conexoes")).to_have_text("5")
    expect(totals.locator(".total-tempo")).to_have_text("00:00:45")
    assert axe_violations(page) == []

    page.get_by_label("Login").fill("ana2.pppoe")
    page.get_by_role("button", name="Filtrar").click()
    expect(page).to_have_url(re.compile(r"login=ana2\.pppoe"))
    expect(rows).to_have_count(2)
    expect(totals.locator(".total-conexoes")).to_have_text("2")
    expect(totals.locator(".total-tempo")).to_have_text("00:00:18")
    expect(rows.first.get_by_role("cell").first).to_have_text("ana2.pppoe")

    # A NAS no session went through: nothing, totals zero.
    page.get_by_label("NAS (IP)").fill("10.9.9.9")
    page.get_by_role("button", name="Filtrar").click()
    expect(page.get_by_text("Nenhuma conexão no período.")).to_be_visible()
    expect(totals.locator(".total-conexoes")).to_have_text("0")

    # A login that is not hers, and a reversed period, are refused beside their fields.
    page.get_by_label("NAS (IP)").fill("")
    page.get_by_label("Login").fill("<script>alert(1)</script>")
    page.get_by_role("button", name="Filtrar").click()
    expect(page.locator("#erro-login")).to_contain_text("não é deste cliente")
    expect(page.get_by_label("Login")).to_have_value("<script>alert(1)</script>")
    page.get_by_label("Login").fill("")
    page.get_by_label("De (dd/mm/aaaa)").fill("31/12/2030")
    page.get_by_label("Até (dd/mm/aaaa)").fill("01/12/2030")
    page.get_by_role("button", name="Filtrar").click()
    expect(page.locator("#erro-from")).to_have_text("A data inicial é depois da data final.")
    expect(page.get_by_label("De (dd/mm/aaaa)")).to_have_attribute("aria-invalid", "true")
    assert axe_violations(page) == []


def test_a_technician_reads_the_connections_and_is_not_offered_an_export(page: Page, sign_in, app):
    code = _customer_with_sessions(app)
    sign_in("technician")
    page.goto(f"/clientes/{code}/conexoes")
    expect(page.locator("table.extrato tbody tr")).to_have_count(5)
    expect(page.get_by_role("link", name="Exportar")).to_have_count(0)
    assert axe_violations(page) == []
    # The route refuses what the screen does not offer.
    assert page.request.get(f"/clientes/{code}/conexoes/exportar").status == 403
    refused = page.request.post(
        f"/clientes/{code}/conexoes/exportar",
        form={"format": "xlsx", "coluna.login": "true"},
        headers={"X-CSRFToken": page.locator('meta[name="csrf-token"]').get_attribute("content")},
    )
    assert refused.status == 403


def test_an_xlsx_export_with_chosen_titles_and_widths_downloads_when_done(
    page: Page, sign_in, app, celery_worker, tmp_path
):
    code = _customer_with_sessions(app)
    sign_in("attendant")
    page.goto(f"/clientes/{code}/conexoes?login=ana.pppoe")
    expect(page.locator("table.extrato tbody tr")).to_have_count(3)
    page.get_by_role("link", name="Exportar").click()
    expect(page).to_have_url(re.compile(rf"/clientes/{code}/conexoes/exportar\?login=ana\.pppoe"))
    expect(page.get_by_role("heading", name="Exportar Conexões")).to_be_visible()
    assert axe_violations(page) == []

    page.get_by_label("Título do arquivo").fill("Conexões da Ana <b>")
    page.get_by_label("Formato").select_option("xlsx")
    page.get_by_label("Linha de totais").check()
    keep = {"Login": ("Usuário", "200"), "Download (bytes)": ("Baixado", "150")}
    for checkbox in page.get_by_role("checkbox", name=re.compile("^Exportar a coluna")).all():
        checkbox.uncheck()
    for title, (new_title, width) in keep.items():
        page.get_by_label(f"Exportar a coluna {title}", exact=True).check()
        page.get_by_label(f"Título da coluna {title}", exact=True).fill(new_title)
        page.get_by_label(f"Largura da coluna {title} (px)", exact=True).fill(width)
    page.get_by_label("Largura da coluna Download (bytes) (px)").fill("5")  # under 10: refused
    page.get_by_role("button", name="Exportar", exact=True).click()
    expect(page.locator("#erro-largura-download_bytes")).to_have_text("De 10 a 2000.")
    expect(page.get_by_label("Título da coluna Login", exact=True)).to_have_value("Usuário")
    page.get_by_label("Largura da coluna Download (bytes) (px)").fill("150")
    # The file downloads by itself once the job is done: no click on its link.
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="Exportar", exact=True).click()
        expect(page).to_have_url(re.compile(r"/exportacoes/\d+"))
        export_id = int(re.search(r"/exportacoes/(\d+)", page.url).group(1))
        bar = page.get_by_label(f"Progresso da exportação {export_id}")
        expect(bar).to_have_attribute("value", "100.0", timeout=60_000)
    expect(page.locator(".percentual")).to_have_text("100 %")
    expect(page.locator(".situacao")).to_contain_text("Concluída")
    expect(page).to_have_url(re.compile(rf"/exportacoes/{export_id}$"))  # a reload: no download
    # Done: the fragment stops polling.
    expect(page.locator(f"#progresso-{export_id}")).not_to_have_attribute(
        "hx-trigger", re.compile(".")
    )
    assert axe_violations(page) == []
    assert download.value.suggested_filename == f"connections-{export_id}.xlsx"

    # The link downloads it again.
    with page.expect_download() as again:
        page.get_by_role("link", name="Baixar arquivo (XLSX)").click()
    assert again.value.suggested_filename == download.value.suggested_filename
    path = tmp_path / "export.xlsx"
    download.value.save_as(path)
    sheet = openpyxl.load_workbook(path).active
    assert sheet["A1"].value == "Conexões da Ana <b>"
    assert [c.value for c in sheet[2]] == ["Usuário", "Baixado"]
    assert [c.value for c in sheet["A"][2:5]] == ["ana.pppoe"] * 3
    for letter, width in (("A", 200), ("B", 150)):
        assert abs(sheet.column_dimensions[letter].width * 7 - width) <= 1

    page.get_by_role("navigation", name="Principal").get_by_role(
        "link", name="Minhas exportações"
    ).click()
    expect(page).to_have_url(re.compile(r"/exportacoes$"))
    row = page.locator("table.exportacoes tbody tr").first
    expect(row).to_contain_text("Conexões da Ana <b>")
    expect(row).to_contain_text("Concluída")
    expect(row.get_by_role("progressbar")).to_have_attribute("value", "100.0")
    assert axe_violations(page) == []
    with page.expect_download() as again:
        row.get_by_role("link", name=f"Baixar exportação {export_id}").click()
    assert again.value.suggested_filename == f"connections-{export_id}.xlsx"


HOME, OFFICE, OTHER = "1133334444", "1133335555", "1144446666"
NOVEMBER = "from=01/11/2026&to=30/11/2026"


def _customer_with_calls(app, client, admin, tmp_path) -> int:
    """Four calls of the customer's two terminals in November 2026 (and one of another's)."""
    code, other = build_customer(app, name="Bia Ligações"), build_customer(app)
    sub_id = build_subscription(app, code, build_plan(app, kind="voip"))
    build_voip_terminal(app, number=HOME, username="casa", subscription_id=sub_id)
    build_voip_terminal(app, number=OFFICE, username="escritorio", subscription_id=sub_id)
    build_voip_terminal(app, other, number=OTHER, username="vizinho")
    for termination, price in (("local", "0.12"), ("mobile", "0.60")):
        body = {"termination": termination, "price_per_minute": price}
        body |= {"first_seconds": 30, "increment_seconds": 6}
        client.post(f"{API}/tariffs", json=body, headers=admin)
    lines = [
        cdr_line(src=HOME, dst="33330001", start="2026-11-03 09:00:00", duration=40, billsec=31),
        cdr_line(src=HOME, dst="11987650001", start="2026-11-04 09:00:00", billsec=60),
        cdr_line(src=OFFICE, dst="33330002", start="2026-11-05 09:00:00", billsec=0).replace(
            "ANSWERED", "BUSY"
        ),
        cdr_line(src=OFFICE, dst="33330003", start="2026-11-30 23:59:59", billsec=125),
        cdr_line(src=OTHER, dst="33330004", start="2026-11-06 09:00:00", billsec=60),
    ]
    result = import_cdr(app, write_cdr(tmp_path / "Master.csv", lines))
    assert result.exit_code == 0, result.output
    return code


def test_the_calls_tab_filters_and_totals(page: Page, sign_in, app, client, admin, tmp_path):
    code = _customer_with_calls(app, client, admin, tmp_path)
    sign_in("attendant")
    page.goto(f"/clientes/{code}")
    page.get_by_role("navigation", name="Abas do cliente").get_by_role(
        "link", name="Ligações"
    ).click()
    expect(page).to_have_url(re.compile(rf"/clientes/{code}/ligacoes$"))
    expect(page.get_by_label("Terminal (número)")).to_be_visible()
    page.get_by_label("De (dd/mm/aaaa)").fill("01/11/2026")
    page.get_by_label("Até (dd/mm/aaaa)").fill("30/11/2026")
    page.get_by_role("button", name="Filtrar").click()
    rows = page.locator("table.extrato tbody tr")
    expect(rows).to_have_count(4)
    totals = page.get_by_label("Totais do extrato")
    expect(totals.locator(".total-ligacoes")).to_have_text("4")
    expect(totals.locator(".total-duracao")).to_have_text("00:04:10")  # 250 s
    expect(totals.locator(".total-tarifado")).to_have_text("00:03:36")  # 216 s
    expect(totals.locator(".total-custo")).to_contain_text("0,92")
    expect(rows.first).to_contain_text("(11) 3333-4444")
    assert axe_violations(page) == []

    page.get_by_label("Tipo de terminação").select_option("mobile")
    page.get_by_role("button", name="Filtrar").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Móvel")
    expect(totals.locator(".total-ligacoes")).to_have_text("1")

    # Another customer's terminal is refused beside its field.
    page.get_by_label("Tipo de terminação").select_option("")
    page.get_by_label("Terminal (número)").fill(OTHER)
    page.get_by_role("button", name="Filtrar").click()
    expect(page.locator("#erro-terminal")).to_contain_text("não é deste cliente")
    page.get_by_label("Terminal (número)").fill(OFFICE)
    page.get_by_role("button", name="Filtrar").click()
    expect(rows).to_have_count(2)
    assert axe_violations(page) == []

    # Exportar carries the filters shown.
    page.get_by_role("link", name="Exportar").click()
    expect(page.get_by_role("heading", name="Exportar Ligações")).to_be_visible()
    expect(page.locator("p.filtros-exportados")).to_contain_text("30/11/2026")
    expect(page.get_by_label("Título da coluna Destino", exact=True)).to_have_value("Destino")
    assert axe_violations(page) == []


def _set_export(app, export_id: int, **values) -> None:
    from models.db import db
    from models.extracts.exports import Export

    with app.app_context():
        db.session.execute(db.update(Export).where(Export.id == export_id).values(**values))
        db.session.commit()


def test_the_progress_bar_moves_by_polling_and_stops_when_done(page: Page, sign_in, app):
    """A job no worker runs, moved by hand: the page follows it every second, then stops."""
    from models.clock import utcnow
    from models.db import db
    from models.extracts.exports import Export

    user = sign_in("attendant")
    with app.app_context():
        export = Export(
            user_id=user.id,
            requested_by=user.username,
            source="connections",
            format="csv",
            params={"title": "Acompanhada", "filters": {}, "columns": []},
        )
        db.session.add(export)
        db.session.commit()
        export_id = export.id
    page.goto(f"/exportacoes/{export_id}")
    fragment = page.locator(f"#progresso-{export_id}")
    expect(fragment).to_have_attribute("hx-trigger", "every 1s")
    expect(page.locator(".situacao")).to_contain_text("Na fila")
    bar = page.get_by_label(f"Progresso da exportação {export_id}")
    expect(bar).not_to_have_attribute("value", re.compile("."))  # not started: indeterminate
    assert axe_violations(page) == []

    _set_export(app, export_id, status="running", rows_total=8, rows_written=2, started_at=utcnow())
    expect(bar).to_have_attribute("value", "25.0")
    expect(page.locator(".situacao")).to_contain_text("Em andamento · 2 de 8 linhas")
    _set_export(app, export_id, rows_written=6)
    expect(bar).to_have_attribute("value", "75.0")
    _set_export(app, export_id, status="failed", error="boom", finished_at=utcnow())
    expect(page.get_by_role("alert")).to_have_text("A exportação falhou. Tente exportar de novo.")
    expect(fragment).not_to_have_attribute("hx-trigger", re.compile("."))
    expect(page.get_by_role("link", name=re.compile("^Baixar"))).to_have_count(0)
    assert axe_violations(page) == []

    # Someone else's export is not there for an attendant.
    assert page.request.get(f"/exportacoes/{export_id + 1000}").status == 404


def test_the_totals_cover_every_page_of_connections(page: Page, sign_in, app):
    code = build_customer(app, name="Caio Páginas")
    build_login(app, build_subscription(app, code), "caio.pppoe")
    load_sessions(app, "caio.pppoe", 60)
    sign_in("attendant")
    page.goto(f"/clientes/{code}/conexoes?login=caio.pppoe")
    rows = page.locator("table.extrato tbody tr")
    expect(rows).to_have_count(50)
    pages = page.get_by_role("navigation", name="Páginas das conexões")
    expect(pages).to_contain_text("Página 1 de 2")
    pages.get_by_role("link", name="Próxima").click()
    expect(page).to_have_url(re.compile(r"login=caio\.pppoe.*page=2|page=2.*login=caio\.pppoe"))
    expect(rows).to_have_count(10)
    expect(page.get_by_label("Totais do extrato").locator(".total-conexoes")).to_have_text("60")
    expect(page.get_by_label("Login")).to_have_value("caio.pppoe")
    assert axe_violations(page) == []
