"""Extension objects, created unbound and initialised by the app factory."""

import json
from http import HTTPStatus

from flask_cors import CORS
from flask_migrate import Migrate
from flask_smorest import Api as SmorestApi
from flask_smorest import Blueprint as SmorestBlueprint
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from models.db import db
from schemas.common import ErrorSchema
from web.openapi import ContractPlugin, error_statuses, swagger_ui_asset
from web.transactions import committing

migrate = Migrate()
cors = CORS()


class Api(SmorestApi):
    """flask-smorest's Api, documenting exactly what the server does.

    Each route lists the errors it answers (see Blueprint) instead of a catch-all `default`,
    so a status the document does not name is a contract failure, and Swagger UI's files are
    served by this app when OPENAPI_SWAGGER_UI_URL is a path under OPENAPI_URL_PREFIX.
    """

    ERROR_SCHEMA = ErrorSchema
    DEFAULT_ERROR_RESPONSE_NAME = None

    def __init__(self, app=None, *, spec_kwargs=None, **kwargs):
        spec_kwargs = {"marshmallow_plugin": ContractPlugin(), **(spec_kwargs or {})}
        super().__init__(app, spec_kwargs=spec_kwargs, **kwargs)

    def _register_error_handlers(self):
        """Error handlers live in web/errors.py; nothing to register here."""

    def _register_swagger_ui_rule(self, blueprint):
        super()._register_swagger_ui_rule(blueprint)
        prefix = "/" + self.config["OPENAPI_URL_PREFIX"].strip("/")
        assets = self.config.get("OPENAPI_SWAGGER_UI_URL") or ""
        if assets.startswith(prefix + "/"):  # ours to serve, not a CDN's
            blueprint.add_url_rule(
                f"{assets.removeprefix(prefix)}<path:filename>",
                endpoint="swagger_ui_asset",
                view_func=swagger_ui_asset,
            )


class JsonBodyParser(FlaskParser):
    """webargs' Flask parser, strict about request bodies.

    A route that reads a JSON body gets JSON or an error: a body of another media type (or
    none) is a 415 and a body that is not JSON a 400 saying so, where webargs would read either
    as an empty object. JSON is RFC 8259's: UTF-8, no NaN or Infinity, no repeated names.
    """

    __location_map__ = {**FlaskParser.__location_map__, "multipart": "load_multipart"}

    def load_json(self, req, schema):
        if not _declares_json(req):
            raise UnsupportedMediaType(
                "Send the body as JSON (UTF-8), with Content-Type: application/json."
            )
        return parse_json(req.get_data(cache=True))

    def load_multipart(self, req, schema):
        """An upload's fields and files together; the one body besides JSON the API takes."""
        if req.mimetype != "multipart/form-data":
            raise UnsupportedMediaType("Send the body as multipart/form-data.")
        return self._makeproxy(CombinedMultiDict([req.form, req.files]), schema)


def _declares_json(req) -> bool:
    """application/json, in UTF-8 (the only charset JSON has): what the README and the OpenAPI
    document name. Not application/*+json: a merge-patch+json or json-patch+json body means
    rules this API does not follow, so it is refused rather than read as something else."""
    charset = req.mimetype_params.get("charset", "utf-8").lower()
    return req.mimetype == "application/json" and charset in ("utf-8", "utf8")


def parse_json(raw: bytes):
    """A JSON body as RFC 8259 has it (BadRequest saying why not); the PIX webhook front reads
    bodies with it too."""
    if not raw.strip():
        raise BadRequest("The body is empty; send a JSON object.")
    try:
        return json.loads(
            raw.decode("utf-8"), parse_constant=_not_json, object_pairs_hook=_unique_names
        )
    except ValueError as error:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise BadRequest(f"The body is not valid JSON: {error}") from None
    except RecursionError:
        raise BadRequest("The body nests arrays or objects too deeply.") from None


def _not_json(constant: str):
    raise ValueError(f"{constant} is not a JSON value")


def _unique_names(pairs: list) -> dict:
    """The object, unless a name repeats (one pass: a body may hold tens of thousands)."""
    seen = {}
    for name, value in pairs:
        if name in seen:
            raise ValueError(f"an object repeats the name {name!r}")
        seen[name] = value
    return seen


class Blueprint(SmorestBlueprint):
    """flask-smorest's Blueprint: strict body parsing, every error a route answers documented,
    and every view one transaction, committed at the boundary (web/transactions.py).

    webargs drops unknown query parameters by default; our input schemas reject them
    (`?sort=name` would otherwise be silently ignored), hence `unknown=None`.
    """

    ARGUMENTS_PARSER = JsonBodyParser(unknown=None)
    # location="multipart": an upload route's form fields and files, documented as one body.
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
        **SmorestBlueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
        "multipart": "multipart/form-data",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._prepare_doc_cbks.append(self._prepare_errors_doc)

    def created(self, schema, what: str):
        """Document a 201 answered with `schema` and the new resource's URL in `Location`."""
        location = {"description": f"The new {what}", "required": True}
        location["schema"] = {"type": "string"}
        return self.response(201, schema, headers={"Location": location})

    def response(self, *args, **kwargs):
        """flask-smorest's, with the commit between the view and the answer's serialisation."""
        document = super().response(*args, **kwargs)
        return lambda view: document(committing(view))

    def add_url_rule(self, rule, endpoint=None, view_func=None, *args, **kwargs):
        """Register the route, committing (if `response` did not), noting its errors for the doc."""
        view_func = committing(view_func)
        super().add_url_rule(rule, endpoint, view_func, *args, **kwargs)
        statuses = error_statuses(view_func, rule, getattr(view_func, "_apidoc", {}))
        for method, doc in self._docs[self._endpoints[-1]].items():
            if method != "parameters":
                doc["error_statuses"] = statuses
                doc["public"] = getattr(view_func, "public", False)
                doc["security"] = getattr(view_func, "openapi_security", [])

    @staticmethod
    def _prepare_errors_doc(doc, doc_info, *, api, **_kwargs):
        """Every error response with the error envelope; public routes need no token."""
        responses = doc.setdefault("responses", {})
        for status in doc_info["error_statuses"]:
            if status not in responses and str(status) not in responses:
                responses[status] = HTTPStatus(status).name  # flask-smorest's lazy components
        for status, response in responses.items():
            if int(status) >= 400 and isinstance(response, dict) and "content" not in response:
                response["content"] = {
                    api.DEFAULT_RESPONSE_CONTENT_TYPE: {"schema": api.ERROR_SCHEMA}
                }
        doc["responses"] = dict(sorted(responses.items(), key=lambda item: str(item[0])))
        if doc_info["public"]:
            doc["security"] = doc_info["security"]  # none, or what the route checks itself
        return doc


__all__ = ["Api", "Blueprint", "cors", "db", "migrate"]
