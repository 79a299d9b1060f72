"""Banks' boleto layouts as pluggable classes: the nosso número and the 25-digit free field.

Each bank decides what its free field carries and how its nosso número is checked; everything
else is FEBRABAN's (models/billing/boleto_codes.py). A bank is a module of its own in
models/billing/banks/ that subclasses `Bank` with `@register`; `bank_for(code)` finds it, and an
unknown code is a clear `UnknownBank` error.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import ClassVar

from models.billing import boleto_codes
from models.discovery import import_submodules


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
    # What only some banks use: Banco do Brasil's variação de carteira, Sicoob's modalidade,
    # Sicredi's posto and byte de geração.
    variation: str = ""
    station: str = ""
    byte: str = ""

    @classmethod
    def from_billing(cls, billing: Mapping) -> "BankAccount":
        """From the BILLING settings (web/config.py: boleto_bank, boleto_agency, ...)."""
        return cls(
            bank=billing["boleto_bank"],
            agency=billing["boleto_agency"],
            account=billing["boleto_account"],
            agreement=billing["boleto_agreement"],
            wallet=billing["boleto_wallet"],
            variation=billing.get("boleto_variation", ""),
            station=billing.get("boleto_station", ""),
            byte=billing.get("boleto_byte", ""),
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

    def sequence_key(self, settings: BankAccount, issued: date) -> str:
        """The counter the nosso-número sequence is drawn from (models/billing/boleto_numbers):
        one per convênio; a bank whose nosso número restarts each year keys it by year too."""
        return settings.agreement

    def codes(
        self,
        settings: BankAccount,
        sequence: int,
        due: date,
        amount: Decimal,
        *,
        issued: date | None = None,
    ):
        """Nosso número, barcode and linha digitável of one boleto issued on `issued` (only
        banks whose nosso número carries the year use it)."""
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


def padded_digits(value: str, length: int, what: str) -> str:
    """`value` as exactly `length` digits, zero-padded on the left; refuses anything else."""
    if not re.fullmatch(r"\d+", value or "") or len(value.lstrip("0")) > length:
        raise ValueError(f"{what} {value!r} must be at most {length} digits")
    return value.zfill(length)


# Every bank's module registers itself (imported last: they import this module's names).
import_submodules("models.billing.banks")
