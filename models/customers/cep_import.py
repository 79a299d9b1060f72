"""Bulk load of the CEP directory from a CSV file (cep, street, district, city, state).

pandas reads the file in chunks of text columns (CEPs keep their leading zeros); each chunk is
checked as a whole, its bad rows noted by line number and left out, and its good rows upserted
with INSERT ... ON CONFLICT (cep) DO UPDATE that touches only rows whose values differ:
from a temporary table filled by COPY on PostgreSQL, by one executemany on SQLite. `run()`
yields after each chunk so the caller commits: a re-run goes on where a stopped one ended and
counts unchanged rows as such.
"""

import codecs
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy import text

from models import backend, backend_copy
from models.clock import utcnow
from models.customers.cep_provider import LIMITS
from models.customers.ceps import COLUMNS
from models.customers.identifiers import UFS
from models.db import db

CHUNK_ROWS = 50_000
SHOWN_BAD = 50  # bad lines listed; the count says how many there were
_BLOCK = 1 << 20


class Unreadable(Exception):
    """The file cannot be read as a CEP list at all (encoding, header, or CSV structure)."""


@dataclass
class CepImportReport:
    """What an import did with every line of the file."""

    file: str
    encoding: str = ""
    delimiter: str = ""
    lines: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    repeated: int = 0  # lines a later line of the same CEP replaced
    bad_count: int = 0
    bad: list[tuple[int, str]] = field(default_factory=list)  # the first SHOWN_BAD

    def note(self, line: int, reason: str) -> None:
        self.bad_count += 1
        if len(self.bad) < SHOWN_BAD:
            self.bad.append((line, reason))


def sniff(path: Path) -> tuple[str, str, list[str]]:
    """(encoding, delimiter, header names in lower case) of the file, or Unreadable."""
    try:
        with path.open("rb") as file:
            head = file.read(4)
            encoding = "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else _utf8_or_latin1(file)
    except OSError as error:
        raise Unreadable(f"cannot read the file: {error.strerror}") from None
    with path.open(encoding=encoding, newline="") as file:
        header = file.readline().strip("\r\n")
    delimiter = ";" if header.count(";") > header.count(",") else ","
    names = [name.strip().strip('"').strip().lower() for name in header.split(delimiter)]
    missing = [name for name in COLUMNS if name not in names]
    if missing:
        raise Unreadable(
            f"the header (line 1) lacks the column(s) {', '.join(missing)}; "
            f"expected {', '.join(COLUMNS)} separated by ';' or ','"
        )
    return encoding, delimiter, names


def _utf8_or_latin1(file) -> str:
    """utf-8 when the whole file decodes as UTF-8, else latin-1 (which decodes anything)."""
    file.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while block := file.read(_BLOCK):
            decoder.decode(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "latin-1"
    return "utf-8"


class CepImport:
    """One import of one file; `run()` writes a chunk per step and yields the report so far."""

    def __init__(self, path: str | Path, chunk_rows: int = CHUNK_ROWS):
        self.path = Path(path)
        self.chunk_rows = chunk_rows
        self.report = CepImportReport(file=self.path.name)
        self.report.encoding, self.report.delimiter, self.names = sniff(self.path)

    def run(self) -> Iterator[CepImportReport]:
        """Import chunk by chunk; the caller commits after each yield."""
        positions = [self.names.index(name) for name in COLUMNS]
        reader = pd.read_csv(
            self.path,
            sep=self.report.delimiter,
            encoding=self.report.encoding,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,  # line numbers stay true: a blank line is a bad line
            usecols=positions,
            chunksize=self.chunk_rows,
        )
        try:
            for chunk in reader:
                chunk = chunk.iloc[:, [sorted(positions).index(p) for p in positions]]
                chunk.columns = list(COLUMNS)
                good = self._check(chunk)
                self.report.lines += len(chunk)
                self._upsert(good)
                yield self.report
        except (pd.errors.ParserError, UnicodeDecodeError) as error:
            raise Unreadable(f"after line {self.report.lines + 1}: {error}") from None

    def _check(self, chunk: pd.DataFrame) -> pd.DataFrame:
        """The chunk's good rows, normalised; bad ones are noted with their line and reason."""
        first_line = self.report.lines + 2  # line 1 is the header
        rows = chunk.fillna("").apply(lambda column: column.str.strip())
        rows["cep"] = rows["cep"].str.replace(r"[.\- ]", "", regex=True)
        rows["state"] = rows["state"].str.upper()
        reasons = pd.Series("", index=rows.index)
        checks = [
            (~rows["cep"].str.fullmatch(r"[0-9]{8}") | (rows["cep"] == "00000000"),
             "CEP must have 8 digits"),
            (~rows["state"].isin(UFS), "state is not one of the 27 UFs"),
            (rows["city"] == "", "city is required"),
            *((rows[name].str.len() > limit, f"{name} longer than {limit} characters")
              for name, limit in LIMITS.items()),
        ]  # fmt: skip
        for failed, reason in checks:
            reasons = reasons.mask(failed & (reasons == ""), reason)
        for offset in (reasons != "").to_numpy().nonzero()[0]:
            row = rows.iloc[offset]
            self.report.note(first_line + int(offset), f"{reasons.iloc[offset]} ({row['cep']!r})")
        good = rows[reasons == ""]
        # The same CEP again: the later line counts, as it does when they fall in two chunks.
        repeated = good["cep"].duplicated(keep="last")
        self.report.repeated += int(repeated.sum())
        return good[~repeated]

    def _upsert(self, rows: pd.DataFrame) -> None:
        """Write the good rows: new ones inserted, changed ones updated, the rest untouched."""
        if rows.empty:
            return
        if backend.has_server_features():
            new, written = _upsert_by_copy(rows)
        else:
            new, written = _upsert_row_by_row(rows)
        self.report.new += new
        self.report.updated += written - new
        self.report.unchanged += len(rows) - written


_CHANGED = (
    "ON CONFLICT (cep) DO UPDATE SET street = excluded.street, district = excluded.district, "
    "city = excluded.city, state = excluded.state, updated_at = excluded.updated_at "
    "WHERE ceps.street IS DISTINCT FROM excluded.street "
    "OR ceps.district IS DISTINCT FROM excluded.district "
    "OR ceps.city IS DISTINCT FROM excluded.city OR ceps.state IS DISTINCT FROM excluded.state"
)
_COLUMNS = ", ".join(COLUMNS)  # our own constant names, never input


def _upsert_by_copy(rows: pd.DataFrame) -> tuple[int, int]:
    """PostgreSQL: COPY into a temporary table, then one upsert from it: (new, written)."""
    session = db.session
    session.execute(text("DROP TABLE IF EXISTS pg_temp.cep_import"))
    session.execute(
        text(
            "CREATE TEMPORARY TABLE cep_import (cep VARCHAR(8), street VARCHAR(200), "
            "district VARCHAR(120), city VARCHAR(120), state VARCHAR(2)) ON COMMIT DROP"
        )
    )
    buffer = io.StringIO()
    rows.to_csv(buffer, header=False, index=False)  # an empty street or district: NULL
    backend_copy.copy_csv_in("cep_import", _COLUMNS, buffer)
    # Set-based: a join updates what differs, an anti-join inserts what is new. Much faster
    # than one ON CONFLICT check per row; the ON CONFLICT stays for a parallel import.
    updated = session.execute(
        text(
            "UPDATE ceps c SET street = i.street, district = i.district, city = i.city, "
            "state = i.state, updated_at = :now FROM cep_import i WHERE c.cep = i.cep "
            "AND (c.street, c.district, c.city, c.state) "
            "IS DISTINCT FROM (i.street, i.district, i.city, i.state)"
        ),
        {"now": utcnow()},
    ).rowcount
    insert = text(
        f"INSERT INTO ceps ({_COLUMNS}, updated_at) "  # noqa: S608
        f"SELECT {_COLUMNS}, :now FROM cep_import i "
        "WHERE NOT EXISTS (SELECT 1 FROM ceps c WHERE c.cep = i.cep) ORDER BY cep "
        f"{_CHANGED}"
    )
    new = session.execute(insert, {"now": utcnow()}).rowcount
    return new, new + updated


def _upsert_row_by_row(rows: pd.DataFrame) -> tuple[int, int]:
    """SQLite: one executemany of the upsert (in-process: no round trips to save)."""
    # A quick scan here; a parallel import could only skew the counts, never the rows.
    before = db.session.scalar(text("SELECT count(*) FROM ceps"))
    blank_as_null = rows.replace({"street": {"": None}, "district": {"": None}})
    now = utcnow().strftime("%Y-%m-%d %H:%M:%S.%f")  # as SQLAlchemy stores a UTC instant
    raw = db.session.connection().connection.driver_connection
    cursor = raw.executemany(
        f"INSERT INTO ceps ({_COLUMNS}, updated_at) VALUES (?, ?, ?, ?, ?, ?) {_CHANGED}",  # noqa: S608
        ((*row, now) for row in blank_as_null.itertuples(index=False, name=None)),
    )
    return db.session.scalar(text("SELECT count(*) FROM ceps")) - before, cursor.rowcount
