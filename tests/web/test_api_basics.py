"""Cross-cutting API behaviour: the OpenAPI document, request ids and logs, the error envelope,
health, CORS, and the settings the service starts from."""

import dataclasses
import logging
import re

import pytest
import schemathesis

from models.users import create_user
from web import create_app
from web.config import PROJECT_ROOT, ConfigError, load_settings
from web.security import public

API = "/api/v1"
SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


@pytest.fixture
def build_app(app, settings):
    """Build another app on the same database with some settings changed (CORS, ...)."""

    def build(**changes):
        return create_app(dataclasses.replace(settings, **changes), TESTING=True)

    yield build
    # create_app makes its Celery app the default; hand that back to the session's app.
    app.extensions["celery"].set_default()


def assert_envelope(response, status, code):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["status"] == status
    assert body["code"] == code
    assert isinstance(body["message"], str)
    assert body["message"]
    assert set(body) <= {"status", "code", "message", "errors"}
    return body


# --- OpenAPI document and docs -----------------------------------------------------------------


@pytest.fixture
def openapi(client):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def test_openapi_document_is_valid_openapi_3(openapi):
    assert openapi["openapi"].startswith("3.")
    assert openapi["info"]["title"]
    assert openapi["info"]["version"]
    schemathesis.openapi.from_dict(openapi).validate()  # against the OpenAPI 3.0 meta-schema


def test_openapi_needs_no_token(client):
    assert client.get(f"{API}/openapi.json").status_code == 200


def _documented_rules(app):
    """(path in OpenAPI form, method) for every API route the app serves."""
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API) or rule.endpoint.startswith("api-docs."):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            yield path, method.lower()


def test_openapi_lists_every_route(app, openapi):
    served = set(_documented_rules(app))
    documented = {
        (path, method)
        for path, operations in openapi["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    }
    assert len(served) >= 13
    assert served == documented


def test_openapi_declares_bearer_auth_and_opens_only_login_and_health(openapi):
    assert openapi["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
    }
    assert openapi["security"] == [{"bearerAuth": []}]
    open_operations = {
        (path, method)
        for path, operations in openapi["paths"].items()
        for method, operation in operations.items()
        if isinstance(operation, dict) and operation.get("security") == []
    }
    assert open_operations == {(f"{API}/auth/login", "post"), (f"{API}/health", "get")}


def test_openapi_never_exposes_a_password_in_output(openapi):
    schemas = openapi["components"]["schemas"]
    for name in ("UserOutput", "TokenOutput"):
        assert "password" not in schemas[name]["properties"]
        assert "password_hash" not in schemas[name]["properties"]
    for name in ("UserInput", "UserUpdateInput", "LoginInput"):
        assert schemas[name]["properties"]["password"]["writeOnly"] is True


def test_docs_page_is_html(client):
    response = client.get(f"{API}/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "swagger" in page.lower()
    assert "openapi.json" in page


# --- request id and request log ----------------------------------------------------------------


def _responses(client, admin):
    return {
        "200": client.get(f"{API}/me", headers=admin),
        "401": client.get(f"{API}/me"),
        "403-or-2xx": client.get(f"{API}/users", headers=admin),
        "404": client.get(f"{API}/no-such-thing"),
        "405": client.delete(f"{API}/me", headers=admin),
        "422": client.post(f"{API}/auth/login", json={}),
        "public": client.get(f"{API}/openapi.json"),
    }


def test_every_response_carries_a_request_id(client, admin):
    seen = set()
    for name, response in _responses(client, admin).items():
        request_id = response.headers.get("X-Request-ID", "")
        assert SAFE_ID.match(request_id), (name, request_id)
        seen.add(request_id)
    assert len(seen) == 7  # a fresh id per request


@pytest.mark.parametrize("incoming", ["abc12345", "req-2026.11.28_0001", "a" * 64])
def test_sane_incoming_request_id_is_echoed(client, admin, incoming):
    response = client.get(f"{API}/me", headers={**admin, "X-Request-ID": incoming})
    assert response.headers["X-Request-ID"] == incoming
    failed = client.get(f"{API}/me", headers={"X-Request-ID": incoming})
    assert failed.status_code == 401
    assert failed.headers["X-Request-ID"] == incoming


@pytest.mark.parametrize(
    "incoming",
    ["a" * 500, "a" * 65, "has spaces in it", "x;rm -rf /", "short", "<script>alert(1)</script>"],
)
def test_insane_incoming_request_id_is_replaced(client, admin, incoming):
    response = client.get(f"{API}/me", headers={**admin, "X-Request-ID": incoming})
    replaced = response.headers["X-Request-ID"]
    assert replaced != incoming
    assert SAFE_ID.match(replaced)


def _request_lines(caplog):
    return [r.getMessage() for r in caplog.records if r.name == "provedor.request"]


def test_each_request_logs_one_line_with_its_facts(client, admin, caplog):
    caplog.set_level(logging.INFO, logger="provedor.request")
    response = client.get(f"{API}/me", headers={**admin, "X-Request-ID": "trace-me-0001"})

    lines = _request_lines(caplog)
    assert len(lines) == 1
    line = lines[0]
    assert "GET" in line
    assert f"{API}/me" in line
    assert " 200" in line
    assert response.get_json()["username"] in line
    assert "trace-me-0001" in line
    assert re.search(r"\d+(\.\d+)?\s*ms", line)


def test_failed_and_anonymous_requests_are_logged_too(client, admin, caplog):
    caplog.set_level(logging.INFO, logger="provedor.request")
    unauthorized = client.get(f"{API}/users")
    missing = client.post(f"{API}/nowhere", headers=admin)
    wrong_method = client.delete(f"{API}/me", headers=admin)

    lines = _request_lines(caplog)
    assert len(lines) == 3
    for line, response, method, path in zip(
        lines,
        (unauthorized, missing, wrong_method),
        ("GET", "POST", "DELETE"),
        (f"{API}/users", f"{API}/nowhere", f"{API}/me"),
        strict=True,
    ):
        assert method in line
        assert path in line
        assert str(response.status_code) in line
        assert response.headers["X-Request-ID"] in line


def test_request_log_never_contains_the_password_or_token(client, make_user, caplog):
    make_user("maria.souza", "attendant")
    caplog.set_level(logging.DEBUG)
    response = client.post(
        f"{API}/auth/login", json={"username": "maria.souza", "password": "correct horse battery"}
    )
    token = response.get_json()["access_token"]
    client.get(f"{API}/me", headers={"Authorization": f"Bearer {token}"})
    assert "correct horse battery" not in caplog.text
    assert token not in caplog.text


# --- error envelope ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", [f"{API}/no-such-thing", f"{API}/users/1/nope", "/nothing-here"])
def test_unknown_route_is_a_404_envelope(client, admin, path):
    assert_envelope(client.get(path, headers=admin), 404, "not_found")
    assert_envelope(client.get(path), 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("delete", f"{API}/me", {"GET"}),
        ("put", f"{API}/users", {"GET", "POST"}),
        ("delete", f"{API}/users/1", {"GET", "PATCH"}),
        ("get", f"{API}/auth/login", {"POST"}),
    ],
)
def test_wrong_method_is_a_405_envelope_with_allow(client, admin, method, path, allowed):
    response = getattr(client, method)(path, headers=admin)
    assert_envelope(response, 405, "method_not_allowed")
    # RFC 9110 15.5.6: a 405 must say which methods the resource supports.
    assert "Allow" in response.headers, dict(response.headers)
    listed = {m.strip().upper() for m in response.headers["Allow"].split(",")}
    assert allowed <= listed


def test_internal_error_is_a_500_envelope_without_details(app, build_app, client, admin, caplog):
    broken = build_app()
    broken.config["TESTING"] = False  # answer as production does instead of re-raising
    broken.config["PROPAGATE_EXCEPTIONS"] = False

    @broken.route(f"{API}/boom")
    @public
    def boom():
        from models.db import db

        create_user("half.done", "admin", "a-long-password")  # flushed, never committed
        db.session.flush()
        raise RuntimeError("secret detail")

    caplog.set_level(logging.ERROR)
    response = broken.test_client().get(f"{API}/boom", headers={"X-Request-ID": "boom-0000001"})

    body = assert_envelope(response, 500, "internal_error")
    assert "secret detail" not in response.get_data(as_text=True)
    assert "RuntimeError" not in response.get_data(as_text=True)
    assert response.headers["X-Request-ID"] == "boom-0000001"
    # Operators still get the details in the log, and nothing half-done was kept.
    assert "secret detail" in caplog.text
    assert "errors" not in body
    names = [u["username"] for u in client.get(f"{API}/users", headers=admin).get_json()["items"]]
    assert "half.done" not in names


# --- health --------------------------------------------------------------------------------------


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


def test_oversized_body_is_413_and_changes_nothing(client, admin):
    body = {"kind": "PF", "name": "x" * (1024 * 1024 + 1)}
    response = client.post(f"{API}/customers", json=body, headers=admin)
    assert_envelope(response, 413, "payload_too_large")
    assert client.get(f"{API}/customers", headers=admin).get_json()["total"] == 0


def test_unauthorized_answers_name_the_bearer_scheme(client):
    response = client.get(f"{API}/me")
    assert_envelope(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_migrations_match_the_models(app):
    # A model changed without a migration would break the next deploy's `flask db upgrade`;
    # alembic's check exits 1 when autogenerate finds a difference (a column added to a
    # model without a migration makes this fail).
    result = app.test_cli_runner().invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


# --- CORS ----------------------------------------------------------------------------------------

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


# --- settings ------------------------------------------------------------------------------------


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {"PROVEDOR_ENV": "production", "PROVEDOR_VAR_DIR": str(tmp_path)}
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_settings(env)
    with pytest.raises(ConfigError):
        load_settings({**env, "SECRET_KEY": ""})
    settings = load_settings({**env, "SECRET_KEY": "s3cr3t-from-the-vault"})
    assert settings.secret_key == "s3cr3t-from-the-vault"
    assert settings.is_production


def test_create_app_refuses_production_without_secret_key(monkeypatch, tmp_path):
    monkeypatch.setenv("PROVEDOR_ENV", "production")
    monkeypatch.setenv("PROVEDOR_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        create_app()


def test_development_makes_up_a_random_secret_key(tmp_path):
    first = load_settings({"PROVEDOR_VAR_DIR": str(tmp_path)})
    second = load_settings({"PROVEDOR_VAR_DIR": str(tmp_path)})
    assert len(first.secret_key) >= 32
    assert first.secret_key != second.secret_key
    assert not first.is_production


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "not a zone", "../../etc/passwd"])
def test_bad_timezone_is_refused(tmp_path, zone):
    with pytest.raises(ConfigError, match="PROVEDOR_TIMEZONE"):
        load_settings({"PROVEDOR_VAR_DIR": str(tmp_path), "PROVEDOR_TIMEZONE": zone})


def test_other_timezone_is_accepted(tmp_path):
    env = {"PROVEDOR_VAR_DIR": str(tmp_path), "PROVEDOR_TIMEZONE": "America/Manaus"}
    assert load_settings(env).timezone == "America/Manaus"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TRUSTED_PROXIES", "two"),
        ("TRUSTED_PROXIES", "1.5"),
        ("TRUSTED_PROXIES", "-1"),
        ("TOKEN_TTL_HOURS", "0"),
        ("TOKEN_TTL_HOURS", "twelve"),
        ("LOGIN_MAX_FAILURES", "0"),
        ("LOGIN_LOCKOUT_MINUTES", "soon"),
        ("LOG_LEVEL", "CHATTY"),
        ("CELERY_VISIBILITY_TIMEOUT", "0"),
    ],
)
def test_bad_numbers_are_refused(tmp_path, name, value):
    with pytest.raises(ConfigError, match=name):
        load_settings({"PROVEDOR_VAR_DIR": str(tmp_path), name: value})


def test_defaults_need_nothing_installed(tmp_path):
    settings = load_settings({"PROVEDOR_VAR_DIR": str(tmp_path)})
    var = tmp_path.resolve()
    assert settings.var_dir == var
    assert settings.database_url == f"sqlite:///{var / 'provedor.sqlite'}"
    assert settings.broker_url == "filesystem://"
    assert settings.result_backend.startswith("db+sqlite:///")
    assert settings.result_backend.endswith(str(var / "results.sqlite"))
    for folder in settings.broker_transport_options.values():
        if isinstance(folder, str):
            assert folder.startswith(str(var))
    assert settings.timezone == "America/Sao_Paulo"
    assert settings.trusted_proxies == 0
    assert settings.cors_origins == []
    assert settings.token_ttl_hours == 12
    assert settings.login_max_failures == 5
    assert settings.login_lockout_minutes > 0
    assert settings.env == "development"


def test_default_var_dir_is_in_the_project(monkeypatch):
    settings = load_settings({})
    assert settings.var_dir == (PROJECT_ROOT / "var").resolve()
    assert (
        settings.database_url == f"sqlite:///{PROJECT_ROOT.resolve() / 'var' / 'provedor.sqlite'}"
    )


def test_services_and_lists_from_the_environment(tmp_path):
    settings = load_settings(
        {
            "PROVEDOR_VAR_DIR": str(tmp_path),
            "DATABASE_URL": "postgresql+psycopg://u@db.example:5432/provedor",
            "CELERY_BROKER_URL": "redis://cache.example:6379/3",
            "CORS_ORIGINS": " https://a.example.com, https://b.example.com ,",
            "TRUSTED_PROXIES": "2",
            "TOKEN_TTL_HOURS": "8",
        }
    )
    assert settings.database_url == "postgresql+psycopg://u@db.example:5432/provedor"
    assert settings.broker_url == "redis://cache.example:6379/3"
    assert settings.result_backend.startswith("redis://")
    assert settings.cors_origins == ["https://a.example.com", "https://b.example.com"]
    assert settings.trusted_proxies == 2
    assert settings.token_ttl_hours == 8
