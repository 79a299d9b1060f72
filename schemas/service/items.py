"""Items of a subscription [6.1.5.2] and the deleted ones [6.3]."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from models.db import MAX_INT_ID
from models.service.items import EMAIL, IP, KINDS, RADIUS_LOGIN, VOIP_TERMINAL
from schemas.common import (
    DeviceSecret,
    Email,
    InputSchema,
    MacAddress,
    PageQuery,
    PatchInput,
    Phone,
    Text,
    WholeNumber,
    page_of,
)

_LOGIN = "[a-z0-9._@-]{1,64}"
# Fields each kind takes (required ones first in the tuple pair).
KIND_FIELDS = {
    EMAIL: (("address", "password"), ("quota_mb",)),
    RADIUS_LOGIN: (("username", "password"), ("mac",)),
    IP: (("ip_address", "login_item_id"), ()),
    VOIP_TERMINAL: (("number", "username"), ()),
}


def _login() -> Text:
    return Text(
        shape=_LOGIN, max_length=64, shape_error="1-64 lower-case letters, digits, . _ @ or -."
    )


def _quota() -> WholeNumber:
    return WholeNumber(allow_none=True, validate=validate.Range(min=1, max=1_000_000))


class ItemInput(InputSchema):
    """A new item; `kind` says which other fields it takes."""

    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    address = Email(metadata={"description": "email: the mailbox address"})
    password = DeviceSecret()
    quota_mb = _quota()
    username = _login()
    mac = MacAddress(allow_none=True)
    ip_address = Text(
        shape="[0-9A-Fa-f.:]{2,45}",
        max_length=45,
        shape_error="An IPv4 or IPv6 address.",
        metadata={"description": "ip: inside the ISP's pools"},
    )
    login_item_id = WholeNumber(
        validate=validate.Range(min=1, max=MAX_INT_ID),
        metadata={"description": "ip: the login it is given to"},
    )
    number = Phone(metadata={"description": "voip_terminal: the phone number, stored bare"})

    @classmethod
    def openapi_schema(cls, generated: dict, register) -> dict:
        """One shape per kind, told apart by `kind`: only that kind's fields."""
        refs = {}
        for kind, (required, optional) in KIND_FIELDS.items():
            names = ("kind", *required, *optional)
            properties = {name: generated["properties"][name] for name in names}
            properties["kind"] = {**properties["kind"], "enum": [kind]}
            shape = {
                **generated,
                "properties": properties,
                "required": ["kind", *required],
                "additionalProperties": False,
            }
            refs[kind] = register("Item" + kind.title().replace("_", ""), shape)
        return {
            "description": cls.__doc__,
            "oneOf": [{"$ref": ref} for ref in refs.values()],
            "discriminator": {"propertyName": "kind", "mapping": refs},
        }

    @validates_schema
    def _fields_of_kind(self, data, **_kwargs):
        if data.get("kind") not in KIND_FIELDS:
            return
        required, optional = KIND_FIELDS[data["kind"]]
        errors = {name: ["Required for this kind."] for name in required if name not in data}
        for name in set(data) - {"kind", *required, *optional}:
            errors[name] = [f"Not used by a {data['kind']} item."]
        if errors:
            raise ValidationError(errors)


class ItemPatch(PatchInput):
    """A login's password or MAC; a mailbox's password or quota (409 for another kind's)."""

    password = DeviceSecret()
    mac = MacAddress(allow_none=True)
    quota_mb = _quota()


class ItemOutput(Schema):
    id = fields.Integer(required=True)
    subscription_id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    address = fields.String(allow_none=True)
    quota_mb = fields.Integer(allow_none=True)
    username = fields.String(allow_none=True)
    mac = fields.String(allow_none=True)
    ip_address = fields.String(allow_none=True)
    login_item_id = fields.Integer(allow_none=True)
    login = fields.String(allow_none=True, attribute="login_username")
    number = fields.String(allow_none=True)
    created_at = fields.AwareDateTime(required=True)


class DeletedItemOutput(ItemOutput):
    deleted_at = fields.AwareDateTime(required=True)
    deleted_by = fields.String(required=True)


class ItemQuery(InputSchema):
    kind = fields.String(validate=validate.OneOf(KINDS))


ItemList = Schema.from_dict(
    {"items": fields.List(fields.Nested(ItemOutput), required=True)}, name="ItemList"
)
DeletedItemPage = page_of(DeletedItemOutput, "DeletedItemPage")
DeletedItemQuery = PageQuery
