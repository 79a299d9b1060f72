"""The API against its own OpenAPI document: schemathesis generates requests for every route.

Runs in-process through WSGI, authenticated as a fresh admin per generated request (a request
may deactivate or demote users, or log its own token out, so no token is reused; the admins
are made a hundred at a time, and one a request changed before its turn is passed over). Every check
runs, positive_data_acceptance included: schema-valid input must be accepted (or meet a
documented 401/403/404/409/429), schema-invalid input refused, every status, header, media
type and body must be the documented ones. Valid CPFs, CNPJs, CEPs and phones come from
tests/web/contract_formats.py; per-operation settings from schemathesis.toml (read by both
this test and scripts/contract, the same run against a live gunicorn).
"""

import itertools
import os
from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test

import tests.web.contract_formats  # noqa: F401 (registers the format strategies)
from models.audit import Actor, set_actor
from models.db import db
from models.staff.tokens import issue_token
from models.staff.users import User
from tests.conftest import empty_database

_serial = itertools.count(1)
# CONTRACT_COVERAGE_ONLY=1 (scripts/test sets it on the PostgreSQL run) keeps schemathesis's
# coverage phase alone: every route's boundary values (longest strings, extreme numbers, each
# missing field), deterministic, where the two databases differ; the random examples run on
# SQLite. The coverage phase is most of the fuzz's time (247 s of 350 s on PostgreSQL).
_PHASES = (Phase.explicit,) if os.environ.get("CONTRACT_COVERAGE_ONLY") == "1" else tuple(Phase)
_SETTINGS = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
}


@pytest.fixture
def api_schema(app, request, password_hash):
    if not hasattr(request.node, "_nodeid"):
        # schemathesis 4.32's from_fixture reads this private attribute, gone in pytest 9.2.
        request.node._nodeid = request.node.nodeid
    api = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    spare: list[tuple[int, str]] = []  # (user id, token) of admins no request has used yet

    @api.auth(refresh_interval=None)
    class FreshAdmin:
        """A new admin's token for every request; left out where schemathesis tests auth."""

        def get(self, case, context):
            while True:
                if not spare:  # made a batch at a time: one commit instead of two a request
                    spare.extend(_new_admins(app, password_hash, ADMINS_PER_BATCH))
                user_id, token = spare.pop()
                if _still_an_active_admin(app, user_id):  # a generated PATCH /users/{id} may
                    return token  # have deactivated or demoted a spare one

        def set(self, case, token, context):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}

    return api


ADMINS_PER_BATCH = 100


def _new_admins(app, password_hash: str, count: int) -> list[tuple[int, str]]:
    # "+" is outside the API's username alphabet, so no generated user can take these names.
    with app.app_context():
        set_actor(db.session, Actor(username="test-setup", by_system=True))
        users = [
            User(
                username=f"contract+admin{next(_serial)}", role="admin", password_hash=password_hash
            )
            for _ in range(count)
        ]
        db.session.add_all(users)
        db.session.flush()
        made = [(user.id, issue_token(user, timedelta(hours=1))[0]) for user in users]
        db.session.commit()
        return made


def _still_an_active_admin(app, user_id: int) -> bool:
    with app.app_context():
        user = db.session.get(User, user_id)
        return user is not None and user.active and user.role == "admin"


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.mark.slow  # a fuzzer: thousands of requests
@pytest.mark.timeout(1200)  # one test for every route: it grows with the API
@schema.parametrize()
# Both databases fuzz every route, since each refuses different input (PostgreSQL's string
# lengths and integer ranges, SQLite's 64-bit integers); 8 random examples a route (SQLite)
# keep the suite within CI's budget; scripts/contract fuzzes a live server on PostgreSQL with
# 300 a route.
@settings(max_examples=8, phases=_PHASES, **_SETTINGS)
def test_every_route_honours_its_contract(case):
    case.call_and_validate()


@pytest.mark.slow
def test_workflows_through_the_links_honour_the_contract(app, api_schema):
    """Stateful: create customers and users, then read, change and list what was created."""

    class Workflow(api_schema.as_state_machine()):
        def setup(self):
            # Each workflow starts from an empty database: hypothesis replays a workflow and
            # expects the same answers (a 201 must not turn into a 409 for an earlier run's CPF).
            empty_database(app)

    run_state_machine_as_test(
        Workflow, settings=settings(max_examples=40, stateful_step_count=8, **_SETTINGS)
    )
