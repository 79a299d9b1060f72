"""What Anatel's access report and the consumer rules need of a plan (medium, technology,
product, offer code) and of a subscription (urban or rural): known values only, in the history."""

import pytest

from models.audit import HistoryEntry
from models.db import db
from tests.builders import build_customer, build_plan
from tests.web.api_helpers import API, assert_envelope

PLANS = f"{API}/plans"
ATTRIBUTES = {
    "access_medium": "fibra",
    "technology": "FTTH",
    "product": "internet",
    "offer_code": "FIBRA-300/2026",
}


def fibra(**overrides) -> dict:
    body = {"name": "Fibra 300", "kind": "internet", "download_kbps": 300_000, "price": "99.90"}
    return {**body, **ATTRIBUTES, **overrides}


def test_a_plan_keeps_its_report_attributes_and_offer_code(client, admin):
    response = client.post(PLANS, json=fibra(), headers=admin)
    assert response.status_code == 201, response.get_json()
    plan = response.get_json()
    assert {name: plan[name] for name in ATTRIBUTES} == ATTRIBUTES
    assert client.get(f"{PLANS}/{plan['id']}", headers=admin).get_json() == plan


def test_a_plan_without_them_is_still_a_plan(client, admin):
    body = {"name": "Fibra 100", "kind": "internet", "download_kbps": 100_000, "price": "79.90"}
    plan = client.post(PLANS, json=body, headers=admin).get_json()
    assert [plan[name] for name in ATTRIBUTES] == [None, None, None, None]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("access_medium", "fiber"),
        ("access_medium", "Fibra"),
        ("technology", "ftth"),
        ("technology", "GPON"),
        ("product", "banda larga"),
        ("offer_code", "-começa-com-traço"),
        ("offer_code", "com espaço"),
        ("offer_code", "X" * 31),
        ("offer_code", "código"),
        ("access_medium", 1),
    ],
)
def test_an_unknown_value_is_422_on_create_and_change(client, admin, field, value):
    assert_envelope(
        client.post(PLANS, json=fibra(**{field: value}), headers=admin), 422, "validation_error"
    )
    plan = client.post(PLANS, json=fibra(), headers=admin).get_json()
    response = client.patch(f"{PLANS}/{plan['id']}", json={field: value}, headers=admin)
    assert_envelope(response, 422, "validation_error")
    assert field in response.get_json()["errors"]
    assert client.get(f"{PLANS}/{plan['id']}", headers=admin).get_json() == plan


def test_an_offer_code_belongs_to_one_plan(client, admin):
    client.post(PLANS, json=fibra(), headers=admin)
    response = client.post(PLANS, json=fibra(name="Fibra 300 B"), headers=admin)
    assert_envelope(response, 409, "conflict")
    assert "offer_code" in response.get_json()["errors"]


def test_a_change_of_them_is_in_the_history_and_only_admins_change_them(
    app, client, admin, headers_for
):
    plan = client.post(PLANS, json=fibra(), headers=admin).get_json()
    change = {"access_medium": "radio", "technology": "FWA", "offer_code": None}
    finance = client.patch(f"{PLANS}/{plan['id']}", json=change, headers=headers_for("finance"))
    assert finance.status_code == 403

    response = client.patch(f"{PLANS}/{plan['id']}", json=change, headers=admin)
    assert response.status_code == 200, response.get_json()
    with app.app_context():
        entry = db.session.scalars(
            db.select(HistoryEntry)
            .where(HistoryEntry.entity == "plans", HistoryEntry.entity_id == str(plan["id"]))
            .order_by(HistoryEntry.id.desc())
        ).first()
        assert {c["field"]: (c["old"], c["new"]) for c in entry.changes} == {
            "access_medium": ("fibra", "radio"),
            "technology": ("FTTH", "FWA"),
            "offer_code": ("FIBRA-300/2026", None),
        }


def test_a_subscription_is_urban_unless_said_rural(client, app, headers_for):
    code, plan_id = build_customer(app), build_plan(app)
    staff = headers_for("attendant")
    url = f"{API}/customers/{code}/subscriptions"
    urban = client.post(url, json={"plan_id": plan_id, "due_day": 10}, headers=staff)
    assert urban.status_code == 201, urban.get_json()
    assert urban.get_json()["service_area"] == "urbano"
    rural = client.post(
        url, json={"plan_id": plan_id, "due_day": 10, "service_area": "rural"}, headers=staff
    )
    assert rural.get_json()["service_area"] == "rural"
    subscription = f"{API}/subscriptions/{urban.get_json()['id']}"
    changed = client.patch(subscription, json={"service_area": "rural"}, headers=staff)
    assert changed.status_code == 200 and changed.get_json()["service_area"] == "rural"
    for bad in ("RURAL", "suburbano", None):
        response = client.patch(subscription, json={"service_area": bad}, headers=staff)
        assert_envelope(response, 422, "validation_error")
        bad_new = client.post(
            url, json={"plan_id": plan_id, "due_day": 10, "service_area": bad}, headers=staff
        )
        assert_envelope(bad_new, 422, "validation_error")
