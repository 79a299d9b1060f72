"""The bank account and beneficiary boletos are issued for: production refuses to start
without them; development issues on a made-up account and says so."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.web.boleto_settings import PRODUCTION_BOLETO, PRODUCTION_BOLETO_BB
from web import create_app
from web.config import PROJECT_ROOT, ConfigError, load_settings

pytestmark = pytest.mark.one_backend  # no database in it: run on one backend (scripts/test)

CARD_KEY = "zJhJJLzh_KQ9kPy5_Y_c4xxMYsEX9ht5NNu6VKa-3Hk="
BOLETO_NAMES = (*PRODUCTION_BOLETO_BB, "BOLETO_AGREEMENT")


def _production(tmp_path, boleto: dict) -> dict:
    """A production environment complete but for the boleto settings, which are `boleto`."""
    return {
        "PROVEDOR_ENV": "production",
        "PROVEDOR_VAR_DIR": str(tmp_path),
        "SECRET_KEY": "s3cr3t-from-the-vault",
        "CARD_ENCRYPTION_KEYS": CARD_KEY,
        **boleto,
    }


@pytest.mark.parametrize("name", sorted(PRODUCTION_BOLETO_BB))
@pytest.mark.parametrize("absent", ["unset", "blank"])
def test_production_refuses_to_start_without_each_boleto_setting(tmp_path, name, absent):
    env = _production(tmp_path, PRODUCTION_BOLETO_BB)
    if absent == "unset":
        del env[name]
    else:
        env[name] = "  "
    with pytest.raises(ConfigError, match="production issues real boletos") as refused:
        load_settings(env)
    assert str(refused.value).split(": set ")[1].split(" (")[0] == name  # that one, alone


def test_production_names_every_missing_boleto_setting_at_once(tmp_path):
    with pytest.raises(ConfigError) as refused:
        load_settings(_production(tmp_path, {}))
    message = str(refused.value)
    for name in BOLETO_NAMES:
        assert name in message
    assert "CNPJ" in message and "address" in message


def test_production_starts_with_a_real_account_and_issues_no_demo(tmp_path):
    billing = load_settings(_production(tmp_path, PRODUCTION_BOLETO)).billing
    assert billing["boleto_demo"] is False
    assert (billing["boleto_bank"], billing["boleto_agency"]) == ("237", "4042")
    assert billing["boleto_agreement"] == ""  # Bradesco has no convênio: none is asked for
    assert billing["beneficiary_document"] == "12345678000195"  # stored bare
    assert billing["beneficiary_address"] == PRODUCTION_BOLETO["BOLETO_BENEFICIARY_ADDRESS"]
    bb = load_settings(_production(tmp_path, PRODUCTION_BOLETO_BB)).billing
    assert (bb["boleto_bank"], bb["boleto_agreement"], bb["boleto_demo"]) == (
        "001",
        "1238798",
        False,
    )


def test_create_app_refuses_production_without_the_bank_account(monkeypatch, tmp_path):
    for name, value in _production(tmp_path, {}).items():
        monkeypatch.setenv(name, value)
    for name in BOLETO_NAMES:
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError, match="BOLETO_BENEFICIARY_ADDRESS"):
        create_app()


@pytest.mark.slow
def test_the_command_line_refuses_production_naming_what_is_missing(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOLETO_", "PYTEST"))}
    env.update(_production(tmp_path, {"BOLETO_BANK": "237", "BOLETO_AGENCY": "4042"}))
    flask = Path(sys.executable).parent / "flask"
    result = subprocess.run(
        [flask, "--app", "web", "routes"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    missing = "BOLETO_ACCOUNT, BOLETO_WALLET, BOLETO_BENEFICIARY, BOLETO_BENEFICIARY_DOCUMENT, "
    assert f"set {missing}BOLETO_BENEFICIARY_ADDRESS (" in result.stderr


def test_development_issues_on_the_demo_account_and_says_so(tmp_path):
    billing = load_settings({"PROVEDOR_VAR_DIR": str(tmp_path)}).billing
    assert billing["boleto_demo"] is True
    assert billing["boleto_bank"] == "001" and billing["boleto_agreement"] == "1234567"
    assert billing["beneficiary_document"] is None and billing["beneficiary_address"] is None
    partial = {"PROVEDOR_VAR_DIR": str(tmp_path), **PRODUCTION_BOLETO}
    del partial["BOLETO_BENEFICIARY_ADDRESS"]
    assert load_settings(partial).billing["boleto_demo"] is True  # one missing is enough
    complete = {"PROVEDOR_VAR_DIR": str(tmp_path), **PRODUCTION_BOLETO}
    assert load_settings(complete).billing["boleto_demo"] is False


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("BOLETO_BENEFICIARY_DOCUMENT", "12.345.678/0001-96", "BOLETO_BENEFICIARY_DOCUMENT"),
        ("BOLETO_BENEFICIARY_DOCUMENT", "529.982.247-25", "BOLETO_BENEFICIARY_DOCUMENT"),
        ("BOLETO_BENEFICIARY_ADDRESS", "Rua " + "A" * 97, "BOLETO_BENEFICIARY_ADDRESS"),
        ("BOLETO_BANK", "999", "BOLETO_BANK"),
        ("BOLETO_AGENCY", "4042-8", "agência"),
        ("BOLETO_ACCOUNT", "12345678", "conta"),
        ("BOLETO_WALLET", "109", "carteira"),
    ],
)
@pytest.mark.parametrize("mode", ["production", "development"])
def test_a_malformed_boleto_setting_is_refused(tmp_path, name, value, message, mode):
    env = {**_production(tmp_path, PRODUCTION_BOLETO), "PROVEDOR_ENV": mode, name: value}
    with pytest.raises(ConfigError, match=message):
        load_settings(env)


def test_banco_do_brasil_needs_an_agreement_of_4_6_or_7_digits(tmp_path):
    env = _production(tmp_path, {**PRODUCTION_BOLETO_BB, "BOLETO_AGREEMENT": "123"})
    with pytest.raises(ConfigError, match="convênio '123' must have 4, 6 or 7 digits"):
        load_settings(env)


# A Sicredi account (brcobranca sicredi_spec.rb: cooperativa 0710, posto 65, beneficiário 00129).
SICREDI = {
    "BOLETO_BANK": "748",
    "BOLETO_AGENCY": "0710",
    "BOLETO_ACCOUNT": "00129",
    "BOLETO_AGREEMENT": "00129",
    "BOLETO_WALLET": "1",
    "BOLETO_STATION": "65",
    "BOLETO_BYTE": "2",
}


def test_the_settings_only_some_banks_use_reach_the_account(tmp_path):
    env = _production(tmp_path, {**PRODUCTION_BOLETO, **SICREDI})
    billing = load_settings(env).billing
    assert (billing["boleto_bank"], billing["boleto_station"], billing["boleto_byte"]) == (
        "748",
        "65",
        "2",
    )
    sicoob = {"BOLETO_BANK": "756", "BOLETO_AGENCY": "4327", "BOLETO_AGREEMENT": "417270"}
    sicoob |= {"BOLETO_WALLET": "1", "BOLETO_VARIATION": "05"}
    billing = load_settings(_production(tmp_path, {**PRODUCTION_BOLETO, **sicoob})).billing
    assert billing["boleto_variation"] == "05"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("BOLETO_STATION", "", "posto"),
        ("BOLETO_BYTE", "1", "byte de geração"),
        ("BOLETO_WALLET", "2", "carteira"),
    ],
)
def test_a_sicredi_account_without_what_its_boletos_need_stops_the_start(
    tmp_path, name, value, message
):
    env = _production(tmp_path, {**PRODUCTION_BOLETO, **SICREDI, name: value})
    with pytest.raises(ConfigError, match=message):
        load_settings(env)
