"""Every request and answer of the stand-in checked against the Banco Central's OpenAPI document.

The document (openapi-2.9.0.yaml beside this module: bacen/pix-api 2.9.0 with its three schema
errors fixed, see README.md) is what real PSPs implement, so a request the stand-in accepts is one a
real PSP accepts by schema, and an answer it gives is one the service must be able to read.

The stand-in routes requests itself and hands openapi-core the path pattern it matched: the document
has overlapping patterns (/cobv/{txid} and the payload location /cobv/{pixUrlAccessToken}) that
openapi-core cannot tell apart by the URL alone. The document's servers are https://pix.example.com/api,
so the stand-in's own address is mapped there. OAuth2 is not checked here (openapi-core has no
provider for it): the stand-in checks its own tokens.
"""

import functools
import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.deserializing.media_types.util import json_loads
from openapi_core.validation.request.exceptions import SecurityValidationError
from werkzeug.datastructures import Headers, ImmutableMultiDict

DOCUMENT = Path(__file__).with_name("openapi-2.9.0.yaml")
SPEC_HOST = "https://pix.example.com"
SPEC_PREFIX = "/api"


@functools.cache
def openapi() -> OpenAPI:
    """The parsed document, once per process (parsing the 9,000 lines takes about a second)."""
    # RFC 7807 problems are JSON; openapi-core only knows application/json by that name.
    config = Config(extra_media_type_deserializers={"application/problem+json": json_loads})
    return OpenAPI.from_file_path(str(DOCUMENT), config=config)


@dataclass
class SpecRequest:
    """A request as openapi-core reads it, addressed to the document's own server."""

    method: str
    pattern: str  # e.g. "/cobv/{txid}", as the document writes it
    path_params: dict
    query: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | None = None
    content_type: str = "application/json"
    headers: dict = field(default_factory=dict)

    def __post_init__(self):
        self.method = self.method.lower()
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(self.query),
            header=Headers(self.headers),
            path=self.path_params,
        )

    @property
    def host_url(self) -> str:
        return SPEC_HOST

    @property
    def path(self) -> str:
        concrete = self.pattern
        for name, value in self.path_params.items():
            concrete = concrete.replace("{" + name + "}", str(value))
        return SPEC_PREFIX + concrete

    @property
    def path_pattern(self) -> str:
        return SPEC_PREFIX + self.pattern


@dataclass
class SpecResponse:
    status_code: int
    data: bytes | None
    content_type: str = "application/json"
    headers: Headers = field(default_factory=Headers)


def _messages(errors) -> list[str]:
    found = []
    for error in errors:
        if isinstance(error, SecurityValidationError):
            continue
        causes = getattr(error, "schema_errors", None) or (
            [error.__cause__] if error.__cause__ is not None else []
        )
        detail = "; ".join(_schema_error_text(cause) for cause in causes)
        if not detail and error.__cause__ is not None:
            inner = getattr(error.__cause__, "schema_errors", None) or []
            detail = "; ".join(_schema_error_text(cause) for cause in inner)
        found.append(f"{type(error).__name__}: {error}" + (f" ({detail})" if detail else ""))
    return found


def _schema_error_text(error) -> str:
    nested = getattr(error, "schema_errors", None)
    if nested:
        return "; ".join(_schema_error_text(inner) for inner in nested)
    where = "/".join(str(part) for part in getattr(error, "absolute_path", []) or [])
    message = getattr(error, "message", None) or str(error)
    return f"{where}: {message}" if where else message


def request_errors(request: SpecRequest) -> list[str]:
    """What the document refuses in this request (empty when it conforms)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openapi-core: "Unsupported scheme type" (OAuth2)
        return _messages(openapi().iter_request_errors(request))


def response_errors(request: SpecRequest, status: int, body, content_type: str) -> list[str]:
    """What the document refuses in the answer to `request`."""
    data = None if body is None else json.dumps(body).encode()
    response = SpecResponse(status, data, content_type if body is not None else "")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _messages(openapi().iter_response_errors(request, response))


# The bodies the PSP posts to the receiver's webhook (the document's callbacks), by suffix.
CALLBACK_BODIES = {
    "pix": "WebhookPixBody",
    "rec": "WebhookRecBody",
    "cobr": "WebhookCobRBody",
}


@functools.cache
def _callback_validator(kind: str):
    from openapi_core.validation.schemas import oas30_write_schema_validators_factory

    bodies = openapi().spec / "components" / "requestBodies"
    schema = bodies / CALLBACK_BODIES[kind] / "content" / "application/json" / "schema"
    return oas30_write_schema_validators_factory.create(openapi().spec, schema)


def callback_errors(kind: str, body) -> list[str]:
    """What the document refuses in a webhook body the stand-in is about to deliver."""
    try:
        _callback_validator(kind).validate(body)
    except Exception as error:
        return [f"webhook {kind}: {_schema_error_text(error)}"]
    return []
