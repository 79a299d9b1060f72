"""Santander (033) CNAB 240 remessa against brcobranca (commit 325e0ee):
spec/brcobranca/remessa/cnab240/santander_spec.rb, fixture
spec/fixtures/remessa/remessa-santander-cnab240.rem (time frozen at 2015-07-14 16:15:15)."""

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import pytest

from models.billing.cnab import remittance as R
from models.billing.cnab.layout import FieldValueError
from tests.models.billing.cnab.spec240 import fixture_lines, payer, written_lines

pytestmark = pytest.mark.one_backend  # no database in it: run on one backend (scripts/test)

NOW = datetime(2015, 7, 14, 16, 15, 15)
# params: codigo_transmissao 000100001234567, agencia 0001 (DV 9), conta
# 013001234 DV 3, documento_cedente 28254225000193, sequencial_remessa 1.
BENEFICIARY = R.Beneficiary(
    bank="033", agency="0001", agency_dv="9", account="013001234", account_dv="3",
    agreement="1234567", transmission_code="000100001234567", wallet="101",
    name="SOCIEDADE BRASILEIRA DE ZOOLOGIA LTDA",
    document="28254225000193",
)  # fmt: skip
# pagamento: valor 199.9, today, nosso_numero 1234567 (DV 9 by our Santander module),
# documento 9999.
ITEM = R.RemittanceItem(
    occurrence=R.ENTRY, nosso_numero="000001234567", document_number="9999",
    issue_date=date(2015, 7, 14), due_date=date(2015, 7, 14), amount=Decimal("199.90"),
    payer=payer("12345678901", "SP"),
)  # fmt: skip
REMITTANCE = R.RemittanceFile(BENEFICIARY, 240, 1, NOW, (ITEM,))


def test_the_spec_file_byte_for_byte():
    expected = fixture_lines("remessa-santander-cnab240.rem")
    assert written_lines(R.write(REMITTANCE)) == expected


@pytest.mark.parametrize(
    ("occurrence", "code"),
    [(R.ENTRY, "01"), (R.CANCEL, "02"), (R.DUE_DATE, "06"), (R.AMOUNT, "31")],
)
def test_movement_codes(occurrence, code):
    item = replace(ITEM, occurrence=occurrence)
    lines = written_lines(R.write(replace(REMITTANCE, items=(item,))))
    assert {line[15:17] for line in lines[2:5]} == {code}


def test_too_long_an_account_is_refused():
    beneficiary = replace(BENEFICIARY, account="1130012345")
    with pytest.raises(FieldValueError):
        R.write(replace(REMITTANCE, beneficiary=beneficiary))


def test_file_name():
    assert R.file_name(REMITTANCE) == "CB140701.REM"
