"""Brazilian formats on screen (Jinja filters) and in forms (turned into the API's notations).

On screen: dd/mm/aaaa, times in the ISP's zone, R$ 1.234,56, CPF/CNPJ/CEP/phone with their
masks. In forms people type the same way; `api_date` and `api_money` turn what they typed into
what the schemas read (YYYY-MM-DD, 1234.56), leaving anything else for the schema to refuse.
"""

import re
from datetime import date, datetime

from flask import Flask

from models import clock
from models.customers.extra_fields import DATE, NUMBER
from models.customers.identifiers import format_cep, format_cnpj, format_cpf, format_phone
from models.notices.email_templates import date_br, money_br

_BR_DATE = re.compile(r"\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*")
_BR_MONEY = re.compile(r"\s*(?:R\$\s*)?(-?\d{1,3}(?:\.\d{3})*|-?\d+)(?:,(\d{1,2}))?\s*")
_BR_NUMBER = re.compile(r"\s*-?[0-9.]*,[0-9]*\s*")


def on_screen_date(value: date | datetime | None) -> str:
    """dd/mm/aaaa (a datetime in the ISP's zone); empty for nothing."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(clock.zone()).date()
    return date_br(value)


def on_screen_time(value: datetime | None) -> str:
    """dd/mm/aaaa hh:mm in the ISP's zone; empty for nothing."""
    if value is None:
        return ""
    return value.astimezone(clock.zone()).strftime("%d/%m/%Y %H:%M")


def on_screen_money(value) -> str:
    return "" if value is None else money_br(value)


def on_screen_count(value: int | None) -> str:
    """A count as Brazilians write it: 120.000."""
    return "" if value is None else f"{value:,}".replace(",", ".")


def on_screen_document(value: str | None) -> str:
    """A CPF (11 digits) or CNPJ (14 characters) with its mask; anything else as it is."""
    if not value:
        return ""
    if len(value) == 11 and value.isdigit():
        return format_cpf(value)
    if len(value) == 14:
        return format_cnpj(value)
    return value


def on_screen_cep(value: str | None) -> str:
    return format_cep(value) if value and len(value) == 8 else (value or "")


def on_screen_phone(value: str | None) -> str:
    return format_phone(value) if value and len(value) in (10, 11) else (value or "")


def api_date(typed: str) -> str:
    """dd/mm/aaaa as YYYY-MM-DD (what the schemas read); anything else unchanged."""
    match = _BR_DATE.fullmatch(typed or "")
    if not match:
        return typed
    day, month, year = match.groups()
    return f"{year}-{int(month):02d}-{int(day):02d}"


def api_money(typed: str) -> str:
    """1.234,56 or R$ 1234,5 as 1234.56; a dot-decimal amount or anything else unchanged."""
    match = _BR_MONEY.fullmatch(typed or "")
    if not match or ("," not in typed and "." in typed):  # 1234.56 is already the API's
        return typed
    whole, cents = match.groups()
    return f"{whole.replace('.', '')}.{(cents or '0').ljust(2, '0')}"


def api_number(typed: str) -> str:
    """1.234,5 or 12,5 as 1234.5 / 12.5 (the API's); anything else unchanged for the model."""
    if _BR_NUMBER.fullmatch(typed or ""):
        return typed.strip().replace(".", "").replace(",", ".")
    return typed


def on_screen_extra(field, value: str | None) -> str:
    """An extra field's stored value as people read and type it [5.2, 5.4.11]: dates dd/mm/aaaa,
    numbers with a decimal comma."""
    if value is None:
        return ""
    if field.type == DATE:
        try:
            return on_screen_date(date.fromisoformat(value))
        except ValueError:
            return value
    if field.type == NUMBER:
        return value.replace(".", ",")
    return value


def api_extra(field, typed: str) -> str:
    """What was typed for an extra field as the API's value: dd/mm/aaaa as YYYY-MM-DD, 12,5 as
    12.5; anything else unchanged, for the schema or the model to refuse."""
    if field.type == DATE:
        return api_date(typed)
    if field.type == NUMBER:
        return api_number(typed)
    return typed


def install(app: Flask) -> None:
    """The filters templates use: `x|data`, `x|datahora`, `x|dinheiro`, `x|contagem`..."""
    app.jinja_env.filters.update(
        data=on_screen_date,
        datahora=on_screen_time,
        dinheiro=on_screen_money,
        contagem=on_screen_count,
        documento=on_screen_document,
        cep=on_screen_cep,
        telefone=on_screen_phone,
    )
