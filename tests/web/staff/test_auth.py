"""Staff login: tokens, logout, expiry, deactivation, lockout after failed logins, and the CLI."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from models.db import db
from models.staff.auth import LoginThrottle
from tests.conftest import TEST_PASSWORD

LOGIN = "/api/v1/auth/login"
LOGOUT = "/api/v1/auth/logout"
ME = "/api/v1/me"
USERS = "/api/v1/users"


def login(client, username, password=TEST_PASSWORD, ip="127.0.0.1"):
    return client.post(
        LOGIN,
        json={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": ip},
    )


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def assert_unauthorized(response):
    assert response.status_code == 401, response.get_json()
    body = response.get_json()
    assert body["status"] == 401
    assert body["code"] == "unauthorized"
    assert body["message"]


# --- login, me, logout ---------------------------------------------------------------------


def test_login_returns_a_bearer_token_that_opens_me(client, make_user, settings):
    user = make_user("maria.souza", "attendant")
    before = datetime.now(UTC)

    response = login(client, "maria.souza")

    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"access_token", "expires_at", "token_type"}
    assert body["token_type"] == "Bearer"
    assert len(body["access_token"]) >= 32
    expires_at = datetime.fromisoformat(body["expires_at"])
    assert expires_at.tzinfo is not None
    ttl = timedelta(hours=settings.token_ttl_hours)
    assert before + ttl - timedelta(minutes=1) <= expires_at <= datetime.now(UTC) + ttl

    me = client.get(ME, headers=bearer(body["access_token"]))
    assert me.status_code == 200
    assert me.get_json()["id"] == user.id
    assert me.get_json()["username"] == "maria.souza"
    assert me.get_json()["role"] == "attendant"


def test_each_login_issues_a_different_token(client, make_user):
    make_user("maria.souza", "attendant")
    first = login(client, "maria.souza").get_json()["access_token"]
    second = login(client, "maria.souza").get_json()["access_token"]
    assert first != second
    assert client.get(ME, headers=bearer(first)).status_code == 200
    assert client.get(ME, headers=bearer(second)).status_code == 200


def test_username_is_case_insensitive_and_trimmed(client, make_user):
    make_user("maria.souza", "finance")
    response = login(client, "  Maria.SOUZA ")
    assert response.status_code == 200
    me = client.get(ME, headers=bearer(response.get_json()["access_token"]))
    assert me.get_json()["username"] == "maria.souza"


def test_me_never_shows_a_password_or_hash(client, make_user, token_for, password_hash):
    user = make_user("maria.souza", "technician")
    response = client.get(ME, headers=bearer(token_for(user)))
    assert response.status_code == 200
    assert set(response.get_json()) == {
        "id",
        "username",
        "full_name",
        "role",
        "active",
        "created_at",
        "logins_unlocked_at",
    }
    raw = response.get_data(as_text=True)
    assert "password" not in raw
    assert password_hash not in raw
    assert "$argon2" not in raw


def test_wrong_password_and_unknown_username_answer_the_same(client, make_user):
    make_user("maria.souza", "attendant")

    wrong_password = login(client, "maria.souza", "not the password")
    unknown_user = login(client, "joao.ninguem", "not the password")

    assert_unauthorized(wrong_password)
    assert_unauthorized(unknown_user)
    assert wrong_password.get_json() == unknown_user.get_json()
    message = wrong_password.get_json()["message"].lower()
    assert "username or password" in message or "credentials" in message
    assert "access_token" not in wrong_password.get_json()


def test_password_is_case_sensitive(client, make_user):
    make_user("maria.souza", "attendant")
    assert_unauthorized(login(client, "maria.souza", TEST_PASSWORD.upper()))


def test_deactivated_user_cannot_log_in_and_is_told_nothing_more(client, make_user):
    make_user("maria.souza", "attendant", active=False)
    make_user("jose.lima", "attendant")

    inactive = login(client, "maria.souza")
    wrong_password = login(client, "jose.lima", "not the password")

    assert_unauthorized(inactive)
    assert inactive.get_json() == wrong_password.get_json()


def test_deactivation_ends_existing_tokens_at_once(client, make_user, token_for, admin):
    user = make_user("maria.souza", "attendant")
    token = token_for(user)
    assert client.get(ME, headers=bearer(token)).status_code == 200

    response = client.patch(f"{USERS}/{user.id}", json={"active": False}, headers=admin)
    assert response.status_code == 200
    assert response.get_json()["active"] is False

    assert_unauthorized(client.get(ME, headers=bearer(token)))
    assert_unauthorized(client.get("/api/v1/customers", headers=bearer(token)))

    # Reactivated, the user logs in again (the old token may stay dead; a new one works).
    client.patch(f"{USERS}/{user.id}", json={"active": True}, headers=admin)
    fresh = login(client, "maria.souza")
    assert fresh.status_code == 200
    assert client.get(ME, headers=bearer(fresh.get_json()["access_token"])).status_code == 200


def test_logout_revokes_only_that_token(client, make_user, token_for):
    user = make_user("maria.souza", "attendant")
    token, other = token_for(user), token_for(user)

    response = client.post(LOGOUT, headers=bearer(token))

    assert response.status_code == 204
    assert response.get_data() == b""
    assert_unauthorized(client.get(ME, headers=bearer(token)))
    assert_unauthorized(client.post(LOGOUT, headers=bearer(token)))
    assert client.get(ME, headers=bearer(other)).status_code == 200


def test_logout_needs_a_token(client):
    assert_unauthorized(client.post(LOGOUT))


def test_expired_token_is_refused(client, make_user, token_for):
    user = make_user("maria.souza", "attendant")
    expired = token_for(user, ttl=timedelta(seconds=-1))
    assert_unauthorized(client.get(ME, headers=bearer(expired)))


def test_token_still_valid_just_before_expiry(client, make_user, token_for):
    user = make_user("maria.souza", "attendant")
    assert (
        client.get(ME, headers=bearer(token_for(user, ttl=timedelta(minutes=1)))).status_code == 200
    )


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer    "},
        {"Authorization": "Basic bWFyaWEuc291emE6Y29ycmVjdCBob3JzZSBiYXR0ZXJ5"},
        {"Authorization": "Token abcdef"},
        {"Authorization": "Bearer not-a-real-token"},
        {"Authorization": "Bearer " + "x" * 5000},
    ],
    ids=["missing", "empty", "no-token", "blank-token", "basic", "other-scheme", "garbage", "huge"],
)
def test_requests_without_a_valid_bearer_token_get_401(client, make_user, headers):
    make_user("maria.souza", "attendant")
    for path in (ME, "/api/v1/customers", USERS):
        assert_unauthorized(client.get(path, headers=headers))


def test_a_token_for_the_right_scheme_in_any_case_is_accepted(client, make_user, token_for):
    token = token_for(make_user("maria.souza", "attendant"))
    assert client.get(ME, headers={"Authorization": f"bearer {token}"}).status_code == 200


def test_a_stored_token_hash_is_not_a_token(app, client, make_user, token_for):
    """Only the token's digest is stored; presenting the digest itself must not authenticate."""
    token_for(make_user("maria.souza", "attendant"))
    with app.app_context():
        digest = db.session.execute(text("SELECT token_hash FROM auth_tokens")).scalar_one()
    assert digest != ""
    assert_unauthorized(client.get(ME, headers=bearer(digest)))


# --- bad login input -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "payload",
    [
        {"username": "maria.souza"},
        {"password": TEST_PASSWORD},
        {},
        {"username": "maria.souza", "password": TEST_PASSWORD, "remember": True},
        {"username": "", "password": TEST_PASSWORD},
        {"username": "maria.souza", "password": ""},
        {"username": 42, "password": TEST_PASSWORD},
        {"username": "maria.souza", "password": None},
        ["maria.souza", TEST_PASSWORD],
    ],
    ids=[
        "no-password",
        "no-username",
        "empty",
        "extra",
        "blank-user",
        "blank-pw",
        "int",
        "null",
        "list",
    ],
)
def test_malformed_login_is_422_and_issues_no_token(client, make_user, app, payload):
    make_user("maria.souza", "attendant")
    response = client.post(LOGIN, json=payload)
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert body["status"] == 422
    assert body["code"] == "validation_error"
    assert "access_token" not in body
    with app.app_context():
        assert db.session.execute(text("SELECT count(*) FROM auth_tokens")).scalar_one() == 0


def test_extra_login_field_is_named_in_the_errors(client, make_user):
    make_user("maria.souza", "attendant")
    response = client.post(
        LOGIN, json={"username": "maria.souza", "password": TEST_PASSWORD, "remember": True}
    )
    assert response.status_code == 422
    assert "remember" in response.get_json()["errors"]


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ("username=maria.souza&password=x", "application/x-www-form-urlencoded"),
        ('{"username": "maria.souza", "password": ', "application/json"),
        ("not json at all", "text/plain"),
        ("", "application/json"),
        (b"\xff\xfe\x00garbage", "application/json"),
    ],
    ids=["form", "truncated-json", "text", "empty", "binary"],
)
def test_non_json_login_is_a_4xx_envelope(client, make_user, data, content_type):
    make_user("maria.souza", "attendant")
    response = client.post(LOGIN, data=data, content_type=content_type)
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)
    body = response.get_json()
    assert body["status"] == response.status_code
    assert body["code"]
    assert "access_token" not in body


@pytest.mark.parametrize(
    "username", ["maria\x00souza", "\x00", "maria.souza\x00", "ma\u0000ria", "\ud800"]
)
def test_login_with_unstorable_characters_is_refused_not_a_500(client, make_user, username):
    """NUL (and lone surrogates) cannot be stored in PostgreSQL text: a 4xx, never a crash."""
    make_user("maria.souza", "attendant")
    response = client.post(LOGIN, json={"username": username, "password": TEST_PASSWORD})
    assert response.status_code in (401, 422), response.get_data(as_text=True)
    assert response.get_json()["status"] == response.status_code
    assert "access_token" not in response.get_json()


def test_malformed_logins_do_not_count_towards_the_lockout(client, make_user, settings):
    make_user("maria.souza", "attendant")
    for _ in range(settings.login_max_failures + 2):
        assert client.post(LOGIN, json={"username": "maria.souza"}).status_code == 422
    assert login(client, "maria.souza").status_code == 200


# --- lockout ---------------------------------------------------------------------------------


def _fail(client, username, times, ip="127.0.0.1"):
    for _ in range(times):
        assert_unauthorized(login(client, username, "wrong password", ip=ip))


def test_lockout_after_max_failures_even_with_the_right_password(client, make_user, settings):
    make_user("maria.souza", "attendant")
    make_user("jose.lima", "attendant")
    _fail(client, "maria.souza", settings.login_max_failures)

    locked = login(client, "maria.souza")

    assert locked.status_code == 429
    body = locked.get_json()
    assert body["status"] == 429
    assert body["code"] == "too_many_requests"
    assert "access_token" not in body
    retry_after = int(locked.headers["Retry-After"])
    lockout_seconds = settings.login_lockout_minutes * 60
    assert lockout_seconds - 60 < retry_after <= lockout_seconds + 1

    # The lock is per username: a colleague still logs in.
    assert login(client, "jose.lima").status_code == 200
    # And the lock holds, whatever the case of the username.
    assert login(client, "MARIA.SOUZA").status_code == 429


def test_failures_below_the_limit_do_not_lock(client, make_user, settings):
    make_user("maria.souza", "attendant")
    _fail(client, "maria.souza", settings.login_max_failures - 1)
    assert login(client, "maria.souza").status_code == 200


def test_failures_count_across_username_case(client, make_user, settings):
    make_user("maria.souza", "attendant")
    for i in range(settings.login_max_failures):
        name = "Maria.Souza" if i % 2 else "maria.souza"
        assert_unauthorized(login(client, name, "wrong password"))
    assert login(client, "maria.souza").status_code == 429


def test_successful_login_resets_the_failure_count(client, make_user, settings):
    make_user("maria.souza", "attendant")
    _fail(client, "maria.souza", settings.login_max_failures - 1)
    assert login(client, "maria.souza").status_code == 200
    _fail(client, "maria.souza", settings.login_max_failures - 1)
    assert login(client, "maria.souza").status_code == 200


def test_unknown_usernames_are_locked_out_too(client, settings):
    """Otherwise the lockout itself would tell which usernames exist."""
    _fail(client, "ninguem", settings.login_max_failures)
    response = login(client, "ninguem")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0


def test_lock_expires_after_the_lockout_period(app, client, make_user, settings):
    make_user("maria.souza", "attendant")
    _fail(client, "maria.souza", settings.login_max_failures)
    assert login(client, "maria.souza").status_code == 429

    # Let the lockout period pass: move the lock's clock back instead of sleeping for minutes.
    past = datetime.now(UTC) - timedelta(minutes=settings.login_lockout_minutes, seconds=1)
    with app.app_context():
        throttle = db.session.get(LoginThrottle, ("127.0.0.1", "maria.souza"))
        throttle.locked_until = throttle.window_started_at = past
        db.session.commit()

    assert login(client, "maria.souza").status_code == 200


def test_a_lock_holds_only_for_the_address_that_caused_it(client, make_user, settings):
    """Someone guessing from elsewhere cannot shut the real user out."""
    make_user("maria.souza", "attendant")
    _fail(client, "maria.souza", settings.login_max_failures, ip="198.51.100.9")
    assert login(client, "maria.souza", ip="198.51.100.9").status_code == 429

    assert login(client, "maria.souza", ip="203.0.113.20").status_code == 200


def test_one_address_cannot_spray_many_usernames(client, make_user, settings):
    make_user("maria.souza", "attendant")
    sprayer, office = "198.51.100.66", "203.0.113.20"
    for index in range(settings.login_max_failures_per_ip):
        assert_unauthorized(login(client, f"guess{index}", "Senha123!", ip=sprayer))

    blocked = login(client, "maria.souza", ip=sprayer)  # even the right password
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert login(client, "maria.souza", ip=office).status_code == 200


def test_failures_below_the_address_limit_do_not_block_it(client, make_user, settings):
    make_user("maria.souza", "attendant")
    for index in range(settings.login_max_failures_per_ip - 1):
        assert_unauthorized(login(client, f"guess{index}", "Senha123!", ip="198.51.100.66"))
    assert login(client, "maria.souza", ip="198.51.100.66").status_code == 200


def test_passwords_are_hashed_with_argon2id_at_owasp_parameters(app, client, admin):
    created = client.post(
        USERS,
        json={"username": "nova.pessoa", "role": "finance", "password": "uma senha longa"},
        headers=admin,
    )
    assert created.status_code == 201
    with app.app_context():
        stored = db.session.scalar(
            text("SELECT password_hash FROM users WHERE username = 'nova.pessoa'")
        )
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_an_older_hash_is_upgraded_at_login(app, client, make_user):
    """Hashes made with the library's previous profile (64 MiB, 3 passes, 4 lanes)."""
    from argon2 import PasswordHasher

    make_user("maria.souza", "attendant")
    old_hash = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4).hash(TEST_PASSWORD)
    with app.app_context():
        db.session.execute(
            text("UPDATE users SET password_hash = :hash WHERE username = 'maria.souza'"),
            {"hash": old_hash},
        )
        db.session.commit()

    assert login(client, "maria.souza").status_code == 200

    with app.app_context():
        stored = db.session.scalar(
            text("SELECT password_hash FROM users WHERE username = 'maria.souza'")
        )
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert login(client, "maria.souza").status_code == 200  # the upgraded hash works


def test_an_oversized_token_is_a_plain_401(client):
    response = client.get(ME, headers=bearer("x" * 10_000))
    assert_unauthorized(response)


# --- CLI ---------------------------------------------------------------------------------------


def _cli(app, *args, **kwargs):
    return app.test_cli_runner().invoke(args=list(args), **kwargs)


def test_cli_creates_a_user_who_can_log_in(app, client):
    result = _cli(
        app, "users", "create", "joana", "--role", "attendant", "--password", "a-long-password"
    )
    assert result.exit_code == 0, result.output
    assert "joana" in result.output

    response = login(client, "joana", "a-long-password")
    assert response.status_code == 200
    me = client.get(ME, headers=bearer(response.get_json()["access_token"])).get_json()
    assert me["username"] == "joana"
    assert me["role"] == "attendant"
    assert me["active"] is True


def test_cli_prompts_for_the_password_when_left_out(app, client):
    result = _cli(
        app, "users", "create", "joana", "--role", "finance", input="a-long-password\n" * 2
    )
    assert result.exit_code == 0, result.output
    assert "a-long-password" not in result.output  # hidden input is not echoed
    assert login(client, "joana", "a-long-password").status_code == 200


def _usernames(client, admin) -> list[str]:
    body = client.get(USERS, query_string={"per_page": 200}, headers=admin).get_json()
    return [item["username"] for item in body["items"]]


def test_cli_refuses_a_short_password_and_creates_nothing(app, client, admin):
    before = _usernames(client, admin)
    result = _cli(app, "users", "create", "joana", "--role", "attendant", "--password", "short")
    assert result.exit_code != 0
    assert _usernames(client, admin) == before
    assert_unauthorized(login(client, "joana", "short"))


def test_cli_refuses_a_taken_username_and_changes_nothing(app, client, admin, make_user):
    make_user("joana", "technician")
    result = _cli(
        app, "users", "create", "JOANA", "--role", "admin", "--password", "a-long-password"
    )
    assert result.exit_code != 0
    assert _usernames(client, admin).count("joana") == 1
    assert_unauthorized(login(client, "joana", "a-long-password"))
    response = login(client, "joana")  # the original password and role are untouched
    me = client.get(ME, headers=bearer(response.get_json()["access_token"])).get_json()
    assert me["role"] == "technician"


def test_cli_refuses_an_unknown_role(app, client, admin):
    before = _usernames(client, admin)
    result = _cli(
        app, "users", "create", "joana", "--role", "boss", "--password", "a-long-password"
    )
    assert result.exit_code != 0
    assert _usernames(client, admin) == before


def test_ensure_admin_creates_the_first_admin_and_prints_a_working_password(app, client):
    result = _cli(app, "users", "ensure-admin")
    assert result.exit_code == 0, result.output
    match = re.search(r"admin / (\S+)", result.output)
    assert match, result.output
    password = match.group(1)
    assert len(password) >= 10

    response = login(client, "admin", password)
    assert response.status_code == 200
    me = client.get(ME, headers=bearer(response.get_json()["access_token"])).get_json()
    assert me["role"] == "admin"
    assert me["active"] is True


def test_ensure_admin_does_nothing_once_users_exist(app, client, make_user):
    make_user("maria.souza", "attendant")
    result = _cli(app, "users", "ensure-admin")
    assert result.exit_code == 0, result.output
    assert not re.search(r"admin / \S+", result.output)
    with app.app_context():
        usernames = db.session.execute(text("SELECT username FROM users")).scalars().all()
    assert usernames == ["maria.souza"]


def test_ensure_admin_twice_creates_one_admin(app):
    first = _cli(app, "users", "ensure-admin")
    second = _cli(app, "users", "ensure-admin")
    assert first.exit_code == second.exit_code == 0
    with app.app_context():
        count = db.session.execute(text("SELECT count(*) FROM users")).scalar_one()
    assert count == 1
