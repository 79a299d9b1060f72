"""Import of call records (CDRs) from Asterisk's cdr-csv files [6.7] (format:
models/extracts/cdr_csv.py).

Each record is matched to the voice terminal that placed it, classified by the number dialled
and priced by its termination type's tariff as it is now (the cost stays as imported).

Nothing is skipped silently: every line not imported is counted under its reason, with its
line number. Rows are written chunk by chunk; `CdrImport.run` yields after each one so the
caller commits (models never commit), and a re-run skips what was already imported.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from models import clock
from models.clock import utcnow
from models.db import db, upsert
from models.extracts.call_terminals import TerminalDirectory
from models.extracts.calls import Call, Tariff, call_cost
from models.extracts.cdr_csv import BadLine, CdrReader, Layout
from models.extracts.numbering import termination_of
from models.extracts.settings import ExtractSettings
from models.settings import current

INSERT_ROWS = 500  # rows per INSERT: SQLite allows 32,766 parameters per statement
SHOWN_LINES = 10  # line numbers listed per reason; the count says how many there were
# What tells two records with one key apart: the same record again, or another call.
IDENTITY = ("started_at", "destination", "billed_s", "disposition")


@dataclass
class Tally:
    """Lines under one reason: how many, and the first few line numbers."""

    count: int = 0
    lines: list[int] = field(default_factory=list)

    def add(self, line: int) -> None:
        self.count += 1
        if len(self.lines) < SHOWN_LINES:
            self.lines.append(line)


@dataclass
class ImportReport:
    """What an import did with every line of the file."""

    file: str
    lines: int = 0
    imported: int = 0
    duplicates: int = 0
    bad: dict[str, Tally] = field(default_factory=dict)  # malformed lines, by reason
    skipped: dict[str, Tally] = field(default_factory=dict)  # well-formed, not importable
    untariffed: set[str] = field(default_factory=set)  # terminations priced 0: no tariff
    stopped: str | None = None  # why reading ended before the end of the file

    def note(self, kind: dict[str, Tally], reason: str, line: int) -> None:
        kind.setdefault(reason, Tally()).add(line)

    @property
    def bad_lines(self) -> int:
        return sum(t.count for t in self.bad.values())

    @property
    def skipped_lines(self) -> int:
        return sum(t.count for t in self.skipped.values())


class CdrImport:
    """One import of one file; `run()` writes a chunk per step and yields the report so far."""

    def __init__(self, path: str | Path, layout: Layout | None = None):
        path = Path(path)
        self.reader = CdrReader(path, layout or Layout(), clock.zone())
        self.report = ImportReport(file=path.name)
        self.home_area_code = current(ExtractSettings).voip_home_area_code
        self.imported_at = utcnow()
        self.terminals = TerminalDirectory.load(self.home_area_code)
        self.tariffs = {t.termination: t for t in db.session.scalars(db.select(Tariff))}

    def run(self) -> Iterator[ImportReport]:
        """Import chunk by chunk; the caller commits after each yield."""
        for records in self.reader.chunks():
            self.report.lines += len(records)
            rows = [row for line, values in records if (row := self._row(line, values))]
            self._insert(rows)
            yield self.report
        self.report.stopped = self.reader.stopped

    # --- one record --------------------------------------------------------------------------

    def _row(self, line: int, values: tuple) -> dict | None:
        """The calls row of one record, or None after noting why it is not imported."""
        try:
            record = self.reader.parse(values)
        except BadLine as error:
            self.report.note(self.report.bad, str(error), line)
            return None
        terminal = self.terminals.find(record["channel"], record["src"], record["started_at"])
        if terminal is None:
            self.report.note(self.report.skipped, "no voip_terminal placed this call", line)
            return None
        try:
            termination = termination_of(record["dst"], self.home_area_code)
        except ValueError:
            reason = "destination is not a number Brazilian numbering knows"
            self.report.note(self.report.skipped, reason, line)
            return None
        tariff = self.tariffs.get(termination)
        if tariff is None:
            self.report.untariffed.add(termination)
        return {
            "uniqueid": record["key"],
            "item_id": terminal.item_id,
            "customer_code": terminal.customer_code,
            "terminal": terminal.number,
            "started_at": record["started_at"],
            "destination": record["dst"],
            "duration_s": record["duration"],
            "billed_s": record["billsec"],
            "disposition": record["disposition"],
            "termination": termination,
            "cost": call_cost(record["billsec"], tariff, record["disposition"]),
            "imported_at": self.imported_at,
            "source_file": self.report.file,
            "_line": line,
        }

    # --- writing -----------------------------------------------------------------------------

    def _insert(self, rows: list[dict]) -> None:
        """Insert rows with new keys; a key stored before is a duplicate, or a clash to report."""
        for start in range(0, len(rows), INSERT_ROWS):
            batch = rows[start : start + INSERT_ROWS]
            keys = [row["uniqueid"] for row in batch]
            stored = db.select(Call.uniqueid, *(Call.__table__.c[name] for name in IDENTITY))
            known = {
                key: tuple(rest)
                for key, *rest in db.session.execute(stored.where(Call.uniqueid.in_(keys)))
            }
            fresh: dict[str, dict] = {}
            for row in batch:
                line, key = row.pop("_line"), row["uniqueid"]
                seen = known.get(key) or (_identity(fresh[key]) if key in fresh else None)
                if seen is None:
                    fresh[key] = row
                elif seen == _identity(row):
                    self.report.duplicates += 1
                else:
                    reason = "uniqueid already used by another call (log newcdrcolumns)"
                    self.report.note(self.report.skipped, reason, line)
            inserted = _insert_new(list(fresh.values()), self.imported_at)
            self.report.imported += inserted
            self.report.duplicates += len(fresh) - inserted  # a parallel import was first


def _insert_new(rows: list[dict], imported_at: datetime) -> int:
    """Insert rows whose uniqueid is new; return how many were (another import running at
    the same time may have stored some first).

    An executemany without RETURNING: the PostgreSQL driver sends it as one pipelined
    statement, where models.db.insert_or_ignore's multi-row VALUES with RETURNING spends most
    of the import's time having the driver parse a statement of thousands of parameters.
    """
    if not rows:
        return 0
    table = Call.__table__
    ignore = upsert(table).on_conflict_do_nothing(index_elements=[table.c.uniqueid])
    db.session.execute(ignore, rows)
    keys = [row["uniqueid"] for row in rows]
    stored = db.select(db.func.count()).where(
        table.c.uniqueid.in_(keys), table.c.imported_at == imported_at
    )
    return db.session.scalar(stored)


def _identity(row: dict) -> tuple:
    return tuple(row[name] for name in IDENTITY)
