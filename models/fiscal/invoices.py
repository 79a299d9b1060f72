"""NFCom invoices: one per telecom bill (receivable), from its number to its authorization or
cancellation. The operations that move them are in models/fiscal/issuing.py.

A row is made `pending` (no number yet) by monthly billing's sweep or by finance. Its number,
access key, issue instant and signed XML are written together, in the transaction that takes
the number from `fiscal_settings` (`signed`); every later send is of those stored bytes. Then:
- `authorized`: SEFAZ's protocol kept, the nfcomProc (NFCom + protNFCom) and DANFE-COM stored;
- `rejected`: SEFAZ's code and reason for finance; the number was not used at SEFAZ, so once
  the data are mended the same number is signed again (none skipped);
- `waiting`: SEFAZ did not answer (down, 108/109, a timeout): beat sends it again later, after
  asking SEFAZ whether an earlier send got through;
- `incomplete`: it cannot be built (an unconfigured plan, a customer without IBGE code, the A1
  expired...): no new number taken, the reason says what to fix; beat tries it again every 30
  minutes, so mended data are invoiced without anyone asking;
- `divergent`: SEFAZ holds another document under our key: finance looks, nothing is retried;
- `failed`: SEFAZ's answer could not be used (a SOAP fault from our side, HTTP 4xx, its server
  certificate not trusted): a person looks; finance asks for it again once mended;
- `cancelling` / `cancelled`: the cancellation event (finance, 120 hours into the next month).
"""

from datetime import datetime, timedelta, timezone

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column

from models.audit import Audited
from models.clock import utcnow
from models.db import MAX_INT_ID, UTCDateTime, db, get_row, paginate
from models.errors import Conflict, NotFound

PENDING, INCOMPLETE, SIGNED, WAITING = "pending", "incomplete", "signed", "waiting"
AUTHORIZED, REJECTED, DIVERGENT, FAILED = "authorized", "rejected", "divergent", "failed"
CANCELLING, CANCELLED = "cancelling", "cancelled"
STATUSES = (PENDING, INCOMPLETE, SIGNED, WAITING, AUTHORIZED, REJECTED, DIVERGENT, FAILED)
STATUSES += (CANCELLING, CANCELLED)
TO_SEND = (SIGNED, WAITING)
# Each status as staff read it (messages, the console).
STATUS_WORDS = {
    PENDING: "pendente",
    INCOMPLETE: "incompleta",
    SIGNED: "assinada",
    WAITING: "aguardando a SEFAZ",
    AUTHORIZED: "autorizada",
    REJECTED: "rejeitada",
    DIVERGENT: "divergente",
    FAILED: "com erro",
    CANCELLING: "cancelando",
    CANCELLED: "cancelada",
}
# MOC NFCom Visão Geral 6.1.1 L11: cancelled until 120 hours into the next month (Brasília).
CANCEL_HOURS = timedelta(hours=120)
BRASILIA = timezone(timedelta(hours=-3))  # no summer time since 2019


class Invoice(Audited, db.Model):
    """The NFCom of one receivable."""

    __tablename__ = "nfcom_invoices"
    __table_args__ = (
        UniqueConstraint(
            "environment", "series", "number", name="uq_nfcom_invoices_environment_series_number"
        ),
        UniqueConstraint(
            "environment", "access_key", name="uq_nfcom_invoices_environment_access_key"
        ),
        Index("ix_nfcom_invoices_status_next", "status", "next_attempt_at"),
    )
    # Documents and bookkeeping are not history; the status, number, key and reasons are.
    __audit_ignore__ = frozenset(
        {
            "created_at",
            "updated_at",
            "signed_xml",
            "digest",
            "protocol_xml",
            "authorized_xml",
            "pdf",
            "cancel_xml",
            "attempts",
            "sending_until",
            "next_attempt_at",
        }
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    receivable_id: Mapped[int] = mapped_column(ForeignKey("receivables.id"), unique=True)
    customer_code: Mapped[int] = mapped_column(ForeignKey("customers.code"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=PENDING)
    reason: Mapped[str | None] = mapped_column(Text)  # why incomplete, rejected, waiting...
    status_code: Mapped[int | None] = mapped_column(Integer)  # SEFAZ's last cStat
    environment: Mapped[str | None] = mapped_column(String(12))
    series: Mapped[int | None] = mapped_column(Integer)
    number: Mapped[int | None] = mapped_column(Integer)
    # Unique per environment: homologação's number 1 has produção's number 1's key.
    access_key: Mapped[str | None] = mapped_column(String(44))
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_xml: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    digest: Mapped[str | None] = mapped_column(String(28))  # the signature's DigestValue
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sending_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a worker's claim
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    protocol: Mapped[str | None] = mapped_column(String(20))
    authorized_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    protocol_xml: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    authorized_xml: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))  # nfcomProc
    pdf: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))  # the DANFE-COM
    cancel_justification: Mapped[str | None] = mapped_column(String(255))
    cancel_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_protocol: Mapped[str | None] = mapped_column(String(20))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_xml: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def audit_customer_code(self) -> int:
        return self.customer_code

    @property
    def cancel_deadline(self) -> datetime | None:
        """Until when SEFAZ takes its cancellation (None before authorization)."""
        if self.authorized_at is None:
            return None
        return cancel_deadline(self.authorized_at)


def cancel_deadline(authorized_at: datetime) -> datetime:
    """120 hours into the month after the one `authorized_at` falls in, Brasília time."""
    local = authorized_at.astimezone(BRASILIA)
    next_month = (local.replace(day=28) + timedelta(days=4)).replace(
        day=1, hour=0, minute=0, second=0, microsecond=0
    )
    return next_month + CANCEL_HOURS


def invoice_of(receivable_id: int) -> Invoice | None:
    """The receivable's invoice, if it has one (a key beyond INTEGER has none: it would
    overflow the query)."""
    if not 0 < receivable_id <= MAX_INT_ID:
        return None
    return db.session.scalars(
        db.select(Invoice).where(Invoice.receivable_id == receivable_id)
    ).first()


def get_invoice_of(receivable_id: int, for_update: bool = False) -> Invoice:
    """The receivable's invoice, or NotFound."""
    invoice = invoice_of(receivable_id)
    if invoice is None:
        raise NotFound(f"Receivable {receivable_id} has no NFCom.")
    return get_row(Invoice, invoice.id, "NFCom", for_update) if for_update else invoice


def document_of(invoice: Invoice, kind: str) -> bytes:
    """The authorized invoice's DANFE-COM ("pdf") or nfcomProc ("xml"); Conflict before
    authorization (a cancelled one stays downloadable: the customer may have paid it)."""
    if invoice.status not in (AUTHORIZED, CANCELLING, CANCELLED):
        raise Conflict(
            f"A NFCom desta conta está {STATUS_WORDS[invoice.status]}: só a autorizada tem "
            "DANFE-COM e XML.",
            {"status": [invoice.status]},
        )
    return invoice.pdf if kind == "pdf" else invoice.authorized_xml


def file_name(invoice: Invoice, kind: str) -> str:
    """NFCom-<series>-<number>.<kind>: nothing of the customer's in it."""
    return f"NFCom-{invoice.series:03d}-{invoice.number:09d}.{kind}"


def list_invoices(
    status: str | None, customer_code: int | None, page: int, per_page: int
) -> tuple[list[Invoice], int]:
    """Invoices, newest first, optionally of one status or customer."""
    query = db.select(Invoice).order_by(Invoice.id.desc())
    if status is not None:
        query = query.where(Invoice.status == status)
    if customer_code is not None:
        query = query.where(Invoice.customer_code == customer_code)
    return paginate(query, page, per_page)
