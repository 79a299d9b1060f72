"""A customer's call extract [6.7]: filters, pages and totals over the whole period."""

from datetime import UTC, datetime, timedelta

import pytest

from models import clock
from tests.builders import build_customer, build_plan, build_subscription, build_voip_terminal
from tests.cdr_files import cdr_line, import_cdr, write_cdr
from tests.web.api_helpers import API, assert_envelope

pytestmark = pytest.mark.calendar  # also run at the calendar's edges (conftest)

HOME, OFFICE, OTHER = "1133334444", "1133335555", "1144446666"
NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}


def calls_url(code: int) -> str:
    return f"{API}/customers/{code}/calls"


@pytest.fixture
def customer(app, client, admin, tmp_path):
    """A customer with two terminals and four calls in November 2026 (another customer has
    one too); local calls at R$ 0.12/min and mobile at R$ 0.60/min, 30/6."""
    code, other = build_customer(app), build_customer(app)
    sub_id = build_subscription(app, code, build_plan(app, kind="voip"))
    build_voip_terminal(app, number=HOME, username="casa", subscription_id=sub_id)
    build_voip_terminal(app, number=OFFICE, username="escritorio", subscription_id=sub_id)
    build_voip_terminal(app, other, number=OTHER, username="vizinho")
    for termination, price in (("local", "0.12"), ("mobile", "0.60")):
        body = {"termination": termination, "price_per_minute": price}
        body |= {"first_seconds": 30, "increment_seconds": 6}
        assert client.post(f"{API}/tariffs", json=body, headers=admin).status_code == 201
    lines = [
        cdr_line(src=HOME, dst="33330001", start="2026-11-03 09:00:00", duration=40, billsec=31),
        cdr_line(src=HOME, dst="11987650001", start="2026-11-04 09:00:00", billsec=60),
        cdr_line(src=OFFICE, dst="33330002", start="2026-11-05 09:00:00", billsec=0).replace(
            "ANSWERED", "BUSY"
        ),
        cdr_line(src=OFFICE, dst="33330003", start="2026-11-30 23:59:59", billsec=125),
        cdr_line(src=OTHER, dst="33330004", start="2026-11-06 09:00:00", billsec=60),
    ]
    result = import_cdr(app, write_cdr(tmp_path / "Master.csv", lines))
    assert result.exit_code == 0, result.output
    return code


def test_the_extract_lists_the_customer_s_calls_oldest_first_with_totals(client, admin, customer):
    response = client.get(calls_url(customer), query_string=NOVEMBER, headers=admin)

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["total"] == 4
    assert body["items"][0] == {
        "started_at": "2026-11-03T12:00:00+00:00",  # 09:00 in São Paulo
        "origin": HOME,
        "destination": "33330001",
        "duration_s": 40,
        "billed_s": 31,
        "termination": "local",
        "cost": "0.07",  # 36 s at 0.12/min
    }
    assert [c["cost"] for c in body["items"]] == ["0.07", "0.60", "0.00", "0.25"]
    assert body["totals"] == {
        "rows": "4",
        "duration_s": "250",
        "billed_s": "216",
        "cost": "0.92",
    }


def test_totals_cover_every_page(client, admin, customer):
    query = {**NOVEMBER, "per_page": 3}

    first = client.get(calls_url(customer), query_string=query, headers=admin).get_json()
    second = client.get(
        calls_url(customer), query_string={**query, "page": 2}, headers=admin
    ).get_json()

    assert [len(first["items"]), len(second["items"])] == [3, 1]
    assert first["totals"] == second["totals"]
    assert first["totals"]["rows"] == "4"
    assert (first["page"], first["per_page"], second["page"]) == (1, 3, 2)


@pytest.mark.parametrize(
    ("query", "destinations"),
    [
        ({"terminal": OFFICE}, ["33330002", "33330003"]),
        ({"termination": "mobile"}, ["11987650001"]),
        ({"terminal": HOME, "termination": "local"}, ["33330001"]),
        ({"from": "2026-11-05", "to": "2026-11-05"}, ["33330002"]),
        ({"from": "2026-11-30", "to": "2026-11-30"}, ["33330003"]),  # the last local second
        ({"from": "2026-12-01", "to": "2026-12-31"}, []),
    ],
)
def test_filters_narrow_the_extract_and_its_totals(client, admin, customer, query, destinations):
    body = client.get(
        calls_url(customer), query_string={**NOVEMBER, **query}, headers=admin
    ).get_json()

    assert [c["destination"] for c in body["items"]] == destinations
    assert body["totals"]["rows"] == str(len(destinations))


def test_the_default_period_is_the_last_30_days(app, client, admin, tmp_path):
    code = build_customer(app)
    build_voip_terminal(app, code, number=HOME, username="casa")
    now = datetime.now(clock.zone()).replace(microsecond=0)
    stamps = [now - timedelta(days=40), now - timedelta(minutes=5)]
    lines = [cdr_line(src=HOME, start=stamp.strftime("%Y-%m-%d %H:%M:%S")) for stamp in stamps]
    assert import_cdr(app, write_cdr(tmp_path / "Master.csv", lines)).exit_code == 0

    body = client.get(calls_url(code), headers=admin).get_json()

    assert body["total"] == 1
    assert body["items"][0]["started_at"] == stamps[1].astimezone(UTC).isoformat()


@pytest.mark.parametrize("role", ["attendant", "finance", "technician"])
def test_every_role_reads_the_extract(client, headers_for, customer, role):
    response = client.get(calls_url(customer), query_string=NOVEMBER, headers=headers_for(role))

    assert response.status_code == 200
    assert response.get_json()["total"] == 4


def test_the_extract_needs_a_token(client, customer):
    assert_envelope(client.get(calls_url(customer)), 401, "unauthorized")


def test_an_unknown_customer_is_not_found(client, admin):
    assert_envelope(client.get(calls_url(999), headers=admin), 404, "not_found")


def test_another_customer_s_terminal_is_refused(client, admin, customer):
    response = client.get(
        calls_url(customer), query_string={**NOVEMBER, "terminal": OTHER}, headers=admin
    )

    assert "terminal" in assert_envelope(response, 422, "validation_error")["errors"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-11-10", "to": "2026-11-09"}, "from"),
        ({"from": "2025-01-01", "to": "2026-11-30"}, "to"),  # longer than EXTRACT_MAX_DAYS
        ({"from": "2026-11-31"}, "from"),
        ({"to": "ontem"}, "to"),
        ({"termination": "satellite"}, "termination"),
        ({"terminal": "abc"}, "terminal"),
        ({"terminal": "0113333444"}, "terminal"),
        ({"per_page": 201}, "per_page"),
        ({"page": 0}, "page"),
        ({"login": "maria"}, "login"),  # a filter of connections, not of calls
    ],
)
def test_a_bad_query_is_refused(client, admin, customer, query, field):
    response = client.get(calls_url(customer), query_string=query, headers=admin)

    assert field in assert_envelope(response, 422, "validation_error")["errors"]
