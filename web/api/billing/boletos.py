"""A receivable's boleto: its codes (JSON) and its PDF, issued on first request."""

from models.billing.boletos import boleto_for
from schemas.billing.boletos import BoletoOutput
from web import downloads
from web.extensions import Blueprint
from web.permissions import READ
from web.security import requires

URL_PREFIX = ""
blp = Blueprint("boletos", __name__, description="Boletos of receivables (with PIX)")
NOT_ISSUABLE = (
    "The receivable is not owed (open or partially paid), or not paid by boleto; "
    "`amount_too_large_for_boleto`: its amount does not fit a boleto (at most 99999999.99)"
)


@blp.route("/receivables/<int:receivable_id>/boleto", methods=["GET"])
@blp.response(200, BoletoOutput)
@blp.alt_response(409, description=NOT_ISSUABLE)
@requires("receivables", READ)
def get_boleto(receivable_id):
    """The boleto of what the receivable owes (after a partial payment, a boleto of the
    balance): nosso número, barcode, linha digitável, PIX code."""
    return boleto_for(receivable_id)  # issued once: every later request shows the same boleto


@blp.route("/receivables/<int:receivable_id>/boleto.pdf", methods=["GET"])
@blp.response(200, description="The boleto (PDF, A4), as an attachment")
@blp.alt_response(409, description=NOT_ISSUABLE)
@requires("receivables", READ)
def get_boleto_pdf(receivable_id):
    """The boleto to print or pay: Recibo do Pagador with the PIX QR, Ficha de Compensação."""
    return downloads.boleto_pdf(receivable_id)
