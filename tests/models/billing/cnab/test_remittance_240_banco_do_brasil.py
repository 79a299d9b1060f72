"""Banco do Brasil (001) CNAB 240 remessa against brcobranca (commit 325e0ee):
spec/brcobranca/remessa/cnab240/banco_brasil_spec.rb, fixture
spec/fixtures/remessa/remessa-banco_brasil-cnab240.rem (time frozen at 2015-07-14 16:15:15)."""

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import pytest

from models.billing.cnab import remittance as R
from models.billing.cnab.layout import FieldValueError
from tests.models.billing.cnab.spec240 import fixture_lines, payer, written_lines

pytestmark = pytest.mark.one_backend  # no database in it: run on one backend (scripts/test)

NOW = datetime(2015, 7, 14, 16, 15, 15)
# params: agencia 1234 (DV 3), conta_corrente 12345 (DV 5), convenio 1234567, carteira 12,
# variacao 123, documento_cedente 12345678901, no sequencial_remessa (written as 0).
BENEFICIARY = R.Beneficiary(
    bank="001", agency="1234", agency_dv="3", account="12345", account_dv="5",
    agreement="1234567", wallet="12", name="SOCIEDADE BRASILEIRA DE ZOOLOGIA LTDA",
    document="12345678901", variation="123",
)  # fmt: skip
# pagamento: valor 199.9, today, nosso_numero 123 (convênio + 10 digits: our 17-digit number),
# documento 6969.
ITEM = R.RemittanceItem(
    occurrence=R.ENTRY, nosso_numero="12345670000000123", document_number="6969",
    issue_date=date(2015, 7, 14), due_date=date(2015, 7, 14), amount=Decimal("199.90"),
    payer=payer("12345678901", "SP"),
)  # fmt: skip
REMITTANCE = R.RemittanceFile(BENEFICIARY, 240, 0, NOW, (ITEM,))


def test_the_spec_file_byte_for_byte():
    expected = fixture_lines("remessa-banco_brasil-cnab240.rem")
    assert written_lines(R.write(REMITTANCE)) == expected


def test_a_six_digit_convenio_writes_the_check_digit():
    beneficiary = replace(BENEFICIARY, agreement="123456")
    item = replace(ITEM, nosso_numero="12345600001")
    p = written_lines(R.write(R.RemittanceFile(beneficiary, 240, 0, NOW, (item,))))[2]
    assert p[37:57] == "123456000017" + " " * 8  # banco_brasil_spec: 6 posições, DV 7


@pytest.mark.parametrize(
    ("occurrence", "code"),
    [(R.ENTRY, "01"), (R.CANCEL, "02"), (R.DUE_DATE, "06"), (R.AMOUNT, "31")],
)
def test_movement_codes(occurrence, code):
    item = replace(ITEM, occurrence=occurrence)
    lines = written_lines(R.write(replace(REMITTANCE, items=(item,))))
    assert {line[15:17] for line in lines[2:5]} == {code}


def test_too_long_a_convenio_is_refused():
    with pytest.raises((FieldValueError, ValueError)):
        R.write(replace(REMITTANCE, beneficiary=replace(BENEFICIARY, agreement="1234567890")))


def test_file_name():
    assert R.file_name(REMITTANCE) == "CB140700.REM"
