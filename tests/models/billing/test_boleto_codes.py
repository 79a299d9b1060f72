"""FEBRABAN boleto codes and the banks' layouts, against published examples.

Sources of the known answers (each case names its own):
- brcobranca (github.com/kivanio/brcobranca), spec/brcobranca/boleto/banco_brasil_spec.rb and
  bradesco_spec.rb: barcodes and linhas of Banco do Brasil (convênio 7 digits) and Bradesco.
- pyboleto (github.com/eduardocereto/pyboleto), tests/test_banco_do_brasil.py.
"""

from datetime import date
from decimal import Decimal

import pytest

from models.billing.banks.banco_do_brasil import bb_dv
from models.billing.banks.bradesco import bradesco_dv
from models.billing.boleto_banks import BankAccount, UnknownBank, bank_for
from models.billing.boleto_codes import (
    bank_code_with_dv,
    barcode,
    barcode_from_linha,
    due_date_factor,
    format_linha,
    linha_digitavel,
    modulo10,
)

pytestmark = pytest.mark.one_backend  # no database in it: run on one backend (scripts/test)


@pytest.mark.parametrize(
    ("due", "factor"),
    [
        (date(2000, 7, 3), 1000),  # the first factor: base + 1000 days
        (date(2008, 2, 1), 3769),  # brcobranca BB spec
        (date(2008, 2, 3), 3771),  # brcobranca BB spec
        (date(2009, 4, 30), 4223),  # brcobranca Bradesco spec
        (date(2011, 3, 8), 4900),  # pyboleto BB test
        (date(2025, 2, 20), 9998),
        (date(2025, 2, 21), 9999),  # the last day of the first cycle
        (date(2025, 2, 22), 1000),  # FEBRABAN's restart
        (date(2025, 2, 23), 1001),
        (date(2026, 1, 1), 1313),
        (date(2049, 10, 13), 9999),  # the second cycle ends 9000 days after the restart
        (date(2049, 10, 14), 1000),
    ],
)
def test_the_due_date_factor_counts_days_and_restarts_at_1000(due, factor):
    assert due_date_factor(due) == factor


def test_a_due_date_before_the_first_factor_is_refused():
    with pytest.raises(ValueError, match="before the first date"):
        due_date_factor(date(2000, 7, 2))


# (bank, due, amount, free field, barcode, formatted linha, source)
PUBLISHED = [
    (
        "001", date(2008, 2, 3), "135.00", "0000001238798777770016818",
        "00193377100000135000000001238798777770016818",
        "00190.00009 01238.798779 77700.168188 3 37710000013500",
    ),  # brcobranca banco_brasil_spec.rb, convênio 7 digits
    (
        "001", date(2008, 2, 3), "723.56", "0000001238798777770016818",
        "00195377100000723560000001238798777770016818",
        "00190.00009 01238.798779 77700.168188 5 37710000072356",
    ),  # brcobranca banco_brasil_spec.rb
    (
        "001", date(2008, 2, 1), "723.56", "0000001238798777770016818",
        "00194376900000723560000001238798777770016818",
        "00190.00009 01238.798779 77700.168188 4 37690000072356",
    ),  # brcobranca banco_brasil_spec.rb
    (
        "001", date(2011, 3, 8), "2952.95", "0000007777777000008765418",
        "00196490000002952950000007777777000008765418",
        "00190.00009 07777.777009 00087.654182 6 49000000295295",
    ),  # pyboleto tests/test_banco_do_brasil.py
    (
        "237", date(2009, 4, 30), "2952.95", "1172060007589645204030050",
        "23795422300002952951172060007589645204030050",
        "23791.17209 60007.589645 52040.300502 5 42230000295295",
    ),  # brcobranca bradesco_spec.rb, carteira 06
    (
        "237", date(2008, 2, 2), "135.00", "4042030077770016800619000",
        "23791377000000135004042030077770016800619000",
        "23794.04201 30077.770011 68006.190000 1 37700000013500",
    ),  # brcobranca bradesco_spec.rb, carteira 03
]  # fmt: skip


@pytest.mark.parametrize(("bank", "due", "amount", "free", "code", "linha"), PUBLISHED)
def test_barcode_and_linha_match_published_boletos(bank, due, amount, free, code, linha):
    assert barcode(bank, due, Decimal(amount), free) == code
    assert format_linha(linha_digitavel(code)) == linha
    assert barcode_from_linha(linha) == code
    assert barcode_from_linha(linha.replace(" ", "").replace(".", "")) == code


def test_a_general_check_digit_of_0_10_or_11_is_printed_as_1():
    hits = 0
    for cents in range(100, 160):
        code = barcode("001", date(2026, 1, 1), Decimal(cents) / 100, "0" * 25)
        body = code[:4] + code[5:]
        weighted = sum(int(c) * (2 + i % 8) for i, c in enumerate(reversed(body)))
        if 11 - weighted % 11 in (0, 10, 11):
            hits += 1
            assert code[4] == "1"
        else:
            assert code[4] == str(11 - weighted % 11)
    assert hits > 0  # the range does contain the special case


@pytest.mark.parametrize(
    ("digits", "dv"),
    [("001900000", 9), ("0123879877", 9), ("7770016818", 8), ("0000000000", 0)],
)
def test_modulo10(digits, dv):
    assert modulo10(digits) == dv


@pytest.mark.parametrize(
    ("linha", "message"),
    [
        ("00190.00009 01238.798779 77700.16818", "47 digits"),
        ("00191.00009 01238.798779 77700.168188 3 37710000013500", "field 1"),
        ("00190.00009 01238.798770 77700.168188 3 37710000013500", "field 2"),
        ("00190.00009 01238.798779 77700.168180 3 37710000013500", "field 3"),
        ("00190.00009 01238.798779 77700.168188 4 37710000013500", "general check digit"),
        ("00190.00009 01238.798779 77700.168188 3 37710000013501", "general check digit"),
    ],
)
def test_a_mistyped_linha_is_refused(linha, message):
    with pytest.raises(ValueError, match=message):
        barcode_from_linha(linha)


@pytest.mark.parametrize("amount", ["-1.00", "100000000.00", "1.005"])
def test_amounts_a_boleto_cannot_carry_are_refused(amount):
    with pytest.raises(ValueError, match="amount"):
        barcode("001", date(2026, 1, 1), Decimal(amount), "0" * 25)


@pytest.mark.parametrize(
    ("bank", "printed"), [("001", "001-9"), ("237", "237-2"), ("341", "341-7"), ("104", "104-0")]
)
def test_bank_codes_print_with_their_check_digit(bank, printed):
    assert bank_code_with_dv(bank) == printed


BB = BankAccount(bank="001", agency="4042", account="61900", agreement="1238798", wallet="18")


def test_banco_do_brasil_convenio_7_builds_the_published_boleto():
    # brcobranca banco_brasil_spec.rb: convênio 1238798, nosso número 7777700168, carteira 18
    codes = bank_for("001").codes(BB, 7777700168, date(2008, 2, 3), Decimal("135.00"))
    assert codes.nosso_numero == "12387987777700168"
    assert codes.nosso_numero_printed == "12387987777700168"  # convênio 7: no check digit
    assert codes.barcode == "00193377100000135000000001238798777770016818"
    assert codes.linha_formatted == "00190.00009 01238.798779 77700.168188 3 37710000013500"
    assert codes.linha_digitavel == codes.linha_formatted.replace(" ", "").replace(".", "")


def test_banco_do_brasil_pyboleto_example():
    account = BankAccount("001", "9999", "99999", "7777777", "18")
    codes = bank_for("001").codes(account, 87654, date(2011, 3, 8), Decimal("2952.95"))
    assert codes.barcode == "00196490000002952950000007777777000008765418"


@pytest.mark.parametrize(
    ("digits", "dv"),
    [("4042", "8"), ("0719", "6"), ("0548", "7"), ("1448", "6"), ("61900", "0")],
)  # brcobranca banco_brasil_spec.rb (agência and conta check digits)
def test_banco_do_brasil_check_digits(digits, dv):
    assert bb_dv(digits) == dv


def test_banco_do_brasil_check_digit_10_is_x_and_11_is_0():
    assert bb_dv("0006") == "X"  # 6 x 2 = 12, 12 mod 11 = 1, 11 - 1 = 10
    assert bb_dv("0000") == "0"  # 11 - 0 = 11


def test_banco_do_brasil_prints_agency_and_account_with_check_digits():
    # brcobranca banco_brasil_spec.rb: "4042-8 / 00061900-0"
    assert bank_for("001").agency_account(BB) == "4042-8 / 00061900-0"


@pytest.mark.parametrize(
    ("wallet", "number", "printed"),
    [
        ("06", "00000000525", "06/00000000525-P"),
        ("09", "00000000001", "09/00000000001-1"),
        ("19", "00000000002", "19/00000000002-8"),
        ("19", "00000000006", "19/00000000006-0"),
        ("19", "00000000001", "19/00000000001-P"),
    ],
)  # brcobranca bradesco_spec.rb, "Montar nosso_numero_boleto"
def test_bradesco_nosso_numero_check_digit(wallet, number, printed):
    account = BankAccount("237", "4042", "61900", "", wallet)
    assert bank_for("237").nosso_numero_with_dv(number, account) == printed


@pytest.mark.parametrize(
    ("digits", "dv"),
    [
        ("0255", "0"), ("0943", "1"), ("1467", "2"), ("0794", "3"), ("0155", "4"),
        ("0650", "5"), ("0199", "6"), ("1425", "7"), ("2839", "8"), ("2332", "9"),
        ("0121", "P"),
        ("0325620", "0"), ("0284025", "1"), ("0238069", "2"), ("0135323", "3"),
        ("0010667", "4"), ("0420571", "5"), ("0510701", "6"), ("0420536", "7"),
        ("0012500", "8"), ("0010673", "9"), ("0019669", "P"), ("0301357", "P"),
    ],
)  # fmt: skip  # brcobranca bradesco_spec.rb, "#agencia_dv" and "#conta_corrente_dv"
def test_bradesco_agency_and_account_check_digits(digits, dv):
    assert bradesco_dv(digits) == dv


@pytest.mark.parametrize(
    ("agency", "account", "printed"),
    [
        ("4042", "61900", "4042-8 / 0061900-0"),
        ("0719", "0061900", "0719-6 / 0061900-0"),
        ("548", "1448", "0548-7 / 0001448-6"),
    ],
)  # brcobranca bradesco_spec.rb, "Montar agencia_conta_boleto": 4 + 7 digits, each with its DV
def test_bradesco_prints_agency_and_account_padded_with_check_digits(agency, account, printed):
    assert bank_for("237").agency_account(BankAccount("237", agency, account, "", "09")) == printed


def test_bradesco_builds_the_published_boleto():
    account = BankAccount("237", "1172", "0403005", "", "06")  # brcobranca bradesco_spec.rb
    codes = bank_for("237").codes(account, 75896452, date(2009, 4, 30), Decimal("2952.95"))
    assert codes.barcode == "23795422300002952951172060007589645204030050"


def test_an_unknown_bank_is_a_clear_error():
    known = r"\(known: 001, 033, 104, 237, 341, 748, 756\)"
    with pytest.raises(UnknownBank, match=r"no boleto layout for bank .999. " + known):
        bank_for("999")


@pytest.mark.parametrize(
    ("account", "sequence", "message"),
    [
        (BankAccount("001", "4042", "61900", "12387", "18"), 1, "4, 6 or 7 digits"),
        (BB, 0, "outside"),
        (BB, 10**10, "outside"),
        (BankAccount("001", "4042", "61900", "1238798", "180"), 1, "carteira"),
    ],
)
def test_banco_do_brasil_refuses_what_its_layout_cannot_hold(account, sequence, message):
    with pytest.raises(ValueError, match=message):
        bank_for("001").codes(account, sequence, date(2026, 1, 1), Decimal("1.00"))


def test_bank_account_reads_the_billing_settings():
    billing = {
        "boleto_bank": "001",
        "boleto_agency": "1234",
        "boleto_account": "123456",
        "boleto_agreement": "1234567",
        "boleto_wallet": "17",
    }
    expected = BankAccount("001", "1234", "123456", "1234567", "17")
    assert BankAccount.from_billing(billing) == expected
