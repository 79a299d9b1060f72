"""Exports through the API and a real worker: each format, read back by a program that did not
write it and checked against the database; who may start, see and download them; bad input."""

import csv
import io
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest

from models import clock
from models.clock import utcnow
from models.db import db
from models.extracts.exports import Export, ExportDownload
from models.service.radius import RadAcct
from tests.tasks.extracts.sessions import customer_with_login, load_sessions
from tests.waiting import wait_until

ROWS = 3_000  # enough for a byte total beyond 2^53 (see load_sessions)


def _finished(client, headers, location: str) -> dict:
    def done():
        return client.get(location, headers=headers).json["status"] in ("done", "failed")

    assert wait_until(done, timeout=60), client.get(location, headers=headers).json
    return client.get(location, headers=headers).json


def _export(client, headers, **body) -> tuple[dict, bytes]:
    """POST an export, wait for the worker, download the file."""
    answer = client.post("/api/v1/exports", json=body, headers=headers)
    assert answer.status_code == 202, answer.json
    job = _finished(client, headers, answer.headers["Location"])
    assert job["status"] == "done", job
    download = client.get(f"{answer.headers['Location']}/file", headers=headers)
    assert download.status_code == 200
    return job, download.data


def _database_sums(app, username: str) -> dict:
    with app.app_context():
        row = db.session.execute(
            db.select(
                db.func.count(),
                db.func.sum(RadAcct.acctoutputoctets),
                db.func.sum(RadAcct.acctsessiontime),
            ).where(RadAcct.username == username)
        ).one()
    return {"rows": row[0], "download": int(row[1]), "duration": int(row[2])}


@pytest.fixture
def customer(app):
    code = customer_with_login(app, "maria.pppoe")
    load_sessions(app, "maria.pppoe", ROWS)
    other = customer_with_login(app, "joao.pppoe")
    load_sessions(app, "joao.pppoe", 5, first_id=10_000)  # never in maria's files
    return {"code": code, "other": other}


def test_csv_has_title_picked_columns_every_row_and_exact_totals(
    app, client, admin, customer, celery_worker
):
    job, data = _export(
        client,
        admin,
        source="connections",
        format="csv",
        title="Conexões de Maria",
        filters={"customer_code": customer["code"]},
        totals=True,
        columns=[
            {"field": "download_bytes", "title": "Baixado"},
            {"field": "login"},
            {"field": "duration_s", "title": "Segundos"},
        ],
    )
    expected = _database_sums(app, "maria.pppoe")
    assert job["rows_total"] == job["rows_written"] == expected["rows"] == ROWS
    assert job["percent"] == 100.0 and job["expires_at"]

    text = data.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == "Conexões de Maria"
    assert lines[1] == "Baixado;Login;Segundos"
    table = pd.read_csv(io.StringIO(text), sep=";", skiprows=1, dtype=str)
    body, totals = table.iloc[:-1], table.iloc[-1]
    assert len(body) == ROWS
    assert set(body["Login"]) == {"maria.pppoe"}
    assert sum(int(value) for value in body["Baixado"]) == expected["download"]
    assert expected["download"] > 2**53
    assert int(totals["Baixado"]) == expected["download"]  # exact, not a float
    assert totals["Login"] == f"Total: {ROWS} linhas"
    assert int(totals["Segundos"]) == expected["duration"]


def test_csv_dates_are_local_and_formula_text_is_neutralised(
    app, client, admin, customer, celery_worker
):
    _, data = _export(
        client,
        admin,
        source="connections",
        format="csv",
        filters={"customer_code": customer["code"]},
        columns=[{"field": "start"}, {"field": "termination_cause"}],
    )
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Extrato de Conexões"]  # the default title
    with app.app_context():
        first = db.session.scalars(
            db.select(RadAcct)
            .where(RadAcct.username == "maria.pppoe")
            .order_by(RadAcct.acctstarttime)
        ).first()
        local = first.acctstarttime.astimezone(clock.zone())
    assert rows[2][0] == local.strftime("%d/%m/%Y %H:%M:%S")
    causes = {row[1] for row in rows[2:]}
    assert causes == {"'=HYPERLINK(1)", "User-Request"}


def test_txt_uses_the_delimiter_and_never_quotes(app, client, admin, customer, celery_worker):
    _, data = _export(
        client,
        admin,
        source="connections",
        format="txt",
        delimiter="|",
        totals=True,
        title='Relatório "mensal" | março',
        filters={"customer_code": customer["code"]},
    )
    lines = data.decode("utf-8").splitlines()
    assert lines[0] == "Relatório  mensal    março"  # the delimiter and quotes became spaces
    assert '"' not in data.decode("utf-8")
    widths = {line.count("|") for line in lines[1:]}
    assert widths == {10}  # eleven columns on every line, totals included
    assert len(lines) == 2 + ROWS + 1


def test_xlsx_is_read_back_by_openpyxl_with_title_widths_and_totals(
    app, client, admin, customer, celery_worker
):
    openpyxl = pytest.importorskip("openpyxl")
    _, data = _export(
        client,
        admin,
        source="connections",
        format="xlsx",
        title="Planilha",
        totals=True,
        filters={"customer_code": customer["code"]},
        columns=[
            {"field": "start", "width_px": 150},
            {"field": "download_bytes"},
            {"field": "termination_cause"},
        ],
    )
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=False)
    sheet = book.worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "Planilha"
    assert list(values[1]) == ["Início", "Download (bytes)", "Motivo do término"]
    assert len(values) == 2 + ROWS + 1
    with app.app_context():
        first = db.session.scalar(
            db.select(db.func.min(RadAcct.acctstarttime)).where(RadAcct.username == "maria.pppoe")
        )
    local = first.astimezone(clock.zone()).replace(tzinfo=None)
    assert values[2][0] == local  # a real Excel date, on the ISP's clock
    assert isinstance(values[3][1], int | float)
    causes = [sheet.cell(row=number, column=3) for number in range(3, 3 + ROWS)]
    assert all(cell.data_type == "s" for cell in causes)  # text, never a formula
    assert {cell.value.lstrip("'") for cell in causes} == {"=HYPERLINK(1)", "User-Request"}
    expected = _database_sums(app, "maria.pppoe")
    assert str(values[-1][1]).replace(".", "") == str(expected["download"])
    width = sheet.column_dimensions["A"].width
    assert 18 <= width <= 23  # 150 px is about 20.7 characters


def test_the_user_lists_only_their_own_exports(app, client, headers_for, customer):
    mine = headers_for("attendant")
    theirs = headers_for("finance")
    body = {
        "source": "connections",
        "format": "csv",
        "filters": {"customer_code": customer["code"]},
    }
    assert client.post("/api/v1/exports", json=body, headers=mine).status_code == 202
    assert client.post("/api/v1/exports", json=body, headers=theirs).status_code == 202
    listed = client.get("/api/v1/exports", headers=mine).json
    assert listed["total"] == 1 and listed["items"][0]["requested_by"] == "attendant.user"


def test_only_the_requester_and_admins_see_and_download_a_file(
    app, client, headers_for, customer, celery_worker
):
    attendant, other, admin = headers_for("attendant"), headers_for("finance"), headers_for()
    answer = client.post(
        "/api/v1/exports",
        json={
            "source": "connections",
            "format": "csv",
            "filters": {"customer_code": customer["code"]},
        },
        headers=attendant,
    )
    location = answer.headers["Location"]
    _finished(client, attendant, location)
    assert client.get(location, headers=other).status_code == 404
    assert client.get(f"{location}/file", headers=other).status_code == 404
    assert client.get(f"{location}/file", headers=attendant).status_code == 200
    download = client.get(f"{location}/file", headers=admin)
    assert download.status_code == 200
    disposition = download.headers["Content-Disposition"]
    assert "attachment" in disposition and f"connections-{answer.json['id']}.csv" in disposition
    with app.app_context():
        who = db.session.scalars(db.select(ExportDownload.user_id)).all()
    assert len(who) == 2  # each download recorded; the refused one is not


def test_a_technician_reads_extracts_but_does_not_export(client, headers_for, customer):
    answer = client.post(
        "/api/v1/exports",
        json={"source": "connections", "format": "csv"},
        headers=headers_for("technician"),
    )
    assert answer.status_code == 403
    assert (
        client.post("/api/v1/exports", json={"source": "calls", "format": "csv"}).status_code == 401
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"columns": [{"field": "password"}]}, "columns.0.field"),
        ({"columns": [{"field": "login"}, {"field": "login"}]}, "columns.1.field"),
        ({"filters": {"terminal": "1133334444"}}, "filters.terminal"),
        ({"filters": {"from": "2026-01-01", "to": "2027-06-30"}}, "to"),
        ({"filters": {"from": "2026-02-01", "to": "2026-01-01"}}, "from"),
        ({"filters": {"login": "joao.pppoe"}}, "login"),
        ({"delimiter": ",", "decimal_separator": ","}, "decimal_separator"),
        ({"format": "pdf"}, "format"),
        ({"delimiter": "ab"}, "delimiter"),
        ({"columns": [{"field": "login", "width_px": 5}]}, "columns"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_queues_nothing(
    app, client, admin, customer, body, field
):
    request = {"source": "connections", "format": "csv", **body}
    request["filters"] = {"customer_code": customer["code"], **body.get("filters", {})}
    answer = client.post("/api/v1/exports", json=request, headers=admin)
    assert answer.status_code == 422, answer.json
    assert field in str(answer.json["errors"])
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Export.id))) == 0


def test_an_unknown_customer_is_a_404(client, admin):
    body = {"source": "connections", "format": "csv", "filters": {"customer_code": 999}}
    assert client.post("/api/v1/exports", json=body, headers=admin).status_code == 404


def test_more_exports_at_once_than_allowed_is_a_429(app, client, admin, customer):
    body = {
        "source": "connections",
        "format": "csv",
        "filters": {"customer_code": customer["code"]},
    }
    limit = app.config["EXPORTS_MAX_RUNNING"]
    me = client.get("/api/v1/me", headers=admin).json["id"]
    with app.app_context():  # queued and not yet taken (as when the workers are busy)
        for _ in range(limit):
            db.session.add(
                Export(
                    user_id=me,
                    requested_by="x",
                    source="connections",
                    format="csv",
                    params={},
                    status="queued",
                )
            )
        db.session.commit()
    answer = client.post("/api/v1/exports", json=body, headers=admin)
    assert answer.status_code == 429 and answer.headers["Retry-After"]


def test_a_file_not_ready_is_a_409_and_an_expired_one_is_gone(
    app, client, admin, customer, celery_worker
):
    from tasks.extracts import purge_expired_exports

    job, _ = _export(
        client,
        admin,
        source="connections",
        format="csv",
        filters={"customer_code": customer["code"]},
    )
    with app.app_context():
        export = db.session.get(Export, job["id"])
        export.expires_at = utcnow() - timedelta(minutes=1)
        path = app.config["EXPORTS_DIR"] + "/" + export.file_name
        db.session.commit()
    purge_expired_exports.apply()  # what beat runs hourly
    shown = client.get(f"/api/v1/exports/{job['id']}", headers=admin).json
    assert shown["status"] == "expired"
    assert client.get(f"/api/v1/exports/{job['id']}/file", headers=admin).status_code == 409
    assert not Path(path).exists()


def test_a_whole_nas_is_exported_staff_wide(app, client, admin, customer, celery_worker):
    job, data = _export(
        client,
        admin,
        source="connections",
        format="csv",
        filters={"nas": "10.9.0.1"},
        columns=[{"field": "login"}, {"field": "nas"}],
    )
    assert job["params"]["filters"] == {"nas": "10.9.0.1"}
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))[2:]
    assert len(rows) == ROWS + 5  # both customers' sessions on that NAS
    assert {row[1] for row in rows} == {"10.9.0.1"}
    answer = client.post(
        "/api/v1/exports",
        json={"source": "connections", "format": "csv", "filters": {"nas": "10.9.0.0/24"}},
        headers=admin,
    )
    assert answer.status_code == 422
