"""Serve any WSGI app over HTTPS that requires a client certificate: mutual TLS on loopback.

In production a proxy terminates the PSP's mutual TLS in front of the service's webhook; in tests
this server plays that proxy for the service's Flask app, and it is also what the stand-in PSP
itself listens on. A threaded werkzeug server in a background thread, on 127.0.0.1, a free port.
"""

import contextlib
import os
import ssl
import tempfile
import threading

from werkzeug.serving import WSGIRequestHandler, make_server


class _QuietHandler(WSGIRequestHandler):
    """No access log lines in the test output."""

    def log(self, *_args, **_kwargs):
        pass


def server_context(server_pem: str, client_ca_pem: str) -> ssl.SSLContext:
    """A TLS server context presenting `server_pem` and requiring a client cert from that CA."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    descriptor, path = tempfile.mkstemp(prefix="mtls-", suffix=".pem")
    try:
        os.write(descriptor, server_pem.encode())
        os.close(descriptor)
        context.load_cert_chain(path)  # the ssl module reads a chain from files only
    finally:
        os.unlink(path)
    context.load_verify_locations(cadata=client_ca_pem)
    context.verify_mode = ssl.CERT_REQUIRED
    return context


class MtlsLiveServer:
    """`wsgi_app` on https://127.0.0.1:PORT, refusing any client without a cert from the CA."""

    def __init__(self, wsgi_app, ca_pem_for_clients: str, server_pem: str):
        context = server_context(server_pem, ca_pem_for_clients)
        self._server = make_server(
            "127.0.0.1",
            0,
            wsgi_app,
            threaded=True,
            ssl_context=context,
            request_handler=_QuietHandler,
        )
        self._server.daemon_threads = True
        self.port = self._server.server_port
        self.url = f"https://127.0.0.1:{self.port}"
        self._thread: threading.Thread | None = None

    def start(self) -> "MtlsLiveServer":
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},  # stop() returns within 50 ms
            name=f"mtls-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        with contextlib.suppress(OSError):
            self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *_exc):
        self.stop()
