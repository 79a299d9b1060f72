"""Caixa Econômica Federal (104), SIGCB.

Vectors from brcobranca's spec/brcobranca/boleto/caixa_spec.rb.
"""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pypdf
import pytest

from models.billing import boleto_codes
from models.billing.banks.caixa import caixa_dv
from models.billing.boleto_banks import BankAccount, bank_for
from models.billing.boleto_pdf import render_boleto
from tests.models.billing.test_boleto_pdf import _read_codes, _view

pytestmark = pytest.mark.one_backend

# caixa_spec.rb @valid_attributes: agencia 1825, convenio 245274, nosso_numero 000000000000001,
# carteira 1 (the default, label RG) and emissão 4.
ACCOUNT = BankAccount(bank="104", agency="1825", account="0000528", agreement="245274", wallet="1")
CAIXA = bank_for("104")


def test_nosso_numero_printed_with_its_dv():
    # caixa_spec.rb 'Montar nosso_numero_boleto': '14000000000000001-4'
    codes = CAIXA.codes(ACCOUNT, 1, date(2026, 3, 10), Decimal("10.00"))
    assert codes.nosso_numero == "14000000000000001"
    assert codes.nosso_numero_printed == "14000000000000001-4"


def test_free_field():
    # caixa_spec.rb 'Gerar o código de barras': codigo_barras_segunda_parte
    assert CAIXA.free_field("14000000000000001", ACCOUNT) == "2452740000100040000000017"


def test_barcode_and_linha_digitavel_carry_the_free_field():
    # caixa_spec.rb gives no full barcode for Caixa: the rest is FEBRABAN's, checked in
    # test_boleto_codes.py; here the spec's free field must sit in the barcode and the linha.
    codes = CAIXA.codes(ACCOUNT, 1, date(2026, 3, 10), Decimal("10.00"))
    assert len(codes.barcode) == 44
    assert codes.barcode[:4] == "1049"
    assert codes.barcode[19:] == "2452740000100040000000017"
    assert boleto_codes.barcode_from_linha(codes.linha_formatted) == codes.barcode
    assert codes.linha_formatted.startswith("10492.4527")


def test_beneficiary_dv():
    # caixa_spec.rb 'Gerar o dígito verificador do convênio': 245274 -> 0
    assert caixa_dv("245274") == "0"


@pytest.mark.parametrize(
    ("agency", "agreement", "expected"),
    [
        # caixa_spec.rb 'Montar agencia_conta_boleto'
        ("1825", "245274", "1825/245274-0"),
        ("1825", "123456", "1825/123456-0"),
        ("2030", "654321", "2030/654321-9"),
    ],
)
def test_agency_and_beneficiary_box(agency, agreement, expected):
    assert CAIXA.agency_account(replace(ACCOUNT, agency=agency, agreement=agreement)) == expected


def test_a_short_beneficiary_code_is_zero_padded():
    # caixa_spec.rb: convenio '12345' becomes '012345' and is valid
    account = replace(ACCOUNT, agreement="12345")
    assert CAIXA.free_field("14000000000000001", account).startswith("012345")


def test_carteira_2_sem_registro():
    # Not in caixa_spec.rb: caixa.rb's rule with carteira 2 - nosso número "24" + 15 digits, and
    # the free field puts the modalidade at position 11 and the emissão at position 15.
    account = replace(ACCOUNT, wallet="2")
    codes = CAIXA.codes(account, 1, date(2026, 3, 10), Decimal("10.00"))
    assert codes.nosso_numero == "24000000000000001"
    assert codes.nosso_numero_printed == f"24000000000000001-{caixa_dv('24000000000000001')}"
    free = codes.barcode[19:]
    assert free[:7] == "2452740" and free[10] == "2" and free[14] == "4"
    assert free[24] == caixa_dv(free[:24])


@pytest.mark.parametrize(
    "change",
    [
        {"agreement": "1234567"},  # caixa_spec.rb: a convênio of 7 digits is invalid
        {"agreement": ""},
        {"wallet": "24"},  # caixa_spec.rb: carteira must be 1 digit ('145', '24')
        {"wallet": "145"},
        {"wallet": "3"},  # neither registrada nor sem registro
        {"agency": "12345"},
    ],
)
def test_a_bad_account_is_refused(change):
    account = replace(ACCOUNT, **change)
    with pytest.raises(ValueError):
        CAIXA.agency_account(account)
        CAIXA.codes(account, 1, date(2030, 1, 2), Decimal("1.00"))


def test_a_sequence_of_16_digits_is_refused():
    # caixa_spec.rb: a nosso número of 16 digits is invalid
    with pytest.raises(ValueError):
        CAIXA.codes(ACCOUNT, 10**15, date(2030, 1, 2), Decimal("1.00"))


def test_the_pdf_reads_back(tmp_path):
    view = _view("135.00", 77700168, bank="104", account=ACCOUNT)
    found = _read_codes(render_boleto(view), tmp_path)
    assert found.get("I2/5") == {view.barcode}
    text = pypdf.PdfReader(tmp_path / "boleto.pdf").pages[0].extract_text()
    assert "Caixa Econômica Federal" in text
    assert "104-0" in text
