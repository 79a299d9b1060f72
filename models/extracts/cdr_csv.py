"""Asterisk's cdr-csv files (`/var/log/asterisk/cdr-csv/Master.csv`), read in chunks.

The file has no header. Columns, in the order `build_csv_record` (cdr/cdr_csv.c) writes them:

    accountcode, src, dst, dcontext, clid, channel, dstchannel, lastapp, lastdata,
    start, answer, end, duration, billsec, disposition, amaflags,
    uniqueid       (only with loguniqueid=yes in cdr.conf's [csv]),
    userfield      (only with loguserfield=yes),
    peeraccount, linkedid, sequence   (only with newcdrcolumns=yes)

Strings are quoted ("" inside), numbers bare, an unset time an empty field. Times are the
switch's local time ("YYYY-MM-DD HH:MM:SS"), or UTC with usegmtime=yes; the ISP's zone is taken
as the switch's. The file cannot say which optional columns it has (17 fields may be uniqueid or
userfield), so the reader is told, with the names cdr.conf uses (`Layout`).

A record's key is its uniqueid, plus its sequence when logged: one call can leave several CDRs
with the same uniqueid (a Dial that fails over), and only the sequence tells them apart. Without
loguniqueid the key is a hash of the record, so re-importing the same file still adds nothing.

pandas reads it with the python engine: only that engine tells a missing field from an empty
one (the C engine gives "" for both, so a short line would pass), and a line's number follows
from the records before it (one line each, plus the line breaks inside quoted fields).
"""

import csv
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path

import pandas as pd

BASE_COLUMNS = (
    "accountcode",
    "src",
    "dst",
    "dcontext",
    "clid",
    "channel",
    "dstchannel",
    "lastapp",
    "lastdata",
    "start",
    "answer",
    "end",
    "duration",
    "billsec",
    "disposition",
    "amaflags",
)
OVERFLOW = "_more"  # catches fields beyond the layout, so a long line is reported, not dropped
CHUNK_ROWS = 5000
_WHOLE = re.compile(r"[0-9]{1,9}")
_DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")


@dataclass(frozen=True)
class Layout:
    """Which optional columns the switch logs, named as in cdr.conf's [csv] section."""

    loguniqueid: bool = True
    loguserfield: bool = True
    newcdrcolumns: bool = False
    usegmtime: bool = False

    @property
    def columns(self) -> tuple[str, ...]:
        extra = ("uniqueid",) if self.loguniqueid else ()
        extra += ("userfield",) if self.loguserfield else ()
        extra += ("peeraccount", "linkedid", "sequence") if self.newcdrcolumns else ()
        return BASE_COLUMNS + extra


class BadLine(ValueError):
    """A line that is not a cdr-csv record of the layout; the message says why."""


class CdrReader:
    """The records of one file, chunk by chunk, each with the line it starts on."""

    def __init__(self, path: Path, layout: Layout, zone: tzinfo):
        self.path = path
        self.layout = layout
        self.zone = UTC if layout.usegmtime else zone
        self.stopped: str | None = None  # why reading ended before the end of the file

    def _reader(self, chunk_rows: int, skip_lines: int):
        names = [*self.layout.columns, OVERFLOW]
        return pd.read_csv(
            self.path,
            header=None,
            names=names,
            dtype=str,
            keep_default_na=False,  # an empty field stays "", a missing one is NaN
            skip_blank_lines=False,  # a blank line is a bad line with its own number
            engine="python",  # tells a missing field from an empty one; the C engine does not
            on_bad_lines=lambda fields: fields[: len(names)],  # keep it, reported below
            chunksize=chunk_rows,
            skiprows=skip_lines,
            encoding="utf-8",
            encoding_errors="replace",
        )

    def chunks(self) -> Iterator[list[tuple[int, tuple]]]:
        """Lists of (line number, fields or NaN) per record, CHUNK_ROWS at a time.

        A chunk that cannot be parsed (a quote left open runs to the end of the file) is read
        again one record at a time, so the records before the broken one still count.
        """
        line, chunk_rows = 1, CHUNK_ROWS
        reader = self._reader(chunk_rows, 0)
        while True:
            try:
                chunk = next(reader)
            except StopIteration:
                return
            except (csv.Error, pd.errors.ParserError) as error:
                if chunk_rows == 1:
                    self.stopped = f"line {line} cannot be read ({error}); nor what follows"
                    return
                chunk_rows = 1
                reader = self._reader(1, line - 1)
                continue
            records = []
            for values in chunk.itertuples(index=False, name=None):
                records.append((line, values))
                line += 1 + sum(v.count("\n") for v in values if isinstance(v, str))
            yield records

    def parse(self, values: tuple) -> dict:
        """The record's fields by name, typed, with its key; BadLine says what is wrong."""
        columns = self.layout.columns
        given = sum(1 for v in values if isinstance(v, str))
        if isinstance(values[-1], str):
            raise BadLine(f"more than {len(columns)} fields")
        if given < len(columns):
            raise BadLine(f"{given} fields, {len(columns)} expected")
        record = dict(zip(columns, values, strict=False))
        record["started_at"] = self._instant(record["start"])
        for name in ("duration", "billsec"):
            if not _WHOLE.fullmatch(record[name]):
                raise BadLine(f"{name} is not a whole number of seconds")
            record[name] = int(record[name])
        if len(record["dst"]) > 40:
            raise BadLine("destination longer than 40 characters")
        if not 0 < len(record["disposition"]) <= 20:
            raise BadLine("disposition empty or longer than 20 characters")
        record["key"] = self._key(record)
        return record

    def _instant(self, text: str) -> datetime:
        # The shape first: fromisoformat (50x faster than strptime) takes other shapes too.
        try:
            if not _DATETIME.fullmatch(text):
                raise ValueError
            local = datetime.fromisoformat(text)
        except ValueError:
            raise BadLine("start is not a date and time (YYYY-MM-DD HH:MM:SS)") from None
        return local.replace(tzinfo=self.zone).astimezone(UTC)

    def _key(self, record: dict) -> str:
        if not self.layout.loguniqueid:
            joined = "\x1f".join(record[name] for name in self.layout.columns[:12])
            return "sha1:" + hashlib.sha1(joined.encode(), usedforsecurity=False).hexdigest()
        key = record["uniqueid"]
        if self.layout.newcdrcolumns:
            if not _WHOLE.fullmatch(record["sequence"]):
                raise BadLine("sequence is not a whole number")
            key = f"{key}#{record['sequence']}"
        if not key or len(key) > 150:
            raise BadLine("uniqueid empty or longer than 150 characters")
        return key
