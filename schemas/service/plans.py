"""The plan catalog ("Planos", manual [6])."""

from marshmallow import Schema, fields, validate

from models.service.access_attributes import (
    MEDIA,
    OFFER_CODE_MAX_LENGTH,
    OFFER_CODE_SHAPE,
    PRODUCTS,
    TECHNOLOGIES,
)
from models.service.plans import KINDS, RADIUS_GROUP_MAX_LENGTH
from schemas.common import (
    InputSchema,
    Money,
    PageQuery,
    PatchInput,
    StrictBoolean,
    Text,
    WholeNumber,
    billable_money,
    page_of,
)

_RADIUS_GROUP = f"[A-Za-z0-9._-]{{1,{RADIUS_GROUP_MAX_LENGTH}}}"


def _speed(direction: str) -> WholeNumber:
    return WholeNumber(
        allow_none=True,
        validate=validate.Range(min=1, max=100_000_000),
        metadata={"description": f"{direction} in kbit/s; null: not limited"},
    )


def _radius_group() -> Text:
    return Text(
        shape=_RADIUS_GROUP,
        max_length=RADIUS_GROUP_MAX_LENGTH,
        shape_error="1-64 letters, digits, . _ or -.",
        metadata={"description": "FreeRADIUS group; an internet plan without one gets plano-<id>"},
    )


def _one_of(codes: dict, what: str) -> fields.String:
    return fields.String(
        allow_none=True,
        validate=validate.OneOf(list(codes)),
        metadata={"description": f"{what} (Anatel's access report): {', '.join(codes)}"},
    )


def _offer_code() -> Text:
    return Text(
        allow_none=True,
        shape=OFFER_CODE_SHAPE,
        max_length=OFFER_CODE_MAX_LENGTH,
        shape_error="1-30 letters, digits, . _ / or -, starting with a letter or digit.",
        metadata={"description": "Código da oferta, printed on boletos and invoices"},
    )


class PlanInput(InputSchema):
    """A new plan."""

    name = Text(required=True, min_length=2, max_length=120)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    download_kbps = _speed("Download")
    upload_kbps = _speed("Upload")
    price = billable_money(required=True, metadata={"description": "Monthly price in reais"})
    radius_group = _radius_group()
    active = StrictBoolean(load_default=True)
    access_medium = _one_of(MEDIA, "Access medium")
    technology = _one_of(TECHNOLOGIES, "Technology")
    product = _one_of(PRODUCTS, "Product")
    offer_code = _offer_code()


class PlanPatch(PatchInput):
    """Some fields of a plan; its kind stays (subscriptions depend on it)."""

    name = Text(min_length=2, max_length=120)
    download_kbps = _speed("Download")
    upload_kbps = _speed("Upload")
    price = billable_money()
    radius_group = _radius_group()
    active = StrictBoolean()
    access_medium = _one_of(MEDIA, "Access medium")
    technology = _one_of(TECHNOLOGIES, "Technology")
    product = _one_of(PRODUCTS, "Product")
    offer_code = _offer_code()


class PlanOutput(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    download_kbps = fields.Integer(allow_none=True)
    upload_kbps = fields.Integer(allow_none=True)
    price = Money(required=True)
    radius_group = fields.String(allow_none=True)
    access_medium = fields.String(allow_none=True, validate=validate.OneOf(list(MEDIA)))
    technology = fields.String(allow_none=True, validate=validate.OneOf(list(TECHNOLOGIES)))
    product = fields.String(allow_none=True, validate=validate.OneOf(list(PRODUCTS)))
    offer_code = fields.String(allow_none=True)
    active = fields.Boolean(required=True)
    created_at = fields.AwareDateTime(required=True)


class PlanQuery(PageQuery):
    kind = fields.String(validate=validate.OneOf(KINDS))
    active = fields.Boolean()


PlanPage = page_of(PlanOutput, "PlanPage")
