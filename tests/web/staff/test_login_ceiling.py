"""The per-account ceiling on failed logins across addresses, and an admin's unlock.

Guesses at one account from many addresses are counted together; past the ceiling, a new
address is refused (429), while the addresses its user logged in from before stay open.
"""

from datetime import timedelta

import pytest

from models.audit import HistoryEntry
from models.clock import utcnow
from models.db import db
from models.staff.auth import KNOWN_ADDRESS_DAYS, KnownAddress, purge_expired
from tests.conftest import TEST_PASSWORD
from tests.web.api_helpers import API, assert_envelope

LOGIN = f"{API}/auth/login"
OFFICE = "203.0.113.20"  # where the owner logged in before
NEW = "192.0.2.200"  # an address that never logged in


@pytest.fixture
def proxied(build_app):
    """The API behind one trusted proxy: the client's address comes from X-Forwarded-For."""
    return build_app(trusted_proxies=1).test_client()


def login(client, username: str, ip: str, password: str = TEST_PASSWORD):
    body = {"username": username, "password": password}
    return client.post(LOGIN, json=body, headers={"X-Forwarded-For": ip})


def guess_from_many_addresses(client, username: str, times: int) -> None:
    """`times` wrong passwords, two from each address (below any one address's lock)."""
    for index in range(times):
        ip = f"198.51.100.{index // 2 + 1}"
        assert_envelope(login(client, username, ip, "wrong password"), 401, "unauthorized")


def assert_locked(response, settings) -> None:
    body = assert_envelope(response, 429, "too_many_requests")
    assert "access_token" not in body
    lockout = settings.login_lockout_minutes * 60
    assert lockout - 60 < int(response.headers["Retry-After"]) <= lockout + 1


@pytest.fixture
def maria(make_user, proxied):
    """An attendant who logged in from the office once."""
    user = make_user("maria.souza", "attendant")
    assert login(proxied, "maria.souza", OFFICE).status_code == 200
    return user


def test_the_ceiling_shuts_new_addresses_out_but_not_the_owners(
    proxied, maria, make_user, settings
):
    make_user("jose.lima", "attendant")
    guess_from_many_addresses(proxied, "maria.souza", settings.login_max_failures_per_account)

    assert_locked(login(proxied, "maria.souza", NEW), settings)  # even the right password
    assert login(proxied, "maria.souza", OFFICE).status_code == 200  # the owner works on
    assert login(proxied, "jose.lima", NEW).status_code == 200  # a colleague's account is open
    assert_locked(login(proxied, "maria.souza", "192.0.2.201"), settings)


def test_below_the_ceiling_a_new_address_logs_in(proxied, maria, settings):
    guess_from_many_addresses(proxied, "maria.souza", settings.login_max_failures_per_account - 1)
    assert login(proxied, "maria.souza", NEW).status_code == 200


def test_a_success_from_a_new_address_is_not_counted_as_a_failure(proxied, maria, settings):
    guess_from_many_addresses(proxied, "maria.souza", settings.login_max_failures_per_account - 1)
    assert login(proxied, "maria.souza", NEW).status_code == 200  # now a known address
    assert_envelope(login(proxied, "maria.souza", "192.0.2.7", "wrong"), 401, "unauthorized")
    assert_locked(login(proxied, "maria.souza", "192.0.2.8"), settings)  # past the ceiling now


def test_the_owners_address_keeps_its_own_lock(build_app, make_user, settings):
    # A ceiling below one address's limit: the owner's failures at the office would pass it.
    proxied = build_app(trusted_proxies=1, login_max_failures_per_account=2).test_client()
    make_user("maria.souza", "attendant")
    assert login(proxied, "maria.souza", OFFICE).status_code == 200
    for _ in range(settings.login_max_failures):
        assert_envelope(login(proxied, "maria.souza", OFFICE, "wrong"), 401, "unauthorized")
    assert_locked(login(proxied, "maria.souza", OFFICE), settings)
    # Failures from a known address do not count towards the account's ceiling.
    assert login(proxied, "maria.souza", NEW).status_code == 200


def test_unknown_usernames_have_a_ceiling_too(proxied, settings):
    """Otherwise the ceiling itself would tell which usernames exist."""
    guess_from_many_addresses(proxied, "ninguem", settings.login_max_failures_per_account)
    assert_locked(login(proxied, "ninguem", NEW), settings)


def test_an_address_long_unused_is_a_new_one_again(app, proxied, maria, settings):
    with app.app_context():
        known = db.session.get(KnownAddress, ("maria.souza", OFFICE))
        known.last_login_at = utcnow() - timedelta(days=KNOWN_ADDRESS_DAYS, minutes=1)
        db.session.commit()
    guess_from_many_addresses(proxied, "maria.souza", settings.login_max_failures_per_account)
    assert_locked(login(proxied, "maria.souza", OFFICE), settings)
    with app.app_context():
        purge_expired()  # the maintenance task's sweep forgets it too
        db.session.commit()
        assert db.session.get(KnownAddress, ("maria.souza", OFFICE)) is None


# --- unlock ------------------------------------------------------------------------------------


def unlock(client, headers, user_id: int):
    return client.post(f"{API}/users/{user_id}/unlock", headers=headers)


def test_an_admin_lifts_the_ceiling_and_history_says_who(
    app, client, proxied, maria, admin, settings
):
    guess_from_many_addresses(proxied, "maria.souza", settings.login_max_failures_per_account)
    assert_locked(login(proxied, "maria.souza", NEW), settings)

    response = unlock(client, admin, maria.id)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["username"] == "maria.souza" and body["logins_unlocked_at"]
    assert login(proxied, "maria.souza", NEW).status_code == 200

    with app.app_context():
        entries = db.session.scalars(
            db.select(HistoryEntry).where(
                HistoryEntry.entity == "users", HistoryEntry.entity_id == str(maria.id)
            )
        ).all()
    unlocked = [e for e in entries if [c["field"] for c in e.changes] == ["logins_unlocked_at"]]
    assert len(unlocked) == 1
    assert (unlocked[0].username, unlocked[0].action) == ("admin.user", "update")
    assert unlocked[0].changes[0]["new"] == body["logins_unlocked_at"]


def test_unlock_lifts_every_address_lock_of_that_user_only(
    proxied, client, maria, make_user, admin, settings
):
    make_user("jose.lima", "attendant")
    for username in ("maria.souza", "jose.lima"):
        for _ in range(settings.login_max_failures):
            assert_envelope(login(proxied, username, NEW, "wrong"), 401, "unauthorized")
        assert_locked(login(proxied, username, NEW), settings)

    assert unlock(client, admin, maria.id).status_code == 200
    assert login(proxied, "maria.souza", NEW).status_code == 200
    assert_locked(login(proxied, "jose.lima", NEW), settings)


@pytest.mark.parametrize("role", ["attendant", "finance", "technician"])
def test_only_admins_unlock(proxied, client, maria, headers_for, settings, role):
    for _ in range(settings.login_max_failures):
        login(proxied, "maria.souza", NEW, "wrong")
    assert_envelope(unlock(client, headers_for(role), maria.id), 403, "forbidden")
    assert_locked(login(proxied, "maria.souza", NEW), settings)


def test_unlock_needs_a_token_and_a_known_user(client, admin):
    assert_envelope(unlock(client, {}, 1), 401, "unauthorized")
    assert_envelope(unlock(client, admin, 999999), 404, "not_found")
