"""Brazilian identifiers: normalisation, validation and formatting."""

import random
import string
import sys
import unicodedata

import pytest

from models.customers.identifiers import (
    DDDS,
    UFS,
    fold,
    format_cep,
    format_cnpj,
    format_cpf,
    format_phone,
    normalize_cep,
    normalize_cnpj,
    normalize_cpf,
    normalize_phone,
    normalize_separators,
    normalize_uf,
)

pytestmark = pytest.mark.one_backend  # no database in it: run on one backend (scripts/test)


def reference_cnpj_check_digits(base: str) -> str:
    """Receita Federal's rule, written out independently of the module under test."""
    values = [ord(ch) - 48 for ch in base]
    digits = ""
    for weights in ([5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2], [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]):
        remainder = sum(w * v for w, v in zip(weights, values, strict=True)) % 11
        digit = 0 if remainder < 2 else 11 - remainder
        values.append(digit)
        digits += str(digit)
    return digits


# --- CPF -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("529.982.247-25", "52998224725"),
        ("52998224725", "52998224725"),
        (" 529 982 247 25 ", "52998224725"),
        ("529.982.247/25", "52998224725"),
        ("111.444.777-35", "11144477735"),
        ("000.000.001-91", "00000000191"),
    ],
)
def test_cpf_valid_values_are_normalised(raw, expected):
    assert normalize_cpf(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "529.982.247-24",  # second check digit wrong
        "529.982.247-15",  # first check digit wrong
        "529.982.274-25",  # transposed digits
        "5299822472",  # 10 digits
        "529982247255",  # 12 digits
        "",
        "529.982.24a-25",
        "529_982_247_25",  # not a separator we accept
        "٥٢٩٩٨٢٢٤٧٢٥",  # Arabic-Indic digits are digits to str.isdigit(), not to us
    ],
)
def test_cpf_invalid_values_are_rejected(raw):
    with pytest.raises(ValueError, match="CPF"):
        normalize_cpf(raw)


@pytest.mark.parametrize("digit", string.digits)
def test_cpf_with_all_digits_equal_is_rejected(digit):
    with pytest.raises(ValueError, match="equal"):
        normalize_cpf(digit * 11)


@pytest.mark.parametrize("raw", [None, 52998224725])
def test_cpf_must_be_text(raw):
    with pytest.raises(ValueError, match="string"):
        normalize_cpf(raw)


def test_cpf_format_and_round_trip():
    assert format_cpf("52998224725") == "529.982.247-25"
    assert normalize_cpf(format_cpf("00000000191")) == "00000000191"


# --- CNPJ ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("11.222.333/0001-81", "11222333000181"),
        ("11222333000181", "11222333000181"),
        ("00.000.000/0001-91", "00000000000191"),  # Banco do Brasil
        ("33.000.167/0001-01", "33000167000101"),  # Petrobras
        ("12.ABC.345/01DE-35", "12ABC34501DE35"),  # Receita Federal's alphanumeric example
        ("12.abc.345/01de-35", "12ABC34501DE35"),
        (" 12ABC34501DE35 ", "12ABC34501DE35"),
    ],
)
def test_cnpj_valid_values_are_normalised(raw, expected):
    assert normalize_cnpj(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "11.222.333/0001-82",
        "11.222.333/0001-71",
        "12.ABC.345/01DE-36",
        "12.ABD.345/01DE-35",  # one letter changed
        "12ABC34501DE3A",  # check digits are always numeric
        "12ÀBC34501DE35",  # only ASCII A-Z
        "1122233300018",  # 13 characters
        "112223330001811",  # 15 characters
        "",
        "11.222.333|0001-81",
    ],
)
def test_cnpj_invalid_values_are_rejected(raw):
    with pytest.raises(ValueError, match="CNPJ"):
        normalize_cnpj(raw)


@pytest.mark.parametrize("digit", string.digits)
def test_cnpj_with_all_digits_equal_is_rejected(digit):
    with pytest.raises(ValueError, match="CNPJ"):
        normalize_cnpj(digit * 14)


def test_cnpj_all_zeros_fails_on_repetition_not_on_checksum():
    # 000000000000 + "00" has correct check digits, so only the repetition rule catches it.
    assert reference_cnpj_check_digits("0" * 12) == "00"
    with pytest.raises(ValueError, match="equal"):
        normalize_cnpj("0" * 14)


def test_cnpj_alphanumeric_agrees_with_reference_rule():
    rng = random.Random(7)
    alphabet = string.digits + string.ascii_uppercase
    for _ in range(500):
        base = "".join(rng.choice(alphabet) for _ in range(12))
        good = base + reference_cnpj_check_digits(base)
        assert normalize_cnpj(good.lower()) == good
        bad = good[:13] + str((int(good[13]) + 1) % 10)
        with pytest.raises(ValueError, match="check digits"):
            normalize_cnpj(bad)


def test_cnpj_format_and_round_trip():
    assert format_cnpj("11222333000181") == "11.222.333/0001-81"
    assert format_cnpj("12ABC34501DE35") == "12.ABC.345/01DE-35"
    for value in ("00000000000191", "12ABC34501DE35"):
        assert normalize_cnpj(format_cnpj(value)) == value


# --- CEP -------------------------------------------------------------------------------------
@pytest.mark.parametrize("raw", ["01310-100", "01310100", " 01310-100 ", "01.310-100"])
def test_cep_valid_values_are_normalised(raw):
    assert normalize_cep(raw) == "01310100"


@pytest.mark.parametrize(
    "raw", ["0131010", "013101000", "01310-10a", "00000-000", "", "01310_100", 1310100, None]
)
def test_cep_invalid_values_are_rejected(raw):
    with pytest.raises(ValueError, match="CEP"):
        normalize_cep(raw)


def test_cep_format_and_round_trip():
    assert format_cep("01310100") == "01310-100"
    assert normalize_cep(format_cep("90010000")) == "90010000"


# --- Phones ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("(11) 98765-4321", "11987654321"),
        ("11 3333-4444", "1133334444"),
        ("+55 11 98765-4321", "11987654321"),
        ("+55 (21) 2555-0000", "2125550000"),
        ("5511987654321", "11987654321"),
        ("551133334444", "1133334444"),
        ("(55) 3333-4444", "5533334444"),  # DDD 55 (RS) is not mistaken for the country code
        ("(55) 99876-5432", "55998765432"),
        ("+55 55 99876-5432", "55998765432"),
        ("61.3333.4444", "6133334444"),
    ],
)
def test_phone_valid_values_are_normalised(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "(10) 3333-4444",  # DDDs never contain a zero
        "(20) 3333-4444",
        "(01) 3333-4444",
        "(23) 3333-4444",  # no zero, but not an existing DDD
        "(11) 88765-4321",  # 11 digits must be a mobile: 9 after the DDD
        "(11) 8765-4321",  # old 8-digit mobile without its 9
        "(11) 1333-4444",  # landlines start with 2-5
        "3333-4444",  # no DDD
        "+1 212 555 0100",
        "5511 98765-43210",
        "(11) 3333-444x",
        "",
        11987654321,
    ],
)
def test_phone_invalid_values_are_rejected(raw):
    with pytest.raises(ValueError):
        normalize_phone(raw)


def test_ddd_list_is_the_real_one():
    assert len(DDDS) == 67
    assert all(len(ddd) == 2 and "0" not in ddd and 11 <= int(ddd) <= 99 for ddd in DDDS)
    assert {"11", "21", "31", "41", "51", "61", "71", "81", "91", "99"} <= DDDS
    assert not {"20", "23", "25", "26", "29", "36", "39", "52", "56", "57", "58", "59"} & DDDS


def test_phone_format_and_round_trip():
    assert format_phone("11987654321") == "(11) 98765-4321"
    assert format_phone("1133334444") == "(11) 3333-4444"
    for value in ("11987654321", "1133334444"):
        assert normalize_phone(format_phone(value)) == value


# --- UF and fold -----------------------------------------------------------------------------
def test_ufs_are_the_27_units():
    assert len(UFS) == 27
    assert {"SP", "RJ", "MG", "DF", "TO", "AC", "RR"} <= UFS


@pytest.mark.parametrize(("raw", "expected"), [("sp", "SP"), (" rj ", "RJ"), ("Df", "DF")])
def test_uf_is_uppercased(raw, expected):
    assert normalize_uf(raw) == expected


@pytest.mark.parametrize("raw", ["XX", "S", "", "São Paulo", "SPP", None])
def test_unknown_uf_is_rejected(raw):
    with pytest.raises(ValueError):
        normalize_uf(raw)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("João  da SILVA", "joao da silva"),
        ("  Conceição\tAraújo\n", "conceicao araujo"),
        ("ÂNGELA MÁRCIA GONÇALVES", "angela marcia goncalves"),
        ("Sebastião Luís Antônio Pão", "sebastiao luis antonio pao"),
        ("", ""),
    ],
)
def test_fold(text, expected):
    assert fold(text) == expected


def test_fold_is_idempotent():
    once = fold("Antônia  Conceição dos SANTOS")
    assert fold(once) == once


# --- Unicode dashes and spaces ---------------------------------------------------------------
EN_DASH, MINUS_SIGN, NBSP, NARROW_NBSP = "\u2013", "\u2212", "\u00a0", "\u202f"
DASHES = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Pd"]
SPACES = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Zs"]


def test_every_unicode_dash_and_space_becomes_ascii():
    assert len(DASHES) >= 20 and len(SPACES) >= 15  # the categories, not a hand-picked few
    assert normalize_separators("".join(DASHES) + MINUS_SIGN) == "-" * (len(DASHES) + 1)
    assert normalize_separators("".join(SPACES)) == " " * len(SPACES)
    assert normalize_separators("São Paulo, 12_A/B.") == "São Paulo, 12_A/B."
    assert normalize_separators("\u2010\u00ad\u2024") == "-\u00ad\u2024"  # only Pd and Zs


@pytest.mark.parametrize("dash", [*DASHES, MINUS_SIGN])
def test_cnpj_with_any_unicode_dash_is_normalised(dash):
    assert normalize_cnpj(f"12.ABC.345/01DE{dash}35") == "12ABC34501DE35"


@pytest.mark.parametrize(
    ("normalize", "raw", "expected"),
    [
        (normalize_cnpj, f"12.ABC.345/01DE{EN_DASH}35", "12ABC34501DE35"),
        (normalize_cnpj, f"11.222.333/0001{MINUS_SIGN}81", "11222333000181"),
        (normalize_cnpj, f"12{NBSP}ABC{NBSP}345{NARROW_NBSP}01DE{EN_DASH}35", "12ABC34501DE35"),
        (normalize_cpf, f"529.982.247{EN_DASH}25", "52998224725"),
        (normalize_cpf, f"{NBSP}529{NBSP}982{NBSP}247{MINUS_SIGN}25{NARROW_NBSP}", "52998224725"),
        (normalize_cep, f"01153{EN_DASH}001", "01153001"),
        (normalize_cep, f"01153{MINUS_SIGN}001{NBSP}", "01153001"),
        (normalize_cep, "01153\u2011001", "01153001"),  # non-breaking hyphen
        (normalize_phone, f"(11){NBSP}98765{EN_DASH}4321", "11987654321"),
        (normalize_phone, f"+55{NARROW_NBSP}11{NBSP}3333\u20124444", "1133334444"),
        (normalize_uf, f"{NBSP}sp{NBSP}", "SP"),
    ],
)
def test_identifiers_read_unicode_dashes_and_spaces_as_ascii(normalize, raw, expected):
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    ("normalize", "raw"),
    [
        (normalize_cpf, "529.982.247\u00b725"),  # a middle dot is not a dash (Po)
        (normalize_cep, "01153\u00ad001"),  # a soft hyphen is a format character (Cf)
        (normalize_phone, "(11) 98765_4321"),
    ],
)
def test_other_punctuation_is_still_refused(normalize, raw):
    with pytest.raises(ValueError):
        normalize(raw)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"Anne{EN_DASH}Marie{NBSP}D\u2019Ávila", "anne-marie d\u2019avila"),
        (f"Rua{NARROW_NBSP}Sete{NBSP}de\u3000Setembro", "rua sete de setembro"),
        ("Embu\u2011Guaçu", "embu-guacu"),  # NFKD makes U+2011 a U+2010 dash, still "-"
        (f"01153{MINUS_SIGN}001", "01153-001"),
    ],
)
def test_fold_reads_unicode_dashes_and_spaces_as_ascii(text, expected):
    assert fold(text) == expected
