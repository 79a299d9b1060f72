"""Observations on a customer [5.5]: their input, output, list and the unread mandatory ones."""

from marshmallow import Schema, fields, validate

from models.db import MAX_INT_ID
from schemas.common import InputSchema, PageQuery, PatchInput, StrictBoolean, Text, page_of

MAX_TEXT = 4000
_TYPE_NOTE = "One of the observation types the ISP configures (setting OBSERVATION_TYPES)."


def _type(**kwargs) -> Text:
    return Text(min_length=1, max_length=40, metadata={"description": _TYPE_NOTE}, **kwargs)


def _text(**kwargs) -> Text:
    return Text(min_length=1, max_length=MAX_TEXT, multiline=True, **kwargs)


class ObservationInput(InputSchema):
    """A new observation; its author and time are the server's."""

    type = _type(required=True)
    text = _text(required=True)
    mandatory_reading = StrictBoolean(
        load_default=False,
        metadata={"description": "Shown on opening the customer until each user acknowledges it"},
    )


class ObservationPatch(PatchInput):
    """Change the type, the text (everyone must read it again) or the mandatory flag."""

    type = _type()
    text = _text()
    mandatory_reading = StrictBoolean()


class ObservationOutput(Schema):
    id = fields.Integer(required=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)
    user = fields.String(required=True, metadata={"description": "The author's username"})
    type = fields.String(required=True)
    text = fields.String(required=True)
    mandatory_reading = fields.Boolean(required=True)
    text_version = fields.Integer(
        required=True, metadata={"description": "Raised on every change of the text"}
    )


class UnreadObservationOutput(Schema):
    """A mandatory observation the current user has not acknowledged (as its text reads now)."""

    id = fields.Integer(required=True)
    created_at = fields.AwareDateTime(required=True)
    author = fields.String(required=True, attribute="user")
    type = fields.String(required=True)
    text = fields.String(required=True)
    text_version = fields.Integer(
        required=True, metadata={"description": "Send it back when acknowledging"}
    )


class AcknowledgeQuery(InputSchema):
    text_version = fields.Integer(
        validate=validate.Range(min=1, max=MAX_INT_ID),
        metadata={
            "description": "The version of the text you were shown: if it has been edited "
            "since, nothing is recorded (409) and you read it again"
        },
    )


class ObservationQuery(PageQuery):
    mandatory_reading = fields.Boolean(
        metadata={"description": "true: only the mandatory-reading ones; false: only the others"}
    )


ObservationPage = page_of(ObservationOutput, "ObservationPage")
