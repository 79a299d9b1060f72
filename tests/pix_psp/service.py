"""The service connected to the stand-in PSP as in production: its app behind a mutual-TLS
proxy (MtlsLiveServer, what the PSP posts webhooks to), the default billing account's PSP
connection made through the API, and the webhook registered by the worker."""

from contextlib import contextmanager

from models.billing.billing_accounts import default_account
from models.billing.psp_client import forget_tokens
from models.billing.settings import PixSettings
from models.db import db
from tests.pix_psp import MtlsLiveServer, PspStandIn
from tests.waiting import wait_until
from tests.web.api_helpers import API


def connection_body(psp: PspStandIn, **changes) -> dict:
    """What an admin types in for the stand-in PSP."""
    return {
        "base_url": psp.base_url,
        "token_url": psp.token_url,
        "client_id": psp.client_id,
        "client_secret": psp.client_secret,
        "certificate_pem": psp.client_pem,
        "ca_pem": psp.ca_pem,
        "pix_key": psp.pix_key,
        **changes,
    }


def default_account_id(app) -> int:
    with app.app_context():
        account_id = default_account().id
        db.session.commit()
        return account_id


@contextmanager
def connected_service(app, psp: PspStandIn, client, admin, override_settings):
    """Yield (account id, the proxy's base URL) once the PSP holds the service's webhook."""
    forget_tokens()
    with MtlsLiveServer(app, psp.ca_pem, psp.service_server_pem) as proxy:
        override_settings(PixSettings, public_base_url=proxy.url)
        account_id = default_account_id(app)
        saved = client.put(
            f"{API}/billing-accounts/{account_id}/psp", json=connection_body(psp), headers=admin
        )
        assert saved.status_code == 201, saved.json
        queued = client.post(
            f"{API}/billing-accounts/{account_id}/psp/webhook", json={}, headers=admin
        )
        assert queued.status_code == 202, queued.json
        registered = wait_until(
            lambda: any(path.startswith("/webhook/") for _, path, _ in psp.requests), timeout=30
        )
        assert registered, "the worker did not register the webhook"
        assert wait_until(lambda: _registered_at(app, account_id), timeout=10)
        yield account_id, proxy.url


def _registered_at(app, account_id: int) -> bool:
    from models.billing.psp_connections import connection_of

    with app.app_context():
        return connection_of(account_id).webhook_registered_at is not None
