"""Sicredi (748): vectors from brcobranca spec/brcobranca/boleto/sicredi_spec.rb."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pypdf
import pytest

from models.billing.banks.sicredi import sicredi_dv
from models.billing.boleto_banks import BankAccount, bank_for
from models.billing.boleto_codes import bank_code_with_dv, barcode_from_linha, format_linha
from models.billing.boleto_pdf import render_boleto
from tests.models.billing.test_boleto_pdf import _read_codes, _view

pytestmark = pytest.mark.one_backend  # no database in it

# sicredi_spec.rb valid_attributes: agencia 0710, posto 65, convenio 129, byte_idt 2,
# carteira 1, data_processamento 2016-08-22 (the nosso número's year).
ACCOUNT = BankAccount(
    bank="748", agency="0710", account="61900", agreement="129", wallet="1", station="65", byte="2"
)
ISSUED = date(2016, 8, 22)
SICREDI = bank_for("748")


def test_the_nosso_numero_prints_year_byte_sequence_and_check_digit():
    # sicredi_spec.rb "Montar nosso_numero_boleto": 16/208879-3, then 07/200003-1 for agência
    # 0165, posto 02, convênio 00623 processed on 2007-08-26.
    codes = SICREDI.codes(ACCOUNT, 8879, date(2016, 8, 22), Decimal("195.57"), issued=ISSUED)
    assert codes.nosso_numero == "16208879"
    assert codes.nosso_numero_printed == "16/208879-3"
    other = replace(ACCOUNT, agency="0165", station="02", agreement="00623")
    codes = SICREDI.codes(other, 3, date(2007, 8, 26), Decimal("195.57"), issued=date(2007, 8, 26))
    assert codes.nosso_numero_printed == "07/200003-1"


def test_the_year_is_the_issue_dates_not_the_due_dates():
    # sicredi_spec.rb case 2: due 2016-07-25 but processed 2016-08-22, nosso número 16/2...
    codes = SICREDI.codes(ACCOUNT, 8902, date(2017, 1, 5), Decimal("1.00"), issued=ISSUED)
    assert codes.nosso_numero.startswith("16")


def test_the_year_defaults_to_today_where_the_isp_is(monkeypatch):
    monkeypatch.setattr("models.billing.banks.sicredi.local_today", lambda: date(2031, 1, 1))
    codes = SICREDI.codes(ACCOUNT, 1, date(2031, 2, 1), Decimal("1.00"))
    assert codes.nosso_numero == "31200001"


# (carteira, nosso_numero, due, amount, free field, linha digitável): sicredi_spec.rb
# "Montar código de barras para carteira número 3" and "carteira número 1" cases 1 to 6.
SPEC_BOLETOS = [
    ("3", 8879, date(2016, 8, 22), "195.57", "3116208879307106500129105",
     "74893.11626 08879.307109 65001.291056 1 68940000019557"),
    ("1", 8879, date(2016, 8, 22), "195.57", "1116208879307106500129101",
     "74891.11620 08879.307109 65001.291015 1 68940000019557"),
    ("1", 8902, date(2016, 7, 25), "700.00", "1116208902107106500129100",
     "74891.11620 08902.107104 65001.291007 3 68660000070000"),
    ("1", 8896, date(2016, 7, 25), "700.00", "1116208896307106500129107",
     "74891.11620 08896.307108 65001.291072 1 68660000070000"),
    ("1", 8899, date(2016, 7, 25), "700.00", "1116208899807106500129103",
     "74891.11620 08899.807104 65001.291031 6 68660000070000"),
    ("1", 8878, date(2016, 7, 25), "195.58", "1116208878507106500129106",
     "74891.11620 08878.507105 65001.291064 1 68660000019558"),
    ("1", 9048, date(2016, 8, 26), "222.00", "1116209048807106500129103",
     "74891.11620 09048.807102 65001.291031 8 68980000022200"),
]  # fmt: skip


@pytest.mark.parametrize(("wallet", "sequence", "due", "amount", "free", "linha"), SPEC_BOLETOS)
def test_spec_boletos(wallet, sequence, due, amount, free, linha):
    account = replace(ACCOUNT, wallet=wallet)
    codes = SICREDI.codes(account, sequence, due, Decimal(amount), issued=ISSUED)
    assert codes.barcode[19:] == free
    assert SICREDI.free_field(codes.nosso_numero, account) == free
    assert codes.linha_formatted == linha
    assert format_linha(codes.linha_digitavel) == linha
    assert len(codes.barcode) == 44
    assert codes.barcode == barcode_from_linha(linha)


def test_a_boleto_without_value_says_so_in_the_free_field():
    codes = SICREDI.codes(ACCOUNT, 8879, date(2016, 8, 22), Decimal("0"), issued=ISSUED)
    field = codes.barcode[19:]
    assert field[:22] == "1116208879307106500129"
    assert field[22:24] == "00"
    assert field[24] == sicredi_dv(field[:24])


def test_the_agency_box_is_agency_station_and_beneficiary():
    # sicredi_spec.rb "Montar agencia_conta_boleto"
    assert SICREDI.agency_account(ACCOUNT) == "0710.65.00129"


def test_the_bank_code_prints_with_x():
    # sicredi.rb banco_dv 'X'
    assert bank_code_with_dv("748") == "748-X"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"station": ""}, "posto"),
        ({"station": "123"}, "posto"),
        ({"byte": ""}, "byte"),
        ({"byte": "1"}, "byte"),
        ({"byte": "22"}, "byte"),
        ({"agreement": "123456"}, "beneficiário"),
        ({"agreement": ""}, "beneficiário"),
        ({"agency": "12345"}, "agência"),
        ({"wallet": "2"}, "carteira"),
        ({"wallet": "A"}, "carteira"),
        ({"wallet": ""}, "carteira"),
    ],
)
def test_a_bad_account_is_refused(change, message):
    account = replace(ACCOUNT, **change)
    with pytest.raises(ValueError, match=message):
        SICREDI.agency_account(account)
        SICREDI.codes(account, 1, date(2030, 1, 2), Decimal("1.00"))


def test_a_sequence_beyond_five_digits_is_refused():
    with pytest.raises(ValueError, match="sequence"):
        SICREDI.codes(ACCOUNT, 100000, date(2030, 1, 2), Decimal("1.00"))


def test_the_pdf_reads_back(tmp_path):
    view = _view("195.57", 8879, bank="748", account=ACCOUNT)
    found = _read_codes(render_boleto(view), tmp_path)
    assert found.get("I2/5") == {view.barcode}
    text = pypdf.PdfReader(tmp_path / "boleto.pdf").pages[0].extract_text()
    assert SICREDI.name in text
    assert "748-X" in text
