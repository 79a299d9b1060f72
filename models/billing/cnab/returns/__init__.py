"""Retorno files: what the bank says happened to the ISP's boletos, CNAB 240 or 400.

`parse(data)` checks the file's shape (every line the same length, 240 or 400), reads the bank
from its header and hands the lines to that bank's reader: a module of
`models/billing/cnab/returns/` registering a function with `@reader(bank, layout)`. A file that
is not right (unknown bank, wrong line length, a truncated file, trailer totals that do not add
up) raises BadReturnFile naming the line and the reason: it is refused whole.

This is the package's __init__ (not a returns.py beside the returns/ folder: a package of that
name would hide a module of the same name, and the readers could not be found).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from models.discovery import import_submodules

# What an occurrence means for the boleto, whatever code the bank gives it.
CONFIRMED = "confirmed"  # entrada confirmada: the bank registered the boleto
REJECTED = "rejected"  # entrada rejeitada (or an instruction refused), with reasons
SETTLED = "settled"  # liquidação: paid
WRITTEN_OFF = "written_off"  # baixa: the bank no longer collects it
OTHER = "other"  # anything else: recorded on the boleto's history
KINDS = (CONFIRMED, REJECTED, SETTLED, WRITTEN_OFF, OTHER)


class BadReturnFile(ValueError):
    """A retorno refused as a whole: `line` (1-based, None for the whole file) and why."""

    def __init__(self, line: int | None, reason: str):
        self.line, self.reason = line, reason
        super().__init__(f"line {line}: {reason}" if line else reason)


@dataclass(frozen=True)
class ReturnOccurrence:
    """One detail of a retorno: what happened to one boleto."""

    line: int  # the detail's first line in the file
    nosso_numero: str  # digits without check digit, as Bank.nosso_numero gives them
    code: str  # the bank's occurrence code ("06")
    kind: str  # one of KINDS
    description: str  # the code in the bank's words ("Liquidação normal")
    reasons: tuple[str, ...] = ()  # rejection or other motives, in the bank's words
    document_number: str = ""  # seu número, as the remessa sent it
    amount: Decimal = Decimal(0)  # valor do título
    paid: Decimal = Decimal(0)  # valor pago pelo pagador
    interest: Decimal = Decimal(0)  # juros de mora (banks that add juros and multa put both here)
    fine: Decimal = Decimal(0)  # multa
    discount: Decimal = Decimal(0)
    rebate: Decimal = Decimal(0)  # abatimento
    fee: Decimal = Decimal(0)  # tarifa the bank charged
    credited: Decimal = Decimal(0)  # valor líquido creditado
    occurred_on: date | None = None  # data da ocorrência (payment date for a liquidação)
    credit_date: date | None = None


@dataclass(frozen=True)
class ReturnFile:
    bank: str
    layout: int  # 240 or 400
    agency: str  # as the header states them, digits without check digit
    account: str
    agreement: str  # convênio / código do beneficiário / código da empresa, where it has one
    created_on: date | None
    sequence: int | None  # the bank's retorno number, where it has one
    occurrences: tuple[ReturnOccurrence, ...] = field(default_factory=tuple)


Reader = Callable[[list[str]], ReturnFile]
READERS: dict[tuple[str, int], Reader] = {}


def reader(bank: str, layout: int) -> Callable[[Reader], Reader]:
    """Decorator: the retorno reader of `bank` in CNAB `layout`."""

    def register(function: Reader) -> Reader:
        READERS[(bank, layout)] = function
        return function

    return register


def supported() -> list[tuple[str, int]]:
    return sorted(READERS)


def split_lines(data: bytes) -> list[str]:
    """The file's lines, every one the same length (240 or 400); BadReturnFile otherwise."""
    text = data.decode("latin-1")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and lines[-1].strip() in ("", "\x1a"):  # trailing newline, DOS end-of-file
        lines.pop()
    if not lines:
        raise BadReturnFile(None, "the file is empty")
    layout = len(lines[0])
    if layout not in (240, 400):
        raise BadReturnFile(1, f"{layout} characters; a CNAB line has 240 or 400")
    for number, line in enumerate(lines, 1):
        if len(line) != layout:
            raise BadReturnFile(number, f"{len(line)} characters, not {layout}")
    return lines


def header_bank(lines: list[str]) -> str:
    """The bank code of a retorno's header (positions 1-3 in CNAB 240, 77-79 in CNAB 400)."""
    first = lines[0]
    if len(first) == 240:
        if first[7] != "0":
            raise BadReturnFile(1, "the first line is not a file header (record type 0)")
        return first[0:3]
    if not first.startswith("02"):
        raise BadReturnFile(1, "the first line is not a retorno header (02RETORNO)")
    return first[76:79]


def parse(data: bytes) -> ReturnFile:
    """The retorno in `data`, read by its bank's reader; BadReturnFile when it is not right."""
    lines = split_lines(data)
    key = (header_bank(lines), len(lines[0]))
    if key not in READERS:
        raise BadReturnFile(1, f"no CNAB {key[1]} retorno reader for bank {key[0]!r}")
    return READERS[key](lines)


import_submodules("models.billing.cnab.returns")
