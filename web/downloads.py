"""The files the API and the staff console both hand out, built once: what a route answers with.

Each is the whole response (its name, type, caching and policy), so a file downloaded from the
console is byte for byte and header for header the one the API gives.
"""

import io

from flask import Response, current_app, send_file

from models.billing import remittances
from models.billing.boleto_documents import boleto_pdf as render_boleto
from models.billing.boleto_documents import pdf_filename
from models.billing.boletos import boleto_for
from models.clock import local_today
from models.customers import customer_documents, debit_authorization
from models.customers import payment_methods as payments
from models.customers.customers import get_customer
from models.customers.file_names import attachment_disposition
from models.extracts import exports
from models.fiscal import invoices
from web.permissions import READ
from web.security import client_ip, may

# Werkzeug adds "; charset=utf-8" to text types itself (written here, it came twice).
EXPORT_MIMETYPES = {
    "csv": "text/csv",
    "txt": "text/plain",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

# A downloaded document's own policy: whatever it holds runs nothing if opened.
DOCUMENT_POLICY = "default-src 'none'; sandbox"


def debit_authorization_pdf(code: int, method_id: int) -> Response:
    """The debit authorization [5.6.1.4] (PDF, A4) as an attachment: the account whole for
    finance and admins (the copy to sign), masked for anyone else (a copy for reference)."""
    method = payments.get_payment_method(code, method_id)
    customer = get_customer(code)
    full = may("payment_data_unmasked", READ)
    pdf = debit_authorization.render(
        method, customer, current_app.config["ISP_NAME"], local_today(), full_account=full
    )
    return send_file(
        io.BytesIO(pdf),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=debit_authorization.filename(method),
        max_age=0,
    )


def document_file(code: int, document_id: int) -> Response:
    """A customer's document: the original bytes, as an attachment named as uploaded; the ETag
    is the SHA-256 (a conditional request gets 304)."""
    document = customer_documents.get_document(code, document_id)
    response = send_file(
        customer_documents.file_of(document),
        mimetype=document.content_type,
        etag=document.sha256,
        max_age=0,
        conditional=True,
    )
    response.headers["Content-Disposition"] = attachment_disposition(document.original_name)
    response.headers["Content-Security-Policy"] = DOCUMENT_POLICY
    return response


def export_file(export_id: int, user) -> Response:
    """An export's file [6.6.1], to whoever asked for it or an admin; every download is
    recorded (409 while it is not done, or once it has expired)."""
    export = exports.get_export(export_id, user)
    path = exports.record_download(export, user, client_ip())
    return send_file(
        path,
        mimetype=EXPORT_MIMETYPES[export.format],
        as_attachment=True,
        download_name=export.download_name,
        max_age=0,
    )


def boleto_pdf(receivable_id: int) -> Response:
    """The receivable's boleto (PDF, A4: Recibo do Pagador with the PIX QR, Ficha de
    Compensação) as an attachment, issued on first request."""
    boleto = boleto_for(receivable_id)
    return send_file(
        io.BytesIO(render_boleto(boleto)),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=pdf_filename(boleto),
        max_age=0,
    )


def invoice_file(receivable_id: int, kind: str) -> Response:
    """The receivable's authorized NFCom as an attachment: its DANFE-COM ("pdf") or its
    nfcomProc ("xml")."""
    invoice = invoices.get_invoice_of(receivable_id)
    document = invoices.document_of(invoice, kind)
    return send_file(
        io.BytesIO(document),
        mimetype="application/pdf" if kind == "pdf" else "application/xml",
        as_attachment=True,
        download_name=invoices.file_name(invoice, kind),
        max_age=0,
    )


def remittance_file(account_id: int, remittance_id: int) -> Response:
    """A remessa's file, as the bank takes it, as an attachment under its own name (409 while
    it is not written, or when it held nothing)."""
    remittance = remittances.get_remittance(account_id, remittance_id)
    content, name = remittances.remittance_file(remittance)
    return Response(
        content,
        mimetype="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
