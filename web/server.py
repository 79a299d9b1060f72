"""The gunicorn worker class: gunicorn's threaded worker, answering its own errors in JSON.

gunicorn refuses some requests before the app sees them (a request line or a header over the
limits in web/gunicorn_conf.py, a malformed request) and answers those with an HTML page.
This worker lets gunicorn decide the status, log and count the error exactly as it does, and
replaces only the page with the API's envelope: {"status", "code", "message", "errors"}.
"""

import json
import logging
import uuid

from gunicorn import util
from gunicorn.workers.gthread import ThreadWorker

log = logging.getLogger(__name__)

# Codes as web/errors.py names them; any other status gets its reason phrase in snake case.
_CODES = {500: "internal_error"}
_MESSAGES = {
    400: "The request is malformed.",
    414: "The request line (method, path and query string) is longer than {line} bytes.",
    431: "A request header is longer than {field} bytes, or there are more than {fields}.",
    500: "Internal error; it has been logged.",
}


class _StatusLineRecorder:
    """Stands in for the client socket while gunicorn writes its HTML error page."""

    def __init__(self):
        self.written = b""

    def gettimeout(self) -> float:
        return 0.0  # util.write_nonblock then writes at once, without touching blocking mode

    def sendall(self, data: bytes) -> None:
        self.written += data

    def status(self) -> tuple[int, str]:
        """The status code and reason phrase gunicorn chose: "HTTP/1.1 414 URI Too Long"."""
        _version, code, reason = self.written.split(b"\r\n", 1)[0].decode("latin-1").split(" ", 2)
        return int(code), reason


class JsonErrorWorker(ThreadWorker):
    """gunicorn's gthread worker whose own error responses are the API's JSON envelope."""

    def handle_error(self, req, client, addr, exc):
        """Let gunicorn classify and log the error, then answer it in JSON."""
        recorder = _StatusLineRecorder()
        super().handle_error(req, recorder, addr, exc)
        if not recorder.written:
            return
        status, reason = recorder.status()
        try:
            util.write_nonblock(client, self._json_error(status, reason))
        except OSError:
            log.debug("could not send the %s error to the client", status)

    def _json_error(self, status: int, reason: str) -> bytes:
        message = _MESSAGES.get(status, reason + ".").format(
            line=self.cfg.limit_request_line,
            field=self.cfg.limit_request_field_size,
            fields=self.cfg.limit_request_fields,
        )
        code = _CODES.get(status) or reason.lower().replace(" ", "_").replace("-", "_")
        body = json.dumps({"status": status, "code": code, "message": message, "errors": {}})
        head = (
            f"HTTP/1.1 {status} {reason}\r\n"
            "Connection: close\r\n"
            "Content-Type: application/json\r\n"
            "X-Content-Type-Options: nosniff\r\n"  # as web/security.py sends on every answer
            f"Content-Length: {len(body)}\r\n"
            f"X-Request-ID: {uuid.uuid4().hex}\r\n"  # every response carries one (README)
            "\r\n"
        )
        return (head + body).encode("latin-1")
