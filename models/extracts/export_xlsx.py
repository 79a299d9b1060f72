"""XLSX export files [6.6.1]: rows streamed into sheets by a Rust writer, in constant memory.

rustpy-xlsxwriter (rust_xlsxwriter underneath) writes each row as it reads it, about 5x faster
than XlsxWriter's constant-memory mode (docs/BENCHMARKS.md, Exports). It takes one generator of
dicts per sheet and must be told every sheet before it reads any row, so a file that needs more
sheets than one is written one sheet per part file, and the parts are joined into one workbook
at the end (only then: the common single-sheet file is written once, and renamed).
"""

import os
import shutil
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import rustpy_xlsxwriter as rx

from models.extracts.extracts import BYTES, DATETIME, DURATION, INTEGER, MONEY, SECONDS, TEXT

SHEET_ROWS = 1_048_576  # rows in an Excel sheet: title, heading, data and totals together
SHEET_NAME = "Extrato"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm:ss"
# Excel shows these with the reader's locale separators: 1.234.567 and 1.234,56 in Brazil.
NUMBER_FORMATS = {INTEGER: "#,##0", SECONDS: "#,##0", BYTES: "#,##0", MONEY: "#,##0.00"}
# A duration is a time value (days): Excel shows, sums and sorts it; [hh] goes past 24 hours.
NUMBER_FORMATS[DURATION] = "[hh]:mm:ss"
SECONDS_A_DAY = 86_400
EXACT_DIGITS = 15  # Excel keeps 15 significant digits: a longer total is written as text
SHEET_XML = "xl/worksheets/sheet{}.xml"
COPY_CHUNK = 1 << 20


@dataclass(frozen=True)
class XlsxColumn:
    """One column of the file: its heading, kind (models.extracts.extracts) and width in pixels."""

    title: str
    kind: str
    width_px: int


def data_rows_per_sheet(title: bool, totals: bool, sheet_rows: int = SHEET_ROWS) -> int:
    """Data rows a sheet holds: the title, heading and (room for) the totals row take the rest."""
    return sheet_rows - 1 - int(title) - int(totals)


def width_chars(width_px: int) -> float:
    """Excel's column width, in characters of the default font, for a width in pixels."""
    return max(0.0, round((width_px - 5) / 7, 2))


def write_xlsx(
    path: Path,
    title: str,
    columns: list[XlsxColumn],
    rows: Iterable[tuple],
    totals: tuple | Callable[[], tuple] | None,
    on_progress: Callable[[int], None],
    progress_every: int = 10_000,
    *,
    zone: ZoneInfo,
    sheet_rows: int = SHEET_ROWS,
) -> int:
    """Write rows (tuples in `columns` order) to `path`, streaming; returns the data rows written.

    Datetimes are written in `zone`. `totals` (a value or None per column: the sums and a label
    with the row count; or a function giving them, called once the rows are written) is the
    last row of the last sheet; the parts of a file of many sheets
    are named `<path>.<n>.part`, deleted once joined or on an error."""
    keys = _unique(c.title for c in columns)
    source = _Source(rows, keys, columns, zone, on_progress, progress_every)
    capacity = data_rows_per_sheet(bool(title), totals is not None, sheet_rows)
    parts: list[Path] = []
    try:
        while not parts or not source.finished:
            parts.append(path.with_name(f"{path.name}.{len(parts) + 1}.part"))
            sheet = source.sheet(capacity, totals)
            _write_sheet(parts[-1], SHEET_NAME, title, columns, sheet)
        if len(parts) == 1:
            os.replace(parts[0], path)
        else:
            _join(parts, path, title, columns, keys)
    finally:
        for part in parts:
            part.unlink(missing_ok=True)
    return source.count


class _Source:
    """The rows as dicts by heading, cut into sheets, counted, with progress reported."""

    def __init__(self, rows, keys, columns, zone, on_progress, every):
        self.rows, self.keys, self.zone = iter(rows), keys, zone
        self.datetimes = [i for i, c in enumerate(columns) if c.kind == DATETIME]
        self.durations = [i for i, c in enumerate(columns) if c.kind == DURATION]
        self.on_progress, self.every = on_progress, every
        self.count, self.finished, self.ahead = 0, False, None

    def sheet(self, capacity: int, totals: tuple | Callable[[], tuple] | None) -> Iterator[dict]:
        """Up to `capacity` rows; once the rows run out, the totals row after them."""
        written = 0
        if self.ahead is not None:  # the row read to learn that the last sheet was full
            yield self.ahead
            self.ahead, written = None, 1
        for row in self.rows:
            record = self._record(row)
            if written == capacity:
                self.ahead = record
                return
            yield record
            written += 1
        self.finished = True
        if totals is not None:
            cells = list(totals() if callable(totals) else totals)  # may be summed meanwhile
            for i in self.durations:
                cells[i] = _days(cells[i])
            yield dict(zip(self.keys, map(_exact, cells), strict=True))
        elif written == 0:
            yield dict.fromkeys(self.keys)  # no cells, but the heading comes from a row's keys

    def _record(self, row) -> dict:
        """The row by heading, its datetimes in the ISP's zone; counted (a row read is always
        written). The writer stores an aware datetime's wall time, as Excel wants it; a naive
        one is taken as already local (a query may convert in SQL, cheaper than here)."""
        if self.datetimes or self.durations:
            row = list(row)
            for i in self.datetimes:
                value = row[i]
                if value is not None and value.tzinfo is not None:
                    row[i] = value.astimezone(self.zone)
            for i in self.durations:
                row[i] = _days(row[i])
        self.count += 1
        if self.count % self.every == 0:
            self.on_progress(self.count)
        return dict(zip(self.keys, row, strict=True))


def _days(seconds):
    """Seconds as the days Excel keeps a duration in."""
    return None if seconds is None else seconds / SECONDS_A_DAY


def _exact(value):
    """A total as written: a number, or its exact text when a double would round it."""
    if not isinstance(value, int | Decimal):
        return value
    digits = len(Decimal(value).as_tuple().digits)  # 10**16 counts 17: Excel shows them all
    return str(value) if digits > EXACT_DIGITS else value


def _unique(titles: Iterable[str]) -> list[str]:
    """Headings as dict keys: a heading given twice gets " (2)", so no column is lost."""
    keys: list[str] = []
    for title in titles:
        key, n = title, 1
        while key in keys:
            n += 1
            key = f"{title} ({n})"
        keys.append(key)
    return keys


def _options(title: str, columns: list[XlsxColumn]) -> dict:
    """The writer's layout: bold title merged over the columns, bold heading, widths, formats,
    frozen panes below the heading, and every text cell quote-prefixed: a value such as =1+1
    stays text in Excel and LibreOffice, never a formula (nor one once edited)."""
    bold = rx.Format().set_bold()
    formats = []
    for column in columns:
        if column.kind == TEXT:
            formats.append(rx.Format().set_quote_prefix())
        elif column.kind == DATETIME:
            formats.append(rx.Format().set_num_format(DATETIME_FORMAT))
        else:
            formats.append(rx.Format().set_num_format(NUMBER_FORMATS[column.kind]))
    options = {
        "header_format": bold,
        "header_row": 0,
        "freeze_row": 1,
        "column_widths": [width_chars(c.width_px) for c in columns],
        "column_formats": formats,
        "datetime_format": DATETIME_FORMAT,
    }
    if title:
        # Excel refuses a one-cell merge: one column's title spans the empty column beside it.
        last = max(len(columns) - 1, 1)
        options.update(header_row=1, freeze_row=2, merge_ranges=[(0, 0, 0, last, title, bold)])
    return options


def _write_sheet(path: Path, name: str, title: str, columns, sheet: Iterator[dict]) -> None:
    rx.write_worksheet(sheet, str(path), sheet_name=name, **_options(title, columns))


def _join(parts: list[Path], path: Path, title: str, columns, keys: list[str]) -> None:
    """One workbook from the single-sheet parts: a small workbook with every sheet, written the
    same way (so the same styles), gives the frame; each part's sheet data goes in it."""
    frame = path.with_name(f"{path.name}.frame.part")
    names = [SHEET_NAME] + [f"{SHEET_NAME} ({n})" for n in range(2, len(parts) + 1)]
    try:
        options = _options(title, columns)
        freeze = options.pop("freeze_row")
        per_sheet = {"general": options.pop("column_widths")}
        rx.write_worksheets(
            [(name, [dict.fromkeys(keys)]) for name in names],
            str(frame),
            freeze_panes={"general": {"row": freeze, "col": 0}},
            column_widths=per_sheet,
            column_formats={"general": options.pop("column_formats")},
            header_format={"general": options.pop("header_format")},
            header_row={"general": options.pop("header_row")},
            merge_ranges={name: options.get("merge_ranges", []) for name in names},
            datetime_format=DATETIME_FORMAT,
        )
        temporary = path.with_name(f"{path.name}.joining.part")
        with zipfile.ZipFile(frame) as skeleton, zipfile.ZipFile(temporary, "w") as out:
            styles = skeleton.read("xl/styles.xml")
            sheets = {SHEET_XML.format(n) for n in range(1, len(parts) + 1)}
            for info in skeleton.infolist():
                if info.filename not in sheets:
                    copied = zipfile.ZipInfo(info.filename, info.date_time)
                    out.writestr(copied, skeleton.read(info), zipfile.ZIP_DEFLATED)
            for number, part in enumerate(parts, 1):
                with zipfile.ZipFile(part) as source:
                    if source.read("xl/styles.xml") != styles:
                        raise RuntimeError("an XLSX part was written with other styles")
                    _copy_sheet(source, out, SHEET_XML.format(number), selected=number == 1)
        os.replace(temporary, path)
    finally:
        frame.unlink(missing_ok=True)
        path.with_name(f"{path.name}.joining.part").unlink(missing_ok=True)


def _copy_sheet(source: zipfile.ZipFile, out: zipfile.ZipFile, name: str, selected: bool) -> None:
    """The part's only sheet, streamed in as `name`; only the first sheet is the selected tab."""
    with source.open(SHEET_XML.format(1)) as reader:
        info = zipfile.ZipInfo(name, date_time=source.getinfo(SHEET_XML.format(1)).date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        with out.open(info, "w", force_zip64=True) as writer:
            head = reader.read(COPY_CHUNK)
            if not selected:
                head = head.replace(b' tabSelected="1"', b"", 1)
            writer.write(head)
            shutil.copyfileobj(reader, writer, COPY_CHUNK)
