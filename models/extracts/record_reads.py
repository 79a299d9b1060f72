"""Who read connection records (Marco Civil da Internet, art. 13: kept under confidentiality).

Every read of radacct rows for a person (the extract on the API or the console, an export job,
the personal-data document) adds one row here, in the transaction of the read: who (user, login
and role), from which IP and request, when, through which channel, which customer and the
filter as data (never formatted into a log line), and how many rows it returned. A read that
fails (a 4xx) reads nothing and leaves no row. Readable by admins only; never part of a
customer's history, which other roles read.
"""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.audit import current_actor
from models.backend import BigKey
from models.clock import local_days, utcnow
from models.db import JSONType, UTCDateTime, db, paginate
from models.errors import Invalid
from models.extracts import extracts
from models.staff.users import User

API, CONSOLE, EXPORT, PERSONAL_DATA = "api", "console", "export", "personal_data"
CHANNELS = (API, CONSOLE, EXPORT, PERSONAL_DATA)


class ConnectionRecordRead(db.Model):
    """One read of connection records: who, when, from where, how, and of what."""

    __tablename__ = "connection_record_reads"
    __table_args__ = (
        CheckConstraint(f"channel IN {CHANNELS!r}", name="channel_known"),
        Index("ix_connection_record_reads_at", "at"),
        Index("ix_connection_record_reads_customer_code_at", "customer_code", "at"),
        Index("ix_connection_record_reads_user_id_at", "user_id", "at"),
    )

    id: Mapped[int] = mapped_column(BigKey, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # null: the CLI or the system (username says who ran it)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    username: Mapped[str] = mapped_column(String(80))
    role: Mapped[str | None] = mapped_column(String(20))
    ip: Mapped[str | None] = mapped_column(String(45))
    request_id: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(20))
    # An export job's read is logged once, when it is requested (its filter is fixed then).
    export_id: Mapped[int | None] = mapped_column(
        ForeignKey("exports.id", ondelete="SET NULL"), unique=True
    )
    customer_code: Mapped[int | None] = mapped_column(Integer)
    filters: Mapped[dict] = mapped_column(JSONType)
    # Rows shown (a page) or written (an export's file, null until the worker wrote it); for
    # the personal-data document, the sessions it summarises.
    rows: Mapped[int | None] = mapped_column(Integer)


def _plain(value):
    """A filter's value as JSON keeps it: dates as ISO text, an IP address as text."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


def logged_filters(filters: dict, **extra) -> dict:
    """`filters` as data, with the period the read really covered (its defaults filled in)."""
    kept = {key: _plain(value) for key, value in filters.items() if value not in (None, "")}
    period = extracts.checked_period(filters.get("from"), filters.get("to"))
    kept["from"], kept["to"] = period.first.isoformat(), period.last.isoformat()
    return {**kept, **{key: _plain(value) for key, value in extra.items()}}


def record_read(
    channel: str,
    filters: dict,
    customer_code: int | None = None,
    rows: int | None = None,
    export_id: int | None = None,
    user: User | None = None,
) -> ConnectionRecordRead:
    """Log one read by the session's actor (or `user`), flushed with the read's transaction."""
    actor = current_actor(db.session)
    user_id = user.id if user is not None else actor.user_id
    if user is None and user_id is not None:
        user = db.session.get(User, user_id)  # the one the request authenticated: no query
    read = ConnectionRecordRead(
        user_id=user_id,
        username=user.username if user is not None else actor.username,
        role=user.role if user is not None else None,
        ip=actor.ip,
        request_id=actor.request_id,
        channel=channel,
        export_id=export_id,
        customer_code=customer_code,
        filters=filters,
        rows=rows,
    )
    db.session.add(read)
    db.session.flush()
    return read


def record_extract(channel: str, filters: dict, rows: int, page: int, per_page: int) -> None:
    """Log a page of the connection extract (API or console) that was shown."""
    record_read(
        channel,
        logged_filters(filters, page=page, per_page=per_page),
        customer_code=filters.get("customer_code"),
        rows=rows,
    )


def note_rows_written(export_id: int, rows: int) -> None:
    """The export's file is written: its read's row count (the same on a retried job)."""
    db.session.execute(
        db.update(ConnectionRecordRead)
        .where(ConnectionRecordRead.export_id == export_id)
        .values(rows=rows)
    )


def list_reads(filters: dict, page: int, per_page: int) -> tuple[list[ConnectionRecordRead], int]:
    """Reads by customer_code, user_id, channel and period (`from`/`to`, days in the ISP's
    zone, both included), newest first."""
    query = db.select(ConnectionRecordRead)
    for name in ("customer_code", "user_id", "channel"):
        if filters.get(name) is not None:
            query = query.where(getattr(ConnectionRecordRead, name) == filters[name])
    first, last = filters.get("from"), filters.get("to")
    if first and last and first > last:
        raise Invalid.field("from", "The period starts after it ends.")
    if first:
        query = query.where(ConnectionRecordRead.at >= local_days(first, first, ("from",) * 2)[0])
    if last:
        query = query.where(ConnectionRecordRead.at < local_days(last, last, ("to",) * 2)[1])
    order = (ConnectionRecordRead.at.desc(), ConnectionRecordRead.id.desc())
    return paginate(query.order_by(*order), page, per_page)
