"""An export of connection records is one logged read: written when it is requested (its
filter is fixed then, and who asked from where is known), its row count filled in when the
worker writes the file; a duplicate delivery or a retried job never adds a second row."""

import re

import pytest
from sqlalchemy.exc import IntegrityError

from models.db import db
from models.extracts import record_reads
from models.extracts.exports import QUEUED, Export
from models.extracts.record_reads import ConnectionRecordRead
from tasks.extracts import run_export
from tests.conftest import TEST_PASSWORD
from tests.outbox import recorded_effects
from tests.tasks.extracts.sessions import customer_with_login, load_sessions
from tests.web.api_helpers import assert_envelope

ROWS = 12
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _reads(app) -> list[ConnectionRecordRead]:
    with app.app_context():
        found = db.session.scalars(db.select(ConnectionRecordRead).order_by("id")).all()
        for read in found:
            db.session.expunge(read)
        db.session.remove()
        return list(found)


@pytest.fixture
def customer(app) -> int:
    code = customer_with_login(app, "maria.pppoe")
    load_sessions(app, "maria.pppoe", ROWS)
    load_sessions(app, "joao.pppoe", 3, first_id=10_000)  # no one's: never in maria's file
    return code


def _post(client, headers, **body):
    return client.post("/api/v1/exports", json=body, headers=headers)


def test_an_export_is_logged_once_and_counts_its_rows_when_written(
    app, client, headers_for, customer
):
    attendant = headers_for("attendant")
    with recorded_effects() as sent:  # the job waits: its read is logged before any worker
        answer = _post(
            client,
            attendant,
            source="connections",
            format="csv",
            filters={"customer_code": customer, "login": "maria.pppoe"},
        )
    assert answer.status_code == 202, answer.json
    export_id = answer.json["id"]
    assert [name for name, _, _ in sent] == ["tasks.exports.run_export"]
    [read] = _reads(app)
    assert (read.channel, read.export_id, read.customer_code) == ("export", export_id, customer)
    assert (read.username, read.role, read.ip) == ("attendant.user", "attendant", "127.0.0.1")
    assert read.user_id == client.get("/api/v1/me", headers=attendant).json["id"]
    assert read.filters["login"] == "maria.pppoe" and read.filters["format"] == "csv"
    assert read.filters["from"] and read.filters["to"]  # the default period, as days
    assert read.rows is None  # no file yet

    assert run_export.apply(args=[export_id]).result == "done"
    [read] = _reads(app)
    assert read.rows == ROWS

    # A duplicate delivery finds the job taken; a job beat put back runs again: one row still.
    assert run_export.apply(args=[export_id]).result == "not queued"
    with app.app_context():
        db.session.get(Export, export_id).status = QUEUED
        db.session.commit()
    assert run_export.apply(args=[export_id]).result == "done"
    [again] = _reads(app)
    assert (again.id, again.rows) == (read.id, ROWS)


def test_the_database_refuses_a_second_read_of_one_export(app, customer):
    with app.app_context():
        export = Export(requested_by="t", source="connections", format="csv", params={})
        db.session.add(export)
        db.session.flush()
        record_reads.record_read(record_reads.EXPORT, {}, export_id=export.id)
        with pytest.raises(IntegrityError):
            record_reads.record_read(record_reads.EXPORT, {}, export_id=export.id)
        db.session.rollback()


def test_a_refused_export_logs_nothing(app, client, headers_for, customer):
    admin = headers_for("admin")
    reversed_period = {"customer_code": customer, "from": "2024-03-31", "to": "2024-03-01"}
    bad = _post(client, admin, source="connections", format="csv", filters=reversed_period)
    assert_envelope(bad, 422, "validation_error")
    other = _post(client, admin, source="connections", format="csv", filters={"customer_code": 999})
    assert other.status_code == 404
    technician = _post(client, headers_for("technician"), source="connections", format="csv")
    assert_envelope(technician, 403, "forbidden")
    assert _reads(app) == []


def test_an_export_of_calls_is_not_a_read_of_connection_records(app, client, admin, customer):
    with recorded_effects():
        answer = _post(client, admin, source="calls", format="csv")
    assert answer.status_code == 202
    assert _reads(app) == []


def test_the_command_line_export_is_logged_for_its_operator(app, customer, tmp_path):
    result = app.test_cli_runner().invoke(
        args=["exports", "run", "--source", "connections", "--customer", str(customer)]
    )
    assert result.exit_code == 0, result.output
    [read] = _reads(app)
    assert read.username.startswith("cli:") and read.user_id is None and read.role is None
    assert (read.channel, read.customer_code, read.rows) == ("export", customer, ROWS)


def test_an_export_from_the_console_is_logged_for_who_asked(app, make_user, customer):
    user = make_user("ana.console", "finance")
    console = app.test_client()
    token = CSRF.search(console.get("/entrar").get_data(as_text=True)).group(1)
    body = {"username": user.username, "password": TEST_PASSWORD, "csrf_token": token}
    assert console.post("/entrar", data=body).status_code == 303
    form = console.get(f"/clientes/{customer}/conexoes/exportar").get_data(as_text=True)
    fields = {
        "csrf_token": CSRF.search(form).group(1),
        "format": "csv",
        "login": "maria.pppoe",
        "coluna.login": "true",
        "coluna.start": "true",
    }
    with recorded_effects() as sent:
        answer = console.post(f"/clientes/{customer}/conexoes/exportar", data=fields)
    assert answer.status_code == 303, answer.get_data(as_text=True)
    [(_, (export_id,), _)] = sent
    [read] = _reads(app)
    assert (read.channel, read.export_id, read.customer_code) == ("export", export_id, customer)
    assert (read.user_id, read.username, read.role) == (user.id, "ana.console", "finance")
    assert read.filters["login"] == "maria.pppoe" and read.filters["format"] == "csv"
