"""Legal holds on customers' connection records, and the retention of those records."""

from marshmallow import Schema, fields, validate

from schemas.common import InputSchema, PageQuery, Text, page_of


class LegalHoldInput(InputSchema):
    """Keep the customer's connection records past the retention period until lifted."""

    reference = Text(
        required=True,
        min_length=1,
        max_length=120,
        metadata={"description": "The order's number (ofício, processo)"},
    )
    reason = Text(required=True, min_length=2, max_length=2000, multiline=True)


class LiftInput(InputSchema):
    """Why the hold ends (the order was revoked or fulfilled)."""

    reason = Text(required=True, min_length=2, max_length=2000, multiline=True)


class LegalHoldOutput(Schema):
    id = fields.Integer(required=True)
    customer_code = fields.Integer(required=True)
    reference = fields.String(required=True)
    reason = fields.String(required=True)
    usernames = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "The customer's RADIUS usernames when the hold was placed"},
    )
    in_force = fields.Boolean(required=True)
    placed_at = fields.AwareDateTime(required=True)
    placed_by = fields.String(required=True)
    lifted_at = fields.AwareDateTime(allow_none=True)
    lifted_by = fields.String(allow_none=True)
    lift_reason = fields.String(allow_none=True)


LegalHoldPage = page_of(LegalHoldOutput, "LegalHoldPage")


class LegalHoldQuery(PageQuery):
    """Holds of one customer, in force or lifted."""

    customer_code = fields.Integer(
        validate=validate.Range(min=1, max=2**31 - 1),
        metadata={"description": "One customer's holds"},
    )
    in_force = fields.Boolean(metadata={"description": "Only those in force (true) or lifted"})


class PartitionOutput(Schema):
    name = fields.String(required=True)
    starts = fields.AwareDateTime(required=True)
    ends = fields.AwareDateTime(required=True)


class RetentionOutput(Schema):
    """The retention of connection records (CONNECTION_RECORDS_RETENTION_DAYS) as it runs."""

    retention_days = fields.Integer(required=True)
    minimum_days = fields.Integer(required=True)
    cutoff = fields.AwareDateTime(
        required=True, metadata={"description": "Sessions ended before this may be deleted"}
    )
    partitioned = fields.Boolean(required=True)
    partitions = fields.List(fields.Nested(PartitionOutput), required=True)
    holds_in_force = fields.Integer(required=True)


class RetentionRunOutput(Schema):
    queued = fields.Boolean(required=True)
