"""CORS: off by default; only the configured origins, errors included."""

from tests.web.api_helpers import API

ORIGIN = "https://painel.example.com"


def test_no_cors_headers_by_default(client, admin):
    response = client.get(f"{API}/me", headers={**admin, "Origin": ORIGIN})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers
    preflight = client.options(
        f"{API}/customers",
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"},
    )
    assert "Access-Control-Allow-Origin" not in preflight.headers


def test_cors_allows_only_the_configured_origins(build_app, admin):
    cors_client = build_app(cors_origins=[ORIGIN]).test_client()

    allowed = cors_client.get(f"{API}/me", headers={**admin, "Origin": ORIGIN})
    assert allowed.status_code == 200
    assert allowed.headers["Access-Control-Allow-Origin"] == ORIGIN

    other = cors_client.get(f"{API}/me", headers={**admin, "Origin": "https://evil.example.com"})
    assert other.status_code == 200
    assert "Access-Control-Allow-Origin" not in other.headers

    # Errors carry the header too, or the browser hides the error body from the web client.
    denied = cors_client.get(f"{API}/me", headers={"Origin": ORIGIN})
    assert denied.status_code == 401
    assert denied.headers["Access-Control-Allow-Origin"] == ORIGIN


def test_cors_preflight_needs_no_token(build_app):
    cors_client = build_app(cors_origins=[ORIGIN]).test_client()
    preflight = cors_client.options(
        f"{API}/customers",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Authorization, Content-Type",
        },
    )
    assert preflight.status_code in (200, 204)
    assert preflight.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "authorization" in preflight.headers["Access-Control-Allow-Headers"].lower()

    refused = cors_client.options(
        f"{API}/customers",
        headers={"Origin": "https://evil.example.com", "Access-Control-Request-Method": "POST"},
    )
    assert "Access-Control-Allow-Origin" not in refused.headers
