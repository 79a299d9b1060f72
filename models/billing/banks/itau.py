"""Itaú (341)."""

from models.billing.boleto_banks import Bank, BankAccount, padded_digits, register
from models.billing.boleto_codes import modulo10

# brcobranca's itau.rb: the nosso número's DAC of these carteiras covers carteira + nosso número
# only (the others add agência and conta in front).
WALLET_AND_NUMBER_DAC = frozenset({"112", "126", "131", "146", "150", "168"})
# Carteiras especiais: the free field carries the seu número (7) and the código do cliente (5,
# BOLETO_AGREEMENT) instead of agência and conta.
CLIENT_CODE_WALLETS = frozenset({"106", "107", "122", "142", "143", "195", "196", "198"})
SEU_NUMERO_MAX = 10**7 - 1


def _wallet(settings: BankAccount) -> str:
    wallet = padded_digits(settings.wallet, 3, "Itaú carteira")
    if wallet == "000":
        raise ValueError("Itaú carteira '000' is not a carteira")
    return wallet


def nosso_numero_dac(agency: str, account: str, wallet: str, number: str) -> str:
    """The DAC of the nosso número: modulo 10 over agência + conta + carteira + nosso número."""
    if wallet in WALLET_AND_NUMBER_DAC:
        return str(modulo10(wallet + number))
    return str(modulo10(agency + account + wallet + number))


def special_free_field(wallet: str, number: str, seu_numero: str, client: str) -> str:
    """Carteiras especiais: carteira + nosso número + seu número + código do cliente + DAC + 0."""
    field = (
        wallet
        + padded_digits(number, 8, "Itaú nosso número")
        + padded_digits(seu_numero, 7, "Itaú seu número")
        + padded_digits(client, 5, "Itaú código do cliente")
    )
    return f"{field}{modulo10(field)}0"


@register
class Itau(Bank):
    """Itaú (341): agência (4) + conta (5) + DAC, carteira of 3 digits, nosso número of 8.

    Free field = carteira (3) + nosso número (8) + its DAC + agência (4) + conta (5) + their DAC
    + "000". The carteiras especiais (106, 107, 122, 142, 143, 195, 196, 198) carry the seu número
    (here the sequence, at most 7 digits) and the código do cliente (BOLETO_AGREEMENT, 5 digits)
    instead: the only ones where BOLETO_AGREEMENT means anything.
    """

    code = "341"
    name = "Itaú Unibanco S.A."
    max_sequence = 10**8 - 1

    def nosso_numero(self, sequence: int, settings: BankAccount) -> str:
        self._check_sequence(sequence)
        if _wallet(settings) in CLIENT_CODE_WALLETS and sequence > SEU_NUMERO_MAX:
            raise ValueError(
                f"Itaú carteira {settings.wallet}: sequence {sequence} is also the seu número,"
                f" at most {SEU_NUMERO_MAX}"
            )
        return f"{sequence:08d}"

    def _dac(self, number: str, settings: BankAccount) -> str:
        return nosso_numero_dac(
            padded_digits(settings.agency, 4, "agência"),
            padded_digits(settings.account, 5, "conta"),
            _wallet(settings),
            padded_digits(number, 8, "Itaú nosso número"),
        )

    def nosso_numero_with_dv(self, number: str, settings: BankAccount) -> str:
        number = padded_digits(number, 8, "Itaú nosso número")
        return f"{_wallet(settings)}/{number}-{self._dac(number, settings)}"

    def free_field(self, nosso_numero: str, settings: BankAccount) -> str:
        wallet = _wallet(settings)
        number = padded_digits(nosso_numero, 8, "Itaú nosso número")
        if wallet in CLIENT_CODE_WALLETS:
            # The seu número is the boleto's document number: the sequence (the nosso número).
            seu_numero = padded_digits(str(int(number)), 7, "Itaú seu número (the sequence)")
            return special_free_field(wallet, number, seu_numero, settings.agreement)
        agency = padded_digits(settings.agency, 4, "agência")
        account = padded_digits(settings.account, 5, "conta")
        return (
            wallet
            + number
            + self._dac(number, settings)
            + agency
            + account
            + str(modulo10(agency + account))
            + "000"
        )

    def agency_account(self, settings: BankAccount) -> str:
        agency = padded_digits(settings.agency, 4, "agência")
        account = padded_digits(settings.account, 5, "conta")
        return f"{agency} / {account}-{modulo10(agency + account)}"
