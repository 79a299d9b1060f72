"""Consents per contact channel (LGPD): given or withdrawn, when, by whom and how.

Each statement is a new row, never an update: the latest row of a channel is its state, the
earlier ones its history (also in the customer's change history, as every row is audited).
"""

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from models.audit import Audited, current_actor
from models.clock import utcnow
from models.customers.customers import get_customer
from models.db import UTCDateTime, db, paginate

EMAIL, SMS, WHATSAPP, PHONE_CALL = "email", "sms", "whatsapp", "phone_call"
CHANNELS = (EMAIL, SMS, WHATSAPP, PHONE_CALL)
HOWS = ("in_person", "phone", "web", "contract", "email", "whatsapp")
# Never recorded: e-mail notices about an existing contract rest on the contract itself (LGPD
# art. 7, V); SMS, WhatsApp and calls are opt-in.
UNRECORDED = {EMAIL: True, SMS: False, WHATSAPP: False, PHONE_CALL: False}


class ConsentRecord(Audited, db.Model):
    """One statement of consent for one channel of one customer."""

    __tablename__ = "consent_records"
    __table_args__ = (
        CheckConstraint(f"channel IN {CHANNELS!r}", name="channel_known"),
        CheckConstraint(f"how IN {HOWS!r}", name="how_known"),
        Index("ix_consent_records_customer_channel", "customer_code", "channel", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_code: Mapped[int] = mapped_column(ForeignKey("customers.code"))
    channel: Mapped[str] = mapped_column(String(12))
    given: Mapped[bool] = mapped_column(Boolean)
    how: Mapped[str] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(String(500))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by: Mapped[str] = mapped_column(String(80))
    by_user_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("users.id", ondelete="SET NULL")
    )

    def audit_customer_code(self) -> int:
        return self.customer_code


def _latest(code: int) -> dict[str, ConsentRecord]:
    """The newest record of each channel of the customer, in one query."""
    newest = (
        db.select(db.func.max(ConsentRecord.id))
        .where(ConsentRecord.customer_code == code)
        .group_by(ConsentRecord.channel)
    )
    rows = db.session.scalars(db.select(ConsentRecord).where(ConsentRecord.id.in_(newest)))
    return {row.channel: row for row in rows}


def current_consents(code: int) -> list[dict]:
    """Every channel's state; one never recorded has given, at, by, how and note null."""
    get_customer(code)
    latest = _latest(code)
    return [{"channel": channel, **_state(latest.get(channel))} for channel in CHANNELS]


def _state(row: ConsentRecord | None) -> dict:
    keys = ("given", "at", "by", "how", "note")
    return {key: None if row is None else getattr(row, key) for key in keys}


def record_consents(code: int, statements: dict[str, dict]) -> list[dict]:
    """Record what the customer stated for one or more channels (validated input)."""
    get_customer(code, for_update=True)
    actor = current_actor(db.session)
    at = utcnow()
    for channel, statement in statements.items():
        db.session.add(
            ConsentRecord(
                customer_code=code,
                channel=channel,
                given=statement["given"],
                how=statement["how"],
                note=statement.get("note"),
                at=at,
                by=actor.username,
                by_user_id=actor.user_id,
            )
        )
    db.session.flush()
    return current_consents(code)


def consent_history(
    code: int, channel: str | None, page: int, per_page: int
) -> tuple[list[ConsentRecord], int]:
    """Every statement recorded for the customer (one channel if given), newest first."""
    get_customer(code)
    query = db.select(ConsentRecord).where(ConsentRecord.customer_code == code)
    if channel is not None:
        query = query.where(ConsentRecord.channel == channel)
    return paginate(query.order_by(ConsentRecord.id.desc()), page, per_page)


def has_consent(customer_code: int, channel: str) -> bool:
    """Whether a notice may go to the customer on `channel`: the latest statement decides;
    never recorded counts as given for e-mail only (see UNRECORDED)."""
    return consents_on(channel, [customer_code])[customer_code]


def consents_on(channel: str, customer_codes: list[int]) -> dict[int, bool]:
    """has_consent for many customers in one query: {customer_code: may we use `channel`}."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}; known: {', '.join(CHANNELS)}")
    latest = (
        db.select(func.max(ConsentRecord.id))
        .where(ConsentRecord.customer_code.in_(customer_codes), ConsentRecord.channel == channel)
        .group_by(ConsentRecord.customer_code)
    )
    stated = dict(
        db.session.execute(
            db.select(ConsentRecord.customer_code, ConsentRecord.given).where(
                ConsentRecord.id.in_(latest)
            )
        ).all()
    )
    return {code: stated.get(code, UNRECORDED[channel]) for code in customer_codes}
