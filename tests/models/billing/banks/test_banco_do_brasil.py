"""Banco do Brasil (001): convênios of 4, 6 and 7 digits, carteiras 11, 17 and 18.

Known answers from brcobranca (github.com/kivanio/brcobranca, commit 325e0ee),
spec/brcobranca/boleto/banco_brasil_spec.rb; each case names its example.
"""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pypdf
import pytest

from models.billing.banks.banco_do_brasil import bb_dv
from models.billing.boleto_banks import BankAccount, bank_for
from models.billing.boleto_codes import bank_code_with_dv
from models.billing.boleto_pdf import render_boleto
from tests.models.billing.test_boleto_pdf import _read_codes, _view

pytestmark = pytest.mark.one_backend  # no database in it: run on one backend (scripts/test)

BB = bank_for("001")
ACCOUNT = BankAccount("001", "4042", "61900", "1238798", "18")  # the spec's @valid_attributes


def _linha(formatted: str) -> str:
    return formatted.replace(" ", "").replace(".", "")


# (account, sequence, due, amount, free field, barcode, linha, example in banco_brasil_spec.rb)
SPEC_BOLETOS = [
    (
        ACCOUNT, 7777700168, date(2008, 2, 3), "135.00",
        "0000001238798777770016818",
        "00193377100000135000000001238798777770016818",
        "00190.00009 01238.798779 77700.168188 3 37710000013500",
    ),  # "convenio de 7 digitos e nosso numero de 10", first boleto
    (
        ACCOUNT, 7777700168, date(2008, 2, 3), "723.56",
        "0000001238798777770016818",
        "00195377100000723560000001238798777770016818",
        "00190.00009 01238.798779 77700.168188 5 37710000072356",
    ),  # same example, second boleto
    (
        ACCOUNT, 7777700168, date(2008, 2, 1), "723.56",
        "0000001238798777770016818",
        "00194376900000723560000001238798777770016818",
        "00190.00009 01238.798779 77700.168188 4 37690000072356",
    ),  # same example, third boleto
    (
        BankAccount("001", "3174", "00011672", "1474166", "17"), 328, date(2016, 7, 5), "2246.74",
        "0000001474166000000032817",
        "00191684600002246740000001474166000000032817",
        "00190.00009 01474.166004 00000.328179 1 68460000224674",
    ),  # "convenio de 7 digitos e nosso número de 10 e carteira 17"
    (
        replace(ACCOUNT, agreement="123879"), 1234, date(2008, 2, 1), "135.00",
        "1238790123440420006190018",
        "00192376900000135001238790123440420006190018",
        "00191.23876 90123.440423 00061.900189 2 37690000013500",
    ),  # "convenio de 6 digitos e nosso numero de 5"
    (
        replace(ACCOUNT, agreement="1238"), 123456, date(2008, 2, 1), "135.00",
        "1238012345640420006190018",
        "00191376900000135001238012345640420006190018",
        "00191.23801 12345.640424 00061.900189 1 37690000013500",
    ),  # "convenio de 4 digitos e nosso numero de 7"
]  # fmt: skip


@pytest.mark.parametrize(
    ("account", "sequence", "due", "amount", "free", "code", "linha"), SPEC_BOLETOS
)
def test_the_spec_boletos(account, sequence, due, amount, free, code, linha):
    number = BB.nosso_numero(sequence, account)
    assert BB.free_field(number, account) == free
    codes = BB.codes(account, sequence, due, Decimal(amount))
    assert codes.barcode == code
    assert codes.linha_formatted == linha
    assert codes.linha_digitavel == _linha(linha)


@pytest.mark.parametrize(
    ("agreement", "sequence", "number"),
    [
        ("1238798", 7777700168, "12387987777700168"),  # convênio 7: 7 + 10 digits
        ("123879", 1234, "12387901234"),  # convênio 6: 6 + 5
        ("1238", 123456, "12380123456"),  # convênio 4: 4 + 7
    ],
)
def test_the_nosso_numero_is_the_convenio_and_the_sequence(agreement, sequence, number):
    assert BB.nosso_numero(sequence, replace(ACCOUNT, agreement=agreement)) == number


def test_convenio_7_prints_the_nosso_numero_without_check_digit():
    # banco_brasil_spec.rb "convenio de 7 digitos": 17 digits, no DV
    assert BB.codes(
        ACCOUNT, 7777700168, date(2008, 2, 3), Decimal("135.00")
    ).nosso_numero_printed == ("12387987777700168")


@pytest.mark.parametrize(
    ("agreement", "sequence", "printed"),
    [
        ("123879", 1234, "12387901234-5"),
        ("123879", 99999, "12387999999-9"),
        ("1238", 123456, "12380123456-0"),
        ("1238", 1, "12380000001-9"),
    ],
)
def test_convenios_4_and_6_print_the_nosso_numero_with_its_check_digit(
    agreement, sequence, printed
):
    # The DV is brcobranca's nosso_numero_dv (modulo 11 of convênio + nosso número, 10 is X),
    # whose examples are test_check_digits below; the spec prints no 11-digit nosso número.
    account = replace(ACCOUNT, agreement=agreement)
    codes = BB.codes(account, sequence, date(2026, 1, 1), Decimal("1.00"))
    assert codes.nosso_numero_printed == printed
    assert printed[-1] == bb_dv(printed[:-2])


@pytest.mark.parametrize(
    ("digits", "dv"),
    [
        ("12387989000004042", "4"),  # "Montar nosso_numero_boleto" (nosso_numero_dv)
        ("12387989000061900", "7"),
        ("12387989000000719", "2"),
        ("14741660000000328", "4"),  # "convenio de 7 digitos ... carteira 17"
        ("00011672", "6"),  # same example, conta_corrente_dv
        ("85068014982", "9"),  # "Calcular agencia_dv"
        ("05009401448", "1"),
        ("12387987777700168", "2"),
        ("4042", "8"),
        ("61900", "0"),
        ("0719", "6"),
    ],
)
def test_check_digits(digits, dv):
    assert bb_dv(digits) == dv


@pytest.mark.parametrize(
    ("agency", "account", "printed"),
    [
        ("4042", "61900", "4042-8 / 00061900-0"),
        ("0719", "61900", "0719-6 / 00061900-0"),
        ("0548", "1448", "0548-7 / 00001448-6"),
    ],
)  # banco_brasil_spec.rb "Montar agencia_conta_boleto"
def test_the_agency_box(agency, account, printed):
    assert BB.agency_account(replace(ACCOUNT, agency=agency, account=account)) == printed


@pytest.mark.parametrize("agreement", ["1238798", "123879", "1238"])
@pytest.mark.parametrize("wallet", ["11", "17", "18"])
def test_every_carteira_with_every_convenio(agreement, wallet):
    account = replace(ACCOUNT, agreement=agreement, wallet=wallet)
    free = BB.codes(account, 1, date(2026, 1, 1), Decimal("1.00")).barcode[19:]
    if len(agreement) == 7:
        assert free == "000000" + agreement + "0000000001" + wallet
    else:
        sequence = "1".zfill(11 - len(agreement))
        assert free == agreement + sequence + "4042" + "00061900" + wallet


@pytest.mark.parametrize(
    ("account", "sequence", "message"),
    [
        (replace(ACCOUNT, agreement="12387"), 1, "4, 6 or 7 digits"),
        (replace(ACCOUNT, agreement="12387989"), 1, "4, 6 or 7 digits"),  # brcobranca's 8: not here
        (replace(ACCOUNT, agreement=""), 1, "4, 6 or 7 digits"),
        (replace(ACCOUNT, agreement="12a879"), 1, "4, 6 or 7 digits"),
        (replace(ACCOUNT, wallet="16"), 1, "carteira 16 unknown"),
        (replace(ACCOUNT, wallet="12"), 1, "carteira 12 unknown"),
        (replace(ACCOUNT, wallet="180"), 1, "carteira"),
        (replace(ACCOUNT, agreement="123879"), 100000, "outside 1..99999"),
        (replace(ACCOUNT, agreement="1238"), 10**7, "outside 1..9999999"),
        (ACCOUNT, 10**10, "outside"),
        (ACCOUNT, 0, "outside"),
        (replace(ACCOUNT, agreement="123879", account="123456789"), 1, "conta"),
        (replace(ACCOUNT, agreement="1238", agency="12345"), 1, "agência"),
    ],
)
def test_what_the_layout_cannot_hold_is_refused(account, sequence, message):
    with pytest.raises(ValueError, match=message):
        BB.codes(account, sequence, date(2026, 1, 1), Decimal("1.00"))


def test_the_pdf_reads_back(tmp_path):
    account = replace(ACCOUNT, agreement="123879")
    view = _view("59.90", 1234, bank="001", account=account)
    found = _read_codes(render_boleto(view), tmp_path)
    assert found.get("I2/5") == {view.barcode}
    text = pypdf.PdfReader(tmp_path / "boleto.pdf").pages[0].extract_text()
    assert view.bank_name in text
    assert bank_code_with_dv("001") == "001-9"
    assert "001-9" in text
    assert "12387901234-5" in text
