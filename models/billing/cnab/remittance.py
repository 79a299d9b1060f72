"""Remessa files: what the ISP tells its bank about its boletos, in CNAB 240 or 400.

The writer of each bank and layout is a module of `models/billing/cnab/remittance_writers/`
that registers a function with `@writer(bank, layout)`; the function gets a `RemittanceFile` and
returns its lines. `write` joins them as the banks take them: ASCII, upper case, CRLF after each
line (brcobranca's output, which the tests compare byte for byte).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from models.billing.boleto_banks import BankAccount
from models.discovery import import_submodules

# What a remessa line asks of the bank (the bank's own code for each is in its writer).
ENTRY = "entry"  # entrada de título: register a new boleto
CANCEL = "cancel"  # pedido de baixa
DUE_DATE = "due_date"  # alteração de vencimento
AMOUNT = "amount"  # alteração do valor nominal
OCCURRENCES = (ENTRY, CANCEL, DUE_DATE, AMOUNT)


class UnsupportedLayout(ValueError):
    """No remessa writer for this bank and CNAB layout."""


@dataclass(frozen=True)
class Beneficiary:
    """The ISP's collection account as a remessa's header states it."""

    bank: str  # "237"
    agency: str  # digits, without check digit
    agency_dv: str
    account: str  # digits, without check digit
    account_dv: str
    agreement: str  # convênio / código do beneficiário / código da empresa
    wallet: str  # carteira
    name: str  # razão social
    document: str  # CNPJ (or CPF) digits
    variation: str = ""  # Banco do Brasil's variação de carteira, Sicoob's modalidade
    station: str = ""  # Sicredi's posto
    byte: str = ""  # Sicredi's byte de geração
    leader_agreement: str = ""  # Banco do Brasil's convênio líder (CNAB 400 header), optional
    collection_kind: str = ""  # BB tipo de cobrança (04DSC, 08VDR, 02VIN; blank: simples)
    transmission_code: str = ""  # Santander's código de transmissão (20 digits, from the bank)

    def bank_account(self) -> BankAccount:
        """The beneficiary as the boleto layouts know it (models/billing/banks): for the
        nosso número's check digit."""
        return BankAccount(
            bank=self.bank,
            agency=self.agency,
            account=self.account,
            agreement=self.agreement,
            wallet=self.wallet,
            variation=self.variation,
            station=self.station,
            byte=self.byte,
        )


@dataclass(frozen=True)
class Payer:
    """The boleto's payer (pagador / sacado)."""

    name: str
    document: str  # CPF or CNPJ digits
    address: str
    district: str
    cep: str  # 8 digits
    city: str
    state: str  # UF


@dataclass(frozen=True)
class RemittanceItem:
    """One boleto in a remessa, with what is asked of the bank."""

    occurrence: str  # one of OCCURRENCES
    nosso_numero: str  # the digits the bank numbers it by, without check digit
    document_number: str  # seu número: the ISP's own reference (the receivable)
    issue_date: date
    due_date: date
    amount: Decimal
    payer: Payer
    fine_percent: Decimal = Decimal(0)  # multa after the due date
    interest_per_day: Decimal = Decimal(0)  # juros de mora, in reais a day
    discount_amount: Decimal = Decimal(0)
    discount_date: date | None = None
    # número de controle do participante (uso da empresa), brcobranca's `documento`; when empty
    # the layouts that carry one write document_number there (brcobranca's documento_ou_numero)
    control_number: str = ""
    fine_amount: Decimal = Decimal(0)  # multa in reais, for banks that take a value (Itaú)
    # Whether the file states juros / multa even at zero (brcobranca's Caixa and Sicredi specs
    # ask "juros por dia" of 0.00); None: stated when the amount is above zero.
    charges_interest: bool | None = None
    charges_fine: bool | None = None
    protest_days: int | None = None  # protestar N dias corridos after due; None: não protestar


@dataclass(frozen=True)
class RemittanceFile:
    beneficiary: Beneficiary
    layout: int  # 240 or 400
    sequence: int  # the account's remessa number, without gaps
    created_at: datetime  # local time written in the header
    items: tuple[RemittanceItem, ...] = field(default_factory=tuple)


Writer = Callable[[RemittanceFile], list[str]]
FileName = Callable[[RemittanceFile], str]
WRITERS: dict[tuple[str, int], Writer] = {}
FILE_NAMES: dict[tuple[str, int], FileName] = {}


def default_file_name(remittance: RemittanceFile) -> str:
    """CBDDMMSS.REM: the name most banks' manuals give (day, month, the day's sequence)."""
    day = remittance.created_at.strftime("%d%m")
    return f"CB{day}{remittance.sequence % 100:02d}.REM"


def writer(
    bank: str, layout: int, file_name: FileName = default_file_name
) -> Callable[[Writer], Writer]:
    """Decorator: the remessa writer of `bank` in CNAB `layout`, and how the bank wants the
    file named."""

    def register(function: Writer) -> Writer:
        WRITERS[(bank, layout)] = function
        FILE_NAMES[(bank, layout)] = file_name
        return function

    return register


def file_name(remittance: RemittanceFile) -> str:
    return FILE_NAMES[(remittance.beneficiary.bank, remittance.layout)](remittance)


def supported() -> list[tuple[str, int]]:
    return sorted(WRITERS)


def write(remittance: RemittanceFile) -> bytes:
    """The remessa as the bank takes it; UnsupportedLayout when none is known."""
    key = (remittance.beneficiary.bank, remittance.layout)
    if key not in WRITERS:
        raise UnsupportedLayout(f"no CNAB {key[1]} remessa for bank {key[0]}")
    lines = WRITERS[key](remittance)
    return "".join(line + "\r\n" for line in lines).encode("ascii")


import_submodules("models.billing.cnab.remittance_writers")
