"""/api/v1/holidays: the national and banking calendar, and the local holidays admins keep."""

import pytest
from sqlalchemy import text

from models.db import db
from tests.web.api_helpers import API, assert_envelope

URL = f"{API}/holidays"


def _history(app, entity: str) -> list[tuple]:
    with app.app_context():
        query = text("SELECT action, username FROM history WHERE entity = :e ORDER BY id")
        return [tuple(row) for row in db.session.execute(query, {"e": entity})]


def test_the_year_lists_national_and_local_holidays_by_date(client, admin):
    created = client.post(
        URL, json={"date": "2026-01-25", "name": "  Aniversário da cidade "}, headers=admin
    )
    assert created.status_code == 201, created.json
    assert created.headers["Location"].endswith(f"/holidays/{created.json['id']}")
    assert created.json == {
        "id": created.json["id"],
        "date": "2026-01-25",
        "name": "Aniversário da cidade",
        "national": False,
    }
    items = client.get(URL, query_string={"year": 2026}, headers=admin).json["items"]
    dates = [item["date"] for item in items]
    assert dates == sorted(dates)
    by_date = {item["date"]: item for item in items}
    assert by_date["2026-04-03"]["national"] is True
    assert by_date["2026-02-16"]["name"] == "Carnaval"
    assert "2026-11-20" in by_date
    assert by_date["2026-01-25"] == created.json
    other_year = client.get(URL, query_string={"year": 2027}, headers=admin).json["items"]
    assert "2026-01-25" not in [item["date"] for item in other_year]


def test_a_date_can_be_a_local_holiday_once(app, client, admin):
    body = {"date": "2026-07-09", "name": "Feriado local"}
    assert client.post(URL, json=body, headers=admin).status_code == 201
    again = client.post(URL, json={**body, "name": "Outro"}, headers=admin)
    assert assert_envelope(again, 409, "conflict")["errors"] == {
        "date": ["Already a local holiday."]
    }
    assert len(_history(app, "local_holidays")) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Sem data"}, "date"),
        ({"date": "2026-02-30", "name": "Dia que não existe"}, "date"),
        ({"date": "2026-07-09"}, "name"),
        ({"date": "2026-07-09", "name": " "}, "name"),
        ({"date": "2026-07-09", "name": "x" * 121}, "name"),
        ({"date": "2026-07-09", "name": "Feriado", "recurring": True}, "recurring"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(app, client, admin, body, field):
    response = client.post(URL, json=body, headers=admin)
    assert field in assert_envelope(response, 422, "validation_error")["errors"]
    assert _history(app, "local_holidays") == []


def test_deleting_a_local_holiday_makes_it_a_business_day_again(app, client, admin):
    holiday_id = client.post(
        URL, json={"date": "2026-07-09", "name": "Revolução"}, headers=admin
    ).json["id"]
    assert client.get(f"{URL}/{holiday_id}", headers=admin).status_code == 200
    assert client.delete(f"{URL}/{holiday_id}", headers=admin).status_code == 204
    assert_envelope(client.get(f"{URL}/{holiday_id}", headers=admin), 404, "not_found")
    assert_envelope(client.delete(f"{URL}/{holiday_id}", headers=admin), 404, "not_found")
    assert [action for action, _ in _history(app, "local_holidays")] == ["create", "delete"]
    with app.app_context():
        from datetime import date

        from models.billing.business_days import is_business_day

        assert is_business_day(date(2026, 7, 9))


def test_bad_year_is_refused(client, admin):
    response = client.get(URL, query_string={"year": 1500}, headers=admin)
    assert "year" in assert_envelope(response, 422, "validation_error")["errors"]


@pytest.mark.parametrize("role", ["attendant", "finance", "technician"])
def test_every_role_reads_only_admins_change(client, headers_for, role):
    admin_id = client.post(
        URL, json={"date": "2026-07-09", "name": "Feriado"}, headers=headers_for("admin")
    ).json["id"]
    headers = headers_for(role)
    assert client.get(URL, headers=headers).status_code == 200
    assert client.get(f"{URL}/{admin_id}", headers=headers).status_code == 200
    created = client.post(URL, json={"date": "2026-07-10", "name": "Outro"}, headers=headers)
    assert_envelope(created, 403, "forbidden")
    assert_envelope(client.delete(f"{URL}/{admin_id}", headers=headers), 403, "forbidden")
    assert client.get(f"{URL}/{admin_id}", headers=headers).status_code == 200


def test_without_a_token_nothing(client):
    assert_envelope(client.get(URL), 401, "unauthorized")
