"""The NFCom's chave de acesso: 44 characters, the last a mod-11 check digit.

Layout (MOC NFCom 1.00a, Visão Geral 2.1.3): cUF (2) AAMM of dhEmi (4) the issuer's CNPJ (14)
mod "62" (2) serie (3) nNF (9) tpEmis (1) nSiteAutoriz (1) cNF (7) cDV (1). The schema's TChDFe
(`[0-9]{6}[A-Z0-9]{12}[0-9]{26}`) already admits the alphanumeric CNPJ of 2026.

Check digit (Visão Geral 7.3): weights 2..9 repeated from the right, DV = 11 - (sum mod 11),
0 when the remainder is 0 or 1. A character counts as its ASCII code minus 48, the Receita's rule
for the alphanumeric CNPJ: a digit keeps its value, "A" is 17.
"""

import hashlib
import hmac
import re
from dataclasses import dataclass

MODEL = "62"
_KEY = re.compile(r"[0-9]{6}[A-Z0-9]{12}[0-9]{26}")


class InvalidAccessKey(ValueError):
    """Not a chave de acesso of an NFCom (shape, model or check digit)."""


def check_digit(body: str) -> int:
    """The mod-11 check digit of the first 43 characters of a key."""
    total = 0
    for position, char in enumerate(reversed(body)):
        total += (ord(char) - 48) * (2 + position % 8)
    remainder = total % 11
    return 0 if remainder < 2 else 11 - remainder


def numeric_code(secret: bytes, cnpj: str, series: int, number: int) -> str:
    """cNF: 7 digits the same for the same invoice, unguessable without `secret`.

    The MOC wants it random "to prevent undue access" to the document (a key is enough to
    consult it), but a retry must rebuild the same key: SEFAZ refuses a second key for an
    issuer's series and number already authorized (rejection 539, MOC Anexo I G39). A keyed
    hash of the issuer, series and number gives both.
    """
    message = f"{cnpj}|{series}|{number}".encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 10_000_000:07d}"


@dataclass(frozen=True)
class AccessKey:
    """The fields of a chave de acesso; `str()` is the 44 characters with their check digit."""

    uf_code: str  # cUF, IBGE's two digits
    year_month: str  # AAMM of the issue date
    cnpj: str
    series: int
    number: int
    emission_type: int  # tpEmis: 1 normal, 2 contingency
    site: int  # nSiteAutoriz: 0 while SVRS has one site
    code: str  # cNF

    @property
    def body(self) -> str:
        return (
            f"{self.uf_code}{self.year_month}{self.cnpj}{MODEL}{self.series:03d}"
            f"{self.number:09d}{self.emission_type}{self.site}{self.code}"
        )

    @property
    def digit(self) -> int:
        return check_digit(self.body)

    def __str__(self) -> str:
        key = f"{self.body}{self.digit}"
        if not _KEY.fullmatch(key):
            raise InvalidAccessKey(f"Campos inválidos para uma chave de acesso: {key}")
        return key


def parse(key: str) -> AccessKey:
    """The fields of a 44-character key; InvalidAccessKey when its shape, model or DV is wrong."""
    if not _KEY.fullmatch(key):
        raise InvalidAccessKey("A chave de acesso deve ter 44 caracteres (só o CNPJ com letras).")
    if key[20:22] != MODEL:
        raise InvalidAccessKey("A chave de acesso não é de uma NFCom (modelo 62).")
    if check_digit(key[:43]) != int(key[43]):
        raise InvalidAccessKey("O dígito verificador da chave de acesso não confere.")
    return AccessKey(
        uf_code=key[0:2],
        year_month=key[2:6],
        cnpj=key[6:20],
        series=int(key[22:25]),
        number=int(key[25:34]),
        emission_type=int(key[34]),
        site=int(key[35]),
        code=key[36:43],
    )
