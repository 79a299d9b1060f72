"""Caixa Econômica Federal (104), SIGCB."""

from models.billing.boleto_banks import Bank, BankAccount, padded_digits, register
from models.billing.boleto_codes import modulo11_weighted_sum

# Modalidade (BOLETO_WALLET) -> the carteira's label. brcobranca's caixa.rb: 1 registrada, 2 sem
# registro; the nosso número starts with the modalidade and the emissão.
WALLETS = {"1": "RG", "2": "SR"}
ISSUER = "4"  # emissão: 4 = the beneficiário prints the boleto (brcobranca's default)


def caixa_dv(digits: str) -> str:
    """Caixa's modulo-11 check digit (weights 2..9 from the right): 10 and 11 are 0.

    The same rule checks the código do beneficiário, the nosso número and the free field.
    """
    result = 11 - modulo11_weighted_sum(digits, top=9) % 11
    return "0" if result >= 10 else str(result)


def _beneficiary(settings: BankAccount) -> str:
    return padded_digits(settings.agreement, 6, "Caixa código do beneficiário")


def _wallet(settings: BankAccount) -> str:
    if settings.wallet not in WALLETS:
        raise ValueError(
            f"Caixa carteira {settings.wallet!r} is not 1 (registrada) or 2 (sem registro)"
        )
    return settings.wallet


@register
class Caixa(Bank):
    """Caixa (104), SIGCB: código do beneficiário of 6 digits, carteira 1 (RG) or 2 (SR).

    Nosso número = modalidade (carteira) + emissão "4" + sequence (15): 17 digits, "14..." for
    registrada. Free field = beneficiário (6) + its DV + nosso número 3-5, 1, 6-8, 2, 9-17 +
    the free field's own modulo-11 DV.
    """

    code = "104"
    name = "Caixa Econômica Federal"
    max_sequence = 10**15 - 1
    uses_agreement = True

    def nosso_numero(self, sequence: int, settings: BankAccount) -> str:
        self._check_sequence(sequence)
        return f"{_wallet(settings)}{ISSUER}{sequence:015d}"

    def nosso_numero_with_dv(self, number: str, settings: BankAccount) -> str:
        number = padded_digits(number, 17, "Caixa nosso número")
        return f"{number}-{caixa_dv(number)}"

    def free_field(self, nosso_numero: str, settings: BankAccount) -> str:
        n = padded_digits(nosso_numero, 17, "Caixa nosso número")
        beneficiary = _beneficiary(settings)
        field = beneficiary + caixa_dv(beneficiary) + n[2:5] + n[0] + n[5:8] + n[1] + n[8:17]
        return field + caixa_dv(field)

    def agency_account(self, settings: BankAccount) -> str:
        agency = padded_digits(settings.agency, 4, "agência")
        beneficiary = _beneficiary(settings)
        return f"{agency}/{beneficiary}-{caixa_dv(beneficiary)}"
