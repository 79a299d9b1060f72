"""One JSON error envelope for every failure: {status, code, message, errors}."""

import contextlib
import logging

from flask import Flask, jsonify
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException, InternalServerError

from models.db import db, is_unavailable
from models.errors import AuthenticationFailed, DomainError, TooManyAttempts

log = logging.getLogger(__name__)

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
    503: "database_unavailable",
}
# Seconds a client should wait before asking again while the database is unreachable: about
# what a PostgreSQL restart or a failover takes.
DATABASE_RETRY_AFTER_SECONDS = 30


def error_response(status: int, message: str, errors: dict | None = None, code: str | None = None):
    """The envelope, always whole: `errors` is {} when no field is to blame."""
    body = {
        "status": status,
        "code": code or _CODES.get(status, "error"),
        "message": message,
        "errors": errors or {},
    }
    response = jsonify(body)
    response.status_code = status
    return response


def _flatten(messages: dict) -> dict:
    """webargs nests errors by location ({"json": {...}}); clients want field -> messages."""
    flat = {}
    for location, fields in messages.items():
        if isinstance(fields, dict):
            flat.update(fields)
        else:
            flat[location] = fields
    return flat


def handle_http_exception(error: HTTPException):
    db.session.rollback()
    if isinstance(error, InternalServerError):
        original = getattr(error, "original_exception", None)
        if original is not None:
            log.exception("unhandled error", exc_info=original)
        return error_response(500, "Internal error; it has been logged.", code="internal_error")
    data = getattr(error, "data", None) or {}
    errors = data.get("errors") or (_flatten(data["messages"]) if "messages" in data else None)
    message = data.get("message") or error.description or error.name
    if error.code == 422 and errors:
        message = "The request has invalid fields."
    response = error_response(error.code, message, errors)
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value  # e.g. Allow on a 405
    return response


def handle_domain_error(error: DomainError):
    db.session.rollback()
    response = error_response(error.status, error.message, error.errors, error.code)
    if isinstance(error, TooManyAttempts):
        response.headers["Retry-After"] = str(error.retry_after_seconds)
    if isinstance(error, AuthenticationFailed):
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


def handle_database_error(error: DBAPIError):
    """The database down, or a SQLite file locked too long: a 503 to retry, not a 500."""
    if not is_unavailable(error):
        raise error  # a failed statement is a bug: the 500 handler logs it
    log.error("database unavailable, answering 503: %s", error.orig)
    with contextlib.suppress(DBAPIError):  # nothing to undo on a connection that never worked
        db.session.rollback()
    response = error_response(
        503, "The database cannot be reached; try again shortly.", code="database_unavailable"
    )
    response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    return response


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(DBAPIError, handle_database_error)
