"""Sicredi (748)."""

import re
from datetime import date
from decimal import Decimal

from models.billing import boleto_codes
from models.billing.boleto_banks import Bank, BankAccount, BoletoCodes, padded_digits, register
from models.billing.boleto_codes import modulo11_weighted_sum
from models.clock import local_today

# Tipo de cobrança, the free field's first digit: 1 com registro, 3 sem registro.
SICREDI_WALLETS = ("1", "3")
SIMPLE_WALLET = "1"  # the free field's second digit: carteira simples (printed "A")


def sicredi_dv(digits: str) -> str:
    """Sicredi's modulo-11 check digit (weights 2..9 from the right): 10 and 11 are 0.

    The same rule checks the nosso número and the free field.
    """
    result = 11 - modulo11_weighted_sum(digits) % 11
    return "0" if result >= 10 else str(result)


@register
class Sicredi(Bank):
    """Sicredi (748): cooperativa (agência, 4) + posto (2) + código do beneficiário (5).

    Nosso número = year of issue (2) + byte de geração (1, 2..9: numbered by the beneficiary)
    + sequence (5), printed "AA/BXXXXX-D" with D by modulo 11 over agência + posto +
    beneficiário + those 8 digits. The year is the issue date's (brcobranca's
    data_processamento), not the due date's: `codes(..., issued=)`, today by default.
    Free field = tipo de cobrança (carteira 1 or 3) + "1" (carteira simples) + nosso número
    with its check digit (9) + agência + posto + beneficiário (11) + "1" when the boleto has a
    value ("0" otherwise) + "0" + modulo-11 check digit of the 24 before it.
    """

    code = "748"
    name = "Sicredi"  # as its boletos head (Banco Cooperativo Sicredi S.A. is too long there)
    max_sequence = 10**5 - 1
    uses_agreement = True  # BOLETO_AGREEMENT is the código do beneficiário

    def codes(
        self,
        settings: BankAccount,
        sequence: int,
        due: date,
        amount: Decimal,
        *,
        issued: date | None = None,
    ) -> BoletoCodes:
        """As `Bank.codes`; `issued` (today where the ISP is, by default) dates the nosso número."""
        number = self.nosso_numero(sequence, settings, issued=issued)
        free = self.free_field(number, settings, with_value=Decimal(amount) > 0)
        code = boleto_codes.barcode(self.code, due, amount, free)
        linha = boleto_codes.linha_digitavel(code)
        return BoletoCodes(
            nosso_numero=number,
            nosso_numero_printed=self.nosso_numero_with_dv(number, settings),
            barcode=code,
            linha_digitavel=linha,
            linha_formatted=boleto_codes.format_linha(linha),
        )

    def sequence_key(self, settings: BankAccount, issued: date) -> str:
        """The year's counter: the nosso número carries the year, its 5 digits restart each one."""
        return f"{settings.agreement}/{issued.year % 100:02d}"

    def nosso_numero(self, sequence: int, settings: BankAccount, issued: date | None = None) -> str:
        self._check_sequence(sequence)
        year = (issued or local_today()).year % 100
        return f"{year:02d}{self._byte(settings)}{sequence:05d}"

    def nosso_numero_with_dv(self, number: str, settings: BankAccount) -> str:
        number = self._number(number)
        dv = sicredi_dv(self._beneficiary(settings) + number)
        return f"{number[:2]}/{number[2:]}-{dv}"

    def free_field(self, nosso_numero: str, settings: BankAccount, with_value: bool = True) -> str:
        if settings.wallet not in SICREDI_WALLETS:
            raise ValueError(
                f"Sicredi: carteira {settings.wallet!r} unknown (1 com registro, 3 sem registro)"
            )
        number = self._number(nosso_numero)
        beneficiary = self._beneficiary(settings)
        field = (
            settings.wallet
            + SIMPLE_WALLET
            + number
            + sicredi_dv(beneficiary + number)
            + beneficiary
            + ("1" if with_value else "0")
            + "0"
        )
        return field + sicredi_dv(field)

    def agency_account(self, settings: BankAccount) -> str:
        beneficiary = self._beneficiary(settings)
        return f"{beneficiary[:4]}.{beneficiary[4:6]}.{beneficiary[6:]}"

    @staticmethod
    def _byte(settings: BankAccount) -> str:
        if not re.fullmatch(r"[2-9]", settings.byte):
            raise ValueError(f"Sicredi: byte de geração {settings.byte!r} must be one digit 2 to 9")
        return settings.byte

    @staticmethod
    def _number(number: str) -> str:
        if not re.fullmatch(r"\d{8}", number):
            raise ValueError(f"Sicredi nosso número {number!r} must be 8 digits (AA + B + 5)")
        return number

    @staticmethod
    def _beneficiary(settings: BankAccount) -> str:
        """Agência (4) + posto (2) + código do beneficiário (5)."""
        return (
            padded_digits(settings.agency, 4, "agência")
            + padded_digits(settings.station, 2, "posto")
            + padded_digits(settings.agreement, 5, "código do beneficiário")
        )
