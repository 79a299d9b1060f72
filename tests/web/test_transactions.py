"""A request is one transaction, committed at the boundary (web/transactions.py), not by routes."""

import threading
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from models.customers.registration import update_customer
from models.db import db
from models.effects import on_commit, on_rollback
from models.errors import Conflict
from models.staff.users import User, create_user
from tests.builders import build_customer
from tests.web.api_helpers import API, assert_envelope
from web.extensions import Blueprint
from web.security import public

WEB_API = Path(__file__).resolve().parents[2] / "web" / "api"


@pytest.fixture
def app_with_a_forgetful_route(build_app):
    """A second app on the same database, with one route (not a Blueprint's) that forgets to
    commit."""
    forgetful = build_app()

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


@pytest.fixture
def probe(build_app):
    """Another app with routes on the project's Blueprint, answering errors as in production;
    `probe.hooks` lists the on_commit / on_rollback hooks that ran."""
    probe = build_app()
    probe.config.update(TESTING=False, PROPAGATE_EXCEPTIONS=False)
    probe.hooks = []
    blp = Blueprint("probe", __name__)

    @blp.route("/<int:code>/writes-then-refuses", methods=["POST"])
    @blp.response(200)
    @public
    def writes_then_refuses(code):
        update_customer(code, {"notes": "half done"})
        on_rollback(probe.hooks.append, "undone")
        raise Conflict("Refused after writing.")

    @blp.route("/<int:code>/writes-then-breaks", methods=["POST"])
    @blp.response(200)
    @public
    def writes_then_breaks(code):
        update_customer(code, {"notes": "half done"})
        raise RuntimeError("secret detail")

    @blp.route("/twins", methods=["POST"])
    @blp.response(200)
    @public
    def twins():
        create_user("twin", "admin", "a-long-password")
        db.session.add(User(username="twin", role="admin", password_hash="x"))  # fails at commit
        on_commit(probe.hooks.append, "committed")
        return {"ok": True}

    @blp.route("/<int:code>/writes", methods=["POST"])
    @blp.response(200)
    @public
    def writes(code):
        update_customer(code, {"notes": "kept"})
        on_commit(probe.hooks.append, "committed")
        return {"ok": True}

    probe.register_blueprint(blp, url_prefix="/probe")
    return probe


def _notes(client, admin, code):
    return client.get(f"{API}/customers/{code}", headers=admin).get_json()["notes"]


@pytest.mark.parametrize(
    ("route", "status", "code"),
    [("writes-then-refuses", 409, "conflict"), ("writes-then-breaks", 500, "internal_error")],
)
def test_a_route_that_raises_after_writing_changes_nothing(
    app, client, admin, probe, route, status, code
):
    customer = build_customer(app)
    before = _notes(client, admin, customer)

    response = probe.test_client().post(f"/probe/{customer}/{route}")

    assert_envelope(response, status, code)
    assert "secret detail" not in response.get_data(as_text=True)
    assert _notes(client, admin, customer) == before
    assert probe.hooks == (["undone"] if route == "writes-then-refuses" else [])


def test_a_failed_commit_is_the_usual_envelope_and_keeps_nothing(client, admin, probe):
    response = probe.test_client().post("/probe/twins")

    assert_envelope(response, 500, "internal_error")
    assert "IntegrityError" not in response.get_data(as_text=True)
    names = [u["username"] for u in client.get(f"{API}/users", headers=admin).get_json()["items"]]
    assert "twin" not in names
    assert probe.hooks == []


@pytest.fixture
def commits():
    """The commits this thread makes (a test's worker threads may commit too)."""
    made = []

    def count(_session):
        if threading.get_ident() == me:
            made.append(1)

    me = threading.get_ident()
    event.listen(Session, "after_commit", count)
    yield made
    event.remove(Session, "after_commit", count)


def test_a_successful_write_is_committed_once_by_the_boundary(app, client, admin, probe, commits):
    customer = build_customer(app)
    commits.clear()

    response = probe.test_client().post(f"/probe/{customer}/writes")

    assert response.status_code == 200 and response.json == {"ok": True}
    assert len(commits) == 1
    assert probe.hooks == ["committed"]
    assert _notes(client, admin, customer) == "kept"


def test_an_api_write_commits_once_and_a_read_never(app, client, admin, commits):
    code = build_customer(app)
    commits.clear()
    client.get(f"{API}/customers/{code}", headers=admin)  # authenticates, reads
    assert commits == []

    response = client.patch(f"{API}/customers/{code}", json={"notes": "once"}, headers=admin)

    assert response.status_code == 200 and response.json["notes"] == "once"
    assert len(commits) == 1


def test_no_route_commits_by_hand():
    found = [
        f"{path.relative_to(WEB_API.parent.parent)}:{number}"
        for path in sorted(WEB_API.rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "session.commit" in line
    ]
    assert found == []
