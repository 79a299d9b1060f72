"""The database unreachable: every route that needs it says 503 with Retry-After, not a 500."""

import sqlite3

import pytest
from sqlalchemy import event
from sqlalchemy.engine import make_url

from models.db import db
from tests.web.api_helpers import API, assert_envelope
from tests.web.customer_payloads import pf_payload

CLOSED_PORT = "postgresql+psycopg://postgres@127.0.0.1:1/provedor"  # nothing listens on port 1


def assert_unavailable(response):
    body = assert_envelope(response, 503, "database_unavailable")
    assert body["errors"] == {}
    assert response.headers["Retry-After"] == "30"
    assert "127.0.0.1" not in body["message"]  # nothing about where the database lives
    return body


def _calls(client, headers):
    """An authenticated read, an authenticated write, and the login (public, but it reads)."""
    return [
        client.get(f"{API}/customers?q=silva", headers=headers),
        client.post(f"{API}/customers", json={"kind": "PF"}, headers=headers),
        client.post(f"{API}/auth/login", json={"username": "admin", "password": "x" * 12}),
    ]


def test_postgresql_on_a_closed_port_is_a_503_to_retry(build_app, admin):
    down = build_app(database_url=CLOSED_PORT).test_client()
    for response in _calls(down, admin):
        assert_unavailable(response)
    health = down.get(f"{API}/health")
    assert health.status_code == 503 and health.get_json()["database"] == "unreachable"


def test_a_postgresql_database_that_does_not_exist_is_a_503(build_app, settings, backend, admin):
    if backend != "postgresql":
        pytest.skip("needs a PostgreSQL server (TEST_DATABASE_URL)")
    missing = make_url(settings.database_url).set(database="provedor_test_no_such_database")
    down = build_app(database_url=missing.render_as_string(hide_password=False)).test_client()
    for response in _calls(down, admin):
        assert_unavailable(response)


def test_a_sqlite_file_that_cannot_be_opened_is_a_503(build_app, tmp_path, admin):
    missing = tmp_path / "no-such-dir" / "provedor.sqlite"  # SQLite cannot create it
    down = build_app(database_url=f"sqlite:///{missing}").test_client()
    for response in _calls(down, admin):
        assert_unavailable(response)


def test_the_app_answers_again_once_the_database_is_back(client, build_app, admin):
    """Nothing of the outage is kept: the same token works on an app that reaches it."""
    assert_unavailable(
        build_app(database_url=CLOSED_PORT).test_client().get(f"{API}/me", headers=admin)
    )
    assert client.get(f"{API}/me", headers=admin).status_code == 200


def test_every_route_that_reads_the_database_documents_the_503(client):
    paths = client.get(f"{API}/openapi.json").get_json()["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                assert "503" in operation["responses"], (method, path)


@pytest.fixture
def impatient_app(build_app):
    """An app on the same database that waits 0.2 s for a SQLite lock instead of 30 s."""
    impatient = build_app()
    with impatient.app_context():
        event.listen(db.engine, "connect", _short_busy_timeout)
    return impatient


def _short_busy_timeout(dbapi_connection, _record):
    dbapi_connection.execute("PRAGMA busy_timeout=200")  # after web.extensions' 30 s


def test_a_sqlite_database_locked_too_long_is_a_503(impatient_app, settings, backend, admin):
    if backend != "sqlite":
        pytest.skip("SQLite's file lock")
    holder = sqlite3.connect(make_url(settings.database_url).database, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process writing, and taking its time
        client = impatient_app.test_client()
        assert client.get(f"{API}/me", headers=admin).status_code == 200  # readers go on (WAL)
        assert_unavailable(client.post(f"{API}/customers", json=pf_payload(), headers=admin))
    finally:
        holder.rollback()
        holder.close()
