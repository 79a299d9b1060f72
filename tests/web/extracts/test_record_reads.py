"""Who read connection records: every read (API and console extracts, the personal-data
document) leaves exactly one row with who, from where, how and of what; a refused read leaves
none; only admins list them, and no customer's history shows them."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from models import clock
from models.db import db
from models.extracts.record_reads import ConnectionRecordRead
from tests.builders import build_customer, build_login, build_session, build_subscription
from tests.conftest import TEST_PASSWORD
from tests.web.api_helpers import API, assert_envelope

MARCH = {"from": "2024-03-01", "to": "2024-03-31"}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def customer_with_sessions(app, login: str, sessions: int = 2) -> int:
    """A customer holding `login`, with `sessions` closed sessions in March 2024."""
    code = build_customer(app)
    build_login(app, build_subscription(app, customer_code=code), login)
    for day in range(1, sessions + 1):
        start = datetime(2024, 3, day * 3, 12, tzinfo=UTC)
        build_session(app, login, start, start + timedelta(hours=1), nas="10.0.0.7")
    return code


def reads(app) -> list[dict]:
    """Every logged read, oldest first, as plain dicts."""
    with app.app_context():
        found = db.session.scalars(db.select(ConnectionRecordRead).order_by("id")).all()
        rows = [
            {c.key: getattr(read, c.key) for c in ConnectionRecordRead.__table__.columns}
            for read in found
        ]
        db.session.remove()
        return rows


def me(client, headers) -> dict:
    return client.get(f"{API}/me", headers=headers).json


@pytest.fixture
def console_as(app, make_user):
    """A test client signed in to the console as a new user of `role`."""

    def sign(role: str):
        user = make_user(f"{role}.console", role)
        client = app.test_client()
        token = CSRF.search(client.get("/entrar").get_data(as_text=True)).group(1)
        body = {"username": user.username, "password": TEST_PASSWORD, "csrf_token": token}
        assert client.post("/entrar", data=body).status_code == 303
        return client, user

    return sign


# --- the API's extracts -------------------------------------------------------------------------


def test_a_customers_extract_is_logged_once_with_who_what_and_how_many(app, client, headers_for):
    code = customer_with_sessions(app, "maria", sessions=3)
    attendant = headers_for("attendant")
    answer = client.get(
        f"{API}/customers/{code}/connections",
        query_string={**MARCH, "login": "maria", "per_page": 2, "page": 2},
        headers=attendant,
    )
    assert answer.status_code == 200
    [read] = reads(app)
    assert read["user_id"] == me(client, attendant)["id"]
    assert (read["username"], read["role"]) == ("attendant.user", "attendant")
    assert read["ip"] == "127.0.0.1"
    assert read["request_id"] == answer.headers["X-Request-ID"]
    assert read["channel"] == "api"
    assert read["customer_code"] == code
    assert read["filters"] == {
        "customer_code": code,
        "login": "maria",
        **MARCH,
        "page": 2,
        "per_page": 2,
    }
    assert read["rows"] == 1  # the page shown: the third session
    assert read["export_id"] is None
    assert read["at"] is not None


def test_a_default_period_is_logged_as_the_days_really_read(app, client, admin):
    code = customer_with_sessions(app, "maria")
    with time_machine.travel(datetime(2024, 3, 20, 12, tzinfo=clock.zone()), tick=True):
        assert client.get(f"{API}/customers/{code}/connections", headers=admin).status_code == 200
    [read] = reads(app)
    assert (read["filters"]["from"], read["filters"]["to"]) == ("2024-02-20", "2024-03-20")
    assert read["rows"] == 2


def test_everyones_extract_is_logged_with_its_filter_and_no_customer(app, client, admin):
    customer_with_sessions(app, "maria")
    answer = client.get(
        f"{API}/connections", query_string={**MARCH, "nas": "10.0.0.7"}, headers=admin
    )
    assert answer.status_code == 200
    [read] = reads(app)
    assert read["customer_code"] is None
    assert read["filters"] == {"nas": "10.0.0.7", **MARCH, "page": 1, "per_page": 50}
    assert (read["channel"], read["role"], read["rows"]) == ("api", "admin", 2)


def test_typed_text_in_a_filter_is_kept_as_data(app, client, admin):
    login = 'x\'); DROP TABLE radacct; -- %s {0} "ok"'
    answer = client.get(f"{API}/connections", query_string={"login": login}, headers=admin)
    assert answer.status_code == 200
    [read] = reads(app)
    assert read["filters"]["login"] == login
    assert read["rows"] == 0  # an extract that found nothing was still a read of the records


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({"from": "2024-03-31", "to": "2024-03-01"}, 422),  # reversed
        ({"from": "2020-01-01", "to": "2024-03-31"}, 422),  # too long
        ({"login": "not-hers"}, 422),  # another customer's login
        ({"per_page": 201}, 422),
        ({"password": "x"}, 422),  # not a filter
    ],
)
def test_a_refused_read_reads_nothing_and_logs_nothing(app, client, admin, query, status):
    code = customer_with_sessions(app, "maria")
    answer = client.get(f"{API}/customers/{code}/connections", query_string=query, headers=admin)
    assert answer.status_code == status
    assert reads(app) == []


def test_no_such_customer_is_a_404_and_logs_nothing(app, client, admin):
    assert client.get(f"{API}/customers/999/connections", headers=admin).status_code == 404
    answer = client.get(f"{API}/connections", query_string={"customer_code": 999}, headers=admin)
    assert answer.status_code == 404
    assert reads(app) == []


def test_a_calls_extract_is_not_a_read_of_connection_records(app, client, admin):
    code = customer_with_sessions(app, "maria")
    assert client.get(f"{API}/customers/{code}/calls", headers=admin).status_code == 200
    assert reads(app) == []


# --- the console -------------------------------------------------------------------------------


def test_the_console_tab_and_everyones_screen_are_logged(app, console_as):
    code = customer_with_sessions(app, "maria")
    client, user = console_as("technician")
    tab = client.get(f"/clientes/{code}/conexoes?from=01/03/2024&to=31/03/2024")
    assert tab.status_code == 200
    everyone = client.get("/conexoes", query_string={"login": "maria"})
    assert everyone.status_code == 200
    first, second = reads(app)
    assert (first["channel"], first["customer_code"], first["user_id"]) == (
        "console",
        code,
        user.id,
    )
    assert (first["username"], first["role"]) == ("technician.console", "technician")
    assert first["filters"]["customer_code"] == code and first["ip"] == "127.0.0.1"
    assert second["channel"] == "console" and second["customer_code"] is None
    assert second["filters"]["login"] == "maria"


def test_a_refused_console_filter_logs_nothing(app, console_as):
    code = customer_with_sessions(app, "maria")
    client, _ = console_as("attendant")
    assert client.get(f"/clientes/{code}/conexoes?login=joao").status_code == 422
    assert client.get("/conexoes?customer_code=999").status_code == 422
    assert reads(app) == []


# --- the personal-data document -----------------------------------------------------------------


def test_the_personal_data_document_is_logged_on_the_api_and_the_console(
    app, client, admin, console_as
):
    code = customer_with_sessions(app, "maria", sessions=3)
    assert client.get(f"{API}/customers/{code}/personal-data", headers=admin).status_code == 200
    console, user = console_as("admin")
    assert console.get(f"/clientes/{code}/dados-pessoais").status_code == 200
    api_read, console_read = reads(app)
    assert api_read["channel"] == console_read["channel"] == "personal_data"
    assert api_read["customer_code"] == console_read["customer_code"] == code
    assert api_read["rows"] == 3  # the sessions it summarises
    assert api_read["username"] == "admin.user"
    assert (console_read["user_id"], console_read["role"]) == (user.id, "admin")


def test_a_refused_personal_data_read_logs_nothing(app, client, headers_for):
    code = customer_with_sessions(app, "maria")
    for role in ("attendant", "finance", "technician"):
        answer = client.get(f"{API}/customers/{code}/personal-data", headers=headers_for(role))
        assert answer.status_code == 403
    assert (
        client.get(f"{API}/customers/999/personal-data", headers=headers_for()).status_code == 404
    )
    assert reads(app) == []


# --- the log itself -----------------------------------------------------------------------------


def listing(client, headers, **query):
    return client.get(f"{API}/connection-record-reads", query_string=query, headers=headers)


@pytest.mark.parametrize("role", ["attendant", "finance", "technician"])
def test_only_admins_read_the_log(app, client, headers_for, role):
    customer_with_sessions(app, "maria")
    assert client.get(f"{API}/connections", headers=headers_for(role)).status_code == 200
    assert_envelope(listing(client, headers_for(role)), 403, "forbidden")
    assert listing(client, headers_for("admin")).json["total"] == 1


def test_the_log_is_filtered_paged_and_newest_first(app, client, headers_for):
    maria = customer_with_sessions(app, "maria")
    joao = customer_with_sessions(app, "joao")
    admin, finance = headers_for("admin"), headers_for("finance")
    days = [datetime(2024, 4, day, 10, tzinfo=clock.zone()) for day in (1, 2, 3)]
    for day, (code, headers) in zip(
        days, [(maria, finance), (joao, admin), (maria, admin)], strict=True
    ):
        with time_machine.travel(day, tick=False):
            url = f"{API}/customers/{code}/connections"
            assert client.get(url, query_string=MARCH, headers=headers).status_code == 200
    body = listing(client, admin).json
    assert body["total"] == 3 and [r["customer_code"] for r in body["items"]] == [
        maria,
        joao,
        maria,
    ]
    assert datetime.fromisoformat(body["items"][0]["at"]) == days[2]
    assert {
        r["customer_code"] for r in listing(client, admin, customer_code=maria).json["items"]
    } == {maria}
    mine = listing(client, admin, user_id=me(client, finance)["id"]).json
    assert mine["total"] == 1 and mine["items"][0]["role"] == "finance"
    middle = listing(client, admin, **{"from": "2024-04-02", "to": "2024-04-02"}).json
    assert [r["customer_code"] for r in middle["items"]] == [joao]
    assert listing(client, admin, channel="export").json["total"] == 0
    paged = listing(client, admin, per_page=2, page=2).json
    assert (paged["total"], len(paged["items"]), paged["page"]) == (3, 1, 2)
    # The listing itself reads no connection records: it adds nothing.
    assert listing(client, admin).json["total"] == 3


@pytest.mark.parametrize(
    "query",
    [
        {"per_page": 201},
        {"per_page": 0},
        {"page": 0},
        {"from": "2024-04-03", "to": "2024-04-01"},
        {"from": "01/04/2024"},
        {"customer_code": "abc"},
        {"channel": "telepathy"},
        {"login": "maria"},  # not a filter of the log
    ],
)
def test_a_bad_filter_of_the_log_is_a_422(client, admin, query):
    assert_envelope(listing(client, admin, **query), 422, "validation_error")


def test_reads_stay_out_of_the_customers_history(app, client, admin):
    code = customer_with_sessions(app, "maria")
    client.get(f"{API}/customers/{code}/connections", headers=admin)
    client.get(f"{API}/customers/{code}/personal-data", headers=admin)
    assert len(reads(app)) == 2
    history = client.get(f"{API}/customers/{code}/history", headers=admin).json["items"]
    assert history and "connection_record_reads" not in {entry["entity"] for entry in history}
    document = client.get(f"{API}/customers/{code}/personal-data", headers=admin).json
    assert "connection_record_reads" not in {entry["entity"] for entry in document["history"]}
