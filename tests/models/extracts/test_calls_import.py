"""`flask calls import FILE`: Asterisk cdr-csv in, priced calls out, every line accounted for."""

from datetime import datetime

import pytest

from models import clock
from tests.builders import build_customer, build_plan, build_subscription, build_voip_terminal
from tests.cdr_files import cdr_line, import_cdr, write_cdr
from tests.web.api_helpers import API

pytestmark = pytest.mark.calendar  # also run at the calendar's edges (conftest)

A_NUMBER, B_NUMBER = "1133334444", "1144445555"
NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}
TARIFFS = f"{API}/tariffs"


@pytest.fixture
def customers(app):
    """Two customers with a terminal each: (code of A, code of B)."""
    a, b = build_customer(app), build_customer(app)
    build_voip_terminal(app, a, number=A_NUMBER, username="ramal1001")
    build_voip_terminal(app, b, number=B_NUMBER, username="ramal2002")
    return a, b


def set_tariff(client, admin, termination, price, first=30, increment=6):
    body = {"price_per_minute": price, "first_seconds": first, "increment_seconds": increment}
    response = client.post(TARIFFS, json={"termination": termination, **body}, headers=admin)
    if response.status_code == 409:
        response = client.put(f"{TARIFFS}/{termination}", json=body, headers=admin)
    assert response.status_code in (200, 201), response.get_json()


def calls_of(client, headers, code, **query) -> list[dict]:
    url = f"{API}/customers/{code}/calls"
    response = client.get(url, query_string={**NOVEMBER, **query}, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def test_good_lines_are_imported_bad_ones_listed_by_number_and_a_rerun_adds_nothing(
    app, client, admin, customers, tmp_path
):
    a, b = customers
    set_tariff(client, admin, "local", "0.12")
    set_tariff(client, admin, "mobile", "0.50")
    lines = [
        cdr_line(src=A_NUMBER, dst="33335555", billsec=31, uniqueid="u1"),  # 36 s: 0.072
        # matched by its SIP user, whatever the caller ID says
        cdr_line(src="", dst="11987654321", billsec=61, channel="PJSIP/ramal2002-0000001a"),
        cdr_line().rsplit(",", 3)[0],  # 15 fields
        cdr_line(start="2026-11-31 10:00:00"),
        cdr_line(duration="abc"),
        cdr_line(src=A_NUMBER, dst="33336666", billsec=0, disposition="NO ANSWER"),
        cdr_line(src="1199998888", channel="SIP/outro-00000002"),  # nobody's terminal
        "",
        cdr_line(src=A_NUMBER, dst="02133334444", billsec=120),  # long distance: no tariff
        cdr_line() + ',"extra"',
        cdr_line(src=A_NUMBER, dst="s"),  # not a number
    ]
    path = write_cdr(tmp_path / "Master.csv", lines)

    result = import_cdr(app, path)

    assert result.exit_code == 1, result.output
    out = result.output
    assert "Lines read: 11" in out
    assert "Imported: 4" in out
    assert "Already imported: 0" in out
    assert "Bad lines (skipped): 5" in out
    assert "15 fields, 18 expected: 1 (lines 3)" in out
    assert "start is not a date and time (YYYY-MM-DD HH:MM:SS): 1 (lines 4)" in out
    assert "duration is not a whole number of seconds: 1 (lines 5)" in out
    assert "0 fields, 18 expected: 1 (lines 8)" in out
    assert "more than 18 fields: 1 (lines 10)" in out
    assert "no voip_terminal placed this call: 1 (lines 7)" in out
    assert "destination is not a number Brazilian numbering knows: 1 (lines 11)" in out
    assert "Warning: no tariff for long_distance" in out
    assert "The other lines were imported." in out

    a_calls = calls_of(client, admin, a)
    assert [(c["destination"], c["termination"], c["cost"]) for c in a_calls] == [
        ("33335555", "local", "0.07"),
        ("33336666", "local", "0.00"),  # not answered: free
        ("02133334444", "long_distance", "0.00"),
    ]
    assert {c["origin"] for c in a_calls} == {A_NUMBER}
    b_calls = calls_of(client, admin, b)
    assert [(c["origin"], c["termination"], c["billed_s"], c["cost"]) for c in b_calls] == [
        (B_NUMBER, "mobile", 61, "0.55")  # 66 s at 0.50
    ]

    again = import_cdr(app, path)

    assert again.exit_code == 1, again.output
    assert "Imported: 0" in again.output
    assert "Already imported: 4" in again.output
    assert len(calls_of(client, admin, a)) == 3


def test_a_clean_file_exits_zero(app, client, admin, customers, tmp_path):
    set_tariff(client, admin, "local", "0.12")
    path = write_cdr(tmp_path / "Master.csv", [cdr_line(src=A_NUMBER) for _ in range(3)])

    result = import_cdr(app, path)

    assert result.exit_code == 0, result.output
    assert "Imported: 3" in result.output
    assert "Warning" not in result.output


def test_costs_follow_the_tariff_of_import_time_in_30_6_steps(
    app, client, admin, customers, tmp_path
):
    a, _ = customers
    set_tariff(client, admin, "local", "0.13")
    first = [
        cdr_line(src=A_NUMBER, start="2026-11-10 10:00:00", billsec=1),  # 30 s: 0.065 -> 0.07
        cdr_line(src=A_NUMBER, start="2026-11-10 10:01:00", billsec=30),  # 30 s
        cdr_line(src=A_NUMBER, start="2026-11-10 10:02:00", billsec=31),  # 36 s: 0.078
        cdr_line(src=A_NUMBER, start="2026-11-10 10:03:00", billsec=125),  # 126 s: 0.273
    ]
    assert import_cdr(app, write_cdr(tmp_path / "1.csv", first)).exit_code == 0
    set_tariff(client, admin, "local", "0.60", first=60, increment=60)
    later = [cdr_line(src=A_NUMBER, start="2026-11-11 10:00:00", billsec=61)]  # 120 s: 1.20
    assert import_cdr(app, write_cdr(tmp_path / "2.csv", later)).exit_code == 0

    costs = [c["cost"] for c in calls_of(client, admin, a)]

    assert costs == ["0.07", "0.07", "0.08", "0.27", "1.20"]  # older calls kept their cost


def test_times_are_the_switch_s_local_time_or_utc_when_it_logs_gmt(
    app, client, admin, customers, tmp_path
):
    a, _ = customers
    local = write_cdr(tmp_path / "local.csv", [cdr_line(src=A_NUMBER, uniqueid="local")])
    gmt = write_cdr(tmp_path / "gmt.csv", [cdr_line(src=A_NUMBER, uniqueid="gmt")])

    assert import_cdr(app, local).exit_code == 0
    assert import_cdr(app, gmt, "--usegmtime").exit_code == 0

    started = [c["started_at"] for c in calls_of(client, admin, a)]
    # America/Sao_Paulo is UTC-3: 10:00 there is 13:00 UTC
    assert started == ["2026-11-10T10:00:00+00:00", "2026-11-10T13:00:00+00:00"]


def test_a_quote_left_open_stops_the_import_after_the_lines_before_it(
    app, client, admin, customers, tmp_path
):
    a, _ = customers
    good = [cdr_line(src=A_NUMBER) for _ in range(3)]
    path = write_cdr(tmp_path / "Master.csv", [*good, '"","' + A_NUMBER + ',"33'])

    result = import_cdr(app, path)

    assert result.exit_code == 2, result.output
    assert "Imported: 3" in result.output
    assert "STOPPED: line 4 cannot be read" in result.output
    assert len(calls_of(client, admin, a)) == 3


def test_a_record_over_two_lines_keeps_the_line_numbers_of_the_file(
    app, client, admin, customers, tmp_path
):
    lines = [
        cdr_line(src=A_NUMBER, userfield="nota\nem duas linhas"),  # lines 1 and 2
        cdr_line(src=A_NUMBER, billsec="x"),  # line 3
    ]

    result = import_cdr(app, write_cdr(tmp_path / "Master.csv", lines))

    assert "billsec is not a whole number of seconds: 1 (lines 3)" in result.output
    assert "Imported: 1" in result.output


def test_a_number_given_again_bills_whoever_had_it_when_the_call_was_made(
    app, client, admin, tmp_path, time_machine
):
    time_machine.move_to(datetime(2026, 11, 20, 12, tzinfo=clock.zone()), tick=True)
    old_owner, new_owner = build_customer(app), build_customer(app)
    sub_id = build_subscription(app, old_owner, build_plan(app, kind="voip"))
    item_id = build_voip_terminal(app, number=A_NUMBER, username="antigo", subscription_id=sub_id)
    deleted = client.delete(f"{API}/subscriptions/{sub_id}/items/{item_id}", headers=admin)
    assert deleted.status_code == 204
    build_voip_terminal(app, new_owner, number=A_NUMBER, username="novo")
    lines = [
        cdr_line(src=A_NUMBER, start="2026-11-10 10:00:00"),  # before the deletion (on 20 November)
        cdr_line(src=A_NUMBER, start="2026-12-01 10:00:00"),  # after it
        cdr_line(src="", start="2026-11-10 11:00:00", channel="SIP/antigo-00000001"),
    ]

    result = import_cdr(app, write_cdr(tmp_path / "Master.csv", lines))

    assert "Imported: 3" in result.output, result.output
    period = {"from": "2026-11-01", "to": "2026-12-31"}
    old_calls = calls_of(client, admin, old_owner, **period)
    assert [c["started_at"][:10] for c in old_calls] == ["2026-11-10", "2026-11-10"]
    new_calls = calls_of(client, admin, new_owner, **period)
    assert [c["started_at"][:10] for c in new_calls] == ["2026-12-01"]


def test_a_uniqueid_reused_by_another_call_is_reported_not_taken_for_a_rerun(
    app, client, admin, customers, tmp_path
):
    lines = [
        cdr_line(src=A_NUMBER, dst="33335555", uniqueid="1762700000.7"),
        cdr_line(src=A_NUMBER, dst="33336666", uniqueid="1762700000.7"),  # a second leg
    ]

    result = import_cdr(app, write_cdr(tmp_path / "Master.csv", lines))

    assert "Imported: 1" in result.output
    assert "Already imported: 0" in result.output
    assert "uniqueid already used by another call (log newcdrcolumns): 1 (lines 2)" in (
        result.output
    )


def test_with_newcdrcolumns_each_leg_of_a_call_has_its_own_key(
    app, client, admin, customers, tmp_path
):
    a, _ = customers
    legs = [
        cdr_line(src=A_NUMBER, dst="33335555", uniqueid="1762700000.7") + ',"","1762700000.7",1',
        cdr_line(src=A_NUMBER, dst="33336666", uniqueid="1762700000.7") + ',"","1762700000.7",2',
    ]
    path = write_cdr(tmp_path / "Master.csv", legs)

    first = import_cdr(app, path, "--newcdrcolumns")
    again = import_cdr(app, path, "--newcdrcolumns")

    assert "Imported: 2" in first.output, first.output
    assert "Already imported: 2" in again.output
    assert len(calls_of(client, admin, a)) == 2


def test_without_loguniqueid_a_rerun_still_adds_nothing(app, client, admin, customers, tmp_path):
    # 17 fields: no uniqueid, then the userfield
    lines = [cdr_line(src=A_NUMBER).rsplit(",", 2)[0] + ',""' for _ in range(2)]
    path = write_cdr(tmp_path / "Master.csv", lines)

    first = import_cdr(app, path, "--no-loguniqueid")
    again = import_cdr(app, path, "--no-loguniqueid")

    assert first.exit_code == 0, first.output
    assert "Imported: 2" in first.output
    assert "Already imported: 2" in again.output


def test_a_file_that_does_not_exist_is_refused(app, tmp_path):
    result = import_cdr(app, tmp_path / "nada.csv")

    assert result.exit_code == 2
    assert "does not exist" in result.output
