"""The input brcobranca's CNAB 400 remessa specs share (spec/brcobranca/remessa/cnab400/*_spec.rb,
commit 325e0ee): their `let(:pagamento)` payer, the frozen clock (Timecop.freeze(Time.local(2015,
7, 14, 16, 15, 15))) and the fixture reader that normalises line ends."""

from datetime import datetime
from decimal import Decimal
from pathlib import Path

from models.billing.cnab.remittance import ENTRY, Payer, RemittanceItem

FIXTURES = Path(__file__).parent / "fixtures"
FROZEN = datetime(2015, 7, 14, 16, 15, 15)  # Timecop.freeze; Date.current is its day
TODAY = FROZEN.date()

PAYER = Payer(
    name="PABLO DIEGO JOSÉ FRANCISCO,!^.?\\/@  DE PAULA JUAN NEPOMUCENO MARÍA DE LOS REMEDIOS "
    "CIPRIANO DE LA SANTÍSSIMA TRINIDAD RUIZ Y PICASSO",
    document="12345678901",
    address="RUA RIO GRANDE DO SUL,!^.?\\/@ São paulo Minas caçapa da silva junior",
    district="São josé dos quatro apostolos magros",
    cep="12345678",
    city="Santa rita de cássia maria da silva",
    state="SP",
)
COMPANY = "SOCIEDADE BRASILEIRA DE ZOOLOGIA LTDA"
COMPANY_DOCUMENT = "12345678910"


def item(nosso_numero: str, **changes) -> RemittanceItem:
    """The spec's pagamento: valor 199.9, data_vencimento and data_emissao Date.current."""
    values = dict(
        occurrence=ENTRY,
        nosso_numero=nosso_numero,
        document_number="",
        issue_date=TODAY,
        due_date=TODAY,
        amount=Decimal("199.90"),
        payer=PAYER,
    )
    values.update(changes)
    return RemittanceItem(**values)


def fixture(name: str) -> bytes:
    """A brcobranca fixture with CRLF line ends (stored with LF; brcobranca writes CRLF)."""
    text = (FIXTURES / name).read_bytes().replace(b"\r\n", b"\n")
    return text.replace(b"\n", b"\r\n")


def lines(data: bytes) -> list[str]:
    return data.decode("ascii").split("\r\n")[:-1]
