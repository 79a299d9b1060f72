"""PSP connections: how a billing account reaches its PIX provider's API Pix (Banco Central).

One per billing account (admins). The OAuth2 client secret and the client certificate (PEM:
certificate and private key) are encrypted at rest like card numbers (Fernet under
CARD_ENCRYPTION_KEYS) and never returned; the API takes them and says only whether they are set.

The webhook: the service registers `{PUBLIC_BASE_URL}/api/v1/pix/webhook/{account}?hmac=SECRET&
ignorar=` with the PSP (`PUT /webhook/{chave}`). PSPs append `/pix` to the URL they were given:
some to the path (the route takes `/pix`, `/rec`, `/cobr`), some to the whole string (it then
lands in the `ignorar` parameter). Only the secret's SHA-256 is kept: each registration draws a
new one, so a secret is never readable back, and one that leaked is replaced by registering again.

`reconciled_until`: the end of the last window of received PIX asked of the PSP (`GET /pix`);
reconciliation goes on from there, so the first run after an outage catches up.
"""

import hashlib
import hmac
import logging
import secrets
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column

from models.audit import Audited, current_actor
from models.billing.billing_accounts import get_billing_account
from models.billing.psp_client import PixApi, PspConfig, PspRejected, forget_tokens
from models.billing.settings import PixSettings
from models.clock import utcnow
from models.customers import card_crypto
from models.db import MAX_INT_ID, UTCDateTime, db
from models.effects import after_commit
from models.errors import Conflict, Invalid, NotFound
from models.settings import current

log = logging.getLogger(__name__)

# The providers' known deviations from the API Pix, by name (the default follows the standard).
STANDARD, INTER = "standard", "inter"
PROVIDERS = {
    STANDARD: {"webhook_bare_array": False},
    INTER: {"webhook_bare_array": True},  # Inter posts the webhook's Pix as a bare JSON array
}
SECRET_FIELDS = ("client_secret", "certificate_pem")
WEBHOOK_PATH = "/api/v1/pix/webhook/{account}"
REGISTER_TASK = "tasks.pix.register_webhook"


class PspConnection(Audited, db.Model):
    """The API Pix of one billing account's PSP, its credentials and its PIX key."""

    __tablename__ = "psp_connections"
    __audit_redact__ = frozenset(
        {"client_secret_encrypted", "certificate_encrypted", "webhook_secret_hash"}
    )
    __audit_ignore__ = frozenset({"created_at", "updated_at", "reconciled_until"})

    id: Mapped[int] = mapped_column(primary_key=True)
    billing_account_id: Mapped[int] = mapped_column(ForeignKey("billing_accounts.id"), unique=True)
    provider: Mapped[str] = mapped_column(String(20), default=STANDARD)
    base_url: Mapped[str] = mapped_column(String(200))  # e.g. https://pix.example.com/v2
    token_url: Mapped[str] = mapped_column(String(200))
    client_id: Mapped[str] = mapped_column(String(200))
    client_secret_encrypted: Mapped[str] = mapped_column(Text)
    certificate_encrypted: Mapped[str] = mapped_column(Text)
    # The CA that signed the PSP's server certificate, when it is not a public one (public data).
    ca_pem: Mapped[str | None] = mapped_column(Text)
    pix_key: Mapped[str] = mapped_column(String(77))
    # Days a cobv may still be paid after its due date (validadeAposVencimento).
    days_valid_after_due: Mapped[int] = mapped_column(Integer, default=30)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    webhook_secret_hash: Mapped[str | None] = mapped_column(String(64))
    webhook_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    webhook_registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reconciled_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def has_client_secret(self) -> bool:
        return bool(self.client_secret_encrypted)

    @property
    def has_certificate(self) -> bool:
        return bool(self.certificate_encrypted)

    @property
    def webhook_bare_array(self) -> bool:
        """Whether the PSP posts the webhook's Pix as a bare array (Inter)."""
        return PROVIDERS[self.provider]["webhook_bare_array"]

    def config(self) -> PspConfig:
        """What the API Pix client needs, the secrets decrypted (never stored elsewhere)."""
        return PspConfig(
            base_url=self.base_url.rstrip("/"),
            token_url=self.token_url,
            client_id=self.client_id,
            client_secret=card_crypto.decrypt(self.client_secret_encrypted),
            certificate_pem=card_crypto.decrypt(self.certificate_encrypted),
            ca_pem=self.ca_pem,
        )

    def webhook_secret_matches(self, secret: str | None) -> bool:
        """Whether `secret` is the one last registered (compared in constant time)."""
        if not secret or not self.webhook_secret_hash:
            return False
        return hmac.compare_digest(_digest(secret), self.webhook_secret_hash)

    def new_webhook_secret(self) -> str:
        """Draw the secret of the next registration; only its digest is kept."""
        secret = secrets.token_urlsafe(32)
        self.webhook_secret_hash = _digest(secret)
        return secret


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _check_pem(pem: str) -> None:
    if "-----BEGIN CERTIFICATE-----" not in pem or "PRIVATE KEY-----" not in pem:
        raise Invalid.field(
            "certificate_pem", "The client certificate and its private key, both in PEM."
        )


def connection_of(account_id: int) -> PspConnection | None:
    """The account's PSP connection, if it has one (active or not)."""
    return db.session.scalars(
        db.select(PspConnection).where(PspConnection.billing_account_id == account_id)
    ).first()


def get_connection(account_id: int, for_update: bool = False) -> PspConnection:
    """The PSP connection of billing account `account_id`, or NotFound."""
    get_billing_account(account_id)
    connection = connection_of(account_id)
    if connection is None:
        raise NotFound(f"Billing account {account_id} has no PSP connection.")
    if for_update:
        connection = db.session.get(
            PspConnection, connection.id, with_for_update=True, populate_existing=True
        )
    return connection


def active_connection(account_id: int | None) -> PspConnection | None:
    """The account's connection when it is active (the one its PIX charges go through)."""
    if account_id is None:
        return None
    connection = connection_of(account_id)
    return connection if connection is not None and connection.active else None


def save_connection(account_id: int, data: dict) -> tuple[PspConnection, bool]:
    """Create or change the account's PSP connection (validated input); whether it is new.
    A secret left out keeps the stored one; a new connection needs both."""
    get_billing_account(account_id)
    connection = connection_of(account_id)
    created = connection is None
    if created:
        missing = [name for name in SECRET_FIELDS if not data.get(name)]
        if missing:
            raise Invalid(
                "A new connection needs the client secret and the certificate.",
                {name: ["Required for a new connection."] for name in missing},
            )
        connection = PspConnection(billing_account_id=account_id)
        db.session.add(connection)
    if data.get("certificate_pem"):
        _check_pem(data["certificate_pem"])
        connection.certificate_encrypted = card_crypto.encrypt(data.pop("certificate_pem"))
    if data.get("client_secret"):
        connection.client_secret_encrypted = card_crypto.encrypt(data.pop("client_secret"))
    data.pop("certificate_pem", None), data.pop("client_secret", None)
    for name, value in data.items():
        setattr(connection, name, value)
    db.session.flush()
    if not created:  # mended credentials or key: what the PSP refused is tried again
        charges = db.metadata.tables["pix_charges"]  # models/billing/pix_charges.py
        db.session.execute(
            db.update(charges)
            .where(charges.c.billing_account_id == account_id, charges.c.status == "failed")
            .values(status="pending", sent_at=None)
        )
    forget_tokens()  # a token of the old credentials is not used again
    return connection, created


def connection_for_webhook(account_id: int, secret: str | None) -> PspConnection | None:
    """The connection of `account_id` when `secret` is its webhook secret; None for anything
    else (unknown account, no connection, a wrong or missing secret). A deactivated one still
    takes webhooks: its charges may still be paid until the PSP has removed them."""
    connection = connection_of(account_id) if 0 < account_id <= MAX_INT_ID else None
    if connection is None or not connection.webhook_secret_matches(secret):
        return None
    return connection


def webhook_url(account_id: int, secret: str) -> str:
    """The URL the account's PSP posts to (it appends `/pix`, `/rec` or `/cobr`)."""
    base = current(PixSettings).public_base_url
    if not base:
        raise Conflict(
            "PUBLIC_BASE_URL is not set: the PSP has nowhere to send its webhooks.",
            {"public_base_url": ["Not set."]},
        )
    return f"{base}{WEBHOOK_PATH.format(account=account_id)}?hmac={secret}&ignorar="


def request_webhook_registration(account_id: int) -> None:
    """Have a worker register the account's webhook after the commit; Conflict when it cannot
    be (inactive connection, PUBLIC_BASE_URL not set)."""
    connection = get_connection(account_id)
    if not connection.active:
        raise Conflict("The PSP connection is inactive.", {"active": ["Inactive."]})
    webhook_url(account_id, "")  # PUBLIC_BASE_URL set
    connection.webhook_requested_at = utcnow()
    after_commit(REGISTER_TASK, account_id, requested_by=current_actor(db.session).user_id)


def register_webhook(account_id: int) -> str:
    """Register the account's webhook with its PSP (`PUT /webhook/{chave}`) under a new
    secret; the old one stops working when this commits. PspError propagates (rolled back:
    the old secret stays)."""
    connection = get_connection(account_id, for_update=True)
    url = webhook_url(account_id, connection.new_webhook_secret())
    with PixApi(connection.config()) as api:
        api.put_webhook(connection.pix_key, url)
        # Pix Automático's outcomes come to the same URL (`/rec`, `/cobr` appended), under the
        # same secret; a PSP without Pix Automático refuses these, its PIX webhook still works.
        for register in (api.put_webhookrec, api.put_webhookcobr):
            try:
                register(url)
            except PspRejected as error:
                log.warning("PSP of account %s: %s", account_id, error)
    connection.webhook_registered_at = utcnow()
    return "registered"
