"""Call extracts exported (money in the Brazilian way, totals of durations and cost), and the
operator's `flask exports run` with its progress bar."""

import csv
import io

from models.db import db
from models.extracts.exports import Export
from tests.builders import build_customer, build_plan, build_subscription, build_voip_terminal
from tests.cdr_files import cdr_line, import_cdr, write_cdr
from tests.tasks.extracts.test_export_api import _export

NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}


def _customer_with_calls(app, client, admin, tmp_path) -> int:
    """Four calls of one customer in November 2026 (R$ 0.07 + 0.60 + 0 + 0.25) and one of
    another's; local at R$ 0.12/min and mobile at R$ 0.60/min, 30/6."""
    code, other = build_customer(app), build_customer(app)
    subscription = build_subscription(app, code, build_plan(app, kind="voip"))
    build_voip_terminal(app, number="1133334444", username="casa", subscription_id=subscription)
    build_voip_terminal(app, other, number="1133335555", username="vizinho")
    for termination, price in (("local", "0.12"), ("mobile", "0.60")):
        body = {"termination": termination, "price_per_minute": price}
        body |= {"first_seconds": 30, "increment_seconds": 6}
        assert client.post("/api/v1/tariffs", json=body, headers=admin).status_code == 201
    lines = [
        cdr_line(src="1133334444", dst="33330001", start="2026-11-03 09:00:00", billsec=31),
        cdr_line(src="1133334444", dst="11987650001", start="2026-11-04 09:00:00", billsec=60),
        cdr_line(src="1133334444", dst="33330002", start="2026-11-05 09:00:00", billsec=0),
        cdr_line(src="1133334444", dst="33330003", start="2026-11-30 23:59:59", billsec=125),
        cdr_line(src="1133335555", dst="33330004", start="2026-11-06 09:00:00", billsec=60),
    ]
    assert import_cdr(app, write_cdr(tmp_path / "Master.csv", lines)).exit_code == 0
    return code


def test_a_call_export_writes_cost_with_a_decimal_comma_and_totals(
    app, client, admin, tmp_path, celery_worker
):
    code = _customer_with_calls(app, client, admin, tmp_path)
    _, data = _export(
        client,
        admin,
        source="calls",
        format="csv",
        totals=True,
        filters={"customer_code": code, **NOVEMBER},
        columns=[
            {"field": "started_at"},
            {"field": "destination"},
            {"field": "termination"},
            {"field": "billed_s"},
            {"field": "cost", "title": "Valor"},
        ],
    )
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Extrato de Ligações"]
    assert rows[1] == ["Data/hora", "Destino", "Tipo de terminação", "Tarifado (s)", "Valor"]
    assert [row[1:] for row in rows[2:-1]] == [
        ["33330001", "Local", "31", "0,07"],
        ["11987650001", "Móvel", "60", "0,60"],
        ["33330002", "Local", "0", "0,00"],
        ["33330003", "Local", "125", "0,25"],
    ]
    assert rows[2][0] == "03/11/2026 09:00:00"  # the switch's local time, as dialled
    assert rows[-1] == ["Total: 4 linhas", "", "", "216", "0,92"]


def test_a_call_export_by_terminal_and_termination(app, client, admin, tmp_path, celery_worker):
    code = _customer_with_calls(app, client, admin, tmp_path)
    filters = {"customer_code": code, "terminal": "1133334444", "termination": "mobile"}
    job, data = _export(
        client, admin, source="calls", format="txt", delimiter="\t", filters={**filters, **NOVEMBER}
    )
    lines = data.decode("utf-8").splitlines()
    assert job["rows_total"] == 1 and len(lines) == 3
    assert lines[2].split("\t")[2] == "11987650001"
    other = client.post(
        "/api/v1/exports",
        headers=admin,
        json={
            "source": "calls",
            "format": "csv",
            "filters": {"customer_code": code, "terminal": "1133335555"},
        },
    )
    assert other.status_code == 422 and "terminal" in str(other.json["errors"])


def test_the_operator_exports_from_the_command_line(app, client, admin, tmp_path):
    code = _customer_with_calls(app, client, admin, tmp_path)
    output = tmp_path / "ligacoes.csv"
    result = app.test_cli_runner().invoke(
        args=[
            "exports",
            "run",
            "--source",
            "calls",
            "--customer",
            str(code),
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
            "--totals",
            "--title",
            "Novembro",
            "--columns",
            "destination:Número,cost",
            "--output",
            str(output),
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Done: 4 rows" in result.output
    lines = output.read_text(encoding="utf-8-sig").splitlines()
    assert lines[:2] == ["Novembro", "Número;Custo (R$)"]
    assert lines[-1] == "Total: 4 linhas;0,92"
    with app.app_context():
        export = db.session.scalars(db.select(Export)).one()
        assert export.status == "done" and export.requested_by.startswith("cli:")


def test_the_command_line_refuses_bad_input_and_queues_nothing(app):
    result = app.test_cli_runner().invoke(
        args=["exports", "run", "--source", "connections", "--columns", "login,password"]
    )
    assert result.exit_code != 0
    assert "columns.1.field" in result.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Export.id))) == 0
