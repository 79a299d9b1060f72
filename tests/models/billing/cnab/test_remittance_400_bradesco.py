"""Bradesco (237) CNAB 400 remessa against brcobranca (github.com/kivanio/brcobranca, commit
325e0ee): spec/brcobranca/remessa/cnab400/bradesco_spec.rb "arquivo", whose output is
spec/fixtures/remessa/remessa-bradesco-cnab400.rem (copied to fixtures/, compared after
normalising its LF line ends to the CRLF brcobranca writes)."""

from dataclasses import replace
from decimal import Decimal

import pytest

from models.billing.cnab import remittance
from models.billing.cnab.layout import FieldValueError
from models.billing.cnab.remittance import AMOUNT, CANCEL, DUE_DATE, Beneficiary, RemittanceFile
from models.billing.cnab.remittance_writers._cnab400 import UnsupportedOccurrence
from tests.models.billing.cnab.remessa400_input import COMPANY, FROZEN, fixture, item, lines

pytestmark = pytest.mark.one_backend  # no database in it: run on one backend (scripts/test)

# The spec's params: carteira 01, agência 12345, conta 1234567-1, codigo_empresa 123,
# sequencial_remessa 1.
BENEFICIARY = Beneficiary(
    bank="237",
    agency="12345",
    agency_dv="",
    account="1234567",
    account_dv="1",
    agreement="123",
    wallet="01",
    name=COMPANY,
    document="",
)
# The spec's pagamento: numero 1, documento 6969, nosso_numero 123, multa 2% (codigo_multa 2).
ITEM = item("123", document_number="1", control_number="6969", fine_percent=Decimal("2.00"))
SPEC = RemittanceFile(BENEFICIARY, 400, 1, FROZEN, (ITEM,))


def test_the_spec_file_byte_for_byte():
    assert remittance.write(SPEC) == fixture("remessa-bradesco-cnab400.rem")


def test_detail_positions_the_spec_checks():
    detail = lines(remittance.write(SPEC))[1]
    assert detail[37:62] == "6969".ljust(25)
    assert detail[65:70] == "20200"  # multa percentual, 2.00%
    assert detail[70:82] == "00000000123P"  # nosso número and its check digit (P for 123)
    assert detail[234:274] == "PABLO DIEGO JOSE FRANCISCO DE PAULA JUAN"


@pytest.mark.parametrize(("occurrence", "code"), [(CANCEL, "02"), (DUE_DATE, "06")])
def test_occurrence_codes(occurrence, code):
    data = remittance.write(replace(SPEC, items=(replace(ITEM, occurrence=occurrence),)))
    assert lines(data)[1][108:110] == code


def test_no_fine_writes_code_zero():
    data = remittance.write(replace(SPEC, items=(replace(ITEM, fine_percent=Decimal(0)),)))
    assert lines(data)[1][65:70] == "00000"


def test_short_address_carries_city_and_state():
    payer = replace(ITEM.payer, address="Rua A 1", city="Lins", state="SP")
    data = remittance.write(replace(SPEC, items=(replace(ITEM, payer=payer),)))
    assert lines(data)[1][274:314] == "RUA A 1 LINSSP".ljust(40)


def test_several_items_are_numbered_and_counted():
    data = remittance.write(replace(SPEC, items=(ITEM, ITEM)))
    found = lines(data)
    assert [line[394:] for line in found] == ["000001", "000002", "000003", "000004"]
    assert all(len(line) == 400 for line in found)


def test_refuses_what_the_layout_cannot_carry():
    with pytest.raises(UnsupportedOccurrence):
        remittance.write(replace(SPEC, items=(replace(ITEM, occurrence=AMOUNT),)))
    with pytest.raises(UnsupportedOccurrence):
        remittance.write(replace(SPEC, items=(replace(ITEM, protest_days=5),)))
    with pytest.raises(UnsupportedOccurrence):
        remittance.write(replace(SPEC, items=(replace(ITEM, fine_amount=Decimal(2)),)))


def test_refuses_numbers_too_long():
    with pytest.raises(FieldValueError):
        remittance.write(replace(SPEC, beneficiary=replace(BENEFICIARY, agency="123456")))
    with pytest.raises(FieldValueError):
        remittance.write(replace(SPEC, sequence=12345678))
    with pytest.raises(FieldValueError):
        big = replace(ITEM, amount=Decimal("100000000000.00"))
        remittance.write(replace(SPEC, items=(big,)))


def test_file_name():
    assert remittance.file_name(SPEC) == "CB140701.REM"
