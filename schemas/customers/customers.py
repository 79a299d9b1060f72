"""The customer record ("Cadastro do Cliente"): its input and output.

A body must be valid by itself here (422 otherwise); whether a change fits the record as
stored (a CPF sent to a PJ, half a billing address for a customer without one) is
models.customers.customers' to judge (409). The OpenAPI document shows PF and PJ as two shapes.
"""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from models.customers.customers import PF, PJ, PJ_ONLY_FIELDS
from models.db import MAX_INT_ID
from schemas.common import (
    Cep,
    Cnpj,
    Cpf,
    Email,
    InputSchema,
    MobilePhone,
    PatchInput,
    Phone,
    StrictBoolean,
    Text,
    Uf,
    WholeNumber,
    city_code,
    city_code_errors,
)
from schemas.customers.observations import UnreadObservationOutput

# Each kind's document, and the fields only that kind may fill.
DOCUMENT_OF = {PF: "cpf", PJ: "cnpj"}
ONLY_FOR = {PF: ("cpf",), PJ: ("cnpj", *PJ_ONLY_FIELDS)}
_ACCOUNT_DOC = (
    "The active billing account (GET /billing-accounts) its boletos are issued on; "
    "null: the default account. A subscription may name another."
)
# OpenAPI 3.0 for "null and nothing else" (nullable needs a type; enum narrows it to null).
_NULL_ONLY = {"type": "string", "nullable": True, "enum": [None]}


class AddressInput(InputSchema):
    """An address, whole."""

    street = Text(required=True, min_length=1, max_length=120)
    number = Text(required=True, min_length=1, max_length=20)
    complement = Text(allow_none=True, max_length=120)
    district = Text(required=True, min_length=1, max_length=120)
    city = Text(required=True, min_length=1, max_length=120)
    state = Uf(required=True, metadata={"example": "SP"})
    cep = Cep(required=True, metadata={"example": "01310-100"})
    reference = Text(allow_none=True, max_length=120)
    # Optional for the record; the NFCom needs it (GET /fiscal/missing-data lists who lacks it).
    city_code = city_code(allow_none=True)

    @validates_schema
    def _code_of_the_state(self, data, **_kwargs):
        errors = city_code_errors(data.get("city_code"), data.get("state"))
        if errors:
            raise ValidationError(errors, "city_code")


class AddressPatch(PatchInput, AddressInput):
    """Some parts of an address: a PATCH merges them into the stored address."""


class AddressOutput(Schema):
    street = fields.String(allow_none=True)
    number = fields.String(allow_none=True)
    complement = fields.String(allow_none=True)
    district = fields.String(allow_none=True)
    city = fields.String(allow_none=True)
    state = fields.String(allow_none=True)
    cep = Cep(allow_none=True)
    reference = fields.String(allow_none=True)
    city_code = fields.String(allow_none=True, metadata={"description": "IBGE municipality"})


def kind_errors(data: dict) -> dict[str, list[str]]:
    """What breaks the PF/PJ rules in the body itself (without `kind`, the stored kind holds)."""
    kind = data.get("kind")
    if kind is None:
        return {
            name: ["A customer's document cannot be removed."]
            for name in DOCUMENT_OF.values()
            if name in data and data[name] is None
        }
    errors = {}
    if data.get(DOCUMENT_OF[kind]) is None:
        errors[DOCUMENT_OF[kind]] = [f"Required for {kind} customers."]
    for other_kind, names in ONLY_FOR.items():
        for name in names:
            if other_kind != kind and data.get(name) is not None:
                errors[name] = [f"Only for {other_kind} customers."]
    return errors


def _for_kind(generated: dict, kind: str) -> dict:
    """The JSON Schema narrowed to one kind: its document required, the other kind's fields null."""
    properties = dict(generated["properties"])
    properties["kind"] = {**properties["kind"], "enum": [kind]}
    document = DOCUMENT_OF[kind]
    properties[document] = _not_null(properties[document])
    for other_kind, names in ONLY_FOR.items():
        for name in names:
            if other_kind != kind:
                note = f"Only for {other_kind} customers: leave it out, or null."
                properties[name] = {**_NULL_ONLY, "description": note}
    required = sorted({*generated.get("required", ()), "kind", document})
    return {**generated, "properties": properties, "required": required}


def _not_null(property_schema: dict) -> dict:
    return {key: value for key, value in property_schema.items() if key != "nullable"}


class CustomerInput(InputSchema):
    """Register a customer (POST): a PF with a CPF, or a PJ with a CNPJ."""

    kind = fields.String(required=True, validate=validate.OneOf((PF, PJ)))
    active = StrictBoolean()
    name = Text(required=True, min_length=2, max_length=150)
    trade_name = Text(allow_none=True, max_length=150)
    cpf = Cpf(allow_none=True, metadata={"example": "529.982.247-25"})
    cnpj = Cnpj(allow_none=True, metadata={"example": "11.222.333/0001-81"})
    state_registration = Text(
        allow_none=True,
        shape="[Ii][Ss][Ee][Nn][Tt][Oo]|[0-9./-]{2,20}",
        shape_error="Digits, or ISENTO.",
        metadata={"description": "Inscrição estadual: 2-20 digits (with . / -), or ISENTO."},
    )
    address = fields.Nested(AddressInput, required=True)
    billing_address = fields.Nested(AddressInput, allow_none=True)
    condominium = Text(allow_none=True, max_length=120)
    phone = Phone(allow_none=True, metadata={"example": "(11) 3333-4444"})
    fax = Phone(allow_none=True)
    mobile = MobilePhone(allow_none=True, metadata={"example": "(11) 98765-4321"})
    email = Email(allow_none=True, validate=validate.Length(max=254))
    notes = Text(allow_none=True, max_length=5000, multiline=True)
    billing_account_id = WholeNumber(
        allow_none=True,
        validate=validate.Range(min=1, max=MAX_INT_ID),
        metadata={"description": _ACCOUNT_DOC},
    )

    @validates_schema
    def _kind_rules(self, data, **_kwargs):
        errors = kind_errors(data)
        if errors:
            raise ValidationError(errors)

    @classmethod
    def openapi_schema(cls, generated: dict, register) -> dict:
        """Two shapes told apart by `kind`: a PF (with `cpf`) or a PJ (with `cnpj`)."""
        refs = {kind: register(f"Customer{kind}", _for_kind(generated, kind)) for kind in (PF, PJ)}
        return {
            "description": cls.__doc__,
            "oneOf": [{"$ref": ref} for ref in refs.values()],
            "discriminator": {"propertyName": "kind", "mapping": refs},
        }


class CustomerPatch(PatchInput, CustomerInput):
    """Change a customer (PATCH): any fields; `kind` only together with that kind's document."""

    address = fields.Nested(AddressPatch)
    billing_address = fields.Nested(AddressPatch, allow_none=True)

    @classmethod
    def openapi_schema(cls, generated: dict, register) -> dict:
        """A change to PF or to PJ (with its document), or a change that keeps the kind."""
        keep = dict(generated["properties"])
        del keep["kind"]
        for document in DOCUMENT_OF.values():
            keep[document] = _not_null(keep[document])
        shapes = [
            register("CustomerPatchPF", _for_kind(generated, PF)),
            register("CustomerPatchPJ", _for_kind(generated, PJ)),
            register(
                "CustomerPatchSameKind", {**generated, "properties": keep, "minProperties": 1}
            ),
        ]
        return {"description": cls.__doc__, "oneOf": [{"$ref": ref} for ref in shapes]}


class CustomerOutput(Schema):
    code = fields.Integer(required=True)
    active = fields.Boolean(required=True)
    created_at = fields.AwareDateTime(required=True)
    kind = fields.String(required=True, validate=validate.OneOf((PF, PJ)))
    name = fields.String(required=True)
    trade_name = fields.String(allow_none=True)
    cpf = Cpf(allow_none=True)
    cnpj = Cnpj(allow_none=True)
    state_registration = fields.String(allow_none=True)
    address = fields.Nested(AddressOutput, allow_none=True)
    billing_address = fields.Nested(AddressOutput, allow_none=True)
    condominium = fields.String(allow_none=True)
    phone = Phone(allow_none=True)
    fax = Phone(allow_none=True)
    mobile = MobilePhone(allow_none=True)
    email = fields.String(allow_none=True)
    notes = fields.String(allow_none=True)
    billing_account_id = fields.Integer(allow_none=True, metadata={"description": _ACCOUNT_DOC})


class CustomerRecord(CustomerOutput):
    """One customer as opened (GET, and the answer to POST and PATCH): the record and what
    the current user must read first [5.5.6]."""

    unread_mandatory_observations = fields.List(
        fields.Nested(UnreadObservationOutput),
        required=True,
        metadata={
            "description": "Mandatory-reading observations you have not acknowledged "
            "(POST .../observations/{id}/acknowledge), oldest first"
        },
    )
