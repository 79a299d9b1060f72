"""What the CNAB 400 retornos of our banks share (registers nothing): a header (0), details
(1, or 7 in Banco do Brasil's CBR643), a trailer (9), every line numbered in 395-400. Each
bank's module (`<bank>_400.py`) declares its records, its occurrence table and how its nosso
número becomes ours, and passes them to `read`.

A detail Record names its fields as `DETAIL_NAMES` says; the amounts a bank does not have are
simply not in its record.
"""

from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal

from models.billing.cnab.layout import Field, Record
from models.billing.cnab.return_readers.febraban240 import describe_reasons, parse_line
from models.billing.cnab.returns import (
    OTHER,
    BadReturnFile,
    ReturnFile,
    ReturnOccurrence,
)

# Every CNAB 400 line: its type (1) and its number in the file (395-400).
LINE_KIND = Record(
    "line",
    400,
    [Field("record_type", 1, 1, "X"), Field("middle", 2, 394, "X"), Field("number", 395, 400, "X")],
)

# Names a detail record gives the values we read (each bank's positions differ).
DETAIL_NAMES = (
    "code", "nosso_numero", "document_number", "due_date", "amount", "fee", "rebate",
    "discount", "paid", "credited", "interest", "occurred_on", "credit_date", "reasons",
)  # fmt: skip


def read(
    lines: list[str],
    *,
    bank: str,
    header: Record,
    details: Mapping[str, Record],
    trailer: Record,
    nosso_numero: Callable[[dict, int], str],
    movements: Mapping[str, tuple[str, str]],
    reasons: Mapping[str, Mapping[str, str]],
    ignored: tuple[str, ...] = (),
    check_trailer: Callable[[dict, list[ReturnOccurrence], int], None] | None = None,
    agency_account: Callable[[dict], tuple[str, str, str]] = lambda h: (
        str(h.get("agency", "")),
        str(h.get("account", "")),
        str(h.get("agreement", "")),
    ),
) -> ReturnFile:
    """The retorno in `lines`; BadReturnFile when a line is out of place or numbered wrong, the
    trailer is missing (a truncated file) or its counts differ from the details."""
    for number, line in enumerate(lines, 1):
        kind = parse_line(LINE_KIND, line, number)
        if kind["number"] != f"{number:06d}":
            raise BadReturnFile(number, f"numbered {kind['number']!r} in 395-400, not {number}")
    if not lines[-1].startswith("9"):
        raise BadReturnFile(len(lines), "the file ends without its trailer (truncated?)")
    head = parse_line(header, lines[0], 1)
    occurrences = []
    for number, line in enumerate(lines[1:-1], 2):
        record_type = line[:1]  # the LINE_KIND's record_type, checked just above
        if record_type in ignored:
            continue
        if record_type not in details:
            raise BadReturnFile(number, f"record type {record_type!r} is not a detail here")
        fields = parse_line(details[record_type], line, number)
        occurrences.append(_occurrence(fields, number, nosso_numero, movements, reasons))
    tail = parse_line(trailer, lines[-1], len(lines))
    if check_trailer:
        check_trailer(tail, occurrences, len(lines))
    agency, account, agreement = agency_account(head)
    created = head.get("created_on")
    return ReturnFile(
        bank=bank,
        layout=400,
        agency=agency.lstrip("0") or "0",
        account=account.lstrip("0") or "0",
        agreement=agreement.lstrip("0"),
        created_on=created if isinstance(created, date) else None,
        sequence=int(head["sequence"]) if head.get("sequence", "").strip() else None,
        occurrences=tuple(occurrences),
    )


def _occurrence(fields, line, nosso_numero, movements, reasons) -> ReturnOccurrence:
    code = str(fields["code"])
    kind, description = movements.get(code, (OTHER, f"Código de ocorrência {code}"))
    return ReturnOccurrence(
        line=line,
        nosso_numero=nosso_numero(fields, line),
        code=code,
        kind=kind,
        description=description,
        reasons=describe_reasons(code, str(fields.get("reasons", "")), reasons),
        document_number=str(fields.get("document_number", "")),
        amount=fields.get("amount", Decimal(0)),
        paid=fields.get("paid", Decimal(0)),
        interest=fields.get("interest", Decimal(0)),
        discount=fields.get("discount", Decimal(0)),
        rebate=fields.get("rebate", Decimal(0)),
        fee=fields.get("fee", Decimal(0)),
        credited=fields.get("credited", Decimal(0)),
        occurred_on=fields.get("occurred_on"),
        credit_date=fields.get("credit_date"),
    )


def count_check(what: str, stated: object, actual: int, line: int) -> None:
    if int(str(stated) or 0) != actual:
        raise BadReturnFile(
            line, f"the trailer counts {int(str(stated) or 0)} {what}, not {actual}"
        )


def total_check(what: str, stated: Decimal, actual: Decimal, line: int) -> None:
    if stated != actual:
        raise BadReturnFile(line, f"the trailer's {what} is {stated}, the details add to {actual}")
