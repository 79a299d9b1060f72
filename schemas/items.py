"""Items of a subscription [6.1.5.2] and the deleted ones [6.3]."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from models.items import EMAIL, IP, KINDS, RADIUS_LOGIN, VOIP_TERMINAL
from schemas.common import Email, InputSchema, PageQuery, PatchInput, WholeNumber, page_of

_LOGIN = r"^[a-z0-9._@-]{1,64}$"
_MAC = r"^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$"
_PHONE_NUMBER = r"^[1-9][0-9]{9,10}$"  # area code + 8 or 9 digits
# Fields each kind takes (required ones first in the tuple pair).
KIND_FIELDS = {
    EMAIL: (("address", "password"), ("quota_mb",)),
    RADIUS_LOGIN: (("username", "password"), ("mac",)),
    IP: (("ip_address", "login_item_id"), ()),
    VOIP_TERMINAL: (("number", "username"), ()),
}


class _Upper(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).upper()


def _secret() -> fields.String:
    return fields.String(
        load_only=True,
        validate=[
            validate.Length(min=6, max=128),
            validate.Regexp(r"^[!-~]+$", error="Printable ASCII without spaces."),
        ],
        metadata={"pattern": r"^[!-~]+$", "description": "Never shown back"},
    )


def _login() -> fields.String:
    return fields.String(
        validate=validate.Regexp(_LOGIN, error="1-64 lower-case letters, digits, . _ @ or -."),
        metadata={"pattern": _LOGIN},
    )


def _mac() -> _Upper:
    return _Upper(
        allow_none=True,
        validate=validate.Regexp(_MAC, error="A MAC address such as 00:1A:2B:3C:4D:5E."),
        metadata={"pattern": _MAC},
    )


def _quota() -> WholeNumber:
    return WholeNumber(allow_none=True, validate=validate.Range(min=1, max=1_000_000))


class ItemInput(InputSchema):
    """A new item; `kind` says which other fields it takes."""

    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    address = Email(metadata={"description": "email: the mailbox address"})
    password = _secret()
    quota_mb = _quota()
    username = _login()
    mac = _mac()
    ip_address = fields.String(
        validate=validate.Length(max=45), metadata={"description": "ip: inside the ISP's pools"}
    )
    login_item_id = WholeNumber(
        validate=validate.Range(min=1), metadata={"description": "ip: the login it is given to"}
    )
    number = fields.String(
        validate=validate.Regexp(_PHONE_NUMBER, error="Area code and number, digits only."),
        metadata={"pattern": _PHONE_NUMBER, "description": "voip_terminal: the phone number"},
    )

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
    """A login's password or MAC; a mailbox's password or quota."""

    password = _secret()
    mac = _mac()
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
