"""E-mail notices and the templates they are written from."""

from marshmallow import Schema, fields, validate

from models.db import MAX_INT_ID
from models.notices.email_templates import KINDS
from models.notices.notices import STATUSES, UNKNOWN
from schemas.common import InputSchema, PageQuery, Text, WholeNumber, page_of


class NoticeOutput(Schema):
    id = fields.Integer(required=True)
    receivable_id = fields.Integer(required=True)
    kind = fields.String(
        required=True,
        metadata={"description": "boleto, overdue, reduction, suspension or termination"},
    )
    stage = fields.Integer(
        required=True, metadata={"description": "0 for a boleto; days overdue for a notice"}
    )
    customer_code = fields.Integer(required=True)
    recipient = fields.String(allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    attempts = fields.Integer(required=True)
    last_error = fields.String(allow_none=True)
    skipped_reason = fields.String(allow_none=True)
    created_at = fields.AwareDateTime(required=True)
    sent_at = fields.AwareDateTime(allow_none=True)
    outcome_unknown = fields.Boolean(
        required=True,
        metadata={"description": "Failed while the mail server may have taken the message"},
    )
    next_step = fields.String(
        allow_none=True,
        metadata={"description": "What staff should do (Portuguese), when someone must act"},
    )


class NoticeQuery(PageQuery):
    status = fields.String(
        validate=validate.OneOf((*STATUSES, UNKNOWN)),
        metadata={"description": "unknown: failed with an unknown outcome (finance and admins)"},
    )
    kind = fields.String(validate=validate.Length(min=1, max=20))
    customer_code = fields.Integer(validate=validate.Range(min=1, max=MAX_INT_ID))
    receivable_id = fields.Integer(validate=validate.Range(min=1, max=MAX_INT_ID))


NoticePage = page_of(NoticeOutput, "NoticePage")


class EmailTemplateInput(InputSchema):
    """All three parts of a template (jinja2, sandboxed); see `variables` for what they use."""

    subject = Text(required=True, min_length=1, max_length=200)
    text_body = Text(required=True, min_length=1, max_length=20_000, multiline=True)
    html_body = Text(required=True, min_length=1, max_length=50_000, multiline=True)


class EmailTemplatePreviewInput(InputSchema):
    """What an admin typed (a part left out is the stored one) and the customer whose real data
    fills it: `receivable_id` (one of theirs), else their latest receivable, else the sample's
    amounts. Nothing is saved."""

    customer_code = WholeNumber(required=True, validate=validate.Range(min=1, max=MAX_INT_ID))
    receivable_id = WholeNumber(validate=validate.Range(min=1, max=MAX_INT_ID))
    subject = Text(min_length=1, max_length=200)
    text_body = Text(min_length=1, max_length=20_000, multiline=True)
    html_body = Text(min_length=1, max_length=50_000, multiline=True)


class EmailTemplatePreviewOutput(Schema):
    """The e-mail as the customer would get it: subject (the header's one line), text and HTML
    (customer data escaped as the mailer escapes it)."""

    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    customer_code = fields.Integer(required=True)
    customer_name = fields.String(required=True)
    receivable_id = fields.Integer(
        required=True,
        allow_none=True,
        metadata={"description": "The receivable whose data it shows; null: the sample's"},
    )
    subject = fields.String(required=True)
    text_body = fields.String(required=True)
    html_body = fields.String(required=True)


class EmailTemplateOutput(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    subject = fields.String(required=True)
    text_body = fields.String(required=True)
    html_body = fields.String(required=True)
    updated_at = fields.AwareDateTime(required=True)
    variables = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        required=True,
        metadata={"description": "Variable name -> what it holds"},
    )


EmailTemplateList = Schema.from_dict(
    {"items": fields.List(fields.Nested(EmailTemplateOutput), required=True)},
    name="EmailTemplateList",
)
