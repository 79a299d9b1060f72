"""Itaú (341): vectors from brcobranca's spec/brcobranca/boleto/itau_spec.rb."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pypdf
import pytest

from models.billing import boleto_codes
from models.billing.banks.itau import special_free_field
from models.billing.boleto_banks import BankAccount, bank_for
from models.billing.boleto_pdf import render_boleto
from tests.models.billing.test_boleto_pdf import _read_codes, _view

pytestmark = pytest.mark.one_backend

# itau_spec.rb @valid_attributes: agencia 0810, conta 53678, convenio 12387, carteira 175.
ACCOUNT = BankAccount(bank="341", agency="0810", account="53678", agreement="12387", wallet="175")
ITAU = bank_for("341")


@pytest.mark.parametrize(
    ("change", "sequence", "due", "amount", "free", "barcode", "linha"),
    [
        # itau_spec.rb 'Gerar boleto', first boleto (carteira 175)
        (
            {},
            12345678,
            date(2009, 8, 14),
            "0.00",
            "1751234567840810536789000",
            "34191432900000000001751234567840810536789000",
            "34191.75124 34567.840813 05367.890000 1 43290000000000",
        ),
        # itau_spec.rb 'Gerar boleto', second (carteira 175, nosso número 258281)
        (
            {},
            258281,
            date(2008, 2, 2),
            "135.00",
            "1750025828170810536789000",
            "34191377000000135001750025828170810536789000",
            "34191.75009 25828.170818 05367.890000 1 37700000013500",
        ),
        # itau_spec.rb 'Gerar boleto', last (carteira 109, agência 1248, conta 02124)
        (
            {"wallet": "109", "agency": "1248", "account": "02124"},
            10152,
            date(2029, 5, 20),
            "6757.87",
            "1090001015271248021246000",
            "34194254800006757871090001015271248021246000",
            "34191.09008 01015.271248 80212.460002 4 25480000675787",
        ),
    ],
)
def test_the_specs_boletos(change, sequence, due, amount, free, barcode, linha):
    account = replace(ACCOUNT, **change)
    codes = ITAU.codes(account, sequence, due, Decimal(amount))
    assert ITAU.free_field(codes.nosso_numero, account) == free
    assert codes.barcode == barcode
    assert codes.linha_formatted == linha


def test_carteira_168_dac_covers_carteira_and_nosso_numero_only():
    # itau.rb's rule (carteiras 112, 126, 131, 146, 150, 168). itau_spec.rb's third 'Gerar
    # boleto' (carteira 168, free field 1680025828120810536789000) is NOT used: the spec sets
    # carteira = 168 as an Integer, so itau.rb's `%w[...].include?(carteira)` is false there and
    # its DAC 2 comes from agência + conta + carteira + nosso número; by the rule it is 0.
    account = replace(ACCOUNT, wallet="168")
    codes = ITAU.codes(account, 258281, date(2004, 9, 5), Decimal("135.00"))
    assert boleto_codes.modulo10("16800258281") == 0
    assert codes.nosso_numero_printed == "168/00258281-0"
    assert codes.barcode[19:] == "1680025828100810536789000"


@pytest.mark.parametrize(
    ("seu_numero", "client", "free", "barcode", "linha"),
    [
        # itau_spec.rb 'Gerar boleto': carteira 196, nosso número 258281, 2004-09-05, 135.00
        (
            "1234567",
            "12345",
            "1960025828112345671234550",
            "34191252500000135001960025828112345671234550",
            "34191.96005 25828.112349 56712.345505 1 25250000013500",
        ),
        (
            "123456",
            "12345",
            "1960025828101234561234550",
            "34192252500000135001960025828101234561234550",
            "34191.96005 25828.101235 45612.345509 2 25250000013500",
        ),
        (
            "123456",
            "1234",
            "1960025828101234560123440",
            "34192252500000135001960025828101234560123440",
            "34191.96005 25828.101235 45601.234409 2 25250000013500",
        ),
    ],
)
def test_carteira_especial_196(seu_numero, client, free, barcode, linha):
    field = special_free_field("196", "258281", seu_numero, client)
    assert field == free
    code = boleto_codes.barcode("341", date(2004, 9, 5), Decimal("135.00"), field)
    assert code == barcode
    assert boleto_codes.format_linha(boleto_codes.linha_digitavel(code)) == linha


def test_carteira_especial_through_codes_uses_the_sequence_as_seu_numero():
    # The layout of itau.rb; the app's seu número is the sequence (the document number).
    account = replace(ACCOUNT, wallet="196", agreement="12345")
    codes = ITAU.codes(account, 258281, date(2004, 9, 5), Decimal("135.00"))
    assert codes.barcode[19:] == special_free_field("196", "00258281", "0258281", "12345")


@pytest.mark.parametrize(
    ("change", "sequence", "expected"),
    [
        # itau_spec.rb 'Montar nosso_numero_boleto' (agência 0607, conta 15255)
        ({"agency": "0607", "account": "15255"}, 12345678, "175/12345678-4"),
        # itau_spec.rb 'Montar nosso_numero_dv' (agência 0810, conta 53678, carteira 175)
        ({}, 15448, "175/00015448-6"),
        ({}, 12345678, "175/12345678-4"),
        ({}, 34230, "175/00034230-5"),
        ({}, 258281, "175/00258281-7"),
    ],
)
def test_nosso_numero_printed_with_its_dac(change, sequence, expected):
    account = replace(ACCOUNT, **change)
    assert (
        ITAU.codes(account, sequence, date(2026, 3, 10), Decimal("1.00")).nosso_numero_printed
        == expected
    )


def test_carteira_especial_143_nosso_numero():
    # itau_spec.rb 'Montar nosso_numero_boleto': carteira '143', agência 0607, conta 15255.
    # Through codes() the sequence is also the 7-digit seu número, so 12345678 is asked directly.
    account = replace(ACCOUNT, agency="0607", account="15255", wallet="143")
    assert ITAU.nosso_numero_with_dv("12345678", account) == "143/12345678-2"


@pytest.mark.parametrize(
    ("agency", "account", "expected"),
    [
        # itau_spec.rb 'Montar agencia_conta_corrente_dv'
        ("0607", "15255", "0607 / 15255-0"),
        ("1547", "85547", "1547 / 85547-6"),
        ("1547", "10207", "1547 / 10207-7"),
        ("0811", "53678", "0811 / 53678-8"),
    ],
)
def test_agency_and_account_box(agency, account, expected):
    assert ITAU.agency_account(replace(ACCOUNT, agency=agency, account=account)) == expected


@pytest.mark.parametrize("wallet", ["109", "112", "157"])
def test_common_carteiras(wallet):
    # Not in itau_spec.rb beyond 109: the same layout, DAC with agência + conta except for 112
    # (itau.rb lists 112 with 126, 131, 146, 150 and 168).
    account = replace(ACCOUNT, wallet=wallet)
    codes = ITAU.codes(account, 258281, date(2026, 3, 10), Decimal("1.00"))
    dac = boleto_codes.modulo10((wallet if wallet == "112" else "081053678" + wallet) + "00258281")
    assert codes.barcode[19:] == f"{wallet}00258281{dac}0810536789000"


@pytest.mark.parametrize(
    ("change", "sequence"),
    [
        ({"agency": "12345"}, 1),  # itau.rb: agência of at most 4 digits
        ({"account": "123456"}, 1),  # conta of at most 5
        ({"wallet": "1750"}, 1),  # carteira of 3
        ({"wallet": "000"}, 1),
        ({"wallet": "abc"}, 1),
        ({"wallet": "196", "agreement": ""}, 1),  # carteira especial without código do cliente
        ({"wallet": "196", "agreement": "123456"}, 1),  # convenio of at most 5
        ({"wallet": "196"}, 10**7),  # the seu número has 7 digits
        ({}, 10**8),  # itau.rb: nosso número of at most 8 digits
    ],
)
def test_a_bad_account_is_refused(change, sequence):
    account = replace(ACCOUNT, **change)
    with pytest.raises(ValueError):
        ITAU.agency_account(account)
        ITAU.codes(account, sequence, date(2030, 1, 2), Decimal("1.00"))


def test_the_pdf_reads_back(tmp_path):
    view = _view("135.00", 258281, bank="341", account=ACCOUNT)
    found = _read_codes(render_boleto(view), tmp_path)
    assert found.get("I2/5") == {view.barcode}
    text = pypdf.PdfReader(tmp_path / "boleto.pdf").pages[0].extract_text()
    assert "Itaú Unibanco S.A." in text
    assert "341-7" in text
