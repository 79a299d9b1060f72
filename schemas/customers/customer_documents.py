"""A customer's documents [5.8]: the upload form, the changes staff may make, what is shown."""

from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields
from werkzeug.datastructures import FileStorage

from schemas.common import InputSchema, PageQuery, PatchInput, PeriodQuery, Text, page_of

MAX_OBSERVATION = 4000


def _description(**kwargs) -> Text:
    return Text(min_length=1, max_length=200, **kwargs)


def _observation(**kwargs) -> Text:
    return Text(multiline=True, max_length=MAX_OBSERVATION, **kwargs)


class FilePart(Upload):
    """The file part of a multipart/form-data body; its type and name are not trusted."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, FileStorage):
            raise ValidationError("Send a file part (with a filename), not a text field.")
        return value


class DocumentUpload(InputSchema):
    """A file and what it is (multipart/form-data)."""

    file = FilePart(required=True, metadata={"description": "The document; any type"})
    description = _description(required=True)
    observation = _observation()  # a form field is never null: blank means none


class DocumentPatch(PatchInput):
    """The description and the observation; the file itself never changes."""

    description = _description()
    observation = _observation(allow_none=True)


class DocumentQuery(PeriodQuery, PageQuery):
    """Words of the description (accents and case ignored) and upload dates (ISP's zone)."""

    q = Text(max_length=200, allow_none=True)


class DocumentOutput(Schema):
    id = fields.Integer(required=True)
    customer_code = fields.Integer(required=True)
    description = fields.String(required=True)
    observation = fields.String(allow_none=True)
    original_name = fields.String(
        required=True, metadata={"description": "The name it was uploaded with, for display"}
    )
    size = fields.Integer(required=True, metadata={"description": "Bytes"})
    sha256 = fields.String(required=True, metadata={"description": "Hex; also the download ETag"})
    content_type = fields.String(
        required=True, metadata={"description": "Detected from the bytes, not the client's"}
    )
    uploaded_at = fields.AwareDateTime(required=True)
    uploaded_by = fields.String(required=True)


DocumentPage = page_of(DocumentOutput, "DocumentPage")
