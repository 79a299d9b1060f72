"""A login is two transactions around the password check: what changes in between must win.

These interleavings cannot be timed through HTTP, so the test runs the login's own steps
(the ones web/api/staff/auth.py runs) with the change committed between them.
"""

from datetime import timedelta

import pytest

from models.db import db
from models.errors import AuthenticationFailed
from models.staff import auth
from models.staff.users import find_user, update_user, verify_password
from tests.conftest import TEST_PASSWORD

POLICY = auth.LoginPolicy(
    max_failures=5,
    max_failures_per_ip=25,
    max_failures_per_account=20,
    lockout=timedelta(minutes=15),
    token_ttl=timedelta(hours=1),
)
NEW_PASSWORD = "uma senha nova e longa"


def _login_with(app, change) -> None:
    """Start a login with the right password, commit `change` meanwhile, then finish it."""
    with app.app_context():
        attempt = auth.start_login("bia", "192.0.2.10", POLICY)
        db.session.commit()
        admin = find_user("chefe")
        change(admin)
        db.session.commit()
        matched, new_hash = verify_password(attempt.password_hash, TEST_PASSWORD)
        assert matched  # the old password matches the hash read before the change
        try:
            auth.finish_login(attempt, matched, new_hash, POLICY)
        finally:
            db.session.commit()


@pytest.fixture
def users(make_user):
    return make_user("bia", "attendant"), make_user("chefe", "admin")


def test_a_password_reset_during_a_login_refuses_the_old_password(app, users):
    bia, _ = users

    def reset(admin):
        update_user(bia.id, {"password": NEW_PASSWORD}, acting_user=admin)

    with pytest.raises(AuthenticationFailed):
        _login_with(app, reset)
    with app.app_context():
        assert verify_password(find_user("bia").password_hash, NEW_PASSWORD)[0]


def test_a_deactivation_during_a_login_refuses_it(app, users):
    bia, _ = users

    def deactivate(admin):
        update_user(bia.id, {"active": False}, acting_user=admin)

    with pytest.raises(AuthenticationFailed):
        _login_with(app, deactivate)
