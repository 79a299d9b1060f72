"""Re-pricing a period's calls by today's tariffs: `POST /calls/reprice` and
`flask calls reprice --from --to`. Calls imported before their tariff cost 0.00 until then."""

from datetime import datetime

import pytest
import time_machine

from models import clock
from models.audit import HistoryEntry
from models.db import db
from tests.builders import build_customer, build_voip_terminal
from tests.cdr_files import cdr_line, import_cdr, write_cdr
from tests.web.api_helpers import API, assert_envelope

A_NUMBER, B_NUMBER = "1133334444", "1144445555"
NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}
REPRICE = f"{API}/calls/reprice"
TARIFFS = f"{API}/tariffs"


@pytest.fixture(autouse=True)
def december_2026(app):
    """The calls are of November 2026; the clock stands in the month after, whenever this runs."""
    with time_machine.travel(datetime(2026, 12, 5, 12, tzinfo=clock.zone()), tick=True):
        yield


@pytest.fixture
def imported(app, tmp_path):
    """Two customers' calls imported before any tariff (so all at 0.00): (code A, code B)."""
    a, b = build_customer(app), build_customer(app)
    build_voip_terminal(app, a, number=A_NUMBER, username="ramal1001")
    build_voip_terminal(app, b, number=B_NUMBER, username="ramal2002")
    lines = [
        cdr_line(src=A_NUMBER, start="2026-11-10 10:00:00", billsec=1),  # local 30 s
        cdr_line(src=A_NUMBER, start="2026-11-10 10:01:00", billsec=31),  # local 36 s
        cdr_line(src=A_NUMBER, start="2026-11-10 10:02:00", billsec=0, disposition="NO ANSWER"),
        cdr_line(src=A_NUMBER, dst="02133334444", start="2026-11-11 10:00:00", billsec=120),
        cdr_line(src=B_NUMBER, dst="11987654321", start="2026-11-12 10:00:00", billsec=61),
        cdr_line(src=B_NUMBER, start="2026-12-01 10:00:00", billsec=125),  # outside November
    ]
    result = import_cdr(app, write_cdr(tmp_path / "Master.csv", lines))
    assert result.exit_code == 0, result.output
    assert "no tariff for local: its calls cost 0.00 until a tariff is set" in result.output
    assert "(PUT /tariffs/local) and their period re-priced (flask calls reprice)" in result.output
    return a, b


def put_tariff(client, admin, termination, price, first=30, increment=6):
    body = {"price_per_minute": price, "first_seconds": first, "increment_seconds": increment}
    response = client.put(f"{TARIFFS}/{termination}", json=body, headers=admin)
    assert response.status_code in (200, 201), response.get_json()


def costs(client, headers, code, period=NOVEMBER) -> list[str]:
    url = f"{API}/customers/{code}/calls"
    response = client.get(url, query_string=period, headers=headers)
    assert response.status_code == 200, response.get_json()
    return [call["cost"] for call in response.get_json()["items"]]


def reprices_in_history(app) -> list[HistoryEntry]:
    with app.app_context():
        query = db.select(HistoryEntry).where(HistoryEntry.entity == "call_reprices")
        return list(db.session.scalars(query))


def test_calls_imported_before_their_tariff_stay_free_until_their_period_is_repriced(
    app, client, admin, headers_for, imported, tmp_path
):
    a, b = imported
    assert costs(client, admin, a) == ["0.00", "0.00", "0.00", "0.00"]
    put_tariff(client, admin, "local", "0.13")  # 30/6
    put_tariff(client, admin, "mobile", "0.50")
    assert costs(client, admin, a) == ["0.00", "0.00", "0.00", "0.00"]  # import-time prices

    response = client.post(REPRICE, json=NOVEMBER, headers=headers_for("finance"))

    assert response.status_code == 200, response.get_json()
    run = response.get_json()
    # 30 s at 0.13 = 0.065 -> 0.07; 36 s = 0.078 -> 0.08; unanswered: free; long distance:
    # still no tariff; B's mobile call 66 s at 0.50 = 0.55; December's call is not touched.
    assert costs(client, admin, a) == ["0.07", "0.08", "0.00", "0.00"]
    assert costs(client, admin, b) == ["0.55"]
    december = {"from": "2026-12-01", "to": "2026-12-01"}
    assert costs(client, admin, b, december) == ["0.00"]
    summary = ("from", "to", "calls", "changed", "cost_before", "cost_after")
    expected = {"calls": 5, "changed": 3, "cost_before": "0.00", "cost_after": "0.70"}
    assert {key: run[key] for key in summary} == {**NOVEMBER, **expected}
    assert run["requested_by"] == "finance.user"
    (entry,) = reprices_in_history(app)
    assert (entry.username, entry.action, entry.entity_id) == (
        "finance.user",
        "create",
        str(run["id"]),
    )
    assert {"field": "changed", "old": None, "new": 3} in entry.changes

    again = client.post(REPRICE, json=NOVEMBER, headers=admin)

    assert (again.get_json()["changed"], again.get_json()["cost_after"]) == (0, "0.70")


def test_a_reprice_follows_a_changed_tariff_both_ways(app, client, admin, imported):
    a, _ = imported
    put_tariff(client, admin, "local", "0.60", first=60, increment=60)
    client.post(REPRICE, json=NOVEMBER, headers=admin)
    assert costs(client, admin, a) == ["0.60", "0.60", "0.00", "0.00"]
    put_tariff(client, admin, "local", "0.13")

    client.post(REPRICE, json=NOVEMBER, headers=admin)

    assert costs(client, admin, a) == ["0.07", "0.08", "0.00", "0.00"]


@pytest.mark.parametrize("role", ["attendant", "technician"])
def test_only_finance_and_admins_reprice(app, client, admin, headers_for, imported, role):
    a, _ = imported
    put_tariff(client, admin, "local", "0.13")

    response = client.post(REPRICE, json=NOVEMBER, headers=headers_for(role))

    assert_envelope(response, 403, "forbidden")
    assert costs(client, admin, a) == ["0.00", "0.00", "0.00", "0.00"]
    assert reprices_in_history(app) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"from": "2026-11-01"}, "to"),
        ({"to": "2026-11-30"}, "from"),
        ({"from": "2026-11-30", "to": "2026-11-01"}, "from"),  # reversed
        ({"from": "2025-01-01", "to": "2026-11-30"}, "to"),  # beyond EXTRACT_MAX_DAYS (366)
        ({"from": "2026-11-01", "to": "30/11/2026"}, "to"),
        ({**NOVEMBER, "termination": "local"}, "termination"),
    ],
)
def test_a_bad_period_is_a_422_and_nothing_is_repriced(app, client, admin, imported, body, field):
    a, _ = imported
    put_tariff(client, admin, "local", "0.13")

    response = client.post(REPRICE, json=body, headers=admin)

    assert field in assert_envelope(response, 422, "validation_error")["errors"]
    assert costs(client, admin, a) == ["0.00", "0.00", "0.00", "0.00"]
    assert reprices_in_history(app) == []


def test_the_cli_reprices_a_period_and_says_what_it_changed(app, client, admin, imported):
    a, _ = imported
    put_tariff(client, admin, "local", "0.13")
    runner = app.test_cli_runner()

    result = runner.invoke(args=["calls", "reprice", "--from", "2026-11-01", "--to", "2026-11-10"])

    assert result.exit_code == 0, result.output
    assert "Calls: 3" in result.output
    assert "Re-priced: 2" in result.output
    assert "Cost after: 0.15" in result.output
    assert costs(client, admin, a) == ["0.07", "0.08", "0.00", "0.00"]
    (entry,) = reprices_in_history(app)
    assert entry.username.startswith("cli:") and entry.by_system

    reversed_period = ["calls", "reprice", "--from", "2026-11-30", "--to", "2026-11-01"]
    refused = runner.invoke(args=reversed_period)
    assert refused.exit_code == 1 and "starts after it ends" in refused.output
    missing = runner.invoke(args=["calls", "reprice", "--from", "2026-11-01"])
    assert missing.exit_code == 2 and "--to" in missing.output
    assert len(reprices_in_history(app)) == 1


def test_a_long_call_at_a_high_price_is_priced_exactly(app, client, admin, imported, tmp_path):
    a, _ = imported
    long_call = cdr_line(src=A_NUMBER, start="2026-11-20 10:00:00", duration=7201, billsec=7200)
    assert import_cdr(app, write_cdr(tmp_path / "long.csv", [long_call])).exit_code == 0
    put_tariff(client, admin, "local", "99.9999", first=60, increment=60)

    response = client.post(REPRICE, json=NOVEMBER, headers=admin)

    assert response.status_code == 200, response.get_json()  # no integer overflow
    # 120 minutes at 99.9999 = 11,999.988 -> 11,999.99 (what call_cost gives)
    assert costs(client, admin, a)[-1] == "11999.99"
