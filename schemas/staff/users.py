"""Staff users (admin only)."""

from marshmallow import Schema, fields, validate

from models.staff.users import MIN_PASSWORD_LENGTH, ROLES
from schemas.common import InputSchema, Password, PatchInput, StrictBoolean, Text, page_of

# models.staff.users.USERNAME_PATTERN, in either case: usernames are stored in lower case.
_USERNAME = "[A-Za-z0-9._-]{2,80}"


class UserInput(InputSchema):
    username = Text(
        required=True,
        shape=_USERNAME,
        shape_error="2-80 letters, digits, . _ or -.",
        metadata={"description": "2-80 letters, digits, . _ or -; stored in lower case."},
    )
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    password = Password(required=True, min_length=MIN_PASSWORD_LENGTH)
    full_name = Text(load_default="", max_length=150)
    active = StrictBoolean(load_default=True)


class UserPatch(PatchInput):
    role = fields.String(validate=validate.OneOf(ROLES))
    password = Password(min_length=MIN_PASSWORD_LENGTH)
    full_name = Text(max_length=150)
    active = StrictBoolean()


class UserOutput(Schema):
    id = fields.Integer(required=True)
    username = fields.String(required=True)
    full_name = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    active = fields.Boolean(required=True)
    created_at = fields.AwareDateTime(required=True)
    logins_unlocked_at = fields.AwareDateTime(
        allow_none=True,
        metadata={"description": "When an admin last lifted the user's failed-login locks"},
    )


UserPage = page_of(UserOutput, "UserPage")
