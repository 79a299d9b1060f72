"""Caixa (104) CNAB 240 remessa against brcobranca (commit 325e0ee):
spec/brcobranca/remessa/cnab240/caixa_spec.rb, fixture
spec/fixtures/remessa/remessa-caixa-cnab240.rem
(the spec's own `let(:pagamento)` and `params`, time frozen at 2015-07-14 16:15:15)."""

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import pytest

from models.billing.cnab import remittance as R
from models.billing.cnab.layout import FieldValueError
from models.billing.cnab.remittance_writers import caixa_240
from tests.models.billing.cnab.spec240 import fixture_lines, payer, written_lines

pytestmark = pytest.mark.one_backend  # no database in it: run on one backend (scripts/test)

NOW = datetime(2015, 7, 14, 16, 15, 15)
# params: agencia 12345, digito_agencia 1, convenio 123456, documento_cedente 12345678901,
# sequencial_remessa 000001 (conta_corrente 1234 is not written by Caixa's layout).
BENEFICIARY = R.Beneficiary(
    bank="104", agency="12345", agency_dv="1", account="1234", account_dv="",
    agreement="123456", wallet="1", name="SOCIEDADE BRASILEIRA DE ZOOLOGIA LTDA",
    document="12345678901",
)  # fmt: skip
# pagamento: valor 199.9, vencimento and emissão today, nosso_numero 123 (modalidade 14, our
# 17-digit number), documento 6969, tipo_mora 1 and codigo_multa 2 at zero.
ITEM = R.RemittanceItem(
    occurrence=R.ENTRY, nosso_numero="14000000000000123", document_number="6969",
    issue_date=date(2015, 7, 14), due_date=date(2015, 7, 14), amount=Decimal("199.90"),
    payer=payer("12345678901", "SP"), charges_interest=True, charges_fine=True,
)  # fmt: skip
REMITTANCE = R.RemittanceFile(BENEFICIARY, 240, 1, NOW, (ITEM,))


def test_the_spec_file_byte_for_byte():
    data = "".join(line + "\r\n" for line in caixa_240.lines(REMITTANCE, app_version="1234"))
    assert written_lines(data.encode("ascii")) == fixture_lines("remessa-caixa-cnab240.rem")


def test_write_leaves_caixas_application_version_blank():
    expected = fixture_lines("remessa-caixa-cnab240.rem")
    got = written_lines(R.write(REMITTANCE))
    assert got[0][211:215] == "    " and expected[0][211:215] == "1234"
    assert got[0][:211] == expected[0][:211] and got[1:] == expected[1:]


@pytest.mark.parametrize(
    ("occurrence", "code"),
    [(R.ENTRY, "01"), (R.CANCEL, "02"), (R.DUE_DATE, "06"), (R.AMOUNT, "47")],
)
def test_movement_codes(occurrence, code):
    lines = written_lines(
        R.write(replace(REMITTANCE, items=(replace(ITEM, occurrence=occurrence),)))
    )
    assert {line[15:17] for line in lines[2:5]} == {code}


def test_interest_fine_and_protest_from_our_values():
    item = replace(
        ITEM, charges_interest=None, charges_fine=None, interest_per_day=Decimal("0.07"),
        fine_percent=Decimal("2"), protest_days=5,
    )  # fmt: skip
    p, _, r = written_lines(R.write(replace(REMITTANCE, items=(item,))))[2:5]
    assert p[117:141] == "1" + "15072015" + "000000000000007"
    assert p[220:227] == "105" + "2000"
    assert r[65:89] == "2" + "15072015" + "000000000000200"
    plain = replace(ITEM, charges_interest=None, charges_fine=None)
    p, _, r = written_lines(R.write(replace(REMITTANCE, items=(plain,))))[2:5]
    assert p[117:141] == "3" + "0" * 23 and r[65:89] == "0" * 24


def test_two_items_are_counted():
    second = replace(ITEM, nosso_numero="14000000000000124", amount=Decimal("10"))
    lines = written_lines(R.write(replace(REMITTANCE, items=(ITEM, second))))
    assert len(lines) == 10
    assert [line[8:13] for line in lines[2:8]] == [
        "00001",
        "00002",
        "00003",
        "00004",
        "00005",
        "00006",
    ]
    assert lines[8][17:23] == "000008" and lines[9][17:29] == "000001000010"


def test_too_long_a_nosso_numero_is_refused():
    item = replace(ITEM, nosso_numero="140000000000001234")
    with pytest.raises(FieldValueError):
        R.write(replace(REMITTANCE, items=(item,)))


def test_file_name():
    assert R.file_name(REMITTANCE) == "CB140701.REM"
