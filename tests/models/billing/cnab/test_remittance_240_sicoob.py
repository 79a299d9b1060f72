"""Sicoob (756) CNAB 240 remessa against brcobranca (commit 325e0ee):
spec/brcobranca/remessa/cnab240/sicoob_spec.rb, whose "arquivo" example makes
spec/fixtures/remessa/remessa-bancoob-cnab240.rem (time frozen at 2015-07-14 16:15:15).

The spec's nosso_numero '429715' is número 0042971 with check digit 5, which brcobranca takes as
given; we compute it (models/billing/banks/sicoob.py) from cooperativa + código do cliente +
número, and the spec's convênio 512231 gives 0, not 5. Sicoob's 240 file writes the código do
cliente nowhere else, so the byte-for-byte test uses 512236, for which the digit is 5; another
test shows the digit follows the convênio.
"""

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import pytest

from models.billing.cnab import remittance as R
from models.billing.cnab.layout import FieldValueError
from tests.models.billing.cnab.spec240 import fixture_lines, payer, written_lines

pytestmark = pytest.mark.one_backend  # no database in it: run on one backend (scripts/test)

NOW = datetime(2015, 7, 14, 16, 15, 15)
# params: agencia 4327 (DV 3), conta_corrente 03666 (DV 8), documento_cedente 74576177000177,
# modalidade_carteira 01, no sequencial_remessa (written as 0).
BENEFICIARY = R.Beneficiary(
    bank="756", agency="4327", agency_dv="3", account="03666", account_dv="8",
    agreement="512236", wallet="1", name="SOCIEDADE BRASILEIRA DE ZOOLOGIA LTDA",
    document="74576177000177", variation="01",
)  # fmt: skip
# pagamento: valor 50.0, vencimento and emissão today, documento 6969, tipo_mora 0 (isento),
# codigo_protesto 1 with dias_protesto 00.
ITEM = R.RemittanceItem(
    occurrence=R.ENTRY, nosso_numero="0042971", document_number="6969",
    issue_date=date(2015, 7, 14), due_date=date(2015, 7, 14), amount=Decimal("50.00"),
    payer=payer("82136760505", "RJ"), protest_days=0,
)  # fmt: skip
REMITTANCE = R.RemittanceFile(BENEFICIARY, 240, 0, NOW, (ITEM,))


def test_the_spec_file_byte_for_byte():
    expected = fixture_lines("remessa-bancoob-cnab240.rem")
    assert written_lines(R.write(REMITTANCE)) == expected


def test_the_check_digit_is_computed_from_the_convenio():
    remittance = replace(REMITTANCE, beneficiary=replace(BENEFICIARY, agreement="512231"))
    p = written_lines(R.write(remittance))[2]
    assert p[37:57] == "0000429710" + "01" + "01" + "4" + "     "


@pytest.mark.parametrize(
    ("occurrence", "code"),
    [(R.ENTRY, "01"), (R.CANCEL, "02"), (R.DUE_DATE, "06"), (R.AMOUNT, "31")],
)
def test_movement_codes(occurrence, code):
    item = replace(ITEM, occurrence=occurrence)
    lines = written_lines(R.write(replace(REMITTANCE, items=(item,))))
    assert {line[15:17] for line in lines[2:5]} == {code}


def test_interest_and_fine_from_our_values():
    item = replace(ITEM, interest_per_day=Decimal("0.05"), fine_percent=Decimal("2.5"))
    p, _, r = written_lines(R.write(replace(REMITTANCE, items=(item,))))[2:5]
    assert p[117:141] == "1" + "14072015" + "000000000000005"
    assert r[65:89] == "2" + "14072015" + "000000000000250"


def test_a_nosso_numero_of_eight_digits_is_refused():
    with pytest.raises(ValueError):
        R.write(replace(REMITTANCE, items=(replace(ITEM, nosso_numero="00429711"),)))


def test_too_large_an_amount_is_refused():
    item = replace(ITEM, amount=Decimal("10000000000000"))
    with pytest.raises(FieldValueError):
        R.write(replace(REMITTANCE, items=(item,)))


def test_file_name():
    assert R.file_name(REMITTANCE) == "CB140700.REM"
