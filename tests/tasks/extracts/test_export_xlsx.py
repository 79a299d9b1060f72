"""The XLSX writer: layout, real dates and numbers, totals, formula injection, sheet overflow.

Files are read back with openpyxl (and, when LibreOffice is installed, converted by it).
"""

import shutil
import subprocess
import zipfile
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from models.extracts.export_xlsx import (
    SHEET_ROWS,
    XlsxColumn,
    data_rows_per_sheet,
    write_xlsx,
)

pytestmark = pytest.mark.one_backend  # no database in it: run on one backend (scripts/test)

ZONE = ZoneInfo("America/Sao_Paulo")  # UTC-3 all year
COLUMNS = [
    XlsxColumn("Login", "text", 120),
    XlsxColumn("Início", "datetime", 130),
    XlsxColumn("Duração (s)", "seconds", 90),
    XlsxColumn("Download (bytes)", "bytes", 120),
    XlsxColumn("Sessões", "integer", 60),
    XlsxColumn("Custo (R$)", "money", 90),
]
START = datetime(2026, 3, 1, 12, 30, 15, tzinfo=UTC)


def row(n: int) -> tuple:
    return (f"user{n}", START, 60 * n, 10**9 * n, n, Decimal("1.25") * n)


def write(tmp_path, rows, title="Conexões do cliente 7", totals=None, columns=COLUMNS, **kw):
    path = tmp_path / "extract.xlsx"
    progress = []
    written = write_xlsx(path, title, columns, rows, totals, progress.append, zone=ZONE, **kw)
    return path, written, progress


def values(sheet) -> list[list]:
    return [[cell.value for cell in line] for line in sheet.iter_rows()]


def test_title_heading_widths_and_frozen_panes(tmp_path):
    path, written, _ = write(tmp_path, [row(1), row(2)])
    sheet = openpyxl.load_workbook(path).active

    assert written == 2
    assert sheet.title == "Extrato"
    assert sheet["A1"].value == "Conexões do cliente 7" and sheet["A1"].font.b
    assert [str(r) for r in sheet.merged_cells.ranges] == ["A1:F1"]
    assert [c.value for c in sheet[2]] == [c.title for c in COLUMNS]
    assert all(c.font.b for c in sheet[2])
    assert not sheet["A3"].font.b
    assert sheet.freeze_panes == "A3"
    for letter, column in zip("ABCDEF", COLUMNS, strict=True):
        pixels = sheet.column_dimensions[letter].width * 7  # 7 px a character (Calibri 11)
        assert abs(pixels - column.width_px) <= 1, (letter, pixels)


def test_without_a_title_the_heading_is_the_first_row(tmp_path):
    path, _, _ = write(tmp_path, [row(1)], title="")
    sheet = openpyxl.load_workbook(path).active

    assert [c.value for c in sheet[1]] == [c.title for c in COLUMNS]
    assert sheet["A2"].value == "user1"
    assert sheet.freeze_panes == "A2"
    assert not sheet.merged_cells.ranges


def test_dates_and_numbers_are_real_excel_values_with_brazilian_formats(tmp_path):
    path, _, _ = write(tmp_path, [row(3)])
    sheet = openpyxl.load_workbook(path).active
    login, start, duration, download, sessions, cost = sheet[3]

    assert login.data_type == "s"
    assert start.is_date and start.number_format == "dd/mm/yyyy hh:mm:ss"
    assert start.value == datetime(2026, 3, 1, 9, 30, 15)  # 12:30:15 UTC, in São Paulo
    for cell, expected in ((duration, 180), (download, 3 * 10**9), (sessions, 3)):
        assert cell.data_type == "n" and cell.value == expected
        assert cell.number_format == "#,##0"
    assert cost.data_type == "n" and cost.value == 3.75 and cost.number_format == "#,##0.00"


def test_a_naive_datetime_is_taken_as_already_local(tmp_path):
    local = datetime(2026, 3, 1, 9, 30, 15)  # as a query converting in SQL would give it
    path, _, _ = write(tmp_path, [("user1", local, None, None, None, None)])

    assert openpyxl.load_workbook(path).active["B3"].value == local


@pytest.mark.parametrize(
    ("total", "written"),
    [
        (999_999_999_999_999, 999_999_999_999_999),  # 15 digits: still a number
        (1_000_000_000_000_001, "1000000000000001"),  # 16: a double would lose the 1
        (10_489_500_028_471_500, "10489500028471500"),  # 17 digits shown, whatever their zeros
        (Decimal("1234567890123.45"), 1234567890123.45),
        (Decimal("12345678901234.56"), "12345678901234.56"),
    ],
)
def test_a_total_longer_than_15_digits_is_exact_text(tmp_path, total, written):
    totals = ("Total: 1 linhas", None, None, total, None, None)
    path, _, _ = write(tmp_path, [row(1)], totals=totals)
    cell = openpyxl.load_workbook(path).active["D4"]

    assert cell.value == written and cell.data_type == ("s" if isinstance(written, str) else "n")


def test_none_is_an_empty_cell(tmp_path):
    path, _, _ = write(tmp_path, [("user1", None, None, 5, None, None)])
    sheet = openpyxl.load_workbook(path).active

    assert values(sheet)[2] == ["user1", None, None, 5, None, None]


@pytest.mark.parametrize("text", ["=1+1", "+55 11", "-2", "@SUM(A1)", "\t=1+1", "\r=1+1"])
def test_text_that_looks_like_a_formula_stays_text(tmp_path, text):
    path, _, _ = write(tmp_path, [(text, None, None, None, None, None)])
    cell = openpyxl.load_workbook(path).active["A3"]

    # OOXML escapes a carriage return as _x000D_ (Excel reads it back; openpyxl does not)
    assert cell.value.replace("_x000D_", "\r") == text and cell.data_type == "s"
    assert cell.quotePrefix  # stays text when edited in Excel or LibreOffice
    with zipfile.ZipFile(path) as xlsx:
        assert b"<f>" not in xlsx.read("xl/worksheets/sheet1.xml")


def test_totals_row_has_sums_the_row_count_and_exact_big_byte_totals(tmp_path):
    rows = [row(n) for n in range(1, 1235)]
    huge = 2**60 + 1  # past 2^53 and Excel's 15 digits: a float would end in ...000
    totals = ("Total: 1.234 linhas", None, 45_000, huge, None, Decimal("952612.50"))
    path, written, _ = write(tmp_path, rows, totals=totals)
    sheet = openpyxl.load_workbook(path).active
    last = values(sheet)[-1]

    assert written == 1234 and sheet.max_row == 2 + 1234 + 1
    assert last == ["Total: 1.234 linhas", None, 45_000, str(huge), None, 952612.5]
    assert sheet.cell(sheet.max_row, 3).number_format == "#,##0"
    assert sheet.cell(sheet.max_row, 6).number_format == "#,##0.00"


def test_one_column_title_spans_two_cells(tmp_path):
    columns = [XlsxColumn("Duração (s)", "seconds", 90)]
    path, _, _ = write(tmp_path, [(10,), (20,)], totals=(30,), columns=columns)
    sheet = openpyxl.load_workbook(path).active

    assert values(sheet) == [
        ["Conexões do cliente 7", None],
        ["Duração (s)", None],
        [10, None],
        [20, None],
        [30, None],
    ]
    assert [str(r) for r in sheet.merged_cells.ranges] == ["A1:B1"]  # Excel has no 1-cell merge


def test_no_rows_still_has_the_heading_and_a_zero_total(tmp_path):
    path, written, _ = write(tmp_path, [], totals=("Total: 0 linhas", None, 0, 0, None, Decimal(0)))
    lines = values(openpyxl.load_workbook(path).active)

    assert written == 0
    assert lines[1] == [c.title for c in COLUMNS]
    assert lines[2] == ["Total: 0 linhas", None, 0, 0, None, 0]


def test_no_rows_and_no_totals_is_title_and_heading(tmp_path):
    path, _, _ = write(tmp_path, [])
    lines = values(openpyxl.load_workbook(path).active)

    assert lines == [["Conexões do cliente 7", None, None, None, None, None], lines[1]]
    assert lines[1] == [c.title for c in COLUMNS]


def test_a_heading_given_twice_keeps_both_columns(tmp_path):
    columns = [XlsxColumn("Login", "text", 100), XlsxColumn("Login", "text", 100)]
    path, _, _ = write(tmp_path, [("a", "b")], columns=columns)

    assert values(openpyxl.load_workbook(path).active)[1:] == [
        ["Login", "Login (2)"],
        ["a", "b"],
    ]


def test_more_rows_than_a_sheet_holds_continue_on_the_next_with_headings(tmp_path):
    rows = [row(n) for n in range(1, 21)]
    totals = ("Total: 20 linhas", None, 12_600, 210 * 10**9, None, Decimal("262.50"))
    path, written, progress = write(tmp_path, rows, totals=totals, sheet_rows=10, progress_every=5)
    book = openpyxl.load_workbook(path)

    assert written == 20 and progress == [5, 10, 15, 20]
    assert book.sheetnames == ["Extrato", "Extrato (2)", "Extrato (3)"]
    data = []
    for sheet in book:
        lines = values(sheet)
        assert len(lines) <= 10
        assert lines[0][0] == "Conexões do cliente 7" and lines[1] == [c.title for c in COLUMNS]
        assert sheet.freeze_panes == "A3" and sheet["A3"].font.b is False
        data += [line[0] for line in lines[2:]]
    assert data == [f"user{n}" for n in range(1, 21)] + ["Total: 20 linhas"]
    # 7 data rows: the 10th row is kept for totals on every sheet, as any may be the last
    assert len(values(book["Extrato"])) == 2 + 7
    assert book["Extrato (3)"]["B3"].is_date
    selected = [s.title for s in book if s.sheet_view.tabSelected]
    assert selected == ["Extrato"]
    assert [p.name for p in tmp_path.iterdir()] == ["extract.xlsx"]  # no part left behind


@pytest.mark.parametrize("totals", [None, ("Total: 14 linhas", None, 0, 0, None, Decimal(0))])
def test_rows_that_exactly_fill_sheets_add_no_empty_sheet(tmp_path, totals):
    capacity = data_rows_per_sheet(title=True, totals=totals is not None, sheet_rows=10)
    rows = [row(n) for n in range(1, 2 * capacity + 1)]
    path, written, _ = write(tmp_path, rows, totals=totals, sheet_rows=10)
    book = openpyxl.load_workbook(path)

    assert written == 2 * capacity
    assert book.sheetnames == ["Extrato", "Extrato (2)"]
    last = values(book["Extrato (2)"])[-1]
    assert last[0] == (f"user{2 * capacity}" if totals is None else "Total: 14 linhas")


def test_a_sheet_is_excels_1048576_rows_title_heading_and_totals_included():
    assert SHEET_ROWS == 1_048_576
    assert data_rows_per_sheet(title=True, totals=True) == 1_048_573
    assert data_rows_per_sheet(title=False, totals=False) == 1_048_575


def test_an_error_while_reading_rows_leaves_no_file(tmp_path):
    def failing():
        yield row(1)
        raise ConnectionError("database gone")

    with pytest.raises(ConnectionError):
        write(tmp_path, failing())
    assert not list(tmp_path.iterdir())


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice is not installed")
def test_libreoffice_opens_every_sheet(tmp_path):
    rows = [row(n) for n in range(1, 21)]
    totals = ("Total: 20 linhas", None, 1, 2, None, 3)
    path, _, _ = write(tmp_path, rows, totals=totals, sheet_rows=10)
    out = tmp_path / "csv"
    # 59 = ";" between fields, 76 = UTF-8, true = cells as shown (our formats), -1 = every sheet
    options = "csv:Text - txt - csv (StarCalc):59,34,76,1,,0,false,true,true,false,false,-1"
    subprocess.run(
        ["soffice", "--headless", "--convert-to", options, "--outdir", str(out), str(path)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    last = (out / "extract-Extrato (3).csv").read_text(encoding="utf-8").splitlines()
    assert last[1].startswith("Login;Início;")
    assert last[2].startswith("user15;01/03/2026 09:30:15;900;")
    assert last[-1].startswith("Total: 20 linhas;")


@pytest.mark.slow
def test_the_real_sheet_limit_overflows_at_1048573_data_rows(tmp_path):
    columns = [XlsxColumn("Login", "text", 100), XlsxColumn("Bytes", "bytes", 100)]
    rows = (("u", n) for n in range(1_048_574))
    totals = ("Total: 1.048.574 linhas", 1)
    path, written, _ = write(tmp_path, rows, totals=totals, columns=columns)

    assert written == 1_048_574
    book = openpyxl.load_workbook(path, read_only=True)
    assert book.sheetnames == ["Extrato", "Extrato (2)"]
    assert book["Extrato"].max_row == 1_048_575  # title, heading, 1,048,573 rows, none spare
    assert [r for r in book["Extrato (2)"].iter_rows(values_only=True)][2:] == [
        ("u", 1_048_573),
        ("Total: 1.048.574 linhas", 1),
    ]
