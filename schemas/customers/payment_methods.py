"""Payment data, "Dados Débito" [5.6]: a method's input by kind, its masked output.

Error messages never repeat the value sent: a card number or security code typed in the wrong
field must not come back in an answer (or a log of one).
"""

import re

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from models.customers.identifiers import DDDS
from models.customers.payment_methods import (
    ACCOUNT_TYPES,
    BANK_DEBIT,
    CARD,
    DEBIT_STATUSES,
    METHODS,
    PHONE_BILL_DEBIT,
)
from schemas.common import (
    CardNumber,
    InputSchema,
    LocalPhone,
    PatchInput,
    StrictBoolean,
    Text,
    page_of,
)

# Required and optional fields of each method (is_default and debit_status go with any).
METHOD_INPUT = {
    "boleto": ((), ()),
    BANK_DEBIT: (("bank_code", "agency", "account_number", "account_type"), ("identifier_code",)),
    CARD: (("card_number", "expiry", "security_code"), ()),
    PHONE_BILL_DEBIT: (("ddd", "phone", "contract_number"), ()),
}


class _Digits(fields.String):
    """Digits only, kept exactly, never shown back; the error message never echoes the value."""

    def __init__(self, pattern: str, error: str, **kwargs):
        self.regex, self.error = pattern, error
        metadata = {"pattern": f"^{pattern}$", **kwargs.pop("metadata", {})}
        super().__init__(load_only=True, metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not re.fullmatch(self.regex, value):
            raise ValidationError(self.error)
        return value


def _security_code() -> _Digits:
    description = "3 or 4 digits; passed to the gateway, never stored or shown"
    return _Digits("[0-9]{3,4}", "3 or 4 digits.", metadata={"description": description})


def _expiry() -> Text:
    return Text(
        shape="(?:0[1-9]|1[0-2])/[0-9]{4}",
        max_length=7,
        shape_error='Month and year as "MM/YYYY".',
        metadata={"description": "card: MM/YYYY, not past (ISP's time zone)"},
    )


class _MethodFields(InputSchema):
    """The fields of every method (which of them a method takes is checked per method)."""

    debit_status = fields.String(
        validate=validate.OneOf(DEBIT_STATUSES, error="One of: {choices}.")
    )
    is_default = StrictBoolean()
    bank_code = Text(shape="[0-9]{3}", max_length=3, shape_error="The bank's 3-digit code.")
    agency = Text(
        shape="[0-9]{1,5}(?:-[0-9Xx])?", max_length=7, shape_error="1-5 digits, -check digit."
    )
    account_number = Text(
        shape="[0-9]{1,13}(?:-[0-9Xx])?",
        max_length=15,
        shape_error="1-13 digits, then -check digit.",
    )
    account_type = fields.String(validate=validate.OneOf(ACCOUNT_TYPES, error="One of: {choices}."))
    identifier_code = Text(
        allow_none=True,
        shape="[0-9A-Za-z]{1,25}",
        max_length=25,
        shape_error="1-25 letters or digits.",
    )
    card_number = CardNumber()
    expiry = _expiry()
    security_code = _security_code()
    ddd = fields.String(validate=validate.OneOf(sorted(DDDS), error="A Brazilian area code."))
    phone = LocalPhone()
    contract_number = Text(
        shape="[0-9A-Za-z./-]{1,30}", max_length=30, shape_error="1-30 letters, digits, . / -."
    )


class PaymentMethodInput(_MethodFields):
    """A new payment method; `method` says which other fields it takes."""

    method = fields.String(
        required=True, validate=validate.OneOf(METHODS, error="One of: {choices}.")
    )

    @classmethod
    def openapi_schema(cls, generated: dict, register) -> dict:
        """One shape per method, told apart by `method`: only that method's fields."""
        refs = {}
        for method, (required, optional) in METHOD_INPUT.items():
            names = ("method", "debit_status", "is_default", *required, *optional)
            properties = {name: generated["properties"][name] for name in names}
            properties["method"] = {**properties["method"], "enum": [method]}
            shape = {
                **generated,
                "properties": properties,
                "required": ["method", *required],
                "additionalProperties": False,
            }
            refs[method] = register("PaymentMethod" + method.title().replace("_", ""), shape)
        return {
            "description": cls.__doc__,
            "oneOf": [{"$ref": ref} for ref in refs.values()],
            "discriminator": {"propertyName": "method", "mapping": refs},
        }

    @validates_schema
    def _fields_of_method(self, data, **_kwargs):
        if data.get("method") not in METHOD_INPUT:
            return
        required, optional = METHOD_INPUT[data["method"]]
        errors = {name: ["Required for this method."] for name in required if name not in data}
        for name in set(data) - {"method", "debit_status", "is_default", *required, *optional}:
            errors[name] = [f"Not used by a {data['method']} payment method."]
        if errors:
            raise ValidationError(errors)


class PaymentMethodPatch(PatchInput, _MethodFields):
    """Some fields of the stored method (409 for another method's); a card number only whole."""

    @validates_schema
    def _security_code_with_card(self, data, **_kwargs):
        if "security_code" in data and not {"card_number", "expiry"} & set(data):
            message = "Send it with the new card_number or expiry it verifies."
            raise ValidationError({"security_code": [message]})


class PaymentMethodOutput(Schema):
    id = fields.Integer(required=True)
    customer_code = fields.Integer(required=True)
    method = fields.String(required=True, validate=validate.OneOf(METHODS))
    debit_status = fields.String(required=True, validate=validate.OneOf(DEBIT_STATUSES))
    is_default = fields.Boolean(required=True)
    bank_code = fields.String(allow_none=True)
    agency = fields.String(allow_none=True)
    account_number = fields.String(
        allow_none=True,
        attribute="account_number_shown",
        metadata={"description": "Masked (*****123-4) for roles without unmasked payment data"},
    )
    account_type = fields.String(allow_none=True)
    identifier_code = fields.String(allow_none=True)
    card_number = fields.String(
        allow_none=True,
        attribute="card_number_masked",
        metadata={"description": "First six and last four digits: 411111******1111"},
    )
    card_brand = fields.String(allow_none=True)
    expiry = fields.String(allow_none=True, attribute="card_expiry")
    ddd = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    contract_number = fields.String(allow_none=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)


PaymentMethodPage = page_of(PaymentMethodOutput, "PaymentMethodPage")
