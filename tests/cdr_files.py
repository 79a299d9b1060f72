"""Asterisk cdr-csv files for tests, written as cdr_csv.c writes them, and imported by the CLI."""

import itertools
from pathlib import Path

from flask import Flask

_serial = itertools.count(1)


def _quoted(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def cdr_line(
    src: str = "1133334444",
    dst: str = "33335555",
    start: str = "2026-11-10 10:00:00",
    duration: int | str = 70,
    billsec: int | str = 65,
    disposition: str = "ANSWERED",
    uniqueid: str | None = None,
    channel: str | None = None,
    userfield: str = "",
) -> str:
    """One Master.csv record with loguniqueid and loguserfield (18 fields), as Asterisk writes
    it: strings quoted, numbers bare, the answer and end times left empty."""
    uniqueid = uniqueid or f"1762700000.{next(_serial)}"
    channel = channel if channel is not None else f"SIP/{src}-{next(_serial):08x}"
    strings = (
        "",  # accountcode
        src,
        dst,
        "from-customers",  # dcontext
        f'"Cliente" <{src}>',  # clid, with quotes to double
        channel,
        "SIP/operadora-0000abcd",  # dstchannel
        "Dial",
        f"SIP/operadora/{dst},60,tT",  # lastdata, with commas inside the quotes
    )
    return ",".join(
        [
            *(_quoted(s) for s in strings),
            _quoted(start),
            "",  # answer: empty, as an unset time is written
            "",  # end
            str(duration),
            str(billsec),
            _quoted(disposition),
            _quoted("DOCUMENTATION"),
            _quoted(uniqueid),
            _quoted(userfield),
        ]
    )


def write_cdr(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def import_cdr(app: Flask, path: Path, *options: str):
    """Run `flask calls import FILE` in-process; returns click's result (output, exit code)."""
    return app.test_cli_runner().invoke(args=["calls", "import", str(path), *options])
