"""Banco do Brasil (001)."""

import re

from models.billing.boleto_banks import Bank, BankAccount, padded_digits, register
from models.billing.boleto_codes import modulo11_weighted_sum


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
        return padded_digits(number, 17, "Banco do Brasil nosso número")

    def free_field(self, nosso_numero: str, settings: BankAccount) -> str:
        number = padded_digits(nosso_numero, 17, "Banco do Brasil nosso número")
        return "000000" + number + padded_digits(settings.wallet, 2, "carteira")

    def agency_account(self, settings: BankAccount) -> str:
        agency = padded_digits(settings.agency, 4, "agência")
        account = padded_digits(settings.account, 8, "conta")
        return f"{agency}-{bb_dv(agency)} / {account}-{bb_dv(account)}"
