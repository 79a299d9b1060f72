"""CNAB 400 retornos read from brcobranca's published files (fixtures/README.md), the expected
values from its specs (commit 325e0ee): spec/brcobranca/retorno/retorno_cbr643_spec.rb
(CBR64310.RET), retorno_cnab400_spec.rb (CNAB400.RET) and cnab400/{bradesco,itau,santander}_spec.rb.

brcobranca counts the trailer as a detail (its sizes 7, 53, 54 are ours + 1, and Santander's
also counts its PIX record of type 2); we count the details only.
"""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from models.billing.cnab.returns import CONFIRMED, SETTLED, WRITTEN_OFF, BadReturnFile, parse

pytestmark = pytest.mark.one_backend  # no database in it: run on one backend (scripts/test)

FIXTURES = Path(__file__).parent / "fixtures"


def _lines(name: str) -> list[str]:
    return (FIXTURES / name).read_bytes().decode().splitlines()


def _data(lines: list[str]) -> bytes:
    return "\r\n".join(lines).encode() + b"\r\n"


def test_banco_do_brasil_cbr643():
    """retorno_cbr643_spec.rb, 'excluindo a primeira linha': the first detail."""
    retorno = parse((FIXTURES / "CBR64310.RET").read_bytes())
    assert (retorno.bank, retorno.layout, retorno.agreement) == ("001", 400, "1622420")
    assert len(retorno.occurrences) == 26
    first = retorno.occurrences[0]
    assert first.nosso_numero == "16224200000000003"  # convênio 1622420 + sequence 3
    assert first.occurred_on == date(2009, 1, 20)  # data_liquidacao '200109'
    assert first.credit_date == date(2009, 1, 22)  # data_credito '220109'
    assert first.credited == Decimal("90.64")  # valor_recebido '0000000009064'
    assert first.code == "06" and first.kind == SETTLED


@pytest.mark.parametrize("name", ["CNAB400ITAU.RET", "CNAB400.RET"])
def test_itau(name):
    """CNAB400.RET (retorno_cnab400_spec.rb) is the same Itaú file as CNAB400ITAU.RET."""
    retorno = parse((FIXTURES / name).read_bytes())
    assert (retorno.bank, retorno.agency, retorno.account) == ("341", "730", "3511")
    assert len(retorno.occurrences) == 52
    first = retorno.occurrences[0]
    assert first.nosso_numero == "00000011"
    assert first.amount == Decimal("40.00")  # valor_titulo
    assert first.fee == Decimal("2.10")  # valor_tarifa
    assert first.credited == Decimal("37.90")  # valor_recebido
    assert first.occurred_on == date(2013, 5, 20)  # data_ocorrencia
    assert first.credit_date == date(2013, 5, 21)  # data_credito
    assert first.code == "06" and first.kind == SETTLED and first.reasons == ()


def test_bradesco():
    retorno = parse((FIXTURES / "CNAB400BRADESCO.RET").read_bytes())
    assert (retorno.bank, len(retorno.occurrences)) == ("237", 6)
    first = retorno.occurrences[0]
    assert first.nosso_numero == "00000000030"  # '000000000303' without its check digit
    assert retorno.occurrences[1].nosso_numero == "51350000004"  # '51350000004P'
    assert first.amount == first.paid == Decimal("1450.00")
    assert first.fee == Decimal("1.60")
    assert first.occurred_on == first.credit_date == date(2015, 5, 15)
    assert first.code == "02" and first.kind == CONFIRMED and first.reasons == ()
    assert retorno.occurrences[-1].kind == WRITTEN_OFF  # code 10


def test_santander():
    """CNAB400SANTANDER.RET is brcobranca's Itaú file with 033 in its header (its trailer still
    says 341): the details read by Santander's positions, the PIX record skipped."""
    retorno = parse((FIXTURES / "CNAB400SANTANDER.RET").read_bytes())
    assert (retorno.bank, len(retorno.occurrences)) == ("033", 52)
    first = retorno.occurrences[0]
    assert first.nosso_numero == "000000000001"  # '00000011': 7 digits + check digit
    assert first.amount == Decimal("40.00") and first.fee == Decimal("2.10")
    assert first.credited == Decimal("37.90")
    assert first.credit_date == date(2013, 5, 21)


def test_truncated_file_is_refused():
    with pytest.raises(BadReturnFile, match="without its trailer"):
        parse(_data(_lines("CNAB400ITAU.RET")[:-1]))


def test_line_numbering_is_checked():
    lines = _lines("CBR64310.RET")
    del lines[5]
    with pytest.raises(BadReturnFile) as refused:
        parse(_data(lines))
    assert refused.value.line == 6


def test_line_length_is_refused():
    lines = _lines("CNAB400BRADESCO.RET")
    lines[2] = lines[2][:-1]
    with pytest.raises(BadReturnFile) as refused:
        parse(_data(lines))
    assert refused.value.line == 3


def test_trailer_totals_are_checked():
    lines = _lines("CNAB400ITAU.RET")
    lines[-1] = lines[-1][:220] + "00000000268897" + lines[-1][234:]
    with pytest.raises(BadReturnFile, match=r"2688\.97"):
        parse(_data(lines))
    lines = _lines("CNAB400BRADESCO.RET")
    lines[-1] = lines[-1][:57] + "00004" + lines[-1][62:]
    with pytest.raises(BadReturnFile, match="counts 4 entradas"):
        parse(_data(lines))


def test_unknown_bank_is_refused():
    lines = _lines("CNAB400ITAU.RET")
    lines[0] = lines[0][:76] + "999" + lines[0][79:]
    with pytest.raises(BadReturnFile, match="no CNAB 400 retorno reader for bank '999'"):
        parse(_data(lines))
