"""The plan catalog: admins keep it, every role reads it, and every change is in the history."""

import pytest

from models.audit import HistoryEntry
from models.db import db
from tests.web.api_helpers import API, assert_envelope

PLANS = f"{API}/plans"


def fibra(**overrides) -> dict:
    plan = {
        "name": "Fibra 300",
        "kind": "internet",
        "download_kbps": 300_000,
        "upload_kbps": 150_000,
        "price": "99.90",
    }
    plan.update(overrides)
    return plan


def create(client, headers, **overrides) -> dict:
    response = client.post(PLANS, json=fibra(**overrides), headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_an_admin_adds_an_internet_plan_with_its_own_radius_group(client, admin):
    response = client.post(PLANS, json=fibra(), headers=admin)

    assert response.status_code == 201, response.get_json()
    plan = response.get_json()
    assert response.headers["Location"] == f"{PLANS}/{plan['id']}"
    assert plan["price"] == "99.90"  # money is a string, never a float
    assert plan["radius_group"] == f"plano-{plan['id']}"
    assert plan["active"] is True
    assert client.get(response.headers["Location"], headers=admin).get_json() == plan


def test_a_given_radius_group_is_kept_and_other_kinds_get_none(client, admin):
    assert create(client, admin, radius_group="fibra_300.v2")["radius_group"] == "fibra_300.v2"
    mail = create(client, admin, name="E-mail extra", kind="email", price="5", **_no_speeds())
    assert mail["radius_group"] is None
    assert mail["price"] == "5.00"


def _no_speeds() -> dict:
    return {"download_kbps": None, "upload_kbps": None}


@pytest.mark.parametrize("role", ["attendant", "finance", "technician"])
def test_every_role_reads_the_catalog_but_only_admins_change_it(client, admin, headers_for, role):
    plan = create(client, admin)
    staff = headers_for(role)

    assert client.get(PLANS, headers=staff).get_json()["total"] == 1
    assert client.get(f"{PLANS}/{plan['id']}", headers=staff).status_code == 200
    created = client.post(PLANS, json=fibra(name="Outro"), headers=staff)
    assert_envelope(created, 403, "forbidden")
    changed = client.patch(f"{PLANS}/{plan['id']}", json={"price": "1.00"}, headers=staff)
    assert_envelope(changed, 403, "forbidden")
    assert client.get(f"{PLANS}/{plan['id']}", headers=admin).get_json() == plan


def test_the_catalog_needs_a_token(client):
    assert_envelope(client.get(PLANS), 401, "unauthorized")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("price", 99.9),  # a float: money goes as a string
        ("price", "-1.00"),
        ("price", "1.234"),
        ("price", "12,50"),
        ("kind", "tv"),
        ("download_kbps", 0),
        ("download_kbps", "300000"),
        ("upload_kbps", True),
        ("radius_group", "grupo com espaço"),
        ("radius_group", "g" * 65),
        ("name", "Fibra\u0007300"),
        ("name", " "),
        ("active", "yes"),
        ("color", "blue"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_adds_nothing(client, admin, field, value):
    response = client.post(PLANS, json=fibra(**{field: value}), headers=admin)

    body = assert_envelope(response, 422, "validation_error")
    assert field in body["errors"], body
    assert client.get(PLANS, headers=admin).get_json()["total"] == 0


def test_a_name_is_one_plan_s_only(client, admin):
    first = create(client, admin)
    second = create(client, admin, name="Fibra 500")

    assert_envelope(client.post(PLANS, json=fibra(), headers=admin), 409, "conflict")
    renamed = client.patch(f"{PLANS}/{second['id']}", json={"name": first["name"]}, headers=admin)
    assert_envelope(renamed, 409, "conflict")
    assert client.get(f"{PLANS}/{second['id']}", headers=admin).get_json() == second


def test_a_change_touches_only_what_it_names_and_is_in_the_history(app, client, admin):
    plan = create(client, admin)

    response = client.patch(
        f"{PLANS}/{plan['id']}", json={"price": "109.90", "active": False}, headers=admin
    )

    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {**plan, "price": "109.90", "active": False}
    with app.app_context():
        entries = db.session.scalars(
            db.select(HistoryEntry)
            .where(HistoryEntry.entity == "plans", HistoryEntry.entity_id == str(plan["id"]))
            .order_by(HistoryEntry.id)
        ).all()
        assert entries[0].action == "create"
        assert entries[-1].action == "update"
        assert entries[-1].username == "admin.user"
        assert {c["field"]: (c["old"], c["new"]) for c in entries[-1].changes} == {
            "price": ("99.90", "109.90"),
            "active": (True, False),
        }


@pytest.mark.parametrize("body", [{}, {"kind": "voip"}, {"price": None}])
def test_a_patch_that_changes_nothing_valid_is_refused(client, admin, body):
    plan = create(client, admin)
    response = client.patch(f"{PLANS}/{plan['id']}", json=body, headers=admin)
    assert_envelope(response, 422, "validation_error")
    assert client.get(f"{PLANS}/{plan['id']}", headers=admin).get_json() == plan


def test_an_unknown_plan_is_404(client, admin):
    assert_envelope(client.get(f"{PLANS}/999", headers=admin), 404, "not_found")
    assert_envelope(
        client.patch(f"{PLANS}/999", json={"active": False}, headers=admin), 404, "not_found"
    )


def test_the_catalog_lists_by_name_and_filters(client, admin):
    create(client, admin, name="Fibra 500")
    create(client, admin, name="Fibra 100", active=False)
    create(client, admin, name="Caixa postal", kind="email", price="4.90", **_no_speeds())

    names = [p["name"] for p in client.get(PLANS, headers=admin).get_json()["items"]]
    assert names == ["Caixa postal", "Fibra 100", "Fibra 500"]
    internet = client.get(PLANS, query_string={"kind": "internet"}, headers=admin).get_json()
    assert [p["name"] for p in internet["items"]] == ["Fibra 100", "Fibra 500"]
    on_sale = client.get(PLANS, query_string={"active": "true"}, headers=admin).get_json()
    assert on_sale["total"] == 2
    bad = client.get(PLANS, query_string={"kind": "tv"}, headers=admin)
    assert_envelope(bad, 422, "validation_error")
