"""Banks' boleto layouts as pluggable classes: the nosso número and the 25-digit free field.

Each bank decides what its free field carries and how its nosso número is checked; everything
else is FEBRABAN's (models/billing/boleto_codes.py). A bank is added by subclassing `Bank` with
`@register`; `bank_for(code)` finds it, and an unknown code is a clear `UnknownBank` error.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import ClassVar

from models.billing import boleto_codes
from models.billing.boleto_codes import modulo11_weighted_sum


class UnknownBank(ValueError):
    """No boleto layout is known for this bank code."""


@dataclass(frozen=True)
class BankAccount:
    """The ISP's collection contract with its bank: agency, account, agreement, wallet."""

    bank: str
    agency: str
    account: str
    agreement: str  # convênio / código do beneficiário
    wallet: str  # carteira

    @classmethod
    def from_billing(cls, billing: Mapping) -> "BankAccount":
        """From the BILLING settings (web/config.py: boleto_bank, boleto_agency, ...)."""
        return cls(
            bank=billing["boleto_bank"],
            agency=billing["boleto_agency"],
            account=billing["boleto_account"],
            agreement=billing["boleto_agreement"],
            wallet=billing["boleto_wallet"],
        )


@dataclass(frozen=True)
class BoletoCodes:
    """What a boleto prints and encodes, from one nosso-número sequence value."""

    nosso_numero: str  # the digits the bank's free field carries
    nosso_numero_printed: str  # with its check digit, as the "Nosso Número" box shows it
    barcode: str  # 44 digits
    linha_digitavel: str  # 47 digits
    linha_formatted: str


class Bank:
    """A bank's boleto rules; subclasses set `code` and implement the three methods below."""

    code: ClassVar[str]
    name: ClassVar[str]
    max_sequence: ClassVar[int]
    uses_agreement: ClassVar[bool] = False  # whether BOLETO_AGREEMENT means anything to it

    def nosso_numero(self, sequence: int, settings: BankAccount) -> str:
        """The nosso número (without check digit) for the agreement's `sequence`-th boleto."""
        raise NotImplementedError

    def nosso_numero_with_dv(self, number: str, settings: BankAccount) -> str:
        """The nosso número as printed, with its check digit where the bank has one."""
        raise NotImplementedError

    def free_field(self, nosso_numero: str, settings: BankAccount) -> str:
        """The barcode's 25-digit free field (campo livre)."""
        raise NotImplementedError

    def agency_account(self, settings: BankAccount) -> str:
        """The "Agência/Código do Beneficiário" box."""
        return f"{settings.agency} / {settings.account}"

    def _check_sequence(self, sequence: int) -> None:
        if not 1 <= sequence <= self.max_sequence:
            raise ValueError(f"nosso número sequence {sequence} outside 1..{self.max_sequence}")

    def codes(self, settings: BankAccount, sequence: int, due: date, amount: Decimal):
        """Nosso número, barcode and linha digitável of one boleto."""
        number = self.nosso_numero(sequence, settings)
        code = boleto_codes.barcode(self.code, due, amount, self.free_field(number, settings))
        linha = boleto_codes.linha_digitavel(code)
        return BoletoCodes(
            nosso_numero=number,
            nosso_numero_printed=self.nosso_numero_with_dv(number, settings),
            barcode=code,
            linha_digitavel=linha,
            linha_formatted=boleto_codes.format_linha(linha),
        )


BANKS: dict[str, type[Bank]] = {}


def register(cls: type[Bank]) -> type[Bank]:
    """Class decorator: make a bank's layout available to `bank_for`."""
    BANKS[cls.code] = cls
    return cls


def bank_for(code: str) -> Bank:
    """The layout of bank `code` ("001"); UnknownBank when none is registered."""
    try:
        return BANKS[code]()
    except KeyError:
        known = ", ".join(sorted(BANKS))
        raise UnknownBank(f"no boleto layout for bank {code!r} (known: {known})") from None


def _digits(value: str, length: int, what: str) -> str:
    """`value` as exactly `length` digits, zero-padded on the left; refuses anything else."""
    if not re.fullmatch(r"\d+", value or "") or len(value.lstrip("0")) > length:
        raise ValueError(f"{what} {value!r} must be at most {length} digits")
    return value.zfill(length)


def bb_dv(digits: str) -> str:
    """Banco do Brasil's modulo-11 check digit (weights 9..2 from the right): 10 is X, 11 is 0."""
    result = 11 - modulo11_weighted_sum(digits) % 11
    return "X" if result == 10 else "0" if result == 11 else str(result)


@register
class BancoDoBrasil(Bank):
    """Banco do Brasil (001), convênio of 7 digits (carteiras 17 and 18).

    Nosso número = convênio (7) + sequence (10), 17 digits and, for this convênio size, no
    check digit. Free field = "000000" + nosso número (17) + carteira (2).
    """

    code = "001"
    name = "Banco do Brasil S.A."
    max_sequence = 10**10 - 1
    uses_agreement = True

    def nosso_numero(self, sequence: int, settings: BankAccount) -> str:
        self._check_sequence(sequence)
        if not re.fullmatch(r"\d{7}", settings.agreement):
            raise ValueError("Banco do Brasil: this layout needs a 7-digit convênio")
        return f"{settings.agreement}{sequence:010d}"

    def nosso_numero_with_dv(self, number: str, settings: BankAccount) -> str:
        return _digits(number, 17, "Banco do Brasil nosso número")

    def free_field(self, nosso_numero: str, settings: BankAccount) -> str:
        number = _digits(nosso_numero, 17, "Banco do Brasil nosso número")
        return "000000" + number + _digits(settings.wallet, 2, "carteira")

    def agency_account(self, settings: BankAccount) -> str:
        agency = _digits(settings.agency, 4, "agência")
        account = _digits(settings.account, 8, "conta")
        return f"{agency}-{bb_dv(agency)} / {account}-{bb_dv(account)}"


def bradesco_dv(digits: str) -> str:
    """Bradesco's modulo-11 check digit (weights 2..7 from the right): 10 is P, 11 is 0.

    The same rule checks the agência, the conta and the carteira + nosso número.
    """
    result = 11 - modulo11_weighted_sum(digits, top=7) % 11
    return "P" if result == 10 else "0" if result == 11 else str(result)


@register
class Bradesco(Bank):
    """Bradesco (237): nosso número of 11 digits checked by modulo 11 base 7 with the carteira.

    Free field = agência (4) + carteira (2) + nosso número (11) + conta (7) + "0". The
    beneficiary is its agência and conta: no convênio.
    """

    code = "237"
    name = "Banco Bradesco S.A."
    max_sequence = 10**11 - 1

    def nosso_numero(self, sequence: int, settings: BankAccount) -> str:
        self._check_sequence(sequence)
        return f"{sequence:011d}"

    def nosso_numero_with_dv(self, number: str, settings: BankAccount) -> str:
        wallet = _digits(settings.wallet, 2, "carteira")
        number = _digits(number, 11, "Bradesco nosso número")
        return f"{wallet}/{number}-{bradesco_dv(wallet + number)}"

    def free_field(self, nosso_numero: str, settings: BankAccount) -> str:
        return (
            _digits(settings.agency, 4, "agência")
            + _digits(settings.wallet, 2, "carteira")
            + _digits(nosso_numero, 11, "Bradesco nosso número")
            + _digits(settings.account, 7, "conta")
            + "0"
        )

    def agency_account(self, settings: BankAccount) -> str:
        agency = _digits(settings.agency, 4, "agência")
        account = _digits(settings.account, 7, "conta")
        return f"{agency}-{bradesco_dv(agency)} / {account}-{bradesco_dv(account)}"
