"""The OpenAPI document, exact about what the server does, and its docs page served offline.

- `ContractPlugin` turns the marshmallow schemas into JSON Schema as apispec does, then lets a
  schema class rewrite its own (`openapi_schema`, e.g. PF/PJ as `oneOf`), and documents a
  nullable nested object as that object or null (apispec's OpenAPI 3.0 form is any object).
- `error_statuses` lists the errors a route can answer, for the Blueprint to document them all
  with the error envelope (web/extensions.py).
- `swagger_ui_asset` serves Swagger UI's files from the installed swagger-ui-bundle package.
"""

from collections.abc import Callable

from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.common import resolve_schema_cls
from flask import abort, send_from_directory
from marshmallow import fields
from swagger_ui_bundle import swagger_ui_path

from models.staff.users import ROLES
from web.security import public

# OpenAPI 3.0 for "null and nothing else" (nullable needs a type; enum narrows it to null).
NULL_ONLY_OBJECT = {"type": "object", "nullable": True, "enum": [None]}
# The files flask-smorest's Swagger UI page loads.
SWAGGER_UI_FILES = frozenset(
    {"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js"}
)


class ContractPlugin(MarshmallowPlugin):
    """apispec's marshmallow plugin, with the schema classes' own say about their JSON Schema.

    A schema class may define `openapi_schema(generated, register) -> dict`: it gets the
    generated JSON Schema and returns the one to publish; `register(name, json_schema)` adds
    another component (e.g. one shape of a `oneOf`) and returns its `$ref`.
    """

    def init_spec(self, spec):
        super().init_spec(spec)
        self.converter.add_attribute_function(nested_or_null)

    def schema_helper(self, name, definition, schema=None, **kwargs):
        generated = super().schema_helper(name, definition, schema=schema, **kwargs)
        hook = getattr(resolve_schema_cls(schema), "openapi_schema", None) if schema else None
        return generated if hook is None else hook(generated, self._register)

    def _register(self, name: str, json_schema: dict) -> str:
        self.spec.components.schema(name, json_schema)
        return f"#/components/schemas/{name}"


def nested_or_null(converter, field, ret: dict, **_kwargs) -> dict:
    """A nullable nested schema is that schema or null (apispec 3.0: any object or null)."""
    if isinstance(field, fields.Nested) and field.allow_none and "anyOf" in ret:
        ret["anyOf"] = [item for item in ret["anyOf"] if "$ref" in item] + [NULL_ONLY_OBJECT]
    return {}


def error_statuses(view: Callable, rule: str, doc_info: dict) -> set[int]:
    """The 4xx and 5xx a route answers, from how it is declared: auth, roles, path, input."""
    statuses = {500, 503}  # 503: the database is unreachable (web/errors.py)
    if not getattr(view, "public", False):
        statuses.add(401)
        if set(ROLES) - set(getattr(view, "allowed_roles", ())):
            statuses.add(403)  # roles that are refused, or none declared (fail closed)
    if "<" in rule:
        statuses.add(404)  # the addressed record may not exist
    locations = {p["in"] for p in doc_info.get("arguments", {}).get("parameters", [])}
    if "json" in locations:
        statuses |= {400, 413, 415, 422}  # not JSON, too large, not declared JSON, invalid
    if "multipart" in locations:
        statuses |= {400, 413, 415, 422}  # as JSON, for a body in multipart/form-data
    if "query" in locations:
        statuses.add(422)
    return statuses


@public
def swagger_ui_asset(filename: str):
    """One of Swagger UI's files, from the pinned swagger-ui-bundle package (no CDN)."""
    if filename not in SWAGGER_UI_FILES:
        abort(404)
    return send_from_directory(swagger_ui_path, filename, max_age=24 * 3600)
