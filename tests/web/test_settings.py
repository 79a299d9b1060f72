"""The settings the service starts from, and the database schema it migrates to."""

import pytest

from web import create_app
from web.config import PROJECT_ROOT, ConfigError, load_settings


def test_migrations_match_the_models(app):
    # A model changed without a migration would break the next deploy's `flask db upgrade`;
    # alembic's check exits 1 when autogenerate finds a difference (a column added to a
    # model without a migration makes this fail).
    result = app.test_cli_runner().invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


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
        ("SCHEDULED_TASKS_SWEEP_SECONDS", "0"),
        ("SCHEDULED_TASKS_LEASE_SECONDS", "a while"),
        ("RADIUS_DISCONNECT_ATTEMPTS", "0"),
        ("RADIUS_GHOST_SESSION_MINUTES", "-5"),
        ("IP_POOLS", "100.64.0.0/10,not-a-network"),
        ("IP_POOLS", "10.0.0.1/8"),
        ("RADIUS_SUSPENDED_GROUP", "grupo com espaço"),
        ("RADIUS_BLOCKED_POOL", "pool'; DROP TABLE radcheck;--"),
    ],
)
def test_bad_settings_are_refused(tmp_path, name, value):
    with pytest.raises(ConfigError, match=name):
        load_settings({"PROVEDOR_VAR_DIR": str(tmp_path), name: value})


def test_radius_settings_reach_the_policy(tmp_path):
    env = {
        "PROVEDOR_VAR_DIR": str(tmp_path),
        "IP_POOLS": "177.10.0.0/22, 2804:abc::/32",
        "RADIUS_BLOCKED_POOL": "bloqueados",
        "RADIUS_SUSPENDED_GROUP": "inadimplentes",
    }
    policy = load_settings(env).radius_policy()
    assert policy.ip_pools == ("177.10.0.0/22", "2804:abc::/32")
    assert (policy.blocked_pool, policy.suspended_group) == ("bloqueados", "inadimplentes")


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
