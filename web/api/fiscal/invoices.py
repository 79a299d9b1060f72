"""NFCom invoices: a receivable's invoice, its PDF and XML, issuing by hand, cancelling, and
the list finance works from (rejected, waiting, incomplete...)."""

from models.clock import utcnow
from models.fiscal import invoices, issuing
from schemas.fiscal.invoices import InvoiceCancelInput, InvoiceOutput, InvoicePage, InvoiceQuery
from web import downloads
from web.extensions import Blueprint
from web.permissions import READ, WRITE
from web.security import requires

URL_PREFIX = ""
blp = Blueprint("nfcom_invoices", __name__, description="NFCom fiscal invoices (modelo 62)")
NOT_YET = "The NFCom is not authorized (nor cancelled after it): nothing to download yet"


@blp.route("/fiscal/invoices", methods=["GET"])
@blp.arguments(InvoiceQuery, location="query")
@blp.response(200, InvoicePage)
@requires("fiscal", READ)
def list_invoices(args):
    """NFComs, newest first; by status (rejected, waiting, incomplete...) or customer."""
    page, per_page = args["page"], args["per_page"]
    found, total = invoices.list_invoices(
        args.get("status"), args.get("customer_code"), page, per_page
    )
    return {"items": found, "total": total, "page": page, "per_page": per_page}


@blp.route("/receivables/<int:receivable_id>/invoice", methods=["GET"])
@blp.response(200, InvoiceOutput)
@requires("fiscal", READ)
def get_invoice(receivable_id):
    """The receivable's NFCom, or 404 when it has none."""
    return invoices.get_invoice_of(receivable_id)


@blp.route("/receivables/<int:receivable_id>/invoice", methods=["POST"])
@blp.response(202, InvoiceOutput)
@blp.alt_response(409, description="Not a telecom plan's bill, cancelled, or already issued")
@requires("fiscal", WRITE)
def request_invoice(receivable_id):
    """Issue the receivable's NFCom now (a worker signs and sends it), or try again one that
    was incomplete or rejected once its data are mended."""
    return issuing.request_invoice(receivable_id)


@blp.route("/receivables/<int:receivable_id>/invoice/cancel", methods=["POST"])
@blp.arguments(InvoiceCancelInput)
@blp.response(202, InvoiceOutput)
@blp.alt_response(409, description="Not authorized, or past SEFAZ's deadline")
@requires("fiscal", WRITE)
def cancel_invoice(data, receivable_id):
    """Cancel the authorized NFCom (until 120 hours into the next month); a worker sends the
    event to SEFAZ."""
    return issuing.request_cancellation(receivable_id, data["justification"], utcnow())


@blp.route("/receivables/<int:receivable_id>/invoice.pdf", methods=["GET"])
@blp.response(200, description="The DANFE-COM (PDF, A4), as an attachment")
@blp.alt_response(409, description=NOT_YET)
@requires("fiscal", READ)
def get_invoice_pdf(receivable_id):
    """The DANFE-COM to print or send: the invoice with its QR Code."""
    return downloads.invoice_file(receivable_id, "pdf")


@blp.route("/receivables/<int:receivable_id>/invoice.xml", methods=["GET"])
@blp.response(200, description="The authorized NFCom (nfcomProc XML), as an attachment")
@blp.alt_response(409, description=NOT_YET)
@requires("fiscal", READ)
def get_invoice_xml(receivable_id):
    """The NFCom with SEFAZ's authorization (nfcomProc), as the customer's accountant keeps it."""
    return downloads.invoice_file(receivable_id, "xml")
