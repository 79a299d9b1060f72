"""Banco do Brasil (001) CNAB 400 remessa against brcobranca (github.com/kivanio/brcobranca,
commit 325e0ee): spec/brcobranca/remessa/cnab400/banco_brasil_spec.rb "arquivo", whose output
is spec/fixtures/remessa/remessa-banco-brasil-cnab400.rem (copied to fixtures/, compared after
normalising its LF line ends to the CRLF brcobranca writes)."""

from dataclasses import replace
from decimal import Decimal

import pytest

from models.billing.banks.banco_do_brasil import bb_dv
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

# The spec's params: carteira 12, agência 1234, conta 1234 (brcobranca computes both check
# digits by modulo 11: 3 and 3), variação 123, convênio 1234567, convênio líder 7654321,
# tipo_cobranca 04DSC, sequencial_remessa 1.
BENEFICIARY = Beneficiary(
    bank="001",
    agency="1234",
    agency_dv=bb_dv("1234"),
    account="00001234",
    account_dv=bb_dv("00001234"),
    agreement="1234567",
    wallet="12",
    name=COMPANY,
    document=COMPANY_DOCUMENT,
    variation="123",
    leader_agreement="7654321",
    collection_kind="04DSC",
)
# The spec's pagamento: nosso_numero 123 after the convênio (brcobranca writes the convênio
# and the number in 10 digits), no documento nor numero.
ITEM = item("12345670000000123")
SPEC = RemittanceFile(BENEFICIARY, 400, 1, FROZEN, (ITEM,))


def test_the_spec_file_byte_for_byte():
    assert remittance.write(SPEC) == fixture("remessa-banco-brasil-cnab400.rem")


def test_a_fine_adds_record_5():
    data = remittance.write(replace(SPEC, items=(replace(ITEM, fine_percent=Decimal("2.5")),)))
    found = lines(data)
    assert [line[0] for line in found] == ["0", "7", "5", "9"]
    assert found[2][:22] == "5992" + "000000" + "000000000250"
    assert found[2][394:] == "000003"
    value = remittance.write(replace(SPEC, items=(replace(ITEM, fine_amount=Decimal("3")),)))
    assert lines(value)[2][:4] == "5991"


def test_simple_collection_is_blank():
    spec = replace(SPEC, beneficiary=replace(BENEFICIARY, collection_kind="", leader_agreement=""))
    found = lines(remittance.write(spec))
    assert found[1][101:106] == "     "
    assert found[0][129:136] == "0000000"


@pytest.mark.parametrize(("occurrence", "code"), [(CANCEL, "02"), (DUE_DATE, "06")])
def test_occurrence_codes(occurrence, code):
    data = remittance.write(replace(SPEC, items=(replace(ITEM, occurrence=occurrence),)))
    assert lines(data)[1][108:110] == code


def test_refuses_what_the_layout_cannot_carry():
    with pytest.raises(UnsupportedOccurrence):
        remittance.write(replace(SPEC, items=(replace(ITEM, occurrence=AMOUNT),)))
    with pytest.raises(UnsupportedOccurrence):
        remittance.write(replace(SPEC, items=(replace(ITEM, protest_days=5),)))


def test_refuses_numbers_too_long_and_other_convenios():
    with pytest.raises(FieldValueError):
        remittance.write(replace(SPEC, beneficiary=replace(BENEFICIARY, account="123456789")))
    with pytest.raises(FieldValueError):
        remittance.write(replace(SPEC, beneficiary=replace(BENEFICIARY, agreement="123456")))
    with pytest.raises(ValueError):  # 18 digits: more than the convênio's 17
        remittance.write(replace(SPEC, items=(replace(ITEM, nosso_numero="1" * 18),)))


def test_file_name():
    assert remittance.file_name(SPEC) == "CB140701.REM"
