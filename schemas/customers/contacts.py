"""Contacts of a customer [5.4], with their extra fields [5.4.11]."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from schemas.common import (
    Cpf,
    Date,
    Email,
    InputSchema,
    MobilePhone,
    PageQuery,
    PatchInput,
    Phone,
    StrictBoolean,
    Text,
    page_of,
)
from schemas.customers.extra_fields import ExtraFieldsOutput

_SMS = "Only with a mobile number."


class ContactInput(InputSchema):
    """A new contact; `type` is one of the contact types in use (setting CONTACT_TYPES)."""

    name = Text(required=True, min_length=1, max_length=150)
    type = Text(allow_none=True, max_length=40, metadata={"description": "setting CONTACT_TYPES"})
    job_title = Text(allow_none=True, max_length=120)
    phone = Phone(allow_none=True)
    fax = Phone(allow_none=True)
    radio_phone = Phone(allow_none=True, metadata={"description": "Nextel/Claro radio"})
    mobile = MobilePhone(allow_none=True, metadata={"example": "(11) 98765-4321"})
    sms_allowed = StrictBoolean(metadata={"description": "true only with a mobile"})
    email = Email(allow_none=True, validate=validate.Length(max=254))
    birth_date = Date(allow_none=True, metadata={"description": "Not in the future"})
    father_name = Text(allow_none=True, max_length=150)
    mother_name = Text(allow_none=True, max_length=150)
    cpf = Cpf(allow_none=True)
    rg = Text(allow_none=True, max_length=20)
    notes = Text(allow_none=True, max_length=5000, multiline=True)

    @validates_schema
    def _sms_needs_mobile(self, data, **_kwargs):
        if data.get("sms_allowed") and data.get("mobile") is None:
            raise ValidationError({"sms_allowed": [_SMS]})


class ContactPatch(PatchInput, ContactInput):
    """Change some fields of a contact (sms_allowed stays true only with a mobile: 422)."""

    name = Text(min_length=1, max_length=150)

    @validates_schema
    def _sms_needs_mobile(self, data, **_kwargs):
        if data.get("sms_allowed") and "mobile" in data and data["mobile"] is None:
            raise ValidationError({"sms_allowed": [_SMS]})


class ContactOutput(Schema):
    id = fields.Integer(required=True)
    customer_code = fields.Integer(required=True)
    name = fields.String(required=True)
    type = fields.String(allow_none=True)
    job_title = fields.String(allow_none=True)
    phone = Phone(allow_none=True)
    fax = Phone(allow_none=True)
    radio_phone = Phone(allow_none=True)
    mobile = MobilePhone(allow_none=True)
    sms_allowed = fields.Boolean(required=True)
    email = fields.String(allow_none=True)
    birth_date = Date(allow_none=True)
    father_name = fields.String(allow_none=True)
    mother_name = fields.String(allow_none=True)
    cpf = Cpf(allow_none=True)
    rg = fields.String(allow_none=True)
    notes = fields.String(allow_none=True)
    created_at = fields.AwareDateTime(required=True)
    extra_fields = fields.Nested(ExtraFieldsOutput, required=True)


ContactPage = page_of(ContactOutput, "ContactPage")
ContactQuery = PageQuery
