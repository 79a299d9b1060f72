"""Santander (033)."""

from models.billing.boleto_banks import Bank, BankAccount, padded_digits, register
from models.billing.boleto_codes import modulo11_weighted_sum

WALLETS = ("101", "102")


def santander_dv(digits: str) -> str:
    """Santander's nosso-número check digit: modulo 11, weights 2..9 from the right; 10 and 11
    are 0."""
    result = 11 - modulo11_weighted_sum(digits) % 11
    return "0" if result >= 10 else str(result)


@register
class Santander(Bank):
    """Santander (033), carteiras 101 (rápida com registro) and 102 (sem registro).

    The beneficiary is the código do cedente (BOLETO_AGREEMENT, 7 digits). Nosso número of 12
    digits with a modulo-11 check digit. Free field = "9" + código do cedente (7) + nosso número
    (12) + its check digit + IOF ("0": only insurers use it) + carteira (3).
    """

    code = "033"
    name = "Banco Santander (Brasil)"  # the PDF header holds 28 characters
    max_sequence = 10**12 - 1
    uses_agreement = True

    def nosso_numero(self, sequence: int, settings: BankAccount) -> str:
        self._check_sequence(sequence)
        return f"{sequence:012d}"

    def nosso_numero_with_dv(self, number: str, settings: BankAccount) -> str:
        number = padded_digits(number, 12, "Santander nosso número")
        return f"{number}-{santander_dv(number)}"

    def free_field(self, nosso_numero: str, settings: BankAccount) -> str:
        number = padded_digits(nosso_numero, 12, "Santander nosso número")
        return (
            "9"
            + padded_digits(settings.agreement, 7, "código do cedente")
            + number
            + santander_dv(number)
            + "0"
            + _wallet(settings)
        )

    def agency_account(self, settings: BankAccount) -> str:
        agency = padded_digits(settings.agency, 4, "agência")
        return f"{agency}/{padded_digits(settings.agreement, 7, 'código do cedente')}"


def _wallet(settings: BankAccount) -> str:
    wallet = padded_digits(settings.wallet, 3, "carteira")
    if wallet not in WALLETS:
        raise ValueError(f"Santander: carteira {wallet} unknown (known: {', '.join(WALLETS)})")
    return wallet
