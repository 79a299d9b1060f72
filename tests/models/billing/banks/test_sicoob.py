"""Sicoob (756): vectors from brcobranca spec/brcobranca/boleto/sicoob_spec.rb."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pypdf
import pytest

from models.billing.banks.sicoob import sicoob_dv
from models.billing.boleto_banks import BankAccount, bank_for
from models.billing.boleto_codes import bank_code_with_dv, barcode_from_linha
from models.billing.boleto_pdf import render_boleto
from tests.models.billing.test_boleto_pdf import _read_codes, _view

pytestmark = pytest.mark.one_backend  # no database in it

# sicoob_spec.rb valid_attributes: agencia 4327, conta 417270, convenio 229385, carteira 1
# and variacao 01 (brcobranca's defaults).
ACCOUNT = BankAccount(
    bank="756", agency="4327", account="417270", agreement="229385", wallet="1", variation="01"
)
SICOOB = bank_for("756")


@pytest.mark.parametrize(
    ("sequence", "dv"),
    [(1, 7), (2, 4), (3, 1), (4, 9), (5, 6), (6, 3), (7, 0), (8, 8), (9, 5), (10, 3), (11, 0),
     (12, 8), (13, 5)],
)  # fmt: skip
def test_the_nosso_numero_check_digit(sequence, dv):
    # sicoob_spec.rb "Montar nosso numero dv"
    number = SICOOB.nosso_numero(sequence, ACCOUNT)
    assert number == f"{sequence:07d}"
    assert SICOOB.nosso_numero_with_dv(number, ACCOUNT) == f"{sequence:07d}{dv}"


def test_the_documented_example():
    # sicoob.rb's comment: cooperativa 0001, cliente 1-9 (19), nosso número 21: DV 8.
    assert sicoob_dv("000100000000190000021") == "8"


# (account, nosso_numero, due, amount, free field, linha): sicoob_spec.rb "Montar código de
# barras modalidade 01" and "modalidade 05".
SPEC_BOLETOS = [
    (ACCOUNT, 2, date(2016, 2, 18), "50.00", "1432701022938500000024001",
     "75691.43279 01022.938508 00000.240010 2 67080000005000"),
    (replace(ACCOUNT, agency="4134", account="10333", agreement="148180", variation="05"),
     110, date(2017, 4, 15), "235.00", "1413405014818000001104001",
     "75691.41349 05014.818008 00011.040011 4 71300000023500"),
]  # fmt: skip


@pytest.mark.parametrize(("account", "sequence", "due", "amount", "free", "linha"), SPEC_BOLETOS)
def test_spec_boletos(account, sequence, due, amount, free, linha):
    codes = SICOOB.codes(account, sequence, due, Decimal(amount))
    assert SICOOB.free_field(codes.nosso_numero, account) == free
    assert codes.barcode[19:] == free
    assert codes.linha_formatted == linha
    assert len(codes.barcode) == 44
    assert codes.barcode == barcode_from_linha(linha)
    assert codes.nosso_numero_printed == free[14:22]


def test_modalidade_02():
    codes = SICOOB.codes(replace(ACCOUNT, variation="02"), 2, date(2016, 2, 18), Decimal("50"))
    assert codes.barcode[19:] == "1432702022938500000024001"


def test_the_agency_box_is_cooperativa_and_client():
    # sicoob_spec.rb "Montar agencia_conta_boleto"
    assert SICOOB.agency_account(ACCOUNT) == "4327 / 0229385"


def test_the_bank_code_prints_with_0():
    # sicoob.rb banco_dv '0'
    assert bank_code_with_dv("756") == "756-0"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"agreement": "12345678"}, "cliente"),
        ({"agreement": ""}, "cliente"),
        ({"agency": "12345"}, "cooperativa"),
        ({"variation": ""}, "modalidade"),
        ({"variation": "03"}, "modalidade"),
        ({"variation": "1"}, "modalidade"),
        ({"wallet": "9"}, "carteira"),
        ({"wallet": "01"}, "carteira"),
    ],
)
def test_a_bad_account_is_refused(change, message):
    account = replace(ACCOUNT, **change)
    with pytest.raises(ValueError, match=message):
        SICOOB.agency_account(account)
        SICOOB.codes(account, 1, date(2030, 1, 2), Decimal("1.00"))


def test_a_sequence_beyond_seven_digits_is_refused():
    with pytest.raises(ValueError, match="sequence"):
        SICOOB.codes(ACCOUNT, 10**7, date(2030, 1, 2), Decimal("1.00"))


def test_the_pdf_reads_back(tmp_path):
    view = _view("50.00", 2, bank="756", account=ACCOUNT)
    found = _read_codes(render_boleto(view), tmp_path)
    assert found.get("I2/5") == {view.barcode}
    text = pypdf.PdfReader(tmp_path / "boleto.pdf").pages[0].extract_text()
    assert SICOOB.name in text
    assert "756-0" in text
