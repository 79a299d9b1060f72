"""One log line per request, and a request id the client sees in X-Request-ID."""

import logging
import re
import time
import uuid

from flask import Flask, g, request

log = logging.getLogger("provedor.request")
SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def _start():
    g.request_id = request_id_of(request.headers.get("X-Request-ID", ""))
    g.started = time.perf_counter()


def _finish(response):
    elapsed_ms = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
    user = g.get("user")
    log_request(
        request.method,
        request.path,
        response.status_code,
        user.username if user else "-",
        elapsed_ms,
        g.get("request_id", "-"),
    )
    response.headers["X-Request-ID"] = g.get("request_id", "")
    return response


def request_id_of(incoming: str) -> str:
    """The client's X-Request-ID when it is a safe one to repeat, else a new one."""
    return incoming if SAFE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex


def log_request(method: str, path: str, status: int, user: str, ms: float, request_id: str):
    """The request's one line (the PIX webhook front writes its own answers' lines too)."""
    log.info("%s %s %s user=%s %.1fms request_id=%s", method, path, status, user, ms, request_id)


def init_request_log(app: Flask) -> None:
    # Registered before authentication so that even a 401 carries a request id.
    app.before_request(_start)
    app.after_request(_finish)
