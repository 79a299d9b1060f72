"""Santander (033) CNAB 400 remessa against brcobranca (github.com/kivanio/brcobranca, commit
325e0ee): spec/brcobranca/remessa/cnab400/santander_spec.rb "arquivo", whose output is
spec/fixtures/remessa/remessa-santander-cnab400.rem (copied to fixtures/, compared after
normalising its LF line ends to the CRLF brcobranca writes).

One field differs by design: the nosso número (63-70). brcobranca writes the number it is given
("123" -> 00000123); we are given it without check digit and append it (models/billing/banks/
santander.py), so the spec's 123 is 0000123 + its DV. The test splices that one field and
compares every other byte."""

from dataclasses import replace
from decimal import Decimal

import pytest

from models.billing.banks.santander import santander_dv
from models.billing.cnab import remittance
from models.billing.cnab.layout import FieldValueError
from models.billing.cnab.remittance import AMOUNT, CANCEL, DUE_DATE, Beneficiary, RemittanceFile
from models.billing.cnab.remittance_writers._cnab400 import UnsupportedOccurrence
from tests.models.billing.cnab.remessa400_input import (
    COMPANY,
    COMPANY_DOCUMENT,
    FROZEN,
    fixture,
    item,
    lines,
)

pytestmark = pytest.mark.one_backend  # no database in it: run on one backend (scripts/test)

# The spec's params: codigo_transmissao 17777751042700080112, agência 8888, conta 000002997-8,
# documento_cedente 12345678910 (carteira 101 by default).
BENEFICIARY = Beneficiary(
    bank="033",
    agency="8888",
    agency_dv="",
    account="000002997",
    account_dv="8",
    agreement="",
    wallet="101",
    name=COMPANY,
    document=COMPANY_DOCUMENT,
    transmission_code="17777751042700080112",
)
# The spec's pagamento: documento 6969, nosso_numero 123, codigo_multa 4 with 2.00%, valor_mora
# 8.00, cod_primeira_instrucao 06 (protestar) with dias_protesto 6.
ITEM = item(
    "123",
    control_number="6969",
    fine_percent=Decimal("2.00"),
    interest_per_day=Decimal("8.00"),
    protest_days=6,
)
SPEC = RemittanceFile(BENEFICIARY, 400, 1, FROZEN, (ITEM,))


def test_the_spec_file_byte_for_byte_but_the_check_digit():
    expected = fixture("remessa-santander-cnab400.rem").decode("ascii").split("\r\n")
    assert expected[1][62:70] == "00000123"  # brcobranca: the number as given
    expected[1] = expected[1][:62] + "0000123" + santander_dv("123") + expected[1][70:]
    assert remittance.write(SPEC) == "\r\n".join(expected).encode("ascii")


def test_the_check_digit_is_the_bank_modules():
    # 3x2 + 2x3 + 1x4 = 16; 16 % 11 = 5; 11 - 5 = 6
    assert lines(remittance.write(SPEC))[1][62:70] == "00001236"


def test_trailer_counts_and_totals():
    data = remittance.write(replace(SPEC, items=(ITEM, replace(ITEM, amount=Decimal("0.10")))))
    trailer = lines(data)[-1]
    assert trailer[:20] == "9000004" + "0000000020000"
    assert trailer[394:] == "000004"


def test_short_account_leaves_the_complement_blank():
    spec = replace(SPEC, beneficiary=replace(BENEFICIARY, account="00002997"))
    assert lines(remittance.write(spec))[1][382:385] == "   "


def test_no_fine_no_protest():
    plain = replace(ITEM, fine_percent=Decimal(0), protest_days=0)
    detail = lines(remittance.write(replace(SPEC, items=(plain,))))[1]
    assert detail[77:82] == "00000"
    assert detail[156:158] == "00"
    assert detail[391:393] == "00"


@pytest.mark.parametrize(("occurrence", "code"), [(CANCEL, "02"), (DUE_DATE, "06")])
def test_occurrence_codes(occurrence, code):
    data = remittance.write(replace(SPEC, items=(replace(ITEM, occurrence=occurrence),)))
    assert lines(data)[1][108:110] == code


def test_refuses_what_the_layout_cannot_carry():
    with pytest.raises(UnsupportedOccurrence):
        remittance.write(replace(SPEC, items=(replace(ITEM, occurrence=AMOUNT),)))
    with pytest.raises(UnsupportedOccurrence):
        remittance.write(replace(SPEC, items=(replace(ITEM, fine_amount=Decimal(2)),)))


def test_refuses_numbers_too_long_and_no_transmission_code():
    with pytest.raises(FieldValueError):  # 8 digits + DV do not fit 63-70
        remittance.write(replace(SPEC, items=(replace(ITEM, nosso_numero="12345678"),)))
    with pytest.raises(FieldValueError):
        too_long = replace(BENEFICIARY, transmission_code="1" * 21)
        remittance.write(replace(SPEC, beneficiary=too_long))
    with pytest.raises(FieldValueError):
        remittance.write(replace(SPEC, beneficiary=replace(BENEFICIARY, transmission_code="")))


def test_file_name():
    assert remittance.file_name(SPEC) == "CB140701.REM"
