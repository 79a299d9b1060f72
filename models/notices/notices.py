"""E-mail notices: each (receivable, kind, stage) is sent at most once, enforced by the database.

A notice is a row before it is an e-mail. `claim_notice` inserts it (a key that exists inserts
nothing), the sweep that claimed it sends `tasks.mail.send_notices` after commit, and the
task moves it queued -> sending in a committed transaction before it speaks to the SMTP server,
so a retried or duplicated task, or a second worker, finds it not queued and sends nothing.

    queued -> sending -> sent
       ^         |-----> queued (the server refused or was unreachable: retried with backoff)
       |         |-----> failed (out of attempts, or the outcome is unknown)
       |         +-----> skipped (the receivable was paid or cancelled meanwhile)
       +-> skipped (no e-mail address, consent withdrawn, no SMTP server configured, the
                    receivable paid or cancelled)

A notice is about an open receivable: one paid or cancelled is skipped when the e-mail is
written, and checked again just before each message is handed to the server
(`hold_for_hand_over`, which keeps the receivable from changing until the outcome is recorded).

A worker that dies in `sending` may or may not have handed the message over: of its batch,
recovery marks the one notice that may have been on the wire failed with OUTCOME_UNKNOWN and
never sends it again by itself (at most once: a customer never gets the same notice twice;
staff check the mail server's log and resend by hand); the others never left and are queued
again (`recover_abandoned`).

What goes into each kind of e-mail comes from NOTICE_KINDS: the modules that own receivables
and boletos register "boleto" and "overdue" there with `register_kind`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from models.audit import Audited
from models.billing.receivables import CANCELLED, PAID, Receivable
from models.clock import utcnow
from models.customers.consents import EMAIL, consents_on
from models.customers.customers import Customer
from models.db import (
    UTCDateTime,
    db,
    get_for_update,
    get_row,
    is_unique_violation,
    lock_rows,
    paginate,
)
from models.effects import after_commit
from models.errors import Conflict

QUEUED, SENDING, SENT, FAILED, SKIPPED = "queued", "sending", "sent", "failed", "skipped"
STATUSES = (QUEUED, SENDING, SENT, FAILED, SKIPPED)
OUTCOME_UNKNOWN = (
    "outcome unknown: worker died while sending; check the mail server log before resending"
)
OUTCOME_UNKNOWN_DATA = (
    "outcome unknown: the connection broke while handing the message over; "
    "check the mail server log before resending"
)
UNKNOWN = "unknown"  # a filter, not a status: failed with OUTCOME_UNKNOWN(_DATA)
_UNKNOWN_PREFIX = "outcome unknown"
NEXT_STEP_UNKNOWN = (
    "Não se sabe se o e-mail chegou: a entrega foi interrompida no meio. Procure no log do "
    "servidor de e-mail a mensagem com Message-ID <notice.{key}@...>. Se o servidor não a "
    "aceitou, reenvie o aviso (POST /api/v1/notices/{id}/resend); se aceitou, marque-o como "
    "enviado (POST /api/v1/notices/{id}/mark-sent)."
)
NO_ADDRESS = "no e-mail address"
NO_CONSENT = "e-mail consent withdrawn"
NO_SERVER = "no SMTP server configured (SMTP_HOST)"
TAKEN_OVER = "taken over by recovery"
SEND_TASK = "tasks.mail.send_notices"
_KEY = "uq_notices_receivable_id"
# A receivable in one of these needs no notice. Named, not "not open": a status that still
# owes (a partly paid bill) keeps its notices.
SETTLED = (PAID, CANCELLED)


def settled(receivable_status: str) -> str:
    """Why a notice about a receivable no longer open is not sent."""
    return f"the receivable was {receivable_status} before the e-mail went out"


@dataclass(frozen=True)
class Attachment:
    """A file attached to a notice (the boleto's PDF)."""

    filename: str
    content: bytes
    mime_type: str = "application/pdf"


@dataclass(frozen=True)
class NoticeKind:
    """How to write one kind of notice: its template, its variables and its attachments.

    `context(notice)` returns the template's variables besides isp_name, customer_name and
    customer_code (see models/email_template_defaults.VARIABLES); `attachments(notice)` the
    files. Both run in the worker, in its transaction, from the notice's receivable_id.
    `preload(receivable_ids)` loads in a few queries what they will read for a batch, and
    returns the objects, which the caller holds while it writes the batch's e-mails.
    `variables(receivable)` gives what `context` would for a notice of that receivable, writing
    nothing (a template's preview, models/notices/previews.py).
    """

    template: str
    context: Callable[["Notice"], dict]
    attachments: Callable[["Notice"], list[Attachment]] = field(default=lambda _notice: [])
    preload: Callable[[list[int]], list] = field(default=lambda _receivable_ids: [])
    variables: Callable[[Receivable], dict] | None = None


NOTICE_KINDS: dict[str, NoticeKind] = {}


def register_kind(name: str, kind: NoticeKind) -> None:
    """Make `name` a kind of notice that can be claimed and sent."""
    NOTICE_KINDS[name] = kind


class Notice(Audited, db.Model):
    """One e-mail owed to a customer about one receivable, and what became of it."""

    __tablename__ = "notices"
    __table_args__ = (
        # The key that makes every notice happen at most once.
        UniqueConstraint("receivable_id", "kind", "stage"),
        CheckConstraint(f"status IN {STATUSES!r}", name="status_known"),
        Index("ix_notices_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_notices_customer_code", "customer_code", "id"),
    )
    __audit_ignore__ = frozenset(
        {"created_at", "updated_at", "next_attempt_at", "sending_since", "sending_batch"}
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    receivable_id: Mapped[int] = mapped_column(ForeignKey("receivables.id"))
    kind: Mapped[str] = mapped_column(String(20))
    stage: Mapped[int] = mapped_column(Integer)  # 0 for a boleto, days overdue for a notice
    customer_code: Mapped[int] = mapped_column(ForeignKey("customers.code"))
    recipient: Mapped[str | None] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(10), default=QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    skipped_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sending_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sending_batch: Mapped[str | None] = mapped_column(String(36))  # one run of the sending task
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def audit_customer_code(self) -> int:
        return self.customer_code

    @property
    def message_key(self) -> str:
        """The notice's key as text: the same notice always gets the same Message-ID."""
        return f"{self.kind}.{self.receivable_id}.{self.stage}"

    @property
    def outcome_unknown(self) -> bool:
        """Failed while the message may have reached the server: someone has to check."""
        return self.status == FAILED and (self.last_error or "").startswith(_UNKNOWN_PREFIX)

    @property
    def next_step(self) -> str | None:
        """What staff should do with this notice (Portuguese), when it needs someone."""
        if not self.outcome_unknown:
            return None
        return NEXT_STEP_UNKNOWN.format(key=self.message_key, id=self.id)


def claim_notice(receivable_id: int, kind: str, stage: int, customer_code: int) -> Notice | None:
    """Insert the notice (queued) unless its key exists; the new notice, or None.

    The caller sends `tasks.mail.send_notices` after its commit, for new ones only.
    """
    if kind not in NOTICE_KINDS:
        raise ValueError(f"unknown notice kind {kind!r}; registered: {sorted(NOTICE_KINDS)}")
    key = (Notice.receivable_id == receivable_id, Notice.kind == kind, Notice.stage == stage)
    if db.session.scalar(db.select(Notice.id).where(*key)) is not None:
        return None
    email = db.session.scalar(db.select(Customer.email).where(Customer.code == customer_code))
    notice = Notice(
        receivable_id=receivable_id,
        kind=kind,
        stage=stage,
        customer_code=customer_code,
        recipient=email,
    )
    try:
        with db.session.begin_nested():  # a parallel claimer may insert the key first
            db.session.add(notice)
    except IntegrityError as error:
        if is_unique_violation(error, _KEY):
            return None
        raise
    return notice


def sendable(notice_ids: list[int]) -> tuple[list[Notice], dict[int, str], dict[int, str]]:
    """Read only: of these notices, the queued and due ones that can go out, by id, with
    {id: the customer's address now}, and {id: why it cannot go out} for the others.

    On SQLite it takes the database's write lock first: what follows in the transaction
    writes (boletos issued, notices skipped or failed), and SQLite cannot turn a read that
    another writer has overtaken into a write ("database is locked").
    """
    lock_rows(Notice, notice_ids)
    notices = db.session.scalars(
        db.select(Notice)
        .where(Notice.id.in_(notice_ids), Notice.status == QUEUED)
        .where(Notice.next_attempt_at <= utcnow())
        .order_by(Notice.id)
    ).all()
    codes = sorted({notice.customer_code for notice in notices})
    email_of = db.select(Customer.code, Customer.email).where(Customer.code.in_(codes))
    emails = dict(db.session.execute(email_of).all())
    consents = consents_on(EMAIL, codes)
    statuses = _receivable_statuses([notice.receivable_id for notice in notices])
    ready, recipients, unsendable = [], {}, {}
    for notice in notices:
        address = emails[notice.customer_code]
        if statuses[notice.receivable_id] in SETTLED:
            unsendable[notice.id] = settled(statuses[notice.receivable_id])
        elif not address:
            unsendable[notice.id] = NO_ADDRESS
        elif not consents[notice.customer_code]:
            unsendable[notice.id] = NO_CONSENT
        else:
            ready.append(notice)
            recipients[notice.id] = address
    return ready, recipients, unsendable


def _receivable_statuses(receivable_ids: list[int]) -> dict[int, str]:
    query = db.select(Receivable.id, Receivable.status).where(Receivable.id.in_(receivable_ids))
    return dict(db.session.execute(query).all())


def skip(notice_ids: list[int], reason: str) -> None:
    """Mark those of the notices still queued skipped (no address, no consent, no server)."""
    for notice in _locked(notice_ids, QUEUED):
        notice.status, notice.skipped_reason = SKIPPED, reason
    db.session.flush()


def _locked(notice_ids: list[int], status: str) -> list[Notice]:
    """The notices in `status`, locked, by id (one order for every caller: no deadlock),
    read afresh: a parallel caller's change committed while we waited is seen."""
    lock_rows(Notice, notice_ids)  # SQLite: its write lock, before we read
    query = db.select(Notice).where(Notice.id.in_(notice_ids), Notice.status == status)
    query = query.order_by(Notice.id).with_for_update(of=Notice)
    return list(db.session.scalars(query.execution_options(populate_existing=True)))


def start_sending(recipients: dict[int, str], batch: str) -> list[Notice]:
    """queued -> sending, marked with `batch`, for those of the notices (id: address) still
    queued and due, by id; the others were taken by another caller or put off meanwhile. The
    caller commits before it speaks to the SMTP server, then hands the messages over in this
    order, committing each outcome before the next (what `recover_abandoned` relies on)."""
    now = utcnow()
    notices = [n for n in _locked(sorted(recipients), QUEUED) if n.next_attempt_at <= now]
    for notice in notices:
        notice.status, notice.sending_since, notice.sending_batch = SENDING, now, batch
        notice.recipient = recipients[notice.id]
        notice.attempts += 1
    db.session.flush()
    return notices


def still_sending(notice_id: int, batch: str) -> bool:
    """Whether the notice is still `batch`'s to send (recovery may have taken it over)."""
    query = db.select(Notice.id).where(
        Notice.id == notice_id, Notice.status == SENDING, Notice.sending_batch == batch
    )
    return db.session.scalar(query) is not None


def hold_for_hand_over(notice_id: int, batch: str) -> str | None:
    """None when the notice is still `batch`'s to send and its receivable not settled; else
    why not: TAKEN_OVER, or the receivable was settled (the notice is skipped with that).

    On PostgreSQL the receivable stays locked (FOR SHARE) until the caller commits the
    message's outcome: a payment or a cancellation recorded meanwhile waits for it (at most
    SMTP_TIMEOUT_S), so none slips in between this check and the hand-over. On SQLite the
    check reads what is committed now, a moment before the hand-over.
    """
    if not still_sending(notice_id, batch):
        return TAKEN_OVER
    status = db.session.scalar(
        db.select(Receivable.status)
        .join(Notice, Notice.receivable_id == Receivable.id)
        .where(Notice.id == notice_id)
        .with_for_update(read=True, of=Receivable)
    )
    if status not in SETTLED:
        return None
    reason = settled(status)
    _finish(notice_id, SENDING, batch, status=SKIPPED, skipped_reason=reason, sending_since=None)
    return reason


def _finish(notice_id: int, expected: str, batch: str | None, **values) -> Notice | None:
    """Set `values` if the notice is in `expected` (and, given a batch, still that batch's)."""
    notice = get_for_update(Notice, notice_id)
    if notice is None or notice.status != expected:
        return None  # recovery or another run got there first
    if batch is not None and notice.sending_batch != batch:
        return None
    for key, value in values.items():
        setattr(notice, key, value)
    db.session.flush()
    return notice


def mark_sent(notice_id: int, batch: str) -> Notice | None:
    return _finish(notice_id, SENDING, batch, status=SENT, sent_at=utcnow(), sending_since=None)


def retry_later(notice_id: int, batch: str, error: str, delay: timedelta) -> Notice | None:
    """sending -> queued after a refusal; it is due again after `delay`."""
    values = {"status": QUEUED, "last_error": error[:2000], "sending_since": None}
    return _finish(notice_id, SENDING, batch, next_attempt_at=utcnow() + delay, **values)


def mark_failed(
    notice_id: int, error: str, expected: str = SENDING, batch: str | None = None
) -> Notice | None:
    return _finish(notice_id, expected, batch, status=FAILED, last_error=error[:2000])


def release(notice_ids: list[int], batch: str) -> list[int]:
    """sending -> queued for `batch`'s notices never handed over (that attempt does not
    count); notices another run holds now are left alone."""
    released = [n for n in _locked(notice_ids, SENDING) if n.sending_batch == batch]
    _requeue(released)
    return [notice.id for notice in released]


def _requeue(notices: list[Notice]) -> None:
    for notice in notices:
        notice.status, notice.sending_since, notice.next_attempt_at = QUEUED, None, utcnow()
        notice.attempts -= 1
    db.session.flush()


def recover_abandoned(lease: timedelta) -> tuple[list[int], list[int]]:
    """Notices `sending` for longer than `lease`: their worker died. (failed, released) ids.

    A batch hands its messages over by id and commits each outcome before the next, so of a
    dead batch's notices still `sending` only the first may have reached the server: it is
    failed (OUTCOME_UNKNOWN), never resent; the rest never left and are queued again. Each
    batch is decided on its rows locked and read afresh, still stale.
    """
    cutoff = utcnow() - lease
    stale = db.session.execute(
        db.select(Notice.id, Notice.sending_batch)
        .where(Notice.status == SENDING, Notice.sending_since < cutoff)
        .order_by(Notice.id)  # whole batches: a batch split between two runs would fail twice
    ).all()
    batches: dict = {}
    for notice_id, batch in stale:  # a notice of no batch (before batches) stands alone
        batches.setdefault(batch if batch is not None else -notice_id, []).append(notice_id)
    failed, released = [], []
    for ids in batches.values():
        rows = [n for n in _locked(ids, SENDING) if n.sending_since < cutoff]
        if rows and len({n.sending_batch for n in rows}) == 1:
            first, *rest = rows
            first.status, first.last_error = FAILED, OUTCOME_UNKNOWN
            _requeue(rest)
            failed.append(first.id)
            released += [n.id for n in rest]
    return failed, released


def forgotten(lease: timedelta, limit: int = 1000) -> list[int]:
    """Queued notices due for longer than `lease`: their message was lost; send them again.

    Sending twice is harmless (only one task moves a notice out of queued).
    """
    query = db.select(Notice.id).where(
        Notice.status == QUEUED, Notice.next_attempt_at < utcnow() - lease
    )
    ids = list(db.session.scalars(query.order_by(Notice.id).limit(limit)))
    if ids:  # due again only after another lease, or every sweep would send them again
        db.session.execute(
            db.update(Notice).where(Notice.id.in_(ids)).values(next_attempt_at=utcnow())
        )
    return ids


def send_again(notice_id: int) -> Notice:
    """failed or skipped -> queued, by a person who checked (e.g. in the mail server's log,
    by its Message-ID) that the customer did not get it, or who fixed the e-mail address.
    A worker sends it after the commit. Conflict otherwise."""
    notice = get_row(Notice, notice_id, "Notice", for_update=True)
    if notice.status not in (FAILED, SKIPPED):
        raise Conflict(
            f"Notice {notice_id} is {notice.status}; only failed or skipped ones are sent again."
        )
    notice.status, notice.attempts, notice.skipped_reason = QUEUED, 0, None
    notice.next_attempt_at = utcnow()
    db.session.flush()
    after_commit(SEND_TASK, [notice.id])
    return notice


def mark_delivered(notice_id: int) -> Notice:
    """failed with an unknown outcome -> sent, by a person who found in the mail server's log
    that the server took the message. Conflict for any other notice."""
    notice = get_row(Notice, notice_id, "Notice", for_update=True)
    if not notice.outcome_unknown:
        raise Conflict(
            f"Notice {notice_id} is {notice.status} with no unknown outcome; only a notice whose "
            "outcome is unknown is marked sent."
        )
    notice.status, notice.sent_at = SENT, notice.sending_since or utcnow()
    notice.sending_since = None
    db.session.flush()
    return notice


def get_notice(notice_id: int) -> Notice:
    return get_row(Notice, notice_id, "Notice")


def list_notices(filters: dict, page: int, per_page: int) -> tuple[list[Notice], int]:
    """Notices, newest first; `filters` may hold status (or UNKNOWN: failed with an unknown
    outcome), customer_code, kind, receivable_id."""
    query = db.select(Notice)
    if filters.get("status") == UNKNOWN:
        filters = {**filters, "status": FAILED}
        query = query.where(Notice.last_error.startswith(_UNKNOWN_PREFIX, autoescape=True))
    for name in ("status", "customer_code", "kind", "receivable_id"):
        if filters.get(name) is not None:
            query = query.where(getattr(Notice, name) == filters[name])
    return paginate(query.order_by(Notice.id.desc()), page, per_page)
