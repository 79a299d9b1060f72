"""Each staff user's favorites [5.9]: add, list, remove; nobody sees another's."""

import pytest
from sqlalchemy import insert

from models.clock import utcnow
from models.customers.favorites import MAX_PER_USER, Favorite
from models.db import db
from tests.web.api_helpers import API, assert_envelope

URL = f"{API}/me/favorites"


def add(client, headers, label: str = "Contatos do 1234", target: str = "customers/1234/contacts"):
    return client.post(URL, json={"label": label, "target": target}, headers=headers)


def mine(client, headers) -> list[dict]:
    response = client.get(URL, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


@pytest.mark.parametrize("role", ["admin", "attendant", "finance", "technician"])
def test_every_role_keeps_its_own_favorites(client, headers_for, role):
    staff = headers_for(role)
    response = add(client, staff)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert response.headers["Location"].endswith("/api/v1/me/favorites")
    assert created == {
        "id": created["id"],
        "label": "Contatos do 1234",
        "target": "customers/1234/contacts",
        "created_at": created["created_at"],
    }
    assert mine(client, staff) == [created]
    assert client.delete(f"{URL}/{created['id']}", headers=staff).status_code == 204
    assert mine(client, staff) == []


def test_nobody_sees_or_removes_another_users_favorites(client, headers_for):
    admin, attendant = headers_for("admin"), headers_for("attendant")
    theirs = add(client, admin, target="customers?q=silva").get_json()
    assert mine(client, attendant) == []
    response = client.delete(f"{URL}/{theirs['id']}", headers=attendant)
    assert_envelope(response, 404, "not_found")  # as a missing one: existence not leaked
    missing = assert_envelope(client.delete(f"{URL}/999", headers=attendant), 404, "not_found")
    assert missing["message"] == response.get_json()["message"].replace(str(theirs["id"]), "999")
    assert mine(client, admin) == [theirs]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"label": "x", "target": "https://evil.example/customers"}, "target"),
        ({"label": "x", "target": "//evil.example/customers"}, "target"),
        ({"label": "x", "target": "/api/v1/customers"}, "target"),
        ({"label": "x", "target": "customers/../users"}, "target"),
        ({"label": "x", "target": "../users"}, "target"),
        ({"label": "x", "target": "customers/..hidden"}, "target"),
        ({"label": "x", "target": "javascript:alert(1)"}, "target"),
        ({"label": "x", "target": "customers\\1234"}, "target"),
        ({"label": "x", "target": "customers/" + "1" * 191}, "target"),
        ({"label": "x", "target": ""}, "target"),
        ({"label": "", "target": "customers"}, "label"),
        ({"label": "x" * 81, "target": "customers"}, "label"),
        ({"target": "customers"}, "label"),
        ({"label": "x"}, "target"),
        ({"label": "x", "target": "customers", "user_id": 1}, "user_id"),
    ],
)
def test_bad_favorites_are_refused(client, admin, body, field):
    response = client.post(URL, json=body, headers=admin)
    assert field in assert_envelope(response, 422, "validation_error")["errors"]
    assert mine(client, admin) == []


@pytest.mark.parametrize(
    "target",
    [
        "customers/1234/contacts",
        "customers/1234/",
        "customers?q=maria+silva&active=true",
        "subscriptions/7/items",
        "exports/3/file.csv",
        "customers/" + "1" * 190,
    ],
)
def test_relative_api_paths_are_taken(client, admin, target):
    assert add(client, admin, target=target).status_code == 201
    assert [f["target"] for f in mine(client, admin)] == [target]


def test_a_target_is_saved_once_per_user(client, headers_for):
    admin, attendant = headers_for("admin"), headers_for("attendant")
    add(client, admin)
    assert "target" in assert_envelope(add(client, admin, label="Again"), 409, "conflict")["errors"]
    assert add(client, attendant).status_code == 201  # someone else may save the same place
    assert len(mine(client, admin)) == 1


def test_favorites_are_capped_per_user(app, client, headers_for):
    admin = headers_for("admin")
    add(client, admin, target="first")
    with app.app_context():
        owner = db.session.scalar(db.select(Favorite.user_id))
        rows = [
            {
                "user_id": owner,
                "label": f"F{n}",
                "target": f"customers/{n}",
                "created_at": utcnow(),
            }
            for n in range(MAX_PER_USER - 1)
        ]
        db.session.execute(insert(Favorite), rows)
        db.session.commit()
    assert len(mine(client, admin)) == MAX_PER_USER
    response = add(client, admin, target="one/more")
    assert_envelope(response, 409, "conflict")
    assert len(mine(client, admin)) == MAX_PER_USER
    assert add(client, headers_for("finance"), target="one/more").status_code == 201


def test_favorites_need_a_login(client):
    assert_envelope(client.get(URL), 401, "unauthorized")
    assert_envelope(add(client, {}), 401, "unauthorized")
    assert_envelope(client.delete(f"{URL}/1"), 401, "unauthorized")
