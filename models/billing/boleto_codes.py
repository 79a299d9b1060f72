"""FEBRABAN boleto codes: due-date factor, 44-digit barcode, 47-digit linha digitável.

Pure calculations (no database, no Flask), tested with tables of published answers. The bank's
own part, the 25-digit free field, comes from models/billing/boleto_banks.py.

Barcode (44): bank (3) + currency 9 + general check digit + due-date factor (4) + amount in
cents (10) + free field (25). Linha digitável (47): three fields of the bank, currency and free
field, each with a modulo-10 check digit, then the general check digit, then factor + amount.
"""

import re
from datetime import date, timedelta
from decimal import Decimal

CURRENCY_REAL = "9"
FACTOR_BASE = date(1997, 10, 7)
# Factor 9999 was reached on 2025-02-21; FEBRABAN restarts it at 1000 the next day, and every
# 9000 days after that.
FACTOR_RESTART = date(2025, 2, 22)
FACTOR_FIRST = FACTOR_BASE + timedelta(days=1000)  # 2000-07-03, the first date with a factor
MAX_CENTS = 10**10 - 1


def modulo10(digits: str) -> int:
    """Check digit by modulo 10: weights 2, 1, 2, 1... from the right, products' digits summed."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        product = int(char) * (2 if position % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


def modulo11_weighted_sum(digits: str, top: int = 9) -> int:
    """Sum of the digits times weights 2..top from the right, repeating (the modulo-11 base)."""
    span = top - 1
    return sum(int(char) * (2 + i % span) for i, char in enumerate(reversed(digits)))


def barcode_check_digit(digits43: str) -> int:
    """The barcode's general check digit: modulo 11, weights 2..9; 0, 10 and 11 become 1."""
    result = 11 - modulo11_weighted_sum(digits43) % 11
    return 1 if result in (0, 10, 11) else result


# Banks that print their code's check digit otherwise than the rule below gives.
PRINTED_BANK_DV = {"748": "X"}  # Sicredi prints 748-X (the rule gives 0)


def bank_code_with_dv(bank: str) -> str:
    """The bank code as a boleto prints it ("001-9", "237-2"): modulo 11, 10 and 11 become 0."""
    if bank in PRINTED_BANK_DV:
        return f"{bank}-{PRINTED_BANK_DV[bank]}"
    result = 11 - modulo11_weighted_sum(bank) % 11
    return f"{bank}-{0 if result >= 10 else result}"


def due_date_factor(due: date) -> int:
    """The 4-digit due-date factor: days since 1997-10-07, restarting at 1000 after 9999."""
    if due < FACTOR_FIRST:
        raise ValueError(f"due date {due} is before the first date with a factor ({FACTOR_FIRST})")
    days = (due - FACTOR_BASE).days
    return (days - 1000) % 9000 + 1000


def amount_cents(amount: Decimal) -> int:
    """The amount in cents as the barcode's 10 digits hold it; refuses what does not fit."""
    cents = Decimal(amount) * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"amount {amount} has fractions of a cent")
    if not 0 <= cents <= MAX_CENTS:
        raise ValueError(f"amount {amount} does not fit a boleto (0 to 99,999,999.99)")
    return int(cents)


def barcode(bank: str, due: date, amount: Decimal, free_field: str) -> str:
    """The 44-digit FEBRABAN barcode of a boleto in reais."""
    if not re.fullmatch(r"\d{3}", bank):
        raise ValueError(f"bank code {bank!r} is not 3 digits")
    if not re.fullmatch(r"\d{25}", free_field):
        raise ValueError(f"free field {free_field!r} is not 25 digits")
    tail = f"{due_date_factor(due):04d}{amount_cents(amount):010d}{free_field}"
    dv = barcode_check_digit(bank + CURRENCY_REAL + tail)
    return f"{bank}{CURRENCY_REAL}{dv}{tail}"


def linha_digitavel(code: str) -> str:
    """The 47 digits a payer types, from the 44-digit barcode."""
    _check_barcode(code)
    free = code[19:44]
    fields = [code[0:4] + free[0:5], free[5:15], free[15:25]]
    checked = "".join(field + str(modulo10(field)) for field in fields)
    return checked + code[4] + code[5:19]


def format_linha(linha: str) -> str:
    """The linha digitável as printed: "00190.00009 01238.798779 77700.168188 3 37710000013500"."""
    if not re.fullmatch(r"\d{47}", linha):
        raise ValueError("a linha digitável has 47 digits")
    return (
        f"{linha[0:5]}.{linha[5:10]} {linha[10:15]}.{linha[15:21]} "
        f"{linha[21:26]}.{linha[26:32]} {linha[32]} {linha[33:47]}"
    )


def barcode_from_linha(text: str) -> str:
    """The 44-digit barcode from a linha digitável (formatted or not), its check digits verified."""
    linha = re.sub(r"[\s.]", "", text)
    if not re.fullmatch(r"\d{47}", linha):
        raise ValueError("a linha digitável has 47 digits")
    for number, (start, end) in enumerate(((0, 9), (10, 20), (21, 31)), start=1):
        if modulo10(linha[start:end]) != int(linha[end]):
            raise ValueError(f"check digit of field {number} of the linha digitável is wrong")
    free = linha[4:9] + linha[10:20] + linha[21:31]
    code = linha[0:4] + linha[32] + linha[33:47] + free
    _check_barcode(code)
    return code


def _check_barcode(code: str) -> None:
    if not re.fullmatch(r"\d{44}", code):
        raise ValueError("a boleto barcode has 44 digits")
    if barcode_check_digit(code[:4] + code[5:]) != int(code[4]):
        raise ValueError("the barcode's general check digit is wrong")
