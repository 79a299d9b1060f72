"""Disconnect-Requests and CoA-Requests (RFC 5176) owed to NASes after a status change.

A suspension or a cancellation owes a Disconnect-Request per open session of a login that lost
access; the ladder's reduced speed, and the full speed given back, owe a CoA-Request per open
session carrying the new `Mikrotik-Rate-Limit` (the session stays up). Each gets one row, in
the transaction that changed the subscription; a newer request for a subscription supersedes
its older ones not yet sent. A worker sends it after commit; a NAS that does not answer is
retried with backoff and, after the last attempt, the row is `failed` and listed for staff.
Sending never blocks or rolls back the status change: the row is the promise, the sweep keeps
it.
"""

from datetime import datetime, timedelta

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    Select,
    String,
    Text,
    bindparam,
    func,
    literal,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.backend import BigKey, partial
from models.clock import utcnow
from models.db import UTCDateTime, claim_due, db, get_for_update, paginate
from models.effects import after_commit
from models.service.radius import RadAcct

PENDING, SENDING, ACKED, NAKED, FAILED = "pending", "sending", "acked", "naked", "failed"
SUPERSEDED = "superseded"  # the subscription was enabled again before it was sent
STATUSES = (PENDING, SENDING, ACKED, NAKED, FAILED, SUPERSEDED)
# A sender that vanished mid-send gives the row back after this long; a sender claims one row
# right before sending it, and one attempt waits a few seconds at most.
SEND_LEASE = timedelta(seconds=60)
SEND_TASK = "tasks.radius.send_requests"
DISCONNECT, COA = "disconnect", "coa"
SEND_BATCH = 50  # request ids per task: 100,000 sessions are 2,000 messages, not 100,000


class Disconnect(db.Model):
    """One Disconnect-Request or CoA-Request owed for one accounting session."""

    __tablename__ = "radius_disconnects"
    __table_args__ = (
        Index("ix_radius_disconnects_status_next", "status", "next_attempt_at"),
        # A new request supersedes the login's unanswered ones: found without a scan.
        Index(
            "ix_radius_disconnects_unanswered_username",
            "username",
            **partial("status IN ('pending', 'sending')"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Written in the transaction of the status change: a retried change is a no-op, so it
    # adds no row; each new suspension of a session still open owes a new request.
    radacct_id: Mapped[int] = mapped_column(BigKey)
    cause: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(10), default=DISCONNECT, server_default=DISCONNECT)
    # A CoA-Request's new attributes (the rate limit, the address list); null for a disconnect.
    rate_limit: Mapped[str | None] = mapped_column(Text)
    address_list: Mapped[str | None] = mapped_column(Text)
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="SET NULL"), index=True
    )
    username: Mapped[str] = mapped_column(Text)
    acct_session_id: Mapped[str] = mapped_column(Text)
    nas_ip: Mapped[str] = mapped_column(String(45))
    framed_ip: Mapped[str | None] = mapped_column(String(45))
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def owe_disconnects(sessions: list[RadAcct], owners: dict[str, tuple[int, str]]) -> list[int]:
    """Record one Disconnect-Request per open session, each sent by a worker after the commit;
    return the new rows' ids.

    `owners` maps each login to its subscription and the cause (suspend, cancel, deleted).
    """
    return _owe(sessions, owners, {})


def owe_coa(
    sessions: list[RadAcct],
    owners: dict[str, tuple[int, str]],
    attributes: dict[str, tuple[str | None, str | None]],
) -> list[int]:
    """Record one CoA-Request per open session with the login's new (rate limit, address
    list); sent by a worker after the commit. Return the new rows' ids."""
    return _owe(sessions, owners, attributes)


def owe_coa_to_logins(
    logins: Select, cause: str, attributes: tuple[str | None, str | None]
) -> list[int]:
    """Record one CoA-Request per open session of the logins `logins` selects (username,
    subscription id), all with the same new (rate limit, address list), in one INSERT ...
    SELECT: owe_coa for thousands of sessions without loading them. Return the new ids."""
    now = utcnow()
    owned = logins.subquery()
    sessions = (
        db.select(RadAcct.radacctid, RadAcct.username, owned.c[1].label("subscription_id"))
        .join(owned, owned.c[0] == RadAcct.username)
        .where(RadAcct.acctstoptime.is_(None))
    )
    # The logins as a list, not a subquery: the planner, told by stale statistics that few
    # requests are pending, would walk every pending one through the join per chunk.
    _supersede_logins(sorted(db.session.scalars(sessions.with_only_columns(RadAcct.username))))
    table = Disconnect.__table__
    rows = sessions.with_only_columns(
        literal(COA),
        literal(attributes[0], Text),
        literal(attributes[1], Text),
        RadAcct.radacctid,
        literal(cause),
        owned.c[1],
        RadAcct.username,
        RadAcct.acctsessionid,
        _address(RadAcct.nasipaddress),
        _address(RadAcct.framedipaddress),
        literal(PENDING),
        literal(0),
        literal(now, UTCDateTime),
        literal(now, UTCDateTime),
    ).order_by(RadAcct.radacctid)
    columns = ["kind", "rate_limit", "address_list", "radacct_id", "cause", "subscription_id",
               "username", "acct_session_id", "nas_ip", "framed_ip", "status", "attempts",
               "next_attempt_at", "created_at"]  # fmt: skip
    insert = db.insert(table).from_select(columns, rows).returning(table.c.id)
    ids = sorted(db.session.scalars(insert))
    _send_after_commit(ids)
    return ids


def _address(column):
    """An inet column as the text str() gives in Python (PostgreSQL's host(): no /32)."""
    return func.host(column) if db.session.get_bind().dialect.name == "postgresql" else column


def _send_after_commit(ids: list[int]) -> None:
    for start in range(0, len(ids), SEND_BATCH):
        after_commit(SEND_TASK, ids[start : start + SEND_BATCH])


def _owe(sessions, owners, attributes) -> list[int]:
    if not sessions:
        return []
    now = utcnow()
    rows = [
        {
            "kind": COA if session.username in attributes else DISCONNECT,
            "rate_limit": attributes.get(session.username, (None, None))[0],
            "address_list": attributes.get(session.username, (None, None))[1],
            "radacct_id": session.radacctid,
            "cause": owners[session.username][1],
            "subscription_id": owners[session.username][0],
            "username": session.username or "",
            "acct_session_id": session.acctsessionid,
            "nas_ip": str(session.nasipaddress),
            "framed_ip": None if session.framedipaddress is None else str(session.framedipaddress),
            "status": PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for session in sessions
    ]
    _supersede_logins(sorted({session.username for session in sessions if session.username}))
    table = Disconnect.__table__
    ids = []
    for start in range(0, len(rows), 1000):  # a VALUES list per thousand rows
        insert = db.insert(table).values(rows[start : start + 1000]).returning(table.c.id)
        ids.extend(db.session.scalars(insert))
    _send_after_commit(ids)
    return ids


def _supersede_logins(usernames: list[str]) -> None:
    """Drop the requests not yet answered for these logins: the newer ones say what holds now.

    One being sent is dropped too: its sender records nothing when it comes back (the lease is
    gone) and it is never retried after the newer one (a reduced speed after the full one).

    The names are written into the statement, not bound: with statistics saying few requests
    are unanswered (they lag behind a sweep owing thousands), PostgreSQL reads every one and
    looks it up in the list, element by element in a prepared statement's generic plan,
    hashed when the list is written in."""
    names = bindparam("usernames", usernames, expanding=True, literal_execute=True)
    db.session.execute(
        db.update(Disconnect)
        .where(Disconnect.username.in_(names), Disconnect.status.in_((PENDING, SENDING)))
        .values(status=SUPERSEDED, finished_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def supersede(subscription_ids: list[int]) -> None:
    """Drop the requests not yet answered for these subscriptions: they were enabled again."""
    db.session.execute(
        db.update(Disconnect)
        .where(
            Disconnect.subscription_id.in_(subscription_ids),
            Disconnect.status.in_((PENDING, SENDING)),
        )
        .values(status=SUPERSEDED, finished_at=utcnow())
    )


def claim_for_sending(disconnect_id: int | None = None) -> tuple[int, datetime] | None:
    """Take one row due for an attempt (this one, or the most overdue) so no other sender does.

    Returns its id and the lease that marks it as this sender's, or None.
    """
    now = utcnow()
    table = Disconnect.__table__
    # A `sending` row whose time is up was taken by a sender that vanished.
    due = table.c.status.in_((PENDING, SENDING)) & (table.c.next_attempt_at <= now)
    if disconnect_id is not None:
        due = due & (table.c.id == disconnect_id)
    lease = now + SEND_LEASE
    claimed = {"status": SENDING, "next_attempt_at": lease}
    taken = claim_due(table, due, claimed, 1, order_by=table.c.next_attempt_at)
    return (taken[0], lease) if taken else None


def record_outcome(
    disconnect_id: int, lease: datetime, answered: str | None, error: str | None, attempts: int
) -> bool:
    """Store how an attempt went: ACK or NAK from the NAS, or no answer (retry or give up).

    Only the sender still holding the lease may: one that took too long finds the row taken
    again (or finished) and records nothing. Returns whether it was recorded.
    """
    row = get_for_update(Disconnect, disconnect_id)
    if row is None or row.status != SENDING or row.next_attempt_at != lease:
        return False
    row.attempts += 1
    now = utcnow()
    if answered in (ACKED, NAKED):
        row.status, row.finished_at, row.last_error = answered, now, error
    elif row.attempts >= attempts:
        row.status, row.finished_at, row.last_error = FAILED, now, error
    else:
        row.status, row.last_error = PENDING, error
        row.next_attempt_at = now + timedelta(seconds=15 * 2 ** (row.attempts - 1))
    return True


def list_disconnects(status: str | None, page: int, per_page: int) -> tuple[list, int]:
    """Disconnect-Requests, newest first, optionally in one status."""
    query = db.select(Disconnect).order_by(Disconnect.id.desc())
    if status is not None:
        query = query.where(Disconnect.status == status)
    return paginate(query, page, per_page)
