"""Schemas shared by every domain: errors, paging, and Brazilian identifier fields."""

from collections.abc import Mapping

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate

from models import documents

MAX_PER_PAGE = 200


def _storable(text: str) -> bool:
    """PostgreSQL text holds no NUL, and a lone surrogate is not UTF-8."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class InputSchema(Schema):
    """Base of every input schema: unknown fields are an error, never silently dropped."""

    class Meta:
        unknown = RAISE

    @pre_load
    def _reject_unstorable_text(self, data, **_kwargs):
        if isinstance(data, Mapping):
            errors = {
                key: ["Contains characters that cannot be stored (NUL or a lone surrogate)."]
                for key, value in data.items()
                if isinstance(value, str) and not _storable(value)
            }
            if errors:
                raise ValidationError(errors)
        return data


class ErrorSchema(Schema):
    """The one error envelope every route answers with."""

    status = fields.Integer(required=True, metadata={"description": "HTTP status"})
    code = fields.String(required=True, metadata={"description": "Machine-readable error code"})
    message = fields.String(required=True)
    errors = fields.Dict(
        keys=fields.String(),
        metadata={"description": "Field name -> list of messages (validation errors only)"},
    )


class PageQuery(InputSchema):
    """?page=&per_page= for every list."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PER_PAGE))


def page_of(item_schema: type[Schema], name: str, **extra: fields.Field) -> type[Schema]:
    """The list envelope {items, total, page, per_page} around `item_schema`."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "total": fields.Integer(required=True),
            "page": fields.Integer(required=True),
            "per_page": fields.Integer(required=True),
            **extra,
        },
        name=name,
    )


class Text(fields.String):
    """A string trimmed of surrounding blanks; blank optional text becomes null."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs).strip()
        if not value and self.allow_none:
            return None
        return value

    def _validate(self, value):
        if value is not None:  # a blank that became null has no length to check
            super()._validate(value)


class StrictBoolean(fields.Boolean):
    """A JSON true or false; not 0, 1, "yes" or "off" (query strings keep fields.Boolean)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class Email(fields.Email):
    """An e-mail address, stored in lower case so search and uniqueness ignore case."""

    def _deserialize(self, value, attr, data, **kwargs):
        return (
            super()
            ._deserialize(value.strip() if isinstance(value, str) else value, attr, data, **kwargs)
            .lower()
        )


class _Identifier(fields.String):
    """A Brazilian identifier: validated and stored bare, shown formatted."""

    @staticmethod
    def normalize(value: str) -> str:
        raise NotImplementedError

    @staticmethod
    def format(value: str) -> str:
        raise NotImplementedError

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        try:
            return self.normalize(value)
        except ValueError as error:
            raise ValidationError(str(error)) from None

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else self.format(value)


class Cpf(_Identifier):
    normalize = staticmethod(documents.normalize_cpf)
    format = staticmethod(documents.format_cpf)


class Cnpj(_Identifier):
    normalize = staticmethod(documents.normalize_cnpj)
    format = staticmethod(documents.format_cnpj)


class Cep(_Identifier):
    normalize = staticmethod(documents.normalize_cep)
    format = staticmethod(documents.format_cep)


class Phone(_Identifier):
    normalize = staticmethod(documents.normalize_phone)
    format = staticmethod(documents.format_phone)


class Uf(_Identifier):
    normalize = staticmethod(documents.normalize_uf)
    format = staticmethod(str)
