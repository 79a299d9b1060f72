"""Export files speak Portuguese: termination types by their labels, and every duration in
hh:mm:ss beside its seconds (in the rows and the totals), in CSV, TXT and XLSX, read back."""

import csv
import io
from datetime import timedelta

import openpyxl
import pytest

from models.clock import utcnow
from models.db import db
from models.extracts.calls import TERMINATIONS
from models.extracts.export_text import hms
from models.extracts.extracts import TERMINATION_LABELS
from models.service.radius import RadAcct
from tests.tasks.extracts.sessions import customer_with_login, load_sessions
from tests.tasks.extracts.test_export_api import _export
from tests.tasks.extracts.test_export_calls_and_cli import NOVEMBER, _customer_with_calls

CALL_HEADINGS = [
    "Data/hora",
    "Origem",
    "Destino",
    "Duração (s)",
    "Duração (hh:mm:ss)",
    "Tarifado (s)",
    "Tarifado (hh:mm:ss)",
    "Tipo de terminação",
    "Custo (R$)",
]
LONG_SESSION_S = 25 * 3600 + 61  # a day and more: the hours go past 24


def _rows(data: bytes, file_format: str) -> list[list]:
    """The file's rows as a program that did not write it reads them."""
    if file_format == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    text = data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";" if file_format == "csv" else "\t"))


def _as_seconds(value, file_format: str) -> int:
    """A duration cell in seconds: a time value in XLSX, hh:mm:ss text otherwise."""
    if file_format == "xlsx":
        assert isinstance(value, timedelta), value
        return round(value.total_seconds())
    hours, minutes, seconds = (int(part) for part in value.split(":"))
    assert value == hms(3600 * hours + 60 * minutes + seconds)  # two digits at least each
    return 3600 * hours + 60 * minutes + seconds


def test_every_termination_type_has_a_portuguese_label():
    assert [code for code, _ in TERMINATION_LABELS] == list(TERMINATIONS)
    assert dict(TERMINATION_LABELS)["toll_free"] == "0800 (gratuita)"


def test_hh_mm_ss_pads_and_passes_a_day():
    assert [hms(0), hms(59), hms(125), hms(3600), hms(LONG_SESSION_S)] == [
        "00:00:00",
        "00:00:59",
        "00:02:05",
        "01:00:00",
        "25:01:01",
    ]
    assert hms(100 * 3600) == "100:00:00"


@pytest.mark.parametrize("file_format", ["csv", "txt", "xlsx"])
def test_a_call_export_shows_labels_and_durations_beside_seconds(
    app, client, admin, tmp_path, celery_worker, file_format
):
    code = _customer_with_calls(app, client, admin, tmp_path)
    filters = {"customer_code": code, **NOVEMBER}
    body = {"source": "calls", "format": file_format, "totals": True, "filters": filters}
    if file_format == "txt":
        body["delimiter"] = "\t"
    _, data = _export(client, admin, **body)
    rows = _rows(data, file_format)

    assert list(rows[1]) == CALL_HEADINGS
    calls, totals = rows[2:-1], rows[-1]
    assert [row[7] for row in calls] == ["Local", "Móvel", "Local", "Local"]
    for row in calls:
        assert _as_seconds(row[4], file_format) == int(row[3])  # duration
        assert _as_seconds(row[6], file_format) == int(row[5])  # billed
    assert _as_seconds(calls[3][6], file_format) == 125
    if file_format != "xlsx":
        assert calls[3][6] == "00:02:05"
        assert totals[5:7] == ["216", "00:03:36"]
    assert _as_seconds(totals[4], file_format) == int(totals[3])
    assert _as_seconds(totals[6], file_format) == int(totals[5]) == 216
    if file_format == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
        assert sheet.cell(row=6, column=7).number_format == "[hh]:mm:ss"


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_a_connection_export_shows_session_durations_in_hh_mm_ss(
    app, client, admin, celery_worker, file_format
):
    code = customer_with_login(app, "longa.pppoe")
    load_sessions(app, "longa.pppoe", 3)  # 9 s each
    with app.app_context():  # one session of more than a day, as FreeRADIUS records it
        start = utcnow().replace(microsecond=0) - timedelta(days=2)
        db.session.add(
            RadAcct(
                acctsessionid="longa",
                acctuniqueid="longa-1",
                username="longa.pppoe",
                nasipaddress="10.9.0.1",
                acctstarttime=start,
                acctstoptime=start + timedelta(seconds=LONG_SESSION_S),
                acctsessiontime=LONG_SESSION_S,
            )
        )
        db.session.commit()
    filters = {"customer_code": code}
    _, data = _export(
        client, admin, source="connections", format=file_format, totals=True, filters=filters
    )
    rows = _rows(data, file_format)

    assert rows[1][3:5] == ["Duração (s)", "Duração (hh:mm:ss)"]
    durations = [_as_seconds(row[4], file_format) for row in rows[2:-1]]
    assert sorted(durations) == [9, 9, 9, LONG_SESSION_S]
    assert _as_seconds(rows[-1][4], file_format) == LONG_SESSION_S + 27
    if file_format == "csv":
        assert "25:01:01" in [row[4] for row in rows[2:-1]]
        assert rows[-1][4] == "25:01:28"
