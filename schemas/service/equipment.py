"""Equipment inventory [6.5] and its lending to customers [6.5.1-6.5.3]."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from models.db import MAX_INT_ID
from models.service.equipment import MANUAL_STATUSES, STATUSES
from models.service.equipment_lending import ALL, HELD, RETURNED
from models.staff.users import USERNAME_MAX_LENGTH
from schemas.common import (
    InputSchema,
    MacAddress,
    PageQuery,
    PatchInput,
    Text,
    WholeNumber,
    page_of,
)

MAX_ITEMS = 50  # items in one lending: a truck's load, not the warehouse
_TYPE_NOTE = "One of the EQUIPMENT_TYPES setting (roteador, onu, switch... by default)"


def _patrimony(**kwargs) -> WholeNumber:
    return WholeNumber(validate=validate.Range(min=1, max=MAX_INT_ID), **kwargs)


def _key_param(**kwargs) -> fields.Integer:
    """A whole number in a query string (where every value arrives as text)."""
    return fields.Integer(strict=False, validate=validate.Range(min=1, max=MAX_INT_ID), **kwargs)


def _id() -> WholeNumber:
    return WholeNumber(validate=validate.Range(min=1, max=MAX_INT_ID))


def _type(**kwargs) -> Text:
    return Text(min_length=1, max_length=40, metadata={"description": _TYPE_NOTE}, **kwargs)


class EquipmentInput(InputSchema):
    """A new item of the inventory; it starts in stock."""

    patrimony_number = _patrimony(
        required=True, metadata={"description": "The asset tag's number (unique)"}
    )
    type = _type(required=True)
    model = Text(required=True, min_length=1, max_length=120)
    serial_number = Text(max_length=80, allow_none=True)
    mac = MacAddress(allow_none=True)


class EquipmentPatch(PatchInput):
    """Correct an item's data; `status` retires an item in stock or puts a retired one back."""

    patrimony_number = _patrimony()
    type = _type()
    model = Text(min_length=1, max_length=120)
    serial_number = Text(max_length=80, allow_none=True)
    mac = MacAddress(allow_none=True)
    status = fields.String(validate=validate.OneOf(MANUAL_STATUSES))


class EquipmentOutput(Schema):
    id = fields.Integer(required=True)
    patrimony_number = fields.Integer(required=True)
    type = fields.String(required=True)
    model = fields.String(required=True)
    serial_number = fields.String(allow_none=True)
    mac = fields.String(allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    customer_code = fields.Integer(allow_none=True, metadata={"description": "Holder, if lent"})
    subscription_id = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)


class EquipmentQuery(PageQuery):
    """[6.5.3] Patrimony range, type, serial (part of it), MAC (any notation), status, words."""

    patrimony_from = _key_param()
    patrimony_to = _key_param()
    type = Text(max_length=40, allow_none=True)
    serial = Text(max_length=80, allow_none=True)
    mac = MacAddress(allow_none=True)
    status = fields.String(validate=validate.OneOf(STATUSES))
    q = Text(max_length=120, allow_none=True, metadata={"description": "Part of model or serial"})

    @validates_schema
    def _range_in_order(self, data, **_kwargs):
        low, high = data.get("patrimony_from"), data.get("patrimony_to")
        if low is not None and high is not None and low > high:
            raise ValidationError("Cannot come before patrimony_from.", "patrimony_to")


def _username(**kwargs) -> Text:
    return Text(
        shape="[A-Za-z0-9._-]{2,80}",
        max_length=USERNAME_MAX_LENGTH,
        shape_error="A staff username.",
        **kwargs,
    )


class LendingInput(InputSchema):
    """Lend in-stock items to one of the customer's subscriptions [6.5.1]."""

    subscription_id = WholeNumber(required=True, validate=validate.Range(min=1, max=MAX_INT_ID))
    responsible_user = _username(required=True, metadata={"description": "Usuário Responsável"})
    confirming_user = _username(
        required=True,
        metadata={"description": "Usuário que Confirma: another active user"},
    )
    items = fields.List(
        _id(),
        required=True,
        validate=validate.Length(min=1, max=MAX_ITEMS),
        metadata={"description": "Equipment ids, each in stock", "uniqueItems": True},
    )

    @validates_schema
    def _distinct_items(self, data, **_kwargs):
        items = data.get("items") or []
        if len(set(items)) != len(items):
            raise ValidationError("Each item once.", "items")


class AssignmentOutput(Schema):
    id = fields.Integer(required=True)
    customer_code = fields.Integer(required=True)
    subscription_id = fields.Integer(required=True)
    equipment = fields.Nested(EquipmentOutput, required=True)
    responsible_user = fields.String(required=True)
    confirming_user = fields.String(required=True)
    lent_at = fields.AwareDateTime(required=True)
    lent_by = fields.String(required=True)
    returned_at = fields.AwareDateTime(allow_none=True)
    returned_by = fields.String(allow_none=True)


class HoldingsQuery(PageQuery):
    subscription_id = _key_param()
    state = fields.String(
        load_default=HELD,
        validate=validate.OneOf((HELD, RETURNED, ALL)),
        metadata={"description": "held (default): not returned; returned; all"},
    )


EquipmentPage = page_of(EquipmentOutput, "EquipmentPage")
AssignmentPage = page_of(AssignmentOutput, "AssignmentPage")
AssignmentList = Schema.from_dict(
    {"items": fields.List(fields.Nested(AssignmentOutput), required=True)}, name="AssignmentList"
)
