"""A customer's documents [5.8]: uploaded files with a description, found by it or by date.

The row holds what people see (description, observation, the name the file came with) and what
the server worked out (size, SHA-256, content type, its own storage name). The file is written
before the row; if the row cannot be saved the file goes (see `add_document`).
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import BinaryIO

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.audit import Audited, current_actor
from models.clock import local_midnight_of, shift_days, utcnow
from models.customers import document_storage
from models.customers.customers import get_customer
from models.customers.file_names import display_name
from models.customers.identifiers import fold
from models.db import UTCDateTime, db, get_row, paginate
from models.errors import Invalid, NotFound

log = logging.getLogger(__name__)


class CustomerDocument(Audited, db.Model):
    """One file kept for a customer, described by staff."""

    __tablename__ = "customer_documents"
    __table_args__ = (
        Index("ix_customer_documents_customer_code_uploaded_at", "customer_code", "uploaded_at"),
    )
    __audit_ignore__ = frozenset({"search_description", "stored_name"})

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_code: Mapped[int] = mapped_column(ForeignKey("customers.code"))
    description: Mapped[str] = mapped_column(String(200))
    # The description folded (lower case, no accents) for search.
    search_description: Mapped[str] = mapped_column(String(200))
    observation: Mapped[str | None] = mapped_column(Text)
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(40), unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by: Mapped[str] = mapped_column(String(80))
    uploaded_by_user_id: Mapped[int | None] = mapped_column(Integer)

    def audit_customer_code(self) -> int:
        return self.customer_code

    def describe(self, description: str, observation: str | None) -> None:
        self.description = description
        self.search_description = fold(description)[:200]
        self.observation = observation


@dataclass(frozen=True)
class DocumentSearch:
    """What a list of documents is narrowed by: words of the description, upload dates."""

    q: str | None = None
    first: date | None = None
    last: date | None = None


def add_document(
    customer_code: int,
    stream: BinaryIO,
    filename: str | None,
    description: str,
    observation: str | None,
) -> CustomerDocument:
    """Store the upload and its row; the file is removed if the row cannot be flushed.

    The caller commits, and calls `document_storage.remove(stored_name)` if the commit fails.
    """
    get_customer(customer_code)
    received = document_storage.receive(stream)
    try:
        stored_name = document_storage.place(received)
    except BaseException:
        received.part.unlink(missing_ok=True)
        raise
    try:
        document = _new_row(customer_code, received, stored_name, filename)
        document.describe(description, observation)
        db.session.add(document)
        db.session.flush()
        return document
    except BaseException:
        document_storage.remove(stored_name)
        raise


def _new_row(customer_code: int, received, stored_name: str, filename: str | None):
    actor = current_actor(db.session)
    return CustomerDocument(
        customer_code=customer_code,
        original_name=display_name(filename),
        stored_name=stored_name,
        size=received.size,
        sha256=received.sha256,
        content_type=received.content_type,
        uploaded_by=actor.username,
        uploaded_by_user_id=actor.user_id,
    )


def get_document(customer_code: int, document_id: int) -> CustomerDocument:
    """One of the customer's documents; another customer's is not found."""
    document = get_row(CustomerDocument, document_id, "Document")
    if document.customer_code != customer_code:
        raise NotFound(f"Document {document_id} not found.")
    return document


def update_document(customer_code: int, document_id: int, changes: dict) -> CustomerDocument:
    """Change the description and/or the observation (the file itself never changes)."""
    document = get_document(customer_code, document_id)
    document.describe(
        changes.get("description", document.description),
        changes.get("observation", document.observation),
    )
    db.session.flush()
    return document


def delete_document(customer_code: int, document_id: int) -> str:
    """Delete the row; return the file's name, to remove once the deletion is committed."""
    document = get_document(customer_code, document_id)
    stored_name = document.stored_name
    db.session.delete(document)
    db.session.flush()
    return stored_name


def file_of(document: CustomerDocument):
    """The document's file on disk; a file gone from storage is an operator's alarm and a 404."""
    path = document_storage.path_of(document.stored_name)
    if not path.is_file():
        log.error("document %s: file %s is missing from storage", document.id, path)
        raise NotFound(
            "This document's file is missing from storage (DOCUMENTS_DIR); an administrator "
            "must restore it from backup."
        )
    return path


def list_documents(
    customer_code: int, search: DocumentSearch, page: int, per_page: int
) -> tuple[list[CustomerDocument], int]:
    """The customer's documents, newest first, narrowed by `search`."""
    get_customer(customer_code)
    if search.first and search.last and search.first > search.last:
        raise Invalid.field("from", "The period starts after it ends.")
    query = db.select(CustomerDocument).where(CustomerDocument.customer_code == customer_code)
    for word in fold(search.q or "").split():
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(CustomerDocument.search_description.like(f"%{escaped}%", escape="\\"))
    if search.first:
        query = query.where(CustomerDocument.uploaded_at >= local_midnight_of(search.first, "from"))
    if search.last:
        ends = local_midnight_of(shift_days(search.last, 1, "to"), "to")
        query = query.where(CustomerDocument.uploaded_at < ends)
    query = query.order_by(CustomerDocument.uploaded_at.desc(), CustomerDocument.id.desc())
    return paginate(query, page, per_page)
