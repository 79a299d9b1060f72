"""Schemas shared by every domain: errors, paging, text, and Brazilian identifier fields.

Every input field documents exactly what it accepts (a pattern, a format, an enum, lengths)
and accepts exactly that: a request the OpenAPI document calls valid is never refused for its
shape, and one it calls invalid is never taken. Patterns are written for both ECMA-262 (the
flavour JSON Schema names) and Python's `re`, which checks them here with `fullmatch`.
"""

import re
import unicodedata
from collections.abc import Mapping
from decimal import Decimal

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
    validates_schema,
)

from models.billing.receivables import MAX_AMOUNT
from models.customers import identifiers as documents
from models.customers.card_crypto import is_valid_number
from models.fiscal.ibge import CITY_CODE_PATTERN, uf_of_city_code
from models.service.equipment import MAC_PATTERN, NOT_A_DEVICE, normalize_mac

MAX_PER_PAGE = 200


def _storable(text: str) -> bool:
    """PostgreSQL text holds no NUL, and a lone surrogate is not UTF-8."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class InputSchema(Schema):
    """Base of every input schema: unknown fields are an error, never silently dropped."""

    class Meta:
        unknown = RAISE

    @pre_load
    def _reject_unstorable_text(self, data, **_kwargs):
        if isinstance(data, Mapping):
            errors = {
                key: ["Contains characters that cannot be stored (NUL or a lone surrogate)."]
                for key, value in data.items()
                if isinstance(value, str) and not _storable(value)
            }
            if errors:
                raise ValidationError(errors)
        return data


class PatchInput(InputSchema):
    """Base of PATCH bodies: every field optional, at least one of them given.

    An empty change is refused rather than answered with a 200 that did nothing.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)

    @validates_schema
    def _not_empty(self, data, **_kwargs):
        if not data:
            raise ValidationError("Send at least one field to change.")

    @classmethod
    def openapi_schema(cls, generated: dict, register) -> dict:
        """The generated JSON Schema, saying that `{}` changes nothing and is refused."""
        return {**generated, "minProperties": 1}


class ErrorSchema(Schema):
    """The one error envelope every route answers with."""

    status = fields.Integer(required=True, metadata={"description": "HTTP status"})
    code = fields.String(required=True, metadata={"description": "Machine-readable error code"})
    message = fields.String(required=True)
    errors = fields.Dict(
        keys=fields.String(),
        required=True,
        metadata={
            "description": "Field name -> list of messages (a nested object: part -> messages); "
            "{} when no field is to blame"
        },
    )


class PageQuery(InputSchema):
    """?page=&per_page= for every list."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PER_PAGE))


class Date(fields.Date):
    """A calendar date written YYYY-MM-DD, as the document's `format: date` says; not the other
    spellings Python's fromisoformat reads (20270120, 2027-W03-1), which the document refuses.

    Every date the API takes is one of these. Years 0001 to 9999: arithmetic that would leave
    that calendar is a 422 naming the field (models.clock.shift_days), never a 500.
    """

    PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"

    def __init__(self, **kwargs):
        metadata = {"pattern": self.PATTERN, "example": "2027-01-20"}
        kwargs["metadata"] = {**metadata, **kwargs.get("metadata", {})}
        super().__init__(format="iso", **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not re.fullmatch(self.PATTERN[1:-1], value):
            raise ValidationError('A date as "YYYY-MM-DD", such as "2027-01-20".')
        return super()._deserialize(value, attr, data, **kwargs)


class PeriodQuery(InputSchema):
    """`from` and `to` of an extract: dates in the ISP's zone, `to` included; loaded under the
    keys `from` and `to` (a Python keyword needs the attribute `from_`)."""

    from_ = Date(data_key="from", metadata={"description": "First day (ISP's zone)"})
    to = Date(metadata={"description": "Last day, included (ISP's zone)"})

    @post_load
    def _period_keys(self, data, **_kwargs):
        if "from_" in data:
            data["from"] = data.pop("from_")
        return data


def page_of(item_schema: type[Schema], name: str, **extra: fields.Field) -> type[Schema]:
    """The list envelope {items, total, page, per_page} around `item_schema`."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "total": fields.Integer(required=True),
            "page": fields.Integer(required=True),
            "per_page": fields.Integer(required=True),
            **extra,
        },
        name=name,
    )


# --- character classes ---------------------------------------------------------------------------


def _class_body(categories: set[str], extra: str = "") -> str:
    """The BMP characters of these Unicode categories (plus `extra`), as a character-class body.

    BMP only: ECMA-262 without the `u` flag cannot name a character beyond it in a class.
    """
    members = (chr(c) for c in range(0x10000) if unicodedata.category(chr(c)) in categories)
    chars = sorted({*extra, *members})
    runs: list[list[str]] = []
    for char in chars:
        if runs and ord(char) == ord(runs[-1][-1]) + 1:
            runs[-1].append(char)
        else:
            runs.append([char])
    return "".join(
        _class_char(run[0]) if len(run) == 1 else f"{_class_char(run[0])}-{_class_char(run[-1])}"
        for run in runs
    )


def _class_char(char: str) -> str:
    return char if char.isascii() and (char.isalnum() or char in " ./") else f"\\u{ord(char):04x}"


# Control characters (Unicode category Cc: C0, DEL, C1); text fields refuse them.
_CONTROL = r"\x00-\x1f\x7f-\x9f"
_LINE_SEPARATORS = r"\u2028\u2029"
# The blanks str.strip() trims that are not control characters: Unicode spaces (Zs).
_SPACES = _class_body({"Zs"})
# What people type or paste between the groups of a document, CEP or phone: the separators
# models.customers.identifiers reads as "-" or " " (Unicode dashes Pd and the minus sign, spaces
# Zs).
_SEPARATORS = _class_body({"Zs", "Pd"}, extra="\u2212")


class Text(fields.String):
    """Printable text, trimmed of surrounding blanks; blank optional text becomes null.

    Control characters are refused; a `multiline` field (notes) accepts tabs and line breaks.
    The raw value must fit `max_length` and the documented pattern, which also says how many
    characters must remain after trimming (`min_length`) or the form they must have (`shape`,
    a regular expression for the trimmed value).
    """

    def __init__(
        self,
        *,
        max_length: int | None = None,
        min_length: int = 0,
        multiline: bool = False,
        shape: str | None = None,
        shape_error: str = "Not in the expected form.",
        **kwargs,
    ):
        self.max_length = max_length
        self.min_length = min_length
        self.shape = shape
        self.shape_error = shape_error
        allowed, blank, refused = _text_classes(multiline)
        self.pattern = _text_pattern(allowed, blank, min_length, shape)
        self._compiled = re.compile(self.pattern)
        self._refused = re.compile(refused)
        kwargs["metadata"] = {**_text_metadata(self, multiline), **kwargs.get("metadata", {})}
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        self._check_raw(value)
        value = value.strip()
        if not value and self.allow_none:
            return None
        return value

    def _check_raw(self, value: str) -> None:
        if self.max_length is not None and len(value) > self.max_length:
            raise ValidationError(f"Longer than {self.max_length} characters.")
        if self._refused.search(value):
            raise ValidationError("Contains control characters or line breaks, not allowed here.")
        if not self._compiled.fullmatch(value):
            raise ValidationError(self.shape_error if self.shape else self._too_short())

    def _too_short(self) -> str:
        if self.min_length == 1:
            return "Cannot be blank."
        return f"Needs at least {self.min_length} characters besides surrounding blanks."


def _text_classes(multiline: bool) -> tuple[str, str, str]:
    """(an allowed character, a blank str.strip() trims, a refused character) as classes."""
    if multiline:
        refused = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"  # all of Cc but tab, LF and CR
        blank = f"\\t\\n\\r{_LINE_SEPARATORS}{_SPACES}"
    else:
        refused = f"{_CONTROL}{_LINE_SEPARATORS}"
        blank = _SPACES
    return f"[^{refused}]", f"[{blank}]", f"[{refused}]"


def _text_pattern(allowed: str, blank: str, min_length: int, shape: str | None) -> str:
    """The pattern a raw value must match: trimmed, it has `shape` or `min_length` characters."""
    if shape is not None:
        return f"^{blank}*(?:{shape}){blank}*$"
    visible = f"[^{_CONTROL}{_LINE_SEPARATORS}{_SPACES}]"  # neither blank nor control
    if min_length == 0:
        return f"^{allowed}*$"
    if min_length == 1:
        return f"^{allowed}*{visible}{allowed}*$"
    # Trimmed length >= n: two visible characters at least n - 1 apart.
    between = "*" if min_length == 2 else f"{{{min_length - 2},}}"
    return f"^{allowed}*{visible}{allowed}{between}{visible}{allowed}*$"


def _text_metadata(field: Text, multiline: bool) -> dict:
    what = "tabs and line breaks allowed" if multiline else "one line"
    metadata = {
        "pattern": field.pattern,
        "description": f"Text without control characters ({what}); surrounding blanks are trimmed.",
    }
    if field.max_length is not None:
        metadata["maxLength"] = field.max_length
    if field.min_length:
        metadata["minLength"] = field.min_length
    return metadata


class Password(fields.String):
    """A password: printable text of `min_length` to 1024 characters, kept exactly as typed."""

    PATTERN = f"^[^{_CONTROL}]*$"

    def __init__(self, *, min_length: int, **kwargs):
        metadata = {"pattern": self.PATTERN, **kwargs.pop("metadata", {})}
        super().__init__(
            load_only=True,
            validate=validate.Length(min=min_length, max=1024),
            metadata=metadata,
            **kwargs,
        )

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if not re.fullmatch(self.PATTERN, value):
            raise ValidationError("Contains control characters, not allowed in a password.")
        return value


class DeviceSecret(fields.String):
    """A secret a device is configured with (a PPPoE password, a RADIUS shared secret):
    6 to 128 printable ASCII characters without spaces, kept exactly, never shown back."""

    PATTERN = "^[!-~]{6,128}$"

    def __init__(self, **kwargs):
        metadata = {"pattern": self.PATTERN, "description": "Never shown back"}
        super().__init__(
            load_only=True, metadata={**metadata, **kwargs.pop("metadata", {})}, **kwargs
        )

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if not re.fullmatch(self.PATTERN[1:-1], value):  # fullmatch: "$" would pass a final \n
            raise ValidationError("6 to 128 printable ASCII characters without spaces.")
        return value


class StrictBoolean(fields.Boolean):
    """A JSON true or false; not 0, 1, "yes" or "off" (query strings keep fields.Boolean)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class Email(fields.Email):
    """An e-mail address as the document's `format: email` says, stored in lower case.

    Not trimmed: " maria@example.com" is not an e-mail address, and the document says so.
    """

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).lower()


class _Identifier(fields.String):
    """A Brazilian identifier: documented by a `format` and a pattern; stored bare, shown formatted.

    The pattern says how it may be written (groups and separators); the format adds what no
    pattern can (check digits, known area codes), and tests generate valid values from it.
    """

    FORMAT: str
    PATTERN: str
    SPELLING: str
    # A valid value: the docs show it, and fuzzers that draw from the pattern alone use it.
    EXAMPLE: str

    @staticmethod
    def normalize(value: str) -> str:
        raise NotImplementedError

    @staticmethod
    def format(value: str) -> str:
        raise NotImplementedError

    def __init__(self, **kwargs):
        metadata = {
            "format": self.FORMAT,
            "pattern": self.PATTERN,
            "example": self.EXAMPLE,
            **kwargs.pop("metadata", {}),
        }
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if not re.fullmatch(self.PATTERN, value):
            raise ValidationError(self.SPELLING)
        try:
            return self.normalize(value)
        except ValueError as error:
            raise ValidationError(str(error)) from None

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else self.format(value)


_SEP = f"[./{_SEPARATORS}]?"  # one separator between groups, or none


class Cpf(_Identifier):
    FORMAT = "cpf"
    PATTERN = f"^[0-9]{{3}}{_SEP}[0-9]{{3}}{_SEP}[0-9]{{3}}{_SEP}[0-9]{{2}}$"
    SPELLING = "Write the CPF as 123.456.789-09 or 12345678909."
    EXAMPLE = "529.982.247-25"
    normalize = staticmethod(documents.normalize_cpf)
    format = staticmethod(documents.format_cpf)


class Cnpj(_Identifier):
    FORMAT = "cnpj"
    PATTERN = (
        f"^[0-9A-Za-z]{{2}}{_SEP}[0-9A-Za-z]{{3}}{_SEP}[0-9A-Za-z]{{3}}{_SEP}"
        f"[0-9A-Za-z]{{4}}{_SEP}[0-9]{{2}}$"
    )
    SPELLING = "Write the CNPJ as 12.345.678/0001-95 or 12.ABC.345/01DE-35, or without punctuation."
    EXAMPLE = "11.222.333/0001-81"
    normalize = staticmethod(documents.normalize_cnpj)
    format = staticmethod(documents.format_cnpj)


class Cep(_Identifier):
    FORMAT = "cep"
    # CEPs start at 01000-000.
    PATTERN = f"^(?:0[1-9]|[1-9][0-9])[.]?[0-9]{{3}}{_SEP}[0-9]{{3}}$"
    SPELLING = "Write the CEP as 01310-100, 01.310-100 or 01310100."
    EXAMPLE = "01310-100"
    normalize = staticmethod(documents.normalize_cep)
    format = staticmethod(documents.format_cep)


_PHONE_SEP = f"[.{_SEPARATORS}]?"


def _area_codes() -> str:
    """The known area codes (DDD) as a regex alternation: 1[1-9]|2[12478]|..."""
    units: dict[str, str] = {}
    for ddd in sorted(documents.DDDS):
        units[ddd[0]] = units.get(ddd[0], "") + ddd[1]
    return "|".join(f"{tens}[{digits}]" for tens, digits in units.items())


_DDD = f"(?:{_area_codes()})"


class Phone(_Identifier):
    """A landline (2-5 after the area code, 8 digits) or a mobile (9, then 8 digits)."""

    FORMAT = "phone-br"
    PATTERN = (
        f"^(?:\\+?55{_PHONE_SEP})?(?:\\({_DDD}\\)|{_DDD}){_PHONE_SEP}"
        f"(?:[2-5][0-9]{{3}}|9[0-9]{{4}}){_PHONE_SEP}[0-9]{{4}}$"
    )
    SPELLING = "Write the phone with its area code: (11) 98765-4321, 1133334444, +55 11 3333-4444."
    EXAMPLE = "(11) 3333-4444"
    normalize = staticmethod(documents.normalize_phone)
    format = staticmethod(documents.format_phone)


class Uf(fields.String):
    """A Brazilian state code (UF), in upper case as the document's enum lists them."""

    def __init__(self, **kwargs):
        super().__init__(
            validate=validate.OneOf(sorted(documents.UFS), error="Not a state code (UF): {input}."),
            **kwargs,
        )


class Money(fields.Field):
    """An amount in reais, sent and received as a string ("129.90"): never a float."""

    PATTERN = r"^[0-9]{1,10}(\.[0-9]{1,2})?$"

    def __init__(self, **kwargs):
        metadata = {"type": "string", "pattern": self.PATTERN, "example": "129.90"}
        kwargs["metadata"] = {**metadata, **kwargs.get("metadata", {})}
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not re.fullmatch(self.PATTERN, value):
            raise ValidationError('An amount as a string, up to 2 decimals: "129.90".')
        return Decimal(value)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else f"{value:.2f}"


def billable_money(**kwargs) -> Money:
    """An amount a customer is billed: at most what a boleto carries
    (models.billing.receivables)."""
    limit = validate.Range(
        max=MAX_AMOUNT, error=f"At most {MAX_AMOUNT} (the most a boleto carries)."
    )
    return Money(validate=limit, **kwargs)


class HourMinute(fields.Time):
    """A time of day as "HH:MM" (24 hours), loaded as a `datetime.time`."""

    PATTERN = "^([01][0-9]|2[0-3]):[0-5][0-9]$"

    def __init__(self, **kwargs):
        metadata = {"type": "string", "pattern": self.PATTERN, "example": "08:30"}
        kwargs["metadata"] = {**metadata, **kwargs.get("metadata", {})}
        super().__init__(format="%H:%M", **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not re.fullmatch(self.PATTERN[1:-1], value):
            raise ValidationError('A time of day as "HH:MM", such as "08:30".')
        return super()._deserialize(value, attr, data, **kwargs)


class WholeNumber(fields.Integer):
    """A JSON integer: not a string of digits, a boolean or a float."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid", input=value)
        return super()._deserialize(value, attr, data, **kwargs)


# --- one field type per kind of value (issue 15) ------------------------------------------------
# Every schema that takes a MAC, a phone, a card number, a CPF/CNPJ or a CEP uses the one class
# of that kind (Cpf, Cnpj, Cep, Phone above; the classes below), so each route accepts the same
# notations and stores the same canonical form.


class MobilePhone(Phone):
    """A Brazilian mobile: the area code, then 9 and 8 digits; a landline is refused."""

    FORMAT = "mobile-br"
    PATTERN = (
        f"^(?:\\+?55{_PHONE_SEP})?(?:\\({_DDD}\\)|{_DDD}){_PHONE_SEP}"
        f"9[0-9]{{4}}{_PHONE_SEP}[0-9]{{4}}$"
    )
    SPELLING = (
        "A mobile number with its area code, 9 and 8 digits: (11) 98765-4321, 11987654321 "
        "(a landline such as (11) 3333-4444 is not a mobile)."
    )
    EXAMPLE = "(11) 98765-4321"
    normalize = staticmethod(documents.normalize_mobile)


class MacAddress(Text):
    """A MAC in any common notation (AA:BB:CC:DD:EE:FF, aa-bb-cc-dd-ee-ff, aabb.ccdd.eeff,
    aabbccddeeff), stored and answered as aa:bb:cc:dd:ee:ff; no broadcast or all-zero one."""

    def __init__(self, **kwargs):
        metadata = {"example": "aa:bb:cc:dd:ee:ff", **kwargs.pop("metadata", {})}
        super().__init__(
            shape=MAC_PATTERN,
            max_length=17,
            shape_error="A MAC such as AA:BB:CC:DD:EE:FF, aa-bb-cc-dd-ee-ff, aabb.ccdd.eeff "
            "or aabbccddeeff.",
            metadata=metadata,
            **kwargs,
        )

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if value is None:
            return None
        mac = normalize_mac(value)
        if mac in NOT_A_DEVICE:
            raise ValidationError("A broadcast or all-zero address is no device's MAC.")
        return mac


# Between two digits of a card number: nothing, or one space or dash (Unicode ones too).
_CARD_SEP = f"[{_SEPARATORS}]?"


class CardNumber(fields.String):
    """13 to 19 digits with a right Luhn check digit, bare or grouped by spaces or dashes
    (4111 1111 1111 1111, 4111-1111-1111-1111); stored as the digits, write-only.

    The error message never repeats the value: a card number must not come back in an answer.
    """

    PATTERN = f"^[0-9](?:{_CARD_SEP}[0-9]){{12,18}}$"

    def __init__(self, **kwargs):
        metadata = {
            "pattern": self.PATTERN,
            "format": "card-number",
            "example": "4111 1111 1111 1111",
            "description": "13-19 digits, Luhn-checked, spaces or dashes between groups allowed; "
            "write-only (shown as 411111******1111)",
            **kwargs.pop("metadata", {}),
        }
        super().__init__(load_only=True, metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not re.fullmatch(self.PATTERN[1:-1], value):
            raise ValidationError("13 to 19 digits, bare or grouped by spaces or dashes.")
        digits = re.sub("[^0-9]", "", value)
        if not is_valid_number(digits):
            raise ValidationError("Not a valid card number (its check digit is wrong).")
        return digits


class LocalPhone(Text):
    """A phone number without its area code (that comes in a field of its own): a landline's
    8 digits or a mobile's 9, written as the Phone field takes them; stored as the digits."""

    def __init__(self, **kwargs):
        super().__init__(
            shape=f"(?:[2-5][0-9]{{3}}|9[0-9]{{4}}){_PHONE_SEP}[0-9]{{4}}",
            max_length=10,
            shape_error="8 or 9 digits, without the area code: 3333-4444, 98765 4321.",
            **kwargs,
        )

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        return None if value is None else re.sub("[^0-9]", "", value)


def city_code(**kwargs) -> Text:
    """A municipality's IBGE code: 7 digits (its first two, the state's code)."""
    return Text(
        shape=CITY_CODE_PATTERN[1:-1],
        max_length=7,
        shape_error="The municipality's 7-digit IBGE code.",
        metadata={"example": "3550308", "description": "The municipality's IBGE code (cMun)"},
        **kwargs,
    )


def city_code_errors(code: str | None, uf: str | None) -> list[str]:
    """Why `code` cannot be a municipality of `uf` (none when either is absent)."""
    if not code or not uf:
        return []
    found = uf_of_city_code(code)
    if found == uf:
        return []
    return [f"Not a municipality of {uf}: IBGE codes of {uf} start with another state's code."]
