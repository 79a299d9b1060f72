"""Sicoob (756)."""

import re

from models.billing.boleto_banks import Bank, BankAccount, padded_digits, register

SICOOB_MODALITIES = ("01", "02", "05")
SICOOB_WALLET = "1"  # carteira simples
SINGLE_INSTALMENT = "001"  # parcela: "001" when the boleto is not one of several
SICOOB_WEIGHTS = (3, 1, 9, 7)


def sicoob_dv(digits: str) -> str:
    """Sicoob's nosso-número check digit: weights 3, 1, 9, 7 repeating from the left, modulo
    11; 11 minus the remainder, and 0 where that is 10 or 11."""
    total = sum(int(char) * SICOOB_WEIGHTS[i % 4] for i, char in enumerate(digits))
    result = 11 - total % 11
    return "0" if result >= 10 else str(result)


@register
class Sicoob(Bank):
    """Sicoob (756): cooperativa (agência, 4), código do cliente (7), modalidade 01, 02 or 05.

    Nosso número = sequence (7) + check digit by `sicoob_dv` over cooperativa (4) + cliente
    (10) + sequence (7). Free field = carteira (1) + cooperativa (4) + modalidade (2) +
    cliente (7) + nosso número with its check digit (8) + parcela "001".
    """

    code = "756"
    name = "Sicoob"  # as its boletos head (Banco Cooperativo Sicoob S.A. is too long there)
    max_sequence = 10**7 - 1
    uses_agreement = True  # BOLETO_AGREEMENT is the código do cliente

    def nosso_numero(self, sequence: int, settings: BankAccount) -> str:
        self._check_sequence(sequence)
        return f"{sequence:07d}"

    def nosso_numero_with_dv(self, number: str, settings: BankAccount) -> str:
        if not re.fullmatch(r"\d{7}", number):
            raise ValueError(f"Sicoob nosso número {number!r} must be 7 digits")
        agency = padded_digits(settings.agency, 4, "cooperativa")
        client = padded_digits(settings.agreement, 7, "código do cliente").zfill(10)
        return number + sicoob_dv(agency + client + number)

    def free_field(self, nosso_numero: str, settings: BankAccount) -> str:
        if settings.wallet != SICOOB_WALLET:
            raise ValueError(f"Sicoob: carteira {settings.wallet!r} unknown (1, simples)")
        if settings.variation not in SICOOB_MODALITIES:
            raise ValueError(f"Sicoob: modalidade {settings.variation!r} unknown (01, 02 or 05)")
        return (
            SICOOB_WALLET
            + padded_digits(settings.agency, 4, "cooperativa")
            + settings.variation
            + padded_digits(settings.agreement, 7, "código do cliente")
            + self.nosso_numero_with_dv(nosso_numero, settings)
            + SINGLE_INSTALMENT
        )

    def agency_account(self, settings: BankAccount) -> str:
        agency = padded_digits(settings.agency, 4, "cooperativa")
        client = padded_digits(settings.agreement, 7, "código do cliente")
        return f"{agency} / {client}"
