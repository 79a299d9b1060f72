"""CSV and TXT export files, written as the rows stream in.

On PostgreSQL the database formats every value and streams the file itself (`COPY (query) TO
STDOUT`): close to its own speed, in constant memory. Elsewhere a server-side cursor feeds
Python's csv writer with the same formatting. Either way the file is: the title line, the
headings, the rows, and optionally a totals line.

CSV quotes fields as needed (RFC 4180); TXT is "delimited text": a field never holds the
delimiter, a quote or a line break (they become spaces), so nothing is ever quoted. Text that
a spreadsheet would run as a formula (= + - @, tab, CR first) gets a leading apostrophe.
"""

import csv
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import IO
from zoneinfo import ZoneInfo

from sqlalchemy import Select, Text, case, cast, func, literal, literal_column

from models import backend, backend_copy
from models.db import db
from models.extracts.extracts import DATETIME, DURATION, MONEY, TEXT, Column

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DATETIME_FORMAT = "%d/%m/%Y %H:%M:%S"
HALF_SECOND = timedelta(microseconds=500_000)
ONE_SECOND = literal_column("interval '1 second'")
PROGRESS_ROWS = 10_000  # rows between progress reports (each is a clock reading, at most)


@dataclass(frozen=True)
class TextLayout:
    """How values are written: CSV or TXT, the delimiter, the decimal separator, the zone."""

    delimited_txt: bool
    delimiter: str
    decimal_separator: str
    zone: ZoneInfo

    def writer(self, out: IO[str]):
        if self.delimited_txt:
            return csv.writer(
                out,
                delimiter=self.delimiter,
                quoting=csv.QUOTE_NONE,
                escapechar=None,
                lineterminator="\n",
            )
        return csv.writer(out, delimiter=self.delimiter, lineterminator="\n")

    def text(self, value: str) -> str:
        if value.startswith(FORMULA_STARTS):
            value = "'" + value
        if self.delimited_txt:
            for unsafe in (self.delimiter, '"', "\n", "\r"):
                value = value.replace(unsafe, " ")
        return value

    def value(self, value, kind: str) -> str:
        """One value as the file shows it (Python side; must match `sql_value`)."""
        if value is None:
            return ""
        if isinstance(value, str):  # text, or the totals row's label in any column
            return self.text(value)
        if kind == DATETIME:  # to the nearest second, as PostgreSQL's timestamp(0) does
            return (value + HALF_SECOND).astimezone(self.zone).strftime(DATETIME_FORMAT)
        if kind == DURATION:
            return hms(value)
        if kind == MONEY or isinstance(value, Decimal):
            return f"{Decimal(value):.2f}".replace(".", self.decimal_separator)
        if kind == TEXT:
            return self.text(str(value))
        return str(value)

    def sql_value(self, column: Column):
        """The same formatting done by PostgreSQL, for COPY (see `copy_rows` for the dates)."""
        expression = column.in_file
        if column.kind == DURATION:
            # HH24 of an interval is its whole hours (125:00:00), as `hms` writes them.
            return func.to_char(ONE_SECOND * expression, "HH24:MI:SS")
        if column.kind == DATETIME:
            # With DateStyle 'SQL, DMY' and the ISP's TimeZone: "28/11/2026 15:04:05". A plain
            # cast is as cheap as copying the raw column; to_char costs 1.5x (bench/exports.py).
            return cast(expression, backend.whole_seconds_timestamp())
        if column.kind == MONEY:
            return func.replace(
                func.to_char(expression, "FM9999999999990.00"), ".", self.decimal_separator
            )
        if column.kind != TEXT:
            return expression
        text = cast(expression, Text)
        if column.free_text:
            text = case((func.left(text, 1).in_(FORMULA_STARTS), literal("'") + text), else_=text)
        if self.delimited_txt and column.free_text:
            for unsafe in (self.delimiter, '"', "\n", "\r"):
                text = func.replace(text, unsafe, " ")
        # COPY writes an empty string as "" (to tell it from NULL); Python's csv writes nothing.
        return func.nullif(text, "")


def hms(seconds: int) -> str:
    """Seconds as hh:mm:ss; the hours go past 24 (a month of calls: 125:03:07)."""
    hours, rest = divmod(int(seconds), 3600)
    return f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"


def write_preamble(out: IO[str], layout: TextLayout, title: str, headings: list[str]) -> None:
    writer = layout.writer(out)
    writer.writerow([layout.text(title)])
    writer.writerow([layout.text(heading) for heading in headings])


def write_totals(out: IO[str], layout: TextLayout, totals: tuple, kinds: list[str]) -> None:
    layout.writer(out).writerow(
        [layout.value(value, kind) for value, kind in zip(totals, kinds, strict=True)]
    )


def copy_rows(
    out: IO[bytes],
    query: Select,
    columns: list[Column],
    layout: TextLayout,
    on_progress: Callable[[int], None],
) -> int:
    """Stream the rows through PostgreSQL's COPY into `out`; returns how many were written."""
    select = query.with_only_columns(*(layout.sql_value(c).label(c.field) for c in columns))
    rows = 0
    write = out.write
    # One iteration per row (PostgreSQL sends a COPY row per message): it does as little as it can.
    for row in backend_copy.copy_csv_out(select, layout.delimiter, layout.zone.key):
        write(row)
        rows += 1
        if not rows % PROGRESS_ROWS:
            on_progress(rows)
    on_progress(rows)
    return rows


def stream_rows(
    out: IO[str],
    query: Select,
    columns: list[Column],
    layout: TextLayout,
    on_progress: Callable[[int], None],
    batch: int = 5_000,
) -> int:
    """Stream the rows through a server-side cursor and Python's csv writer."""
    writer = layout.writer(out)
    kinds = [c.kind for c in columns]
    rows = 0
    for row in fetch_rows(query, columns, layout.zone, batch):
        writer.writerow([layout.value(value, kind) for value, kind in zip(row, kinds, strict=True)])
        rows += 1
        if rows % batch == 0:
            on_progress(rows)
    return rows


def fetch_rows(
    query: Select, columns: list[Column], zone: ZoneInfo, batch: int = 5_000
) -> Iterable[tuple]:
    """The rows as typed tuples, `batch` at a time from a server-side cursor.

    On PostgreSQL a named cursor on its own connection, dates already in the ISP's
    zone (naive, as a spreadsheet wants them): SQLAlchemy's row objects and type processing
    cost a third of an XLSX export's time (bench/exports.py). Elsewhere, aware UTC datetimes."""
    if not backend.has_server_features():
        select = query.with_only_columns(*(c.in_file.label(c.field) for c in columns))
        result = db.session.execute(select, execution_options={"yield_per": batch})
        for partition in result.partitions():
            yield from (tuple(row) for row in partition)
        return
    select = query.with_only_columns(
        *(
            (func.timezone(zone.key, c.in_file) if c.kind == DATETIME else c.in_file).label(c.field)
            for c in columns
        )
    )
    yield from backend_copy.cursor_rows(select, batch)


def estimate_rows(select: Select) -> int:
    """PostgreSQL's own estimate of the rows `select` returns (EXPLAIN: no rows are read)."""
    return backend_copy.estimated_count_apart(select)


class BackgroundQuery:
    """One SELECT run on its own connection in a thread, while the rows stream on another:
    an export's totals read every row too, and PostgreSQL can do both at once."""

    def __init__(self, select: Select):
        self._engine = db.engine  # the thread has no app context to find it
        self._select = select
        self._row: dict | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="export-totals", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._row = backend_copy.first_row_apart(self._engine, self._select)
        except BaseException as error:  # handed to whoever waits for the result
            self._error = error

    def result(self) -> dict:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._row
