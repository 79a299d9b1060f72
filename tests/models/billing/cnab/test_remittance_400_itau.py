"""Itaú (341) CNAB 400 remessa against brcobranca (github.com/kivanio/brcobranca, commit
325e0ee): spec/brcobranca/remessa/cnab400/itau_spec.rb "arquivo", whose output is
spec/fixtures/remessa/remessa-itau-cnab400.rem (copied to fixtures/, compared after normalising
its LF line ends to the CRLF brcobranca writes)."""

from dataclasses import replace
from decimal import Decimal

import pytest

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

# The spec's params: carteira 123, agência 1234, conta 12345-1, documento_cedente 12345678910.
BENEFICIARY = Beneficiary(
    bank="341",
    agency="1234",
    agency_dv="",
    account="12345",
    account_dv="1",
    agreement="",
    wallet="123",
    name=COMPANY,
    document=COMPANY_DOCUMENT,
)
# The spec's pagamento: documento 6969 (no numero), nosso_numero 123, codigo_multa 1 (a value
# in reais) of 2.00.
ITEM = item("123", control_number="6969", fine_amount=Decimal("2.00"))
SPEC = RemittanceFile(BENEFICIARY, 400, 1, FROZEN, (ITEM,))


def test_the_spec_file_byte_for_byte():
    assert remittance.write(SPEC) == fixture("remessa-itau-cnab400.rem")


def test_a_percentage_fine_is_code_2():
    data = remittance.write(replace(SPEC, items=(replace(ITEM, fine_amount=0, fine_percent=2),)))
    assert lines(data)[2][:23] == "22140720150000000000200"


def test_no_fine_no_fine_record():
    data = remittance.write(replace(SPEC, items=(replace(ITEM, fine_amount=Decimal(0)),)))
    assert [line[0] for line in lines(data)] == ["0", "1", "9"]
    assert lines(data)[2][394:] == "000003"


def test_protest_days_write_instruction_09_and_the_term():
    data = remittance.write(replace(SPEC, items=(replace(ITEM, protest_days=5),)))
    detail = lines(data)[1]
    assert detail[156:158] == "09"
    assert detail[391:393] == "05"


WALLETS = [("150", "U"), ("191", "1"), ("147", "E"), ("109", "I")]  # itau.rb codigo_carteira


@pytest.mark.parametrize(("wallet", "code"), WALLETS)
def test_wallet_code(wallet, code):
    spec = replace(SPEC, beneficiary=replace(BENEFICIARY, wallet=wallet))
    assert lines(remittance.write(spec))[1][107] == code


@pytest.mark.parametrize(("occurrence", "code"), [(CANCEL, "02"), (DUE_DATE, "06")])
def test_occurrence_codes(occurrence, code):
    data = remittance.write(replace(SPEC, items=(replace(ITEM, occurrence=occurrence),)))
    assert lines(data)[1][108:110] == code


def test_refuses_what_the_layout_cannot_carry():
    with pytest.raises(UnsupportedOccurrence):
        remittance.write(replace(SPEC, items=(replace(ITEM, occurrence=AMOUNT),)))
    with pytest.raises(UnsupportedOccurrence):
        remittance.write(replace(SPEC, items=(replace(ITEM, fine_percent=Decimal(2)),)))


def test_refuses_numbers_too_long():
    with pytest.raises(FieldValueError):
        remittance.write(replace(SPEC, beneficiary=replace(BENEFICIARY, account="123456")))
    with pytest.raises(FieldValueError):
        remittance.write(replace(SPEC, items=(replace(ITEM, nosso_numero="123456789"),)))
    with pytest.raises(FieldValueError):
        remittance.write(replace(SPEC, items=(replace(ITEM, document_number="A1"),)))


def test_file_name():
    assert remittance.file_name(SPEC) == "CB140701.REM"
