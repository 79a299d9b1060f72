"""Sicoob (756) CNAB 400 remessa against brcobranca (github.com/kivanio/brcobranca, commit
325e0ee): spec/brcobranca/remessa/cnab400/sicoob_spec.rb "arquivo", whose output is
spec/fixtures/remessa/remessa-sicoob-cnab400.rem (copied to fixtures/, compared after
normalising its LF line ends to the CRLF brcobranca writes).

One field differs by design: the nosso número (63-74). brcobranca writes the number it is given
"com DV" ("123" -> 000000000123); we are given it without check digit and append Sicoob's
(models/billing/banks/sicoob.py), so the spec's 123 becomes 0000123 + its DV. The test splices
that one field and compares every other byte."""

from dataclasses import replace
from decimal import Decimal

import pytest

from models.billing.banks.sicoob import sicoob_dv
from models.billing.boleto_banks import BankAccount, bank_for
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

# The spec's params: carteira 01, cooperativa 4327 (brcobranca's modulo-11 check digit: 3),
# conta 12345678-1, convênio 123456789, sequencial_remessa 0000001 by default.
BENEFICIARY = Beneficiary(
    bank="756",
    agency="4327",
    agency_dv="3",
    account="12345678",
    account_dv="1",
    agreement="123456789",
    wallet="01",
    name=COMPANY,
    document=COMPANY_DOCUMENT,
)
ITEM = item("123")  # the spec's pagamento: nosso_numero 123, no documento nor numero
SPEC = RemittanceFile(BENEFICIARY, 400, 1, FROZEN, (ITEM,))


def test_the_spec_file_byte_for_byte_but_the_check_digit():
    expected = fixture("remessa-sicoob-cnab400.rem").decode("ascii").split("\r\n")
    assert expected[1][62:74] == "000000000123"  # brcobranca: the number as given
    ours = "00000000123" + sicoob_dv("4327" + "0123456789" + "0000123")
    expected[1] = expected[1][:62] + ours + expected[1][74:]
    assert remittance.write(SPEC) == "\r\n".join(expected).encode("ascii")


def test_the_check_digit_is_the_bank_modules():
    # A 7-digit código do cliente, as the boleto layout takes it: the same digit as its codes.
    beneficiary = replace(BENEFICIARY, agreement="1234567")
    account = BankAccount("756", "4327", "12345678", "1234567", "1", variation="01")
    detail = lines(remittance.write(replace(SPEC, beneficiary=beneficiary)))[1]
    assert detail[62:74] == bank_for("756").nosso_numero_with_dv("0000123", account).zfill(12)
    assert lines(remittance.write(replace(SPEC, beneficiary=beneficiary)))[0][31:40] == "001234567"


def test_fine_and_interest():
    charged = replace(ITEM, fine_percent=Decimal("2"), interest_per_day=Decimal("0.33"))
    detail = lines(remittance.write(replace(SPEC, items=(charged,))))[1]
    assert detail[160:173] == "000033" + "000200" + "2"


@pytest.mark.parametrize(("occurrence", "code"), [(CANCEL, "02"), (DUE_DATE, "06")])
def test_occurrence_codes(occurrence, code):
    data = remittance.write(replace(SPEC, items=(replace(ITEM, occurrence=occurrence),)))
    assert lines(data)[1][108:110] == code


def test_refuses_what_the_layout_cannot_carry():
    with pytest.raises(UnsupportedOccurrence):
        remittance.write(replace(SPEC, items=(replace(ITEM, occurrence=AMOUNT),)))
    with pytest.raises(UnsupportedOccurrence):
        remittance.write(replace(SPEC, items=(replace(ITEM, protest_days=5),)))
    with pytest.raises(UnsupportedOccurrence):
        remittance.write(replace(SPEC, items=(replace(ITEM, fine_amount=Decimal(2)),)))


def test_refuses_numbers_too_long():
    with pytest.raises(FieldValueError):
        remittance.write(replace(SPEC, beneficiary=replace(BENEFICIARY, account="123456789")))
    with pytest.raises(FieldValueError):
        remittance.write(replace(SPEC, items=(replace(ITEM, interest_per_day=Decimal(10000)),)))
    with pytest.raises(ValueError):  # 8 digits: the sequence has 7
        remittance.write(replace(SPEC, items=(replace(ITEM, nosso_numero="12345678"),)))


def test_file_name():
    assert remittance.file_name(SPEC) == "CB140701.REM"
