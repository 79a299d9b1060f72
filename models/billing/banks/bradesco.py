"""Bradesco (237)."""

from models.billing.boleto_banks import Bank, BankAccount, padded_digits, register
from models.billing.boleto_codes import modulo11_weighted_sum


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
        wallet = padded_digits(settings.wallet, 2, "carteira")
        number = padded_digits(number, 11, "Bradesco nosso número")
        return f"{wallet}/{number}-{bradesco_dv(wallet + number)}"

    def free_field(self, nosso_numero: str, settings: BankAccount) -> str:
        return (
            padded_digits(settings.agency, 4, "agência")
            + padded_digits(settings.wallet, 2, "carteira")
            + padded_digits(nosso_numero, 11, "Bradesco nosso número")
            + padded_digits(settings.account, 7, "conta")
            + "0"
        )

    def agency_account(self, settings: BankAccount) -> str:
        agency = padded_digits(settings.agency, 4, "agência")
        account = padded_digits(settings.account, 7, "conta")
        return f"{agency}-{bradesco_dv(agency)} / {account}-{bradesco_dv(account)}"
