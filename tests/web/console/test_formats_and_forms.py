"""The console's Brazilian formats and its Portuguese messages (no browser needed)."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from werkzeug.datastructures import MultiDict

from models.customers import identifiers
from schemas.customers.customers import CustomerInput
from web.console import formats
from web.console.forms import UNKNOWN_MESSAGE, body_from, load, portuguese


@pytest.mark.parametrize(
    ("typed", "api"),
    [
        ("1.234,56", "1234.56"),
        ("R$ 1.234,5", "1234.50"),
        ("129,90", "129.90"),
        ("129", "129.00"),
        ("1234.56", "1234.56"),  # the API's own notation is left alone
        ("12,345", "12,345"),  # three decimals: the schema refuses it, nothing is guessed
        ("abc", "abc"),
    ],
)
def test_amounts_are_typed_with_a_decimal_comma(typed, api):
    assert formats.api_money(typed) == api


@pytest.mark.parametrize(
    ("typed", "api"),
    [("05/12/2026", "2026-12-05"), ("5/1/2027", "2027-01-05"), ("2026-12-05", "2026-12-05")],
)
def test_dates_are_typed_day_first(typed, api):
    assert formats.api_date(typed) == api


def test_on_screen_formats_are_brazilian(app):
    with app.app_context():
        assert formats.on_screen_money(Decimal("1234.5")) == "R$ 1.234,50"
        assert formats.on_screen_count(120000) == "120.000"
        assert formats.on_screen_count(7) == "7"
        assert formats.on_screen_date(date(2027, 1, 31)) == "31/01/2027"
        # 02:30 UTC on 1 February is still 31 January in São Paulo.
        late = datetime(2027, 2, 1, 2, 30, tzinfo=UTC)
        assert formats.on_screen_date(late) == "31/01/2027"
        assert formats.on_screen_time(late) == "31/01/2027 23:30"
        assert formats.on_screen_document("52998224725") == "529.982.247-25"
        assert formats.on_screen_document("11222333000181") == "11.222.333/0001-81"
        assert formats.on_screen_cep("01310100") == "01310-100"
        assert formats.on_screen_phone("11987654321") == "(11) 98765-4321"


def test_a_form_becomes_the_api_body_and_the_schema_speaks_portuguese():
    form = MultiDict({"kind": "PF", "name": "", "cpf": "111.111.111-11", "address.cep": "123"})
    body = body_from(form, ("kind", "name", "cpf", "address.cep", "address.city"))
    assert body == {"kind": "PF", "cpf": "111.111.111-11", "address": {"cep": "123"}}
    data, errors = load(CustomerInput(), body)
    assert data is None
    assert errors["name"] == ["Preencha este campo."]
    assert errors["cpf"] == ["CPF inválido: todos os dígitos iguais."]
    assert errors["address.cep"] == ["Escreva o CEP como 01310-100 ou 01310100."]
    assert errors["address.street"] == ["Preencha este campo."]


def test_blank_fields_clear_a_value_in_a_change():
    form = MultiDict({"email": " ", "phone": "(11) 3333-4444"})
    assert body_from(form, ("email", "phone"), blank_as_none=True) == {
        "email": None,
        "phone": "(11) 3333-4444",
    }


@pytest.mark.parametrize(
    "check",
    [
        lambda: identifiers.normalize_cpf("123"),
        lambda: identifiers.normalize_cpf("11111111111"),
        lambda: identifiers.normalize_cpf("52998224724"),
        lambda: identifiers.normalize_cnpj("123"),
        lambda: identifiers.normalize_cnpj("11222333000180"),
        lambda: identifiers.normalize_cep("123"),
        lambda: identifiers.normalize_cep("00000000"),
        lambda: identifiers.normalize_phone("123"),
        lambda: identifiers.normalize_phone("2033334444"),
        lambda: identifiers.normalize_phone("11833334444"),
        lambda: identifiers.normalize_phone("1193334444"),
        lambda: identifiers.normalize_mobile("1133334444"),
        lambda: identifiers.normalize_uf("XX"),
    ],
)
def test_every_identifier_rule_has_its_portuguese_message(check):
    with pytest.raises(ValueError) as refused:
        check()
    assert portuguese(str(refused.value)) != UNKNOWN_MESSAGE, str(refused.value)


def test_a_message_has_one_wording_whichever_screen_says_it():
    from web.console.forms import add_messages

    add_messages((r"More than zero\.", "Informe um valor maior que zero."))  # the same: fine
    with pytest.raises(ValueError, match="already said"):
        add_messages((r"More than zero\.", "Digite um valor maior que zero."))
    assert portuguese("More than zero.") == "Informe um valor maior que zero."
