"""The settings the service starts from, and the database schema it migrates to."""

import os

import pytest

from tests.web.boleto_settings import PRODUCTION_BOLETO
from web import create_app
from web.config import PROJECT_ROOT, ConfigError, load_settings


def test_migrations_match_the_models(app):
    # A model changed without a migration would break the next deploy's `flask db upgrade`;
    # alembic's check exits 1 when autogenerate finds a difference (a column added to a
    # model without a migration makes this fail).
    result = app.test_cli_runner().invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


CARD_KEY = "zJhJJLzh_KQ9kPy5_Y_c4xxMYsEX9ht5NNu6VKa-3Hk="


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {
        "PROVEDOR_ENV": "production",
        "PROVEDOR_VAR_DIR": str(tmp_path),
        "CARD_ENCRYPTION_KEYS": CARD_KEY,
        **PRODUCTION_BOLETO,
    }
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


def test_production_refuses_to_start_without_card_keys(tmp_path):
    env = {"PROVEDOR_ENV": "production", "PROVEDOR_VAR_DIR": str(tmp_path), "SECRET_KEY": "s"}
    env.update(PRODUCTION_BOLETO)
    with pytest.raises(ConfigError, match="CARD_ENCRYPTION_KEYS"):
        load_settings(env)
    assert not (tmp_path / "card-encryption.key").exists()  # never made up in production
    other = "bm90LWEtcmVhbC1rZXktYnV0LTMyLWJ5dGVzLWxvbmc="
    settings = load_settings({**env, "CARD_ENCRYPTION_KEYS": f"{CARD_KEY}, {other}"})
    assert settings.card_keys == (CARD_KEY, other)  # newest first: rotation prepends


@pytest.mark.parametrize("key", ["short", "not base64 at all!!", CARD_KEY[:-4]])
def test_a_malformed_card_key_is_refused(tmp_path, key):
    with pytest.raises(ConfigError, match="CARD_ENCRYPTION_KEYS"):
        load_settings({"PROVEDOR_VAR_DIR": str(tmp_path), "CARD_ENCRYPTION_KEYS": key})


def test_development_keeps_one_card_key_across_restarts(tmp_path):
    first = load_settings({"PROVEDOR_VAR_DIR": str(tmp_path)})
    second = load_settings({"PROVEDOR_VAR_DIR": str(tmp_path)})
    assert len(first.card_keys) == 1
    assert first.card_keys == second.card_keys  # cards stored yesterday still decrypt
    assert (tmp_path / "card-encryption.key").stat().st_mode & 0o077 == 0


def test_customer_record_lists_and_defaults_come_from_the_environment(tmp_path):
    env = {"PROVEDOR_VAR_DIR": str(tmp_path)}
    settings = load_settings(
        {**env, "CUSTOMER_DEFAULT_OPTIONS": "send_boleto_email", "ADDRESS_TYPES": "a, b, a"}
    )
    assert settings.customer_default_options == ("send_boleto_email",)
    assert settings.address_types == ("a", "b")
    assert load_settings({**env, "CUSTOMER_DEFAULT_OPTIONS": ""}).customer_default_options == ()
    with pytest.raises(ConfigError, match="auto_suspend"):
        load_settings({**env, "CUSTOMER_DEFAULT_OPTIONS": "auto_suspend,suspend_everyone"})
    with pytest.raises(ConfigError, match="CEP_PROVIDER_TIMEOUT_S"):
        load_settings({**env, "CEP_PROVIDER_TIMEOUT_S": "forever"})


def test_the_online_cep_provider_is_viacep_unless_set_and_empty_turns_it_off(tmp_path):
    env = {"PROVEDOR_VAR_DIR": str(tmp_path)}
    assert load_settings(env).cep_provider_url == "https://viacep.com.br/ws"
    assert load_settings({**env, "CEP_PROVIDER_URL": ""}).cep_provider_url is None
    other = load_settings({**env, "CEP_PROVIDER_URL": "http://cep.example.net/ws/"})
    assert other.cep_provider_url == "http://cep.example.net/ws"
    with pytest.raises(ConfigError, match="CEP_PROVIDER_URL"):
        load_settings({**env, "CEP_PROVIDER_URL": "viacep.com.br"})


def test_the_suite_never_asks_the_real_cep_provider(settings):
    # tests/conftest.py empties CEP_PROVIDER_URL for the suite and the processes it starts.
    assert settings.cep_provider_url is None
    assert os.environ["CEP_PROVIDER_URL"] == ""


def test_development_makes_up_a_secret_key_once_and_keeps_it_under_var(tmp_path):
    """Every web process (and a restart) signs console sessions with the same key."""
    first = load_settings({"PROVEDOR_VAR_DIR": str(tmp_path / "a")})
    again = load_settings({"PROVEDOR_VAR_DIR": str(tmp_path / "a")})
    elsewhere = load_settings({"PROVEDOR_VAR_DIR": str(tmp_path / "b")})
    assert len(first.secret_key) >= 32
    assert first.secret_key == again.secret_key
    assert first.secret_key != elsewhere.secret_key  # made up, not a constant
    assert (tmp_path / "a" / "secret.key").stat().st_mode & 0o777 == 0o600
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
        ("LOGIN_MAX_FAILURES_PER_ACCOUNT", "0"),
        ("LOGIN_MAX_FAILURES_PER_ACCOUNT", "many"),
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


def test_money_settings_come_from_the_environment_and_bad_ones_stop_the_start(tmp_path):
    env = {"PROVEDOR_VAR_DIR": str(tmp_path)}
    settings = load_settings(
        {**env, "OVERDUE_NOTICE_DAYS": "20, 3,10,3", "BOLETO_FEE": "3.90", "SMTP_TLS": "ssl"}
    )
    assert settings.billing["overdue_notice_days"] == (3, 10, 20)
    assert settings.billing["boleto_fee"] == "3.90"
    assert settings.smtp["port"] == 465
    assert load_settings(env).smtp["host"] is None  # no SMTP: notices skipped, nothing sent
    for name, bad in (
        ("OVERDUE_NOTICE_DAYS", "3,x"),
        ("OVERDUE_NOTICE_DAYS", "0,10"),
        ("BOLETO_FEE", "2,50"),
        ("AUTO_SUSPEND_AT", "25:00"),
        ("SMTP_TLS", "maybe"),
    ):
        with pytest.raises(ConfigError, match=name):
            load_settings({**env, name: bad})


def test_the_notice_sending_lease_is_a_setting_with_room_for_the_last_message(tmp_path):
    env = {"PROVEDOR_VAR_DIR": str(tmp_path)}
    assert load_settings(env).smtp["sending_lease_s"] == 900  # the default: 15 minutes
    custom = {**env, "NOTICE_SENDING_LEASE_SECONDS": "120", "SMTP_TIMEOUT_S": "30"}
    assert load_settings(custom).smtp["sending_lease_s"] == 120
    with pytest.raises(ConfigError, match="NOTICE_SENDING_LEASE_SECONDS must be at least 60"):
        load_settings({**env, "NOTICE_SENDING_LEASE_SECONDS": "30"})
    with pytest.raises(ConfigError, match="more than twice SMTP_TIMEOUT_S"):
        load_settings({**custom, "NOTICE_SENDING_LEASE_SECONDS": "60"})
    with pytest.raises(ConfigError, match="whole number"):
        load_settings({**env, "NOTICE_SENDING_LEASE_SECONDS": "15min"})


@pytest.mark.parametrize(
    "sender",
    [
        '"Fulano =?utf-8?q?=0D=0ABcc:_golpe@evil.example?=" <cobranca@provedor.example>',
        "Provedor sem endereço",
    ],
)
def test_a_mail_sender_that_every_message_would_refuse_stops_the_start(tmp_path, sender):
    env = {"PROVEDOR_VAR_DIR": str(tmp_path), "MAIL_SENDER": sender}
    with pytest.raises(ConfigError, match="MAIL_SENDER"):
        load_settings(env)
    good = {**env, "MAIL_SENDER": "Rede Rápida <cobranca@rederapida.example>"}
    assert load_settings(good).smtp["sender"] == "Rede Rápida <cobranca@rederapida.example>"
