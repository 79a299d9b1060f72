"""Staff user administration at /api/v1/users: admins only; roles, passwords, activation."""

import pytest

from tests.conftest import TEST_PASSWORD

USERS = "/api/v1/users"
LOGIN = "/api/v1/auth/login"
ME = "/api/v1/me"
USER_FIELDS = {"id", "username", "full_name", "role", "active", "created_at", "logins_unlocked_at"}
NON_ADMINS = ["attendant", "finance", "technician"]


def new_user(**overrides) -> dict:
    payload = {
        "username": "joana.dias",
        "role": "attendant",
        "password": "a-long-password",
        "full_name": "Joana Dias",
    }
    payload.update(overrides)
    return payload


def login(client, username, password):
    return client.post(LOGIN, json={"username": username, "password": password})


def all_users(client, admin) -> list[dict]:
    response = client.get(USERS, query_string={"per_page": 200}, headers=admin)
    assert response.status_code == 200
    return response.get_json()["items"]


def assert_no_secrets(response, password_hash=None):
    raw = response.get_data(as_text=True)
    assert "password" not in raw
    assert "$argon2" not in raw
    if password_hash:
        assert password_hash not in raw


def assert_error(response, status, code):
    assert response.status_code == status, response.get_json()
    body = response.get_json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["message"]
    return body


# --- access --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", NON_ADMINS)
def test_non_admins_cannot_touch_users(client, headers_for, make_user, admin, role):
    target = make_user("alvo", "technician")
    headers = headers_for(role)
    before = all_users(client, admin)

    assert_error(client.get(USERS, headers=headers), 403, "forbidden")
    assert_error(client.get(f"{USERS}/{target.id}", headers=headers), 403, "forbidden")
    assert_error(client.post(USERS, json=new_user(), headers=headers), 403, "forbidden")
    assert_error(
        client.patch(f"{USERS}/{target.id}", json={"role": "admin"}, headers=headers),
        403,
        "forbidden",
    )
    # Not even on their own account: a non-admin cannot promote themself.
    me = client.get(ME, headers=headers).get_json()
    assert_error(
        client.patch(f"{USERS}/{me['id']}", json={"role": "admin"}, headers=headers),
        403,
        "forbidden",
    )

    assert all_users(client, admin) == before


def test_users_need_a_token(client, make_user):
    target = make_user("alvo", "technician")
    for response in (
        client.get(USERS),
        client.get(f"{USERS}/{target.id}"),
        client.post(USERS, json=new_user()),
        client.patch(f"{USERS}/{target.id}", json={"role": "admin"}),
    ):
        assert_error(response, 401, "unauthorized")


# --- list and read -----------------------------------------------------------------------------


def test_admin_lists_users_by_username_without_secrets(client, admin, make_user, password_hash):
    make_user("zeca", "technician")
    make_user("bruna", "finance")

    response = client.get(USERS, headers=admin)

    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"items", "total", "page", "per_page"}
    assert body["total"] == 3
    assert body["page"] == 1
    assert body["per_page"] == 50
    assert [u["username"] for u in body["items"]] == ["admin.user", "bruna", "zeca"]
    for item in body["items"]:
        assert set(item) == USER_FIELDS
    assert_no_secrets(response, password_hash)


def test_list_pages(client, admin, make_user):
    for name in ("ana", "bia", "caio", "davi"):
        make_user(name, "attendant")
    # 5 users in username order: admin.user, ana, bia, caio, davi
    body = client.get(USERS, query_string={"page": 2, "per_page": 2}, headers=admin).get_json()
    assert body["total"] == 5
    assert (body["page"], body["per_page"]) == (2, 2)
    assert [u["username"] for u in body["items"]] == ["bia", "caio"]

    past_end = client.get(USERS, query_string={"page": 9, "per_page": 2}, headers=admin)
    assert past_end.status_code == 200
    assert past_end.get_json()["items"] == []
    assert past_end.get_json()["total"] == 5


@pytest.mark.parametrize(
    "query",
    [{"per_page": 0}, {"per_page": 201}, {"page": 0}, {"page": "two"}, {"per_page": "-1"}],
)
def test_bad_paging_is_422(client, admin, query):
    body = assert_error(
        client.get(USERS, query_string=query, headers=admin), 422, "validation_error"
    )
    assert set(body["errors"]) <= {"page", "per_page"}
    assert body["errors"]


@pytest.mark.parametrize("query", [{"per_pag": 10}, {"pages": 2}, {"": "0"}])
def test_unknown_query_parameter_is_422(client, admin, query):
    """Input schemas reject unknown fields; a typo in a parameter must not be silently ignored."""
    body = assert_error(
        client.get(USERS, query_string=query, headers=admin), 422, "validation_error"
    )
    assert set(body["errors"]) == set(query)


def test_admin_reads_one_user(client, admin, make_user, password_hash):
    user = make_user("bruna", "finance")
    response = client.get(f"{USERS}/{user.id}", headers=admin)
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == USER_FIELDS
    assert body["id"] == user.id
    assert body["username"] == "bruna"
    assert body["role"] == "finance"
    assert body["active"] is True
    assert_no_secrets(response, password_hash)


@pytest.mark.parametrize("user_id", [999999, 0, 2**31, 2**63, 10**30])
def test_unknown_user_is_404(client, admin, user_id):
    assert_error(client.get(f"{USERS}/{user_id}", headers=admin), 404, "not_found")
    assert_error(
        client.patch(f"{USERS}/{user_id}", json={"full_name": "X"}, headers=admin),
        404,
        "not_found",
    )


def test_non_numeric_user_id_is_404(client, admin):
    assert_error(client.get(f"{USERS}/abc", headers=admin), 404, "not_found")
    assert_error(client.get(f"{USERS}/-1", headers=admin), 404, "not_found")


# --- create --------------------------------------------------------------------------------


def test_admin_creates_a_user_who_can_log_in(client, admin):
    response = client.post(USERS, json=new_user(role="finance"), headers=admin)

    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == USER_FIELDS
    assert body["username"] == "joana.dias"
    assert body["full_name"] == "Joana Dias"
    assert body["role"] == "finance"
    assert body["active"] is True
    assert_no_secrets(response)

    assert client.get(f"{USERS}/{body['id']}", headers=admin).get_json() == body
    token = login(client, "joana.dias", "a-long-password").get_json()["access_token"]
    me = client.get(ME, headers={"Authorization": f"Bearer {token}"}).get_json()
    assert me == body


def test_created_username_is_stored_in_lower_case(client, admin):
    response = client.post(USERS, json=new_user(username="Joana.Dias"), headers=admin)
    assert response.status_code == 201
    assert response.get_json()["username"] == "joana.dias"
    assert login(client, "JOANA.dias", "a-long-password").status_code == 200


def test_create_inactive_user_who_cannot_log_in(client, admin):
    response = client.post(USERS, json=new_user(active=False), headers=admin)
    assert response.status_code == 201
    assert response.get_json()["active"] is False
    assert_error(login(client, "joana.dias", "a-long-password"), 401, "unauthorized")


def test_minimal_create_defaults_name_and_active(client, admin):
    payload = {"username": "joana", "role": "technician", "password": "a-long-password"}
    response = client.post(USERS, json=payload, headers=admin)
    assert response.status_code == 201
    assert response.get_json()["full_name"] == ""
    assert response.get_json()["active"] is True


@pytest.mark.parametrize("taken", ["joana.dias", "JOANA.DIAS", "Joana.Dias"])
def test_taken_username_is_409_case_insensitively(client, admin, taken):
    first = client.post(USERS, json=new_user(), headers=admin)
    assert first.status_code == 201
    before = all_users(client, admin)

    response = client.post(
        USERS,
        json=new_user(username=taken, role="admin", password="another-password"),
        headers=admin,
    )

    body = assert_error(response, 409, "conflict")
    assert body["errors"]["username"] == ["Already taken."]
    assert all_users(client, admin) == before
    # The existing account keeps its password.
    assert login(client, "joana.dias", "a-long-password").status_code == 200
    assert_error(login(client, "joana.dias", "another-password"), 401, "unauthorized")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"role": "superuser"}, "role"),
        ({"role": "Admin"}, "role"),
        ({"role": ""}, "role"),
        ({"password": "123456789"}, "password"),
        ({"password": ""}, "password"),
        ({"password": "x" * 1025}, "password"),
        ({"username": "joana dias"}, "username"),
        ({"username": "joão"}, "username"),
        ({"username": "j"}, "username"),
        ({"username": "joana;drop"}, "username"),
        ({"username": "a" * 81}, "username"),
        ({"username": ""}, "username"),
        ({"username": 12345}, "username"),
        ({"full_name": "x" * 151}, "full_name"),
        ({"active": "maybe"}, "active"),
        ({"is_superuser": True}, "is_superuser"),
        ({"password_hash": "$argon2id$v=19$m=65536,t=3,p=4$abc$def"}, "password_hash"),
        ({"id": 999}, "id"),
    ],
)
def test_bad_new_user_is_422_naming_the_field(client, admin, overrides, field):
    before = all_users(client, admin)
    response = client.post(USERS, json=new_user(**overrides), headers=admin)
    body = assert_error(response, 422, "validation_error")
    assert field in body["errors"], body
    assert all_users(client, admin) == before


@pytest.mark.parametrize("value", [0, 1, "true", "off"])
def test_active_must_be_a_json_boolean(client, admin, make_user, value):
    """The document says boolean; 0, 1 or strings are not silently taken as one."""
    before = all_users(client, admin)
    body = assert_error(
        client.post(USERS, json=new_user(active=value), headers=admin), 422, "validation_error"
    )
    assert "active" in body["errors"]
    assert all_users(client, admin) == before

    user = make_user("bruna", "finance")
    before_one = client.get(f"{USERS}/{user.id}", headers=admin).get_json()
    response = client.patch(f"{USERS}/{user.id}", json={"active": value}, headers=admin)
    assert "active" in assert_error(response, 422, "validation_error")["errors"]
    assert client.get(f"{USERS}/{user.id}", headers=admin).get_json() == before_one


@pytest.mark.parametrize("value", ["Joana\x00Dias", "\x00", "Joana \ud800"])
def test_unstorable_characters_in_full_name_are_422(client, admin, make_user, value):
    """NUL and lone surrogates cannot be stored (PostgreSQL refuses NUL): 422 on every backend."""
    before = all_users(client, admin)
    response = client.post(USERS, json=new_user(full_name=value), headers=admin)
    assert "full_name" in assert_error(response, 422, "validation_error")["errors"]
    assert all_users(client, admin) == before

    user = make_user("bruna", "finance")
    before_one = client.get(f"{USERS}/{user.id}", headers=admin).get_json()
    response = client.patch(f"{USERS}/{user.id}", json={"full_name": value}, headers=admin)
    assert "full_name" in assert_error(response, 422, "validation_error")["errors"]
    assert client.get(f"{USERS}/{user.id}", headers=admin).get_json() == before_one


@pytest.mark.parametrize("missing", ["username", "role", "password"])
def test_missing_required_field_is_422(client, admin, missing):
    payload = new_user()
    del payload[missing]
    before = all_users(client, admin)
    body = assert_error(client.post(USERS, json=payload, headers=admin), 422, "validation_error")
    assert missing in body["errors"]
    assert all_users(client, admin) == before


def test_non_json_create_is_4xx(client, admin):
    before = all_users(client, admin)
    response = client.post(USERS, data="username=joana", headers=admin)
    assert 400 <= response.status_code < 500
    assert response.get_json()["status"] == response.status_code
    assert all_users(client, admin) == before


# --- update ----------------------------------------------------------------------------------


def test_admin_changes_role_and_full_name(client, admin, make_user):
    user = make_user("bruna", "finance")
    response = client.patch(
        f"{USERS}/{user.id}",
        json={"role": "technician", "full_name": "  Bruna Reis "},
        headers=admin,
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["role"] == "technician"
    assert body["full_name"] == "Bruna Reis"
    assert body["username"] == "bruna"
    assert_no_secrets(response)
    assert client.get(f"{USERS}/{user.id}", headers=admin).get_json() == body


def test_empty_patch_changes_nothing(client, admin, make_user):
    user = make_user("bruna", "finance")
    before = client.get(f"{USERS}/{user.id}", headers=admin).get_json()
    response = client.patch(f"{USERS}/{user.id}", json={}, headers=admin)
    assert_error(response, 422, "validation_error")
    assert client.get(f"{USERS}/{user.id}", headers=admin).get_json() == before


def test_changed_password_works_and_old_one_does_not(client, admin, make_user):
    user = make_user("bruna", "finance")
    response = client.patch(
        f"{USERS}/{user.id}", json={"password": "a-brand-new-password"}, headers=admin
    )
    assert response.status_code == 200
    assert_no_secrets(response)
    assert login(client, "bruna", "a-brand-new-password").status_code == 200
    assert_error(login(client, "bruna", TEST_PASSWORD), 401, "unauthorized")


def test_deactivate_and_reactivate(client, admin, make_user, token_for):
    user = make_user("bruna", "finance")
    old_token = {"Authorization": f"Bearer {token_for(user)}"}
    off = client.patch(f"{USERS}/{user.id}", json={"active": False}, headers=admin)
    assert off.status_code == 200
    assert off.get_json()["active"] is False
    assert_error(login(client, "bruna", TEST_PASSWORD), 401, "unauthorized")

    on = client.patch(f"{USERS}/{user.id}", json={"active": True}, headers=admin)
    assert on.get_json()["active"] is True
    assert login(client, "bruna", TEST_PASSWORD).status_code == 200
    # A token from before the deactivation (a lost laptop) does not come back to life.
    assert client.get("/api/v1/me", headers=old_token).status_code == 401


def test_other_roles_get_403_before_their_input_is_even_read(client, headers_for):
    # A technician learns nothing of the admin routes' rules from validation errors.
    response = client.patch(f"{USERS}/1", json={"role": "nope"}, headers=headers_for("technician"))
    assert_error(response, 403, "forbidden")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"role": "superuser"}, "role"),
        ({"password": "short"}, "password"),
        ({"full_name": "x" * 151}, "full_name"),
        ({"active": "perhaps"}, "active"),
        ({"username": "renamed"}, "username"),
        ({"password_hash": "x"}, "password_hash"),
        ({"created_at": "2020-01-01T00:00:00Z"}, "created_at"),
    ],
)
def test_bad_patch_is_422_and_changes_nothing(client, admin, make_user, changes, field):
    user = make_user("bruna", "finance")
    before = client.get(f"{USERS}/{user.id}", headers=admin).get_json()
    response = client.patch(f"{USERS}/{user.id}", json=changes, headers=admin)
    body = assert_error(response, 422, "validation_error")
    assert field in body["errors"], body
    assert client.get(f"{USERS}/{user.id}", headers=admin).get_json() == before


def test_bad_patch_with_a_good_field_changes_nothing(client, admin, make_user):
    user = make_user("bruna", "finance")
    before = client.get(f"{USERS}/{user.id}", headers=admin).get_json()
    response = client.patch(
        f"{USERS}/{user.id}", json={"full_name": "Nova", "password": "short"}, headers=admin
    )
    assert_error(response, 422, "validation_error")
    assert client.get(f"{USERS}/{user.id}", headers=admin).get_json() == before
    assert login(client, "bruna", TEST_PASSWORD).status_code == 200


@pytest.mark.parametrize(
    "changes", [{"active": False}, {"role": "attendant"}, {"role": "finance", "full_name": "Eu"}]
)
def test_admin_cannot_deactivate_or_demote_themself(client, admin, changes):
    me = client.get(ME, headers=admin).get_json()
    response = client.patch(f"{USERS}/{me['id']}", json=changes, headers=admin)
    assert_error(response, 403, "forbidden")
    after = client.get(ME, headers=admin)
    assert after.status_code == 200
    assert after.get_json() == me


def test_admin_may_edit_own_name_and_password(client, admin):
    me = client.get(ME, headers=admin).get_json()
    response = client.patch(
        f"{USERS}/{me['id']}",
        json={"full_name": "Chefe", "role": "admin", "active": True, "password": "my-new-password"},
        headers=admin,
    )
    assert response.status_code == 200
    assert response.get_json()["full_name"] == "Chefe"
    assert response.get_json()["role"] == "admin"
    assert login(client, me["username"], "my-new-password").status_code == 200


def test_an_admin_may_demote_another_admin(client, admin, make_user):
    other = make_user("outro.admin", "admin")
    response = client.patch(f"{USERS}/{other.id}", json={"role": "attendant"}, headers=admin)
    assert response.status_code == 200
    assert response.get_json()["role"] == "attendant"


def test_role_change_takes_effect_on_the_next_request(client, admin, make_user, token_for):
    user = make_user("bruna", "attendant")
    headers = {"Authorization": f"Bearer {token_for(user)}"}
    assert_error(client.get(USERS, headers=headers), 403, "forbidden")

    promoted = client.patch(f"{USERS}/{user.id}", json={"role": "admin"}, headers=admin)
    assert promoted.status_code == 200
    assert client.get(USERS, headers=headers).status_code == 200
    assert client.get(ME, headers=headers).get_json()["role"] == "admin"

    client.patch(f"{USERS}/{user.id}", json={"role": "technician"}, headers=admin)
    assert_error(client.get(USERS, headers=headers), 403, "forbidden")
