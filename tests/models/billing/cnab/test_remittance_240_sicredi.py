"""Sicredi (748) CNAB 240 remessa against brcobranca (commit 325e0ee):
spec/brcobranca/remessa/cnab240/sicredi_spec.rb, fixture
spec/fixtures/remessa/remessa-sicredi-cnab240.rem (time frozen at 2007-07-14 16:15:15)."""

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import pytest

from models.billing.cnab import remittance as R
from models.billing.cnab.layout import FieldValueError
from tests.models.billing.cnab.spec240 import fixture_lines, payer, written_lines

pytestmark = pytest.mark.one_backend  # no database in it: run on one backend (scripts/test)

NOW = datetime(2007, 7, 14, 16, 15, 15)
# params: agencia 0165, conta_corrente 00623 (código do beneficiário) DV 8, posto 02,
# byte_idt 2, documento_cedente 74576177000177, no sequencial_remessa (written as 0).
BENEFICIARY = R.Beneficiary(
    bank="748", agency="0165", agency_dv="", account="00623", account_dv="8",
    agreement="00623", wallet="1", name="SOCIEDADE BRASILEIRA DE ZOOLOGIA LTDA",
    document="74576177000177", station="02", byte="2",
)  # fmt: skip
# pagamento: valor 50.0, today, tipo_mora 1 at zero, nosso_numero 072000031 (07 2 00003 and
# its DV 1, which models/billing/banks/sicredi.py computes), documento 6969.
ITEM = R.RemittanceItem(
    occurrence=R.ENTRY, nosso_numero="07200003", document_number="6969",
    issue_date=date(2007, 7, 14), due_date=date(2007, 7, 14), amount=Decimal("50.00"),
    payer=payer("82136760505", "RJ"), charges_interest=True,
)  # fmt: skip
REMITTANCE = R.RemittanceFile(BENEFICIARY, 240, 0, NOW, (ITEM,))


def test_the_spec_file_byte_for_byte():
    expected = fixture_lines("remessa-sicredi-cnab240.rem")
    assert written_lines(R.write(REMITTANCE)) == expected


@pytest.mark.parametrize(
    ("occurrence", "code"),
    [(R.ENTRY, "01"), (R.CANCEL, "02"), (R.DUE_DATE, "06"), (R.AMOUNT, "31")],
)
def test_movement_codes(occurrence, code):
    item = replace(ITEM, occurrence=occurrence)
    lines = written_lines(R.write(replace(REMITTANCE, items=(item,))))
    assert {line[15:17] for line in lines[2:5]} == {code}


def test_fine_runs_from_the_due_date_interest_from_the_next_day():
    item = replace(ITEM, interest_per_day=Decimal("0.02"), fine_percent=Decimal("2"))
    p, _, r = written_lines(R.write(replace(REMITTANCE, items=(item,))))[2:5]
    assert p[117:141] == "1" + "15072007" + "000000000000002"
    assert r[65:89] == "2" + "14072007" + "000000000000200"


def test_a_bad_nosso_numero_is_refused():
    with pytest.raises(ValueError):
        R.write(replace(REMITTANCE, items=(replace(ITEM, nosso_numero="0720003"),)))


def test_too_long_a_payer_document_is_refused():
    item = replace(ITEM, payer=replace(ITEM.payer, document="1234567890123456"))
    with pytest.raises(FieldValueError):
        R.write(replace(REMITTANCE, items=(item,)))


def test_file_name():
    assert R.file_name(REMITTANCE) == "00623714.CRM"
    assert R.file_name(replace(REMITTANCE, created_at=datetime(2007, 11, 3))) == "00623N03.CRM"
