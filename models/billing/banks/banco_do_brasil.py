"""Banco do Brasil (001)."""

from models.billing.boleto_banks import Bank, BankAccount, padded_digits, register
from models.billing.boleto_codes import modulo11_weighted_sum

# Convênio size -> digits of the sequence the nosso número appends to it.
SEQUENCE_DIGITS = {4: 7, 6: 5, 7: 10}
WALLETS = ("11", "17", "18")


def bb_dv(digits: str) -> str:
    """Banco do Brasil's modulo-11 check digit (weights 9..2 from the right): 10 is X, 11 is 0."""
    result = 11 - modulo11_weighted_sum(digits) % 11
    return "X" if result == 10 else "0" if result == 11 else str(result)


@register
class BancoDoBrasil(Bank):
    """Banco do Brasil (001), convênio of 4, 6 or 7 digits, carteiras 11, 17 and 18.

    Nosso número = convênio + sequence, the sequence filling what the convênio leaves:
    - convênio of 7: 7 + 10 = 17 digits, printed without check digit; free field = "000000" +
      nosso número (17) + carteira (2);
    - convênio of 6: 6 + 5 = 11 digits, convênio of 4: 4 + 7 = 11 digits, both printed with a
      modulo-11 check digit ("12387901234-5"); free field = nosso número (11) + agência (4) +
      conta (8) + carteira (2).
    """

    code = "001"
    name = "Banco do Brasil S.A."
    max_sequence = 10**10 - 1  # convênio of 7; smaller convênios allow less (see nosso_numero)
    uses_agreement = True

    def nosso_numero(self, sequence: int, settings: BankAccount) -> str:
        self._check_sequence(sequence)
        agreement = _agreement(settings)
        digits = SEQUENCE_DIGITS[len(agreement)]
        if sequence >= 10**digits:
            raise ValueError(
                f"nosso número sequence {sequence} outside 1..{10**digits - 1} "
                f"(convênio of {len(agreement)} digits)"
            )
        return f"{agreement}{sequence:0{digits}d}"

    def nosso_numero_with_dv(self, number: str, settings: BankAccount) -> str:
        if len(_agreement(settings)) == 7:
            return padded_digits(number, 17, "Banco do Brasil nosso número")
        number = padded_digits(number, 11, "Banco do Brasil nosso número")
        return f"{number}-{bb_dv(number)}"

    def free_field(self, nosso_numero: str, settings: BankAccount) -> str:
        agreement = _agreement(settings)
        wallet = _wallet(settings)
        if len(agreement) == 7:
            number = padded_digits(nosso_numero, 17, "Banco do Brasil nosso número")
            return "000000" + number + wallet
        number = padded_digits(nosso_numero, 11, "Banco do Brasil nosso número")
        return (
            number
            + padded_digits(settings.agency, 4, "agência")
            + padded_digits(settings.account, 8, "conta")
            + wallet
        )

    def agency_account(self, settings: BankAccount) -> str:
        agency = padded_digits(settings.agency, 4, "agência")
        account = padded_digits(settings.account, 8, "conta")
        return f"{agency}-{bb_dv(agency)} / {account}-{bb_dv(account)}"


def _agreement(settings: BankAccount) -> str:
    agreement = settings.agreement or ""
    if not (agreement.isdecimal() and agreement.isascii() and len(agreement) in SEQUENCE_DIGITS):
        raise ValueError(
            f"Banco do Brasil: convênio {agreement!r} must have 4, 6 or 7 digits "
            "(this layout knows no other)"
        )
    return agreement


def _wallet(settings: BankAccount) -> str:
    wallet = padded_digits(settings.wallet, 2, "carteira")
    if wallet not in WALLETS:
        raise ValueError(
            f"Banco do Brasil: carteira {wallet} unknown (known: {', '.join(WALLETS)})"
        )
    return wallet
