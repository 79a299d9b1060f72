"""Health: database and broker reachability, without a token."""

from tests.web.api_helpers import API


def test_health_reports_database_and_broker_without_a_token(client):
    response = client.get(f"{API}/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_health_is_503_when_the_broker_is_unreachable(build_app):
    # Nothing listens on port 1: the broker check must fail fast and say so.
    down = build_app(broker_url="redis://127.0.0.1:1/0", broker_transport_options={})
    response = down.test_client().get(f"{API}/health")
    assert response.status_code == 503
    assert response.get_json() == {"status": "degraded", "database": "ok", "broker": "unreachable"}


def test_health_is_503_when_the_database_is_unreachable(build_app, tmp_path):
    missing = tmp_path / "no-such-dir" / "provedor.sqlite"  # SQLite cannot create it
    down = build_app(database_url=f"sqlite:///{missing}")
    response = down.test_client().get(f"{API}/health")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"
