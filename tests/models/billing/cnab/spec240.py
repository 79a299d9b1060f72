"""What brcobranca's CNAB 240 remessa specs feed every bank (spec/brcobranca/remessa/cnab240/,
commit 325e0ee): the payer of their `let(:pagamento)`, and the fixtures they compare with."""

from pathlib import Path

from models.billing.cnab.remittance import Payer

FIXTURES = Path(__file__).parent / "fixtures"

# nome/endereço/bairro/cidade as the specs write them, punctuation and accents included.
SPEC_PAYER = dict(
    name="PABLO DIEGO JOSÉ FRANCISCO,!^.?\\/@  DE PAULA JUAN NEPOMUCENO MARÍA DE LOS REMEDIOS "
    "CIPRIANO DE LA SANTÍSSIMA TRINIDAD RUIZ Y PICASSO",
    address="RUA RIO GRANDE DO SUL,!^.?\\/@ São paulo Minas caçapa da silva junior",
    district="São josé dos quatro apostolos magros",
    cep="12345678",
    city="Santa rita de cássia maria da silva",
)


def payer(document: str, state: str) -> Payer:
    return Payer(document=document, state=state, **SPEC_PAYER)


def fixture_lines(name: str) -> list[str]:
    """The fixture's lines; brcobranca writes CRLF but the stored fixtures have LF, so both
    sides are compared line by line (ends normalised)."""
    return (FIXTURES / name).read_bytes().decode("ascii").splitlines()


def written_lines(data: bytes) -> list[str]:
    """`remittance.write`'s output as lines, after checking that every line ends in CRLF."""
    text = data.decode("ascii")
    assert text.endswith("\r\n") and text.count("\n") == text.count("\r\n")
    return text.split("\r\n")[:-1]
