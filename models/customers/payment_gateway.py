"""The seam to a card payment gateway: where a card's security code goes, and nowhere else.

PCI DSS forbids keeping a security code after authorisation. The API accepts one only to hand
it to the gateway in the same request: `verify_card` receives it and the caller drops it. There
is no gateway yet, so the default verifier accepts every card and keeps and logs nothing; a real
one is installed with `set_verifier` and may raise `CardDeclined`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from models.errors import Invalid


@dataclass(frozen=True)
class CardCheck:
    """What a gateway needs to verify a card; never stored, logged or printed whole."""

    number: str = field(repr=False)
    expiry_month: int
    expiry_year: int
    security_code: str | None = field(repr=False, default=None)


class CardDeclined(Invalid):
    """The gateway refused the card: a 422 naming the card number, saying no more."""

    def __init__(self):
        super().__init__("The card was declined.", {"card_number": ["Declined by the gateway."]})


def _no_gateway(card: CardCheck) -> None:
    """No gateway configured: accept the card, keep nothing."""


_verifier: Callable[[CardCheck], None] = _no_gateway


def set_verifier(verifier: Callable[[CardCheck], None] | None) -> Callable[[CardCheck], None]:
    """Install a gateway's verifier (None: the default); return the one it replaces."""
    global _verifier
    previous, _verifier = _verifier, verifier or _no_gateway
    return previous


def verify_card(card: CardCheck) -> None:
    """Ask the gateway to verify the card; raises CardDeclined when it refuses."""
    _verifier(card)
