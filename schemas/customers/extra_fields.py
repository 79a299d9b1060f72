"""Extra field definitions [5.2] (admins) and values on customers and contacts (staff)."""

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from models.customers.extra_fields import APPLIES_TO, CHOICE, TYPES
from schemas.common import InputSchema, PatchInput, StrictBoolean, Text

OTHER_TYPES = tuple(kind for kind in TYPES if kind != CHOICE)


def _options() -> fields.List:
    return fields.List(
        Text(min_length=1, max_length=80),
        validate=validate.Length(min=1, max=100),
        metadata={"description": "choice only: what a value may be (repeats are dropped)"},
    )


class _Definition(InputSchema):
    name = Text(min_length=1, max_length=80)
    applies_to = fields.String(validate=validate.OneOf(APPLIES_TO))
    type = fields.String(validate=validate.OneOf(TYPES))
    options = _options()
    required = StrictBoolean(metadata={"description": "Listed as missing while it has no value"})
    active = StrictBoolean()

    @post_load
    def _unique_options(self, data, **_kwargs):
        if "options" in data:
            data["options"] = list(dict.fromkeys(data["options"]))
        return data


def _shape(generated: dict, types: tuple[str, ...], required: list[str], minimum: int = 0):
    """The JSON Schema for bodies whose `type` is one of `types` (options only for choice)."""
    properties = dict(generated["properties"])
    properties["type"] = {**properties["type"], "enum": list(types)}
    if CHOICE not in types:
        del properties["options"]
    shape = {**generated, "properties": properties, "required": required}
    return {**shape, "minProperties": minimum} if minimum else shape


class ExtraFieldInput(_Definition):
    """A new field: a choice field with its options, or a text, number or date field."""

    name = Text(required=True, min_length=1, max_length=80)
    applies_to = fields.String(required=True, validate=validate.OneOf(APPLIES_TO))
    type = fields.String(required=True, validate=validate.OneOf(TYPES))

    @validates_schema
    def _options_of_type(self, data, **_kwargs):
        if data.get("type") == CHOICE and "options" not in data:
            raise ValidationError({"options": ["Required for a choice field."]})
        if data.get("type") in OTHER_TYPES and "options" in data:
            raise ValidationError({"options": ["Only for a choice field."]})

    @classmethod
    def openapi_schema(cls, generated: dict, register) -> dict:
        """Two shapes told apart by `type`: a choice field (with options) or another."""
        base = ["name", "applies_to", "type"]
        refs = [
            register("ExtraFieldChoice", _shape(generated, (CHOICE,), [*base, "options"])),
            register("ExtraFieldPlain", _shape(generated, OTHER_TYPES, base)),
        ]
        return {"description": cls.__doc__, "oneOf": [{"$ref": ref} for ref in refs]}


class ExtraFieldPatch(PatchInput, _Definition):
    """Change a field; its type and applies_to only while no values are stored (409)."""

    @validates_schema
    def _options_of_type(self, data, **_kwargs):
        if data.get("type") in OTHER_TYPES and "options" in data:
            raise ValidationError({"options": ["Only for a choice field."]})

    @classmethod
    def openapi_schema(cls, generated: dict, register) -> dict:
        """A change to a choice type, to another type (without options), or keeping the type."""
        keep = {k: v for k, v in generated["properties"].items() if k != "type"}
        refs = [
            register("ExtraFieldPatchChoice", _shape(generated, (CHOICE,), ["type"])),
            register("ExtraFieldPatchPlain", _shape(generated, OTHER_TYPES, ["type"])),
            register(
                "ExtraFieldPatchSameType", {**generated, "properties": keep, "minProperties": 1}
            ),
        ]
        return {"description": cls.__doc__, "oneOf": [{"$ref": ref} for ref in refs]}


class ExtraFieldOutput(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    applies_to = fields.String(required=True, validate=validate.OneOf(APPLIES_TO))
    type = fields.String(required=True, validate=validate.OneOf(TYPES))
    options = fields.List(fields.String(), allow_none=True)
    required = fields.Boolean(required=True)
    active = fields.Boolean(required=True)


class ExtraFieldQuery(InputSchema):
    applies_to = fields.String(validate=validate.OneOf(APPLIES_TO))
    active = fields.Boolean()


ExtraFieldList = Schema.from_dict(
    {"items": fields.List(fields.Nested(ExtraFieldOutput), required=True)}, name="ExtraFieldList"
)


class _Value(fields.Field):
    """A value: a string, a number or null; its field's type says which (422 otherwise)."""

    def __init__(self, **kwargs):
        metadata = {
            "nullable": True,
            "oneOf": [{"type": "string", "maxLength": 500}, {"type": "number"}],
            "description": "text: a string (<= 500 characters, one line); number: a number or "
            'a string of one ("12.5"); date: "YYYY-MM-DD"; choice: one of the options; '
            "null clears it",
        }
        super().__init__(required=True, allow_none=True, metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ValidationError("A string, a number or null.")
        if isinstance(value, str) and len(value) > 500:
            raise ValidationError("Longer than 500 characters.")
        return value


class ValueInput(InputSchema):
    """The value of one extra field."""

    value = _Value()


class FieldValueOutput(Schema):
    definition = fields.Nested(ExtraFieldOutput, required=True)
    value = fields.String(required=True, allow_none=True, metadata={"description": "null: unset"})


class MissingOutput(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class ExtraFieldsOutput(Schema):
    """Every active field with its value, and the required ones without a value."""

    items = fields.List(fields.Nested(FieldValueOutput), required=True)
    missing = fields.List(fields.Nested(MissingOutput), required=True)
