"""Connection extracts [6.6]: RADIUS sessions from radacct, per customer and staff-wide."""

from datetime import UTC, datetime, timedelta

import pytest

from models.clock import local_midnight, local_today
from models.staff.users import ROLES
from tests.builders import (
    build_customer,
    build_login,
    build_session,
    build_subscription,
)
from tests.web.api_helpers import API, assert_envelope

pytestmark = pytest.mark.calendar  # also run at the calendar's edges (conftest)

TWO_53 = 2**53
MARCH = {"from": "2024-03-01", "to": "2024-03-31"}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def customer_with_logins(app, *usernames: str) -> int:
    """A customer with one subscription holding these logins; returns its code."""
    code = build_customer(app)
    subscription_id = build_subscription(app, customer_code=code)
    for username in usernames:
        build_login(app, subscription_id, username)
    return code


def start_of_local_today(app) -> datetime:
    """Midnight where the ISP is: "today" in a default period is its date, not UTC's."""
    with app.app_context():
        return local_midnight(local_today())


def extract(client, headers, code: int, **query) -> dict:
    response = client.get(
        f"{API}/customers/{code}/connections", query_string=query, headers=headers
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def staff(client, headers, **query) -> dict:
    response = client.get(f"{API}/connections", query_string=query, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def logins_of(body: dict) -> list[str]:
    return [row["login"] for row in body["items"]]


def test_a_session_comes_back_with_every_field(app, client, admin):
    code = customer_with_logins(app, "maria")
    start = datetime(2024, 3, 10, 12, 0, tzinfo=UTC)
    build_session(
        app,
        "maria",
        start,
        start + timedelta(hours=2),
        input_octets=700,
        output_octets=9_000,
        nas="10.0.0.7",
        framed_ip="100.64.1.2",
        mac="02:00:00:AA:BB:CC",
        cause="Lost-Carrier",
    )
    body = extract(client, admin, code, **MARCH)
    assert body["total"] == 1
    assert (body["page"], body["per_page"]) == (1, 50)
    [row] = body["items"]
    assert at(row["start"]) == start
    assert datetime.fromisoformat(row["stop"]).utcoffset() is not None  # ISO 8601 with offset
    assert at(row["stop"]) == start + timedelta(hours=2)
    assert row == {
        **row,
        "login": "maria",
        "duration_s": 7200,
        "download_bytes": 9_000,  # acctoutputoctets: what the NAS sent the customer
        "upload_bytes": 700,
        "framed_ip": "100.64.1.2",  # no /32 from PostgreSQL's inet
        "mac": "02:00:00:AA:BB:CC",
        "nas": "10.0.0.7",
        "termination_cause": "Lost-Carrier",
    }
    assert body["totals"] == {
        "rows": "1",
        "duration_s": "7200",
        "download_bytes": "9000",
        "upload_bytes": "700",
    }


def test_an_open_session_has_no_stop_and_no_cause(app, client, admin):
    code = customer_with_logins(app, "maria")
    build_session(app, "maria", datetime(2024, 3, 10, 12, 0, tzinfo=UTC))
    [row] = extract(client, admin, code, **MARCH)["items"]
    assert row["stop"] is None
    assert row["termination_cause"] is None
    assert row["duration_s"] == 0


def test_only_the_customers_own_logins_show_deleted_ones_included(app, client, admin):
    ana = customer_with_logins(app, "ana", "ana2")
    beto = customer_with_logins(app, "beto")
    day = datetime(2024, 3, 5, 12, 0, tzinfo=UTC)
    for hour, username in enumerate(("ana", "beto", "ana2", "stranger")):
        build_session(app, username, day + timedelta(hours=hour))
    assert logins_of(extract(client, admin, ana, **MARCH)) == ["ana", "ana2"]
    assert logins_of(extract(client, admin, beto, **MARCH)) == ["beto"]

    subscription_id = client.get(f"{API}/customers/{ana}/subscriptions", headers=admin)
    subscription_id = subscription_id.get_json()["items"][0]["id"]
    items = client.get(f"{API}/subscriptions/{subscription_id}/items", headers=admin).get_json()
    ana2 = next(item["id"] for item in items["items"] if item["username"] == "ana2")
    deleted = client.delete(f"{API}/subscriptions/{subscription_id}/items/{ana2}", headers=admin)
    assert deleted.status_code == 204
    assert logins_of(extract(client, admin, ana, **MARCH)) == ["ana", "ana2"]  # still theirs


def test_the_login_filter_narrows_to_one_of_the_customers_logins(app, client, admin):
    code = customer_with_logins(app, "ana", "ana2")
    day = datetime(2024, 3, 5, 12, 0, tzinfo=UTC)
    build_session(app, "ana", day)
    build_session(app, "ana2", day + timedelta(hours=1))
    build_session(app, "ana2", day + timedelta(hours=2))
    body = extract(client, admin, code, login="ana2", **MARCH)
    assert logins_of(body) == ["ana2", "ana2"]
    assert body["totals"]["rows"] == "2"


def test_the_period_is_whole_days_in_sao_paulo(app, client, admin):
    """March 1st starts at 03:00 UTC in America/Sao_Paulo (UTC-3) and April 1st likewise."""
    code = customer_with_logins(app, "maria")
    starts = {
        "feb-29 23:59:59 local": datetime(2024, 3, 1, 2, 59, 59, tzinfo=UTC),
        "mar-01 00:00:00 local": datetime(2024, 3, 1, 3, 0, 0, tzinfo=UTC),
        "mar-31 23:59:59 local": datetime(2024, 4, 1, 2, 59, 59, tzinfo=UTC),
        "apr-01 00:00:00 local": datetime(2024, 4, 1, 3, 0, 0, tzinfo=UTC),
    }
    for start in starts.values():
        build_session(app, "maria", start)
    body = extract(client, admin, code, **MARCH)
    assert [at(row["start"]) for row in body["items"]] == [
        starts["mar-01 00:00:00 local"],
        starts["mar-31 23:59:59 local"],
    ]
    one_day = extract(client, admin, code, **{"from": "2024-02-29", "to": "2024-02-29"})
    assert [at(row["start"]) for row in one_day["items"]] == [starts["feb-29 23:59:59 local"]]


def test_without_a_period_the_last_30_days_are_shown(app, client, admin):
    code = customer_with_logins(app, "maria")
    today = start_of_local_today(app)
    build_session(app, "maria", today - timedelta(days=45), today - timedelta(days=45, hours=-1))
    recent = today + timedelta(minutes=1)
    build_session(app, "maria", recent, recent + timedelta(hours=1))
    assert [at(row["start"]) for row in extract(client, admin, code)["items"]] == [recent]
    assert [at(row["start"]) for row in staff(client, admin)["items"]] == [recent]


def test_totals_cover_the_whole_filter_not_just_the_page(app, client, admin):
    code = customer_with_logins(app, "maria")
    first = datetime(2024, 3, 2, 12, 0, tzinfo=UTC)
    for n in range(5):
        start = first + timedelta(days=n)
        minutes, octets = 10 * (n + 1), n + 1
        build_session(
            app, "maria", start, start + timedelta(minutes=minutes), 10 * octets, 100 * octets
        )
    body = extract(client, admin, code, page=2, per_page=2, **MARCH)
    assert [at(row["start"]) for row in body["items"]] == [
        first + timedelta(days=2),
        first + timedelta(days=3),
    ]
    assert body["total"] == 5
    assert body["totals"] == {
        "rows": "5",
        "duration_s": str(600 * 15),
        "download_bytes": str(100 * 15),
        "upload_bytes": str(10 * 15),
    }
    assert extract(client, admin, code, page=4, per_page=2, **MARCH)["items"] == []


def test_byte_totals_beyond_2_53_come_back_exact_as_strings(app, client, admin):
    code = customer_with_logins(app, "maria")
    day = datetime(2024, 3, 5, 12, 0, tzinfo=UTC)
    build_session(app, "maria", day, day + timedelta(hours=1), 1, TWO_53 + 1)
    build_session(app, "maria", day + timedelta(hours=2), day + timedelta(hours=3), 2, 2**52 + 2)
    body = extract(client, admin, code, **MARCH)
    expected = TWO_53 + 1 + 2**52 + 2
    assert float(expected) != expected  # a JSON number would have lost the last digit
    assert body["totals"]["download_bytes"] == str(expected)
    assert body["items"][0]["download_bytes"] == TWO_53 + 1


def test_staff_wide_lists_everyone_and_filters_by_nas_login_and_customer(app, client, admin):
    ana = customer_with_logins(app, "ana")
    customer_with_logins(app, "beto")
    day = datetime(2024, 3, 5, 12, 0, tzinfo=UTC)
    build_session(app, "ana", day, nas="10.0.0.1")
    build_session(app, "beto", day + timedelta(hours=1), nas="10.0.0.2")
    build_session(app, "ana", day + timedelta(hours=2), nas="10.0.0.2")
    one_day = {"from": "2024-03-05", "to": "2024-03-05"}
    assert logins_of(staff(client, admin, **one_day)) == ["ana", "beto", "ana"]
    by_nas = staff(client, admin, nas="10.0.0.2", **MARCH)
    assert logins_of(by_nas) == ["beto", "ana"]
    assert {row["nas"] for row in by_nas["items"]} == {"10.0.0.2"}
    assert by_nas["totals"]["rows"] == "2"
    assert logins_of(staff(client, admin, nas="10.0.0.3", **MARCH)) == []
    assert logins_of(staff(client, admin, login="beto", **MARCH)) == ["beto"]
    assert logins_of(staff(client, admin, customer_code=ana, nas="10.0.0.2", **MARCH)) == ["ana"]


def test_everyones_sessions_unnarrowed_are_one_day_at_most(app, client, admin):
    customer_with_logins(app, "ana", "beto")
    today = start_of_local_today(app)
    build_session(app, "beto", today - timedelta(minutes=1))  # yesterday, in the ISP's zone
    build_session(app, "ana", today + timedelta(minutes=1))
    assert logins_of(staff(client, admin)) == ["ana"]  # today, by default
    response = client.get(f"{API}/connections", query_string=MARCH, headers=admin)
    assert "to" in assert_envelope(response, 422, "validation_error")["errors"]
    assert staff(client, admin, nas="10.0.0.1", **MARCH)["total"] == 0  # narrowed: a month


@pytest.mark.parametrize("role", ROLES)
def test_every_staff_role_reads_extracts(app, client, headers_for, role):
    code = customer_with_logins(app, "maria")
    extract(client, headers_for(role), code)
    staff(client, headers_for(role))


def test_a_request_without_a_token_is_refused(app, client):
    code = customer_with_logins(app, "maria")
    assert_envelope(client.get(f"{API}/customers/{code}/connections"), 401, "unauthorized")
    assert_envelope(client.get(f"{API}/connections"), 401, "unauthorized")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"per_page": 0}, "per_page"),
        ({"per_page": 500}, "per_page"),
        ({"page": 0}, "page"),
        ({"from": "2024-02-30"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": "2024-03-02", "to": "2024-03-01"}, "from"),
        ({"from": "2024-01-01", "to": "2025-01-01"}, "to"),  # 367 days, EXTRACT_MAX_DAYS 366
        ({"login": "beto"}, "login"),  # another customer's
        ({"login": "nobody"}, "login"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_input_to_a_customers_extract_is_a_422(app, client, admin, query, field):
    code = customer_with_logins(app, "ana")
    customer_with_logins(app, "beto")
    response = client.get(f"{API}/customers/{code}/connections", query_string=query, headers=admin)
    body = assert_envelope(response, 422, "validation_error")
    assert field in body["errors"]


def test_the_longest_period_allowed_is_accepted(app, client, admin):
    code = customer_with_logins(app, "ana")
    extract(client, admin, code, **{"from": "2024-01-01", "to": "2024-12-31"})  # 366 days


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"nas": "10.0.0.300"}, "nas"),
        ({"nas": "nas-1"}, "nas"),
        ({"customer_code": 0}, "customer_code"),
        ({"from": "2020-01-01"}, "to"),  # to today: far longer than 366 days
    ],
)
def test_bad_input_to_the_staff_extract_is_a_422(app, client, admin, query, field):
    response = client.get(f"{API}/connections", query_string=query, headers=admin)
    assert field in assert_envelope(response, 422, "validation_error")["errors"]


def test_an_unknown_customer_is_a_404(app, client, admin):
    assert_envelope(client.get(f"{API}/customers/999/connections", headers=admin), 404, "not_found")
    response = client.get(f"{API}/connections", query_string={"customer_code": 999}, headers=admin)
    assert_envelope(response, 404, "not_found")
