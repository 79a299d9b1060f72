"""Santander (033): código do cedente of 7 digits, carteiras 101 and 102.

Known answers from brcobranca (github.com/kivanio/brcobranca, commit 325e0ee),
spec/brcobranca/boleto/santander_spec.rb; each case names its example.
"""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pypdf
import pytest

from models.billing.banks.santander import santander_dv
from models.billing.boleto_banks import BankAccount, bank_for
from models.billing.boleto_codes import bank_code_with_dv
from models.billing.boleto_pdf import render_boleto
from tests.models.billing.test_boleto_pdf import _read_codes, _view

pytestmark = pytest.mark.one_backend  # no database in it: run on one backend (scripts/test)

SANTANDER = bank_for("033")
# The spec's @valid_attributes (carteira 102 is brcobranca's default).
ACCOUNT = BankAccount("033", "0059", "013000123", "1899775", "102")


@pytest.mark.parametrize(
    ("sequence", "due", "amount", "free", "code", "linha"),
    [
        (
            9000026, date(2011, 10, 9), "25.00",
            "9189977500000900002690102",
            "03399511500000025009189977500000900002690102",
            "03399.18997 77500.000904 00026.901025 9 51150000002500",
        ),  # "Gerar boleto", first boleto
        (
            9000272, date(2012, 9, 8), "54.00",
            "9189977500000900027250102",
            "03393545000000054009189977500000900027250102",
            "03399.18997 77500.000904 00272.501024 3 54500000005400",
        ),  # "Gerar boleto", second boleto
    ],
)  # fmt: skip
def test_the_spec_boletos(sequence, due, amount, free, code, linha):
    number = SANTANDER.nosso_numero(sequence, ACCOUNT)
    assert SANTANDER.free_field(number, ACCOUNT) == free
    codes = SANTANDER.codes(ACCOUNT, sequence, due, Decimal(amount))
    assert codes.barcode == code
    assert codes.linha_formatted == linha
    assert codes.linha_digitavel == linha.replace(" ", "").replace(".", "")


@pytest.mark.parametrize(
    ("digits", "dv"),
    [
        ("566612457800", "2"),  # "Montar nosso_numero_dv"
        ("90002720", "7"),
        ("1961005", "0"),
        ("9000026", "9"),  # "Gerar boleto" (the digit before "0102" in the free field)
        ("9000272", "5"),
    ],
)
def test_nosso_numero_check_digit(digits, dv):
    assert santander_dv(digits) == dv


@pytest.mark.parametrize(
    ("sequence", "printed"),
    [
        (566612457800, "566612457800-2"),  # "Montar nosso_numero_boleto"
        (90002720, "000090002720-7"),  # same example, "90002720-7" padded to 12
        (9000026, "000009000026-9"),
    ],
)
def test_nosso_numero_as_printed(sequence, printed):
    codes = SANTANDER.codes(ACCOUNT, sequence, date(2026, 1, 1), Decimal("1.00"))
    assert codes.nosso_numero == printed[:12]
    assert codes.nosso_numero_printed == printed


def test_the_agency_box_is_agency_and_codigo_do_cedente():
    # santander.rb agencia_conta_boleto example "0059/1899775"
    assert SANTANDER.agency_account(ACCOUNT) == "0059/1899775"
    assert SANTANDER.agency_account(replace(ACCOUNT, agency="59", agreement="899775")) == (
        "0059/0899775"
    )


@pytest.mark.parametrize("wallet", ["101", "102"])
def test_both_carteiras(wallet):
    account = replace(ACCOUNT, wallet=wallet)
    codes = SANTANDER.codes(account, 9000026, date(2011, 10, 9), Decimal("25.00"))
    assert codes.barcode[19:] == "918997750000090000269" + "0" + wallet
    assert codes.barcode[-4:] == "0" + wallet  # IOF 0, then the carteira


@pytest.mark.parametrize(
    ("account", "sequence", "message"),
    [
        (replace(ACCOUNT, wallet="201"), 1, "carteira 201 unknown"),
        (replace(ACCOUNT, wallet="17"), 1, "carteira 017 unknown"),
        (replace(ACCOUNT, wallet="1020"), 1, "carteira"),
        (replace(ACCOUNT, agreement="18997750"), 1, "código do cedente"),
        (replace(ACCOUNT, agreement=""), 1, "código do cedente"),
        (ACCOUNT, 10**12, "outside"),
        (ACCOUNT, 0, "outside"),
    ],
)
def test_what_the_layout_cannot_hold_is_refused(account, sequence, message):
    with pytest.raises(ValueError, match=message):
        SANTANDER.codes(account, sequence, date(2026, 1, 1), Decimal("1.00"))


def test_an_agency_of_five_digits_is_refused():
    with pytest.raises(ValueError, match="agência"):
        SANTANDER.agency_account(replace(ACCOUNT, agency="12345"))


def test_the_pdf_reads_back(tmp_path):
    view = _view("25.00", 9000026, bank="033", account=ACCOUNT)
    found = _read_codes(render_boleto(view), tmp_path)
    assert found.get("I2/5") == {view.barcode}
    text = pypdf.PdfReader(tmp_path / "boleto.pdf").pages[0].extract_text()
    assert view.bank_name in text
    assert bank_code_with_dv("033") == "033-7"
    assert "033-7" in text
    assert "0059/1899775" in text
