"""A request is one transaction: a route that writes but never commits cannot pass a test."""

import pytest

from models.customers.registration import update_customer
from tests.builders import build_customer
from web import create_app


@pytest.fixture
def app_with_a_forgetful_route(settings, app):
    """A second app on the same database, with one route that forgets to commit."""
    forgetful = create_app(settings, TESTING=True)

    @forgetful.route("/forgets-to-commit/<int:code>", methods=["POST"])
    def forgets_to_commit(code):
        update_customer(code, {"notes": "lost"})
        return {"ok": True}

    forgets_to_commit.public = True
    return forgetful


def test_a_request_that_wrote_without_commit_fails_loudly(app, app_with_a_forgetful_route, admin):
    code = build_customer(app)
    client = app_with_a_forgetful_route.test_client()

    with pytest.raises(RuntimeError, match="never committed"):
        client.post(f"/forgets-to-commit/{code}")

    read = app.test_client().get(f"/api/v1/customers/{code}", headers=admin)
    assert read.json["notes"] != "lost"  # rolled back, not half-kept
