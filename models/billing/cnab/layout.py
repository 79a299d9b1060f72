"""Declarative CNAB records: each record is a table of fields by position, as the banks'
manuals print them (1-based, inclusive), with a type that fixes the padding.

Types, as the manuals name them:
- `X` text: accents removed, punctuation dropped, upper case, padded with spaces on the
  right, cut at the field's size (what brcobranca's `format_size` does);
- `9` number: digits, zero-padded on the left; a number that does not fit is an error, never cut;
- `V` a decimal value (money, a rate) in the field's `decimals` implied places, zero-padded;
- `D6` / `D8` a date as DDMMYY / DDMMYYYY; no date is zeros.

A Record checks when it is declared that its fields cover every position once, so a typo in a
position fails at import, not in a file sent to a bank.
"""

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

KINDS = {"X", "9", "V", "D6", "D8"}


class LayoutError(ValueError):
    """A record declared with a gap, an overlap or an unknown type."""


class FieldValueError(ValueError):
    """A value that the field cannot carry (too long a number, a negative amount...)."""


@dataclass(frozen=True)
class Field:
    name: str
    start: int
    end: int
    kind: str = "X"
    value: object = None  # a constant the field always holds (written as given, then padded)
    decimals: int = 2  # for V
    align: str = "left"  # X only: "right" pads on the left (brcobranca's rjust of a text)

    @property
    def size(self) -> int:
        return self.end - self.start + 1


def clean_text(value: object) -> str:
    """Text as the banks take it: no accents, no punctuation, one space between words, upper."""
    text = unicodedata.normalize("NFKD", str(value))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"\s+", " ", text.strip())
    text = re.sub(r"[^A-Za-z0-9 ]", "", text)
    return text.upper()


def _number(value: object, size: int, name: str) -> str:
    digits = str(value)
    if not digits.isdigit() or not digits.isascii():
        raise FieldValueError(f"{name}: {value!r} is not a whole number")
    if len(digits) > size:
        digits = digits.lstrip("0") or "0"
        if len(digits) > size:
            raise FieldValueError(f"{name}: {value!r} has more than {size} digits")
    return digits.zfill(size)


def format_field(field: Field, value: object) -> str:
    """`value` written into `field`'s positions."""
    size, kind = field.size, field.kind
    if kind == "X":
        text = clean_text("" if value is None else value)[:size]
        return text.rjust(size) if field.align == "right" else text.ljust(size)
    if value is None or value == "":
        return "0" * size
    if kind == "9":
        return _number(value, size, field.name)
    if kind == "V":
        scaled = Decimal(value).scaleb(field.decimals).quantize(Decimal(1))
        if scaled < 0:
            raise FieldValueError(f"{field.name}: {value!r} is negative")
        return _number(int(scaled), size, field.name)
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        raise FieldValueError(f"{field.name}: {value!r} is not a date")
    return value.strftime("%d%m%y" if kind == "D6" else "%d%m%Y")


def format_constant(field: Field) -> str:
    """A constant as given (a text constant keeps its punctuation: Caixa's "REMESSA-PRODUCAO"),
    then padded as its type says."""
    if field.kind == "X":
        return str(field.value).ljust(field.size)
    return format_field(field, field.value)


def parse_field(field: Field, text: str) -> object:
    """The value in `field`'s positions of a line: text stripped, digits as a string (leading
    zeros may matter: a nosso número), V as a Decimal, dates as a date or None for zeros."""
    kind = field.kind
    if kind == "X":
        return text.strip()
    if kind == "9":
        return text.strip()
    if not text.strip().isdigit():
        if text.strip("0 ") == "":
            return None if kind in ("D6", "D8") else Decimal(0)
        raise FieldValueError(f"{field.name}: {text!r} is not a number")
    if kind == "V":
        return Decimal(int(text)).scaleb(-field.decimals)
    if int(text) == 0:
        return None
    fmt = "%d%m%y" if kind == "D6" else "%d%m%Y"
    try:
        return datetime.strptime(text, fmt).date()
    except ValueError:
        raise FieldValueError(f"{field.name}: {text!r} is not a date") from None


class Record:
    """One line type of a CNAB file: a name, a length (240 or 400) and its fields in order."""

    def __init__(self, name: str, length: int, fields: Sequence[Field]):
        self.name, self.length, self.fields = name, length, tuple(fields)
        position = 1
        for field in self.fields:
            if field.kind not in KINDS:
                raise LayoutError(f"{name}.{field.name}: unknown type {field.kind!r}")
            if field.start != position or field.end < field.start:
                raise LayoutError(f"{name}.{field.name}: starts at {field.start}, not {position}")
            if field.kind == "X" and field.value is not None:
                text = str(field.value)
                if len(text) > field.size or not text.isascii() or text != text.upper():
                    raise LayoutError(f"{name}.{field.name}: constant {text!r} cannot be written")
            position = field.end + 1
        if position != length + 1:
            raise LayoutError(f"{name}: fields end at {position - 1}, not {length}")
        self.names = {f.name for f in self.fields if f.value is None and f.name}

    def render(self, values: Mapping[str, object]) -> str:
        """The line for `values` (by field name); a field not given is blank (spaces or
        zeros); a name this record does not have is an error (a typo would go unnoticed)."""
        unknown = set(values) - self.names
        if unknown:
            raise LayoutError(f"{self.name}: no field named {', '.join(sorted(unknown))}")
        line = "".join(
            format_constant(f) if f.value is not None else format_field(f, values.get(f.name))
            for f in self.fields
        )
        assert len(line) == self.length
        return line

    def parse(self, line: str) -> dict[str, object]:
        """The named fields of `line` (constants and unnamed fillers left out)."""
        if len(line) != self.length:
            size = len(line)
            raise FieldValueError(f"{self.name}: line has {size} characters, not {self.length}")
        return {
            f.name: parse_field(f, line[f.start - 1 : f.end])
            for f in self.fields
            if f.name and f.value is None
        }


def blank(start: int, end: int) -> Field:
    """Positions the layout leaves blank (brancos)."""
    return Field("", start, end, "X", value="")


def zeros(start: int, end: int) -> Field:
    """Positions the layout fills with zeros."""
    return Field("", start, end, "9", value="0")
