"""A kind of notice for the tests ("test"): the boleto template and a small PDF attached."""

from io import BytesIO

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from models.email_template_defaults import SAMPLE_CONTEXT
from models.notices import Attachment, NoticeKind, register_kind

TEST_KIND = "test"
PDF_TEXT = "Boleto de teste"


def small_pdf(text: str) -> bytes:
    buffer = BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    page.drawString(72, 760, text)
    page.showPage()
    page.save()
    return buffer.getvalue()


def _context(notice) -> dict:
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
