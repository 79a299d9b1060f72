"""Fixtures for the stand-in PSP's own tests: a PSP, a client for it, a receiver for webhooks."""

import json
import threading

import pytest
from werkzeug.wrappers import Request, Response

from models.billing.psp_client import PixApi, PspConfig, forget_tokens
from tests.pix_psp import MtlsLiveServer, PspStandIn


@pytest.fixture
def psp():
    with PspStandIn() as stand_in:
        yield stand_in


def config_for(psp: PspStandIn, **changes) -> PspConfig:
    values = {
        "base_url": psp.base_url,
        "token_url": psp.token_url,
        "client_id": psp.client_id,
        "client_secret": psp.client_secret,
        "certificate_pem": psp.client_pem,
        "ca_pem": psp.ca_pem,
        "timeout": 5.0,
    }
    return PspConfig(**{**values, **changes})


@pytest.fixture
def api(psp):
    forget_tokens()
    client = PixApi(config_for(psp))
    yield client
    client.close()


class Receiver:
    """A tiny webhook receiver (what the service's route does, minus the work): records posts."""

    def __init__(self):
        self.received: list[tuple[str, object, str | None]] = []  # (path, body, client cert PEM)
        self.status = 200
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        request = Request(environ)
        with self._lock:
            self.received.append(
                (request.path, json.loads(request.get_data()), environ.get("SSL_CLIENT_CERT"))
            )
        return Response("", status=self.status)(environ, start_response)

    def bodies(self, path: str) -> list:
        return [body for where, body, _cert in self.received if where == path]


@pytest.fixture
def receiver(psp):
    """A Receiver behind MtlsLiveServer: the stand-in's CA for client certs, its service cert."""
    app = Receiver()
    with MtlsLiveServer(app, psp.ca_pem, psp.service_server_pem) as server:
        app.url = server.url + "/hook"
        yield app
