"""schemathesis hooks for scripts/contract: valid identifiers, and a fresh token per request.

The token is issued straight in the database for the run's admin (CONTRACT_ADMIN), as a login
would issue it: the fuzzer logs tokens out, changes passwords and trips the login lockout, so
neither one token nor a login per request would last the run.
"""

import os
from datetime import timedelta

import schemathesis

import tests.web.contract_formats  # noqa: F401 (registers the format strategies)
from models.db import db
from models.staff.tokens import issue_token
from models.staff.users import find_user
from web import create_app

_app = create_app()


@schemathesis.auth(refresh_interval=None)
class FreshToken:
    """A new bearer token for the run's admin on every request that carries one."""

    def get(self, case, context):
        with _app.app_context():
            plain, _ = issue_token(find_user(os.environ["CONTRACT_ADMIN"]), timedelta(hours=1))
            db.session.commit()
            return plain

    def set(self, case, token, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
