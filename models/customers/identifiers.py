"""Brazilian identifiers (CPF, CNPJ, CEP, phone, UF): normalise, validate and format.

Normalisers return the canonical stored form (digits only; CNPJ uppercase) and raise
``ValueError`` with a short English message on bad input. Formatters expect that
canonical form.
"""

import re
import unicodedata

# python-stdnum >= 2.2 computes the check digits, including the alphanumeric CNPJ
# issued from July 2026 (character value = ord(char) - 48, same mod-11 weights).
from stdnum.br import cnpj as _stdnum_cnpj
from stdnum.br import cpf as _stdnum_cpf

__all__ = [
    "DDDS",
    "UFS",
    "fold",
    "format_cep",
    "format_cnpj",
    "format_cpf",
    "format_phone",
    "normalize_cep",
    "normalize_cnpj",
    "normalize_cpf",
    "normalize_mobile",
    "normalize_phone",
    "normalize_separators",
    "normalize_uf",
]

UFS: frozenset[str] = frozenset({
    "AC", "AL", "AM", "AP", "BA", "CE", "DF", "ES", "GO", "MA", "MG", "MS", "MT", "PA",
    "PB", "PE", "PI", "PR", "RJ", "RN", "RO", "RR", "RS", "SC", "SE", "SP", "TO",
})  # fmt: skip

# The 67 area codes (DDD) in Anatel's numbering plan; none of them contains a 0.
DDDS: frozenset[str] = frozenset({
    "11", "12", "13", "14", "15", "16", "17", "18", "19",  # SP
    "21", "22", "24", "27", "28",  # RJ, ES
    "31", "32", "33", "34", "35", "37", "38",  # MG
    "41", "42", "43", "44", "45", "46", "47", "48", "49",  # PR, SC
    "51", "53", "54", "55",  # RS
    "61", "62", "63", "64", "65", "66", "67", "68", "69",  # DF, GO, TO, MT, MS, AC, RO
    "71", "73", "74", "75", "77", "79",  # BA, SE
    "81", "82", "83", "84", "85", "86", "87", "88", "89",  # PE, AL, PB, RN, CE, PI
    "91", "92", "93", "94", "95", "96", "97", "98", "99",  # PA, AM, RR, AP, MA
})  # fmt: skip

# Separators people type inside documents; anything else left over is an error.
_DOC_SEPARATORS = str.maketrans("", "", ".-/ ")
_PHONE_SEPARATORS = str.maketrans("", "", "()-.+ ")

# ASCII classes on purpose: str.isdigit() and \d also accept e.g. Arabic-Indic digits.
_CPF_RE = re.compile(r"[0-9]{11}")
_CNPJ_RE = re.compile(r"[0-9A-Z]{12}[0-9]{2}")
_CEP_RE = re.compile(r"[0-9]{8}")
_PHONE_RE = re.compile(r"[0-9]{10,13}")


_MINUS_SIGN = "\u2212"


def _ascii_separator(char: str) -> str:
    if char == _MINUS_SIGN:
        return "-"
    category = unicodedata.category(char)
    if category == "Pd":
        return "-"
    return " " if category == "Zs" else char


def normalize_separators(text: str) -> str:
    """Unicode dashes (category Pd, and the minus sign) as "-", Unicode spaces (Zs) as " ".

    Phones, word processors and PDFs turn the hyphen of 12.ABC.345/01DE-35 into an en dash
    and spaces into no-break spaces; people paste them and expect the ASCII meaning.
    """
    if text.isascii():
        return text
    return "".join(_ascii_separator(char) for char in text)


def _clean(value: object, table: dict[int, None], what: str) -> str:
    """Return ``value`` stripped of separators, or raise if it is not a string."""
    if not isinstance(value, str):
        # Numbers lose leading zeros (CEP 01310-100), so only text is accepted.
        raise ValueError(f"{what} must be a string")
    return normalize_separators(value).strip().translate(table)


def normalize_cpf(value: str) -> str:
    """Return the 11 CPF digits of ``value`` or raise ValueError."""
    digits = _clean(value, _DOC_SEPARATORS, "CPF")
    if not _CPF_RE.fullmatch(digits):
        raise ValueError("CPF must have 11 digits")
    # Repeated digits (111.111.111-11) pass the checksum but are never issued.
    if len(set(digits)) == 1:
        raise ValueError("CPF cannot have all digits equal")
    if not _stdnum_cpf.is_valid(digits):
        raise ValueError("CPF check digits are wrong")
    return digits


def format_cpf(digits: str) -> str:
    """Format 11 CPF digits as 123.456.789-09."""
    return f"{digits[:3]}.{digits[3:6]}.{digits[6:9]}-{digits[9:]}"


def normalize_cnpj(value: str) -> str:
    """Return the 14-character CNPJ (numeric or alphanumeric, uppercase) or raise ValueError."""
    cnpj = _clean(value, _DOC_SEPARATORS, "CNPJ").upper()
    if not _CNPJ_RE.fullmatch(cnpj):
        raise ValueError("CNPJ must have 12 letters or digits followed by 2 check digits")
    if len(set(cnpj)) == 1:
        raise ValueError("CNPJ cannot have all digits equal")
    if _stdnum_cnpj.calc_check_digits(cnpj) != cnpj[12:]:
        raise ValueError("CNPJ check digits are wrong")
    return cnpj


def format_cnpj(value: str) -> str:
    """Format a 14-character CNPJ as 12.345.678/0001-95 (or 12.ABC.345/01DE-35)."""
    return f"{value[:2]}.{value[2:5]}.{value[5:8]}/{value[8:12]}-{value[12:]}"


def normalize_cep(value: str) -> str:
    """Return the 8 CEP digits of ``value`` (01310-100 or 01310100) or raise ValueError."""
    digits = _clean(value, _DOC_SEPARATORS, "CEP")
    if not _CEP_RE.fullmatch(digits):
        raise ValueError("CEP must have 8 digits")
    # The lowest CEP is 01000-000; all zeros is a placeholder, not an address.
    if digits == "00000000":
        raise ValueError("CEP cannot be all zeros")
    return digits


def format_cep(digits: str) -> str:
    """Format 8 CEP digits as 01310-100."""
    return f"{digits[:5]}-{digits[5:]}"


def normalize_phone(value: str) -> str:
    """Return a 10-digit landline or 11-digit mobile number with DDD, or raise ValueError."""
    digits = _clean(value, _PHONE_SEPARATORS, "phone")
    if not _PHONE_RE.fullmatch(digits):
        raise ValueError("phone must have 10 or 11 digits including the area code")
    # Drop Brazil's country code (+55) only when a full national number remains,
    # so that a bare number from DDD 55 (RS) is left alone.
    if len(digits) in (12, 13) and digits.startswith("55"):
        digits = digits[2:]
    if len(digits) not in (10, 11):
        raise ValueError("phone must have 10 or 11 digits including the area code")
    if digits[:2] not in DDDS:
        raise ValueError(f"unknown area code (DDD) {digits[:2]}")
    # Mobiles are 9 + 8 digits; landlines start with 2-5 (Anatel numbering plan),
    # which also catches an old 8-digit mobile that is missing its leading 9.
    if len(digits) == 11 and digits[2] != "9":
        raise ValueError("mobile number must start with 9 after the area code")
    if len(digits) == 10 and digits[2] not in "2345":
        raise ValueError("landline number must start with 2, 3, 4 or 5 after the area code")
    return digits


def normalize_mobile(value: str) -> str:
    """Return the 11 digits of a mobile (area code, 9, 8 digits), or raise ValueError."""
    digits = normalize_phone(value)
    if len(digits) != 11:
        raise ValueError("a mobile number has 11 digits: the area code, 9 and 8 digits")
    return digits


def format_phone(digits: str) -> str:
    """Format a normalised phone as (11) 98765-4321 or (11) 3333-4444."""
    return f"({digits[:2]}) {digits[2:-4]}-{digits[-4:]}"


def normalize_uf(value: str) -> str:
    """Return the uppercase two-letter state code (UF) or raise ValueError."""
    uf = _clean(value, {}, "UF").upper()
    if uf not in UFS:
        raise ValueError(f"unknown state code (UF) {uf!r}")
    return uf


def fold(text: str) -> str:
    """Lowercase, strip accents, ASCII dashes and collapse whitespace, for search.

    migrations/versions/6b2f1d4c8e53_search_address_and_name_order.py holds a copy (migrations
    never import the app): change both, and refresh the stored search columns in a migration.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # After NFKD, which turns some compatibility characters into dashes (U+2011 -> U+2010).
    return " ".join(normalize_separators(bare).lower().split())
