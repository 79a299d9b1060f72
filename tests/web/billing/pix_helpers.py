"""What the PIX tests share: an account connected to a PSP, charges, and webhook bodies."""

import secrets
from datetime import UTC, datetime
from decimal import Decimal

from models.audit import set_actor
from models.billing import pix_charges, pix_inbox, psp_connections
from models.billing.billing_accounts import default_account
from models.db import db
from tests.builders import BUILDER
from tests.web.api_helpers import API

# Not a usable certificate: the webhook path never calls the PSP (tests/pix_psp has real ones).
PLACEHOLDER_PEM = (
    "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n"
)


def connect_default_account(app, provider: str = "standard", **psp) -> tuple[int, str]:
    """Give the default billing account a PSP connection and a registered webhook secret;
    (account id, secret)."""
    with app.app_context():
        set_actor(db.session, BUILDER)
        account = default_account()
        data = {
            "provider": provider,
            "base_url": "https://psp.invalid/v2",
            "token_url": "https://psp.invalid/oauth/token",
            "client_id": "provedor",
            "client_secret": "s3cret",
            "certificate_pem": PLACEHOLDER_PEM,
            "pix_key": "11222333000181",
            **psp,
        }
        connection, _ = psp_connections.save_connection(account.id, data)
        secret = connection.new_webhook_secret()
        db.session.commit()
        return account.id, secret


def plan_charges(app) -> list[int]:
    """Beat's charge planning, once (the charges it would send, left pending)."""
    with app.app_context():
        ids = pix_charges.plan_charges()
        db.session.commit()
        return ids


def charge_of(app, receivable_id: int):
    with app.app_context():
        charge = pix_charges.charge_of(receivable_id)
        db.session.expunge_all()
        return charge


def end_to_end_id() -> str:
    """A made-up endToEndId in the BCB's shape: E + ISPB + yyyyMMddHHmm + 11 characters."""
    return f"E18236120{datetime.now(UTC):%Y%m%d%H%M}{secrets.token_hex(6)[:11]}"


def pix(txid: str | None, amount: str, e2e: str | None = None, **more) -> dict:
    """One PIX as the API Pix's webhook carries it."""
    item = {
        "endToEndId": e2e or end_to_end_id(),
        "valor": amount,
        "horario": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        **more,
    }
    if txid:
        item["txid"] = txid
    return item


def webhook_url(account_id: int, secret: str | None, suffix: str = "/pix") -> str:
    query = f"?hmac={secret}&ignorar=" if secret is not None else ""
    return f"{API}/pix/webhook/{account_id}{suffix}{query}"


def paid(app, receivable_id: int) -> tuple[str, Decimal | None]:
    from models.billing.receivables import Receivable

    with app.app_context():
        receivable = db.session.get(Receivable, receivable_id)
        return receivable.status, receivable.paid_amount


def drain(app) -> None:
    """Every list of the inbox drained by the drain task, in this process."""
    from tasks.billing import drain_pix_inbox

    for shard in range(pix_inbox.SHARDS):
        assert drain_pix_inbox.apply([shard]).successful()
