"""The NFCom's access key against published keys.

Sources of the known answers (each case names its own):
- nfelib 3.2.0's sample NFCom (nfelib/nfcom/samples/v1_0/NFCom-nfcom.xml): Id and cDV.
- MOC NFCom 1.00a, Visão Geral 7.3: the worked example of the check digit (sum 644, DV 5).
- sped-nfcom (github.com/nfephp-org/sped-nfcom), examples/Exemplo XML NFCom.xml, after NS
  Tecnologia's documentation: Id and cDV.
"""

from pathlib import Path

import nfelib
import pytest
from nfelib.nfcom.bindings.v1_0.nfcom_v1_00 import Nfcom
from xsdata.formats.dataclass.parsers import XmlParser

from models.fiscal.access_keys import (
    AccessKey,
    InvalidAccessKey,
    check_digit,
    numeric_code,
    parse,
)
from models.fiscal.nfcom_documents import qr_code_url

pytestmark = pytest.mark.one_backend  # no database in it: run on one backend (scripts/test)

NFELIB_SAMPLE = Path(nfelib.__file__).parent / "nfcom" / "samples" / "v1_0" / "NFCom-nfcom.xml"


@pytest.mark.parametrize(
    ("body", "digit"),
    [
        ("4125030611747300015062001000000123101234567", 5),  # nfelib's sample
        ("5206043300991100250655012000000780026730161", 5),  # MOC 7.3 (sum 644, rest 6)
        ("4324010736461700013562000000000001100000001", 6),  # sped-nfcom's example
    ],
)
def test_the_check_digit_is_the_published_one(body, digit):
    assert check_digit(body) == digit


@pytest.mark.parametrize(
    ("body", "digit"),
    [
        ("0" * 43, 0),  # sum 0: remainder 0
        ("0" * 41 + "40", 0),  # 4 x 3 = 12: remainder 1
        ("0" * 42 + "1", 9),  # 1 x 2 = 2: 11 - 2
    ],
)
def test_a_remainder_of_0_or_1_gives_the_digit_0(body, digit):
    assert check_digit(body) == digit


def test_a_key_is_parsed_into_its_fields():
    key = parse("41250306117473000150620010000001231012345675")

    assert key == AccessKey(
        uf_code="41",
        year_month="2503",
        cnpj="06117473000150",
        series=1,
        number=123,
        emission_type=1,
        site=0,
        code="1234567",
    )
    assert str(key) == "41250306117473000150620010000001231012345675"


def test_nfelibs_sample_parses_and_agrees_with_its_key_and_its_qr_code():
    sample = XmlParser().from_path(NFELIB_SAMPLE, Nfcom)
    key = sample.infNFCom.Id.removeprefix("NFCom")
    ide = sample.infNFCom.ide
    fields = parse(key)  # its check digit holds

    assert ide.cDV == key[-1]
    assert ide.cNF == fields.code
    assert int(ide.nNF) == fields.number
    assert int(ide.serie) == fields.series
    assert fields.cnpj == sample.infNFCom.emit.CNPJ
    assert sample.infNFComSupl.qrCodNFCom == qr_code_url(key, environment=2)


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("41250306117473000150620010000001231012345676", "dígito verificador"),
        ("4125030611747300015062001000000123101234567", "44 caracteres"),
        ("41250306117473000150550010000001231012345675", "modelo 62"),
        ("4125030611747300015062001000000123101234567X", "44 caracteres"),
    ],
)
def test_a_wrong_key_is_refused_with_the_reason(key, reason):
    with pytest.raises(InvalidAccessKey, match=reason):
        parse(key)


def test_an_alphanumeric_cnpj_makes_a_key_that_parses_back():
    # The Receita's example of the alphanumeric CNPJ (12.ABC.345/01DE-35); letters count as
    # their ASCII code minus 48 in the check digit.
    key = AccessKey("43", "2612", "12ABC34501DE35", 1, 42, 1, 0, "7654321")

    assert parse(str(key)) == key


def test_the_numeric_code_is_the_same_for_the_same_invoice_and_differs_otherwise():
    code = numeric_code(b"secret", "11222333000181", 1, 42)

    assert len(code) == 7 and code.isdigit()
    assert numeric_code(b"secret", "11222333000181", 1, 42) == code  # a retry: the same key
    others = {
        numeric_code(b"secret", "11222333000181", 1, 43),
        numeric_code(b"secret", "11222333000181", 2, 42),
        numeric_code(b"another secret", "11222333000181", 1, 42),
    }
    assert code not in others
