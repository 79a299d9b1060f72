"""A kind of notice for the tests ("test"): the boleto template and a small PDF attached."""

from io import BytesIO

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from models.notices.email_template_defaults import SAMPLE_CONTEXT
from models.notices.notices import Attachment, NoticeKind, register_kind

TEST_KIND = "test"
PDF_TEXT = "Boleto de teste"
BROKEN_RECEIVABLE = 666  # its notice's e-mail runs a query that fails, as a data fault would


def small_pdf(text: str) -> bytes:
    buffer = BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    page.drawString(72, 760, text)
    page.showPage()
    page.save()
    return buffer.getvalue()


def _context(notice) -> dict:
    if notice.receivable_id == BROKEN_RECEIVABLE:
        from models.db import db

        db.session.execute(db.text("SELECT no_such_column FROM notices"))
    sample = dict(SAMPLE_CONTEXT["boleto"])
    sample.pop("isp_name"), sample.pop("customer_name"), sample.pop("customer_code")
    return {**sample, "description": f"Fatura {notice.receivable_id}"}


def _attachments(notice) -> list[Attachment]:
    return [
        Attachment(
            f"boleto-{notice.receivable_id}.pdf", small_pdf(f"{PDF_TEXT} {notice.receivable_id}")
        )
    ]


register_kind(TEST_KIND, NoticeKind(template="boleto", context=_context, attachments=_attachments))


def ensure_receivable(receivable_id: int, customer_code: int) -> None:
    """A receivable with this id (notices refer to one), inserted as is when missing.

    Call inside an app context; the caller commits. PostgreSQL's id sequence is moved past it.
    """
    from datetime import date
    from decimal import Decimal

    from models.billing.receivables import Receivable
    from models.clock import utcnow
    from models.db import db

    if db.session.get(Receivable, receivable_id) is not None:
        return
    values = {"id": receivable_id, "customer_code": customer_code, "description": "Fatura"}
    values |= {"amount": Decimal("99.90"), "status": "open"}
    values |= {"created_at": utcnow(), "updated_at": utcnow()}
    values |= {"issue_date": date(2026, 3, 1), "due_date": date(2026, 3, 10)}
    db.session.execute(db.insert(Receivable.__table__).values(values))
    if db.engine.dialect.name == "postgresql":
        db.session.execute(
            db.text(
                "SELECT setval(pg_get_serial_sequence('receivables', 'id'), "
                "(SELECT max(id) FROM receivables))"
            )
        )
