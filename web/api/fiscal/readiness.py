"""Who cannot be invoiced yet: the list the attendant works through before billing day."""

from models.fiscal.readiness import customers_missing_data
from schemas.common import PageQuery
from schemas.fiscal.readiness import MissingDataPage
from web.extensions import Blueprint
from web.permissions import READ
from web.security import requires

URL_PREFIX = "/fiscal/missing-data"
blp = Blueprint("fiscal_readiness", __name__, description="Customers an NFCom cannot be issued to")


@blp.route("", methods=["GET"])
@blp.arguments(PageQuery, location="query")
@blp.response(200, MissingDataPage)
@requires("fiscal", READ)
def missing_data(paging):
    """Active customers billed for an internet or VoIP plan whose invoice would be refused:
    address incomplete or without the IBGE code, plan without fiscal data or without ICMS for
    the customer's state; by code."""
    items, total = customers_missing_data(paging["page"], paging["per_page"])
    return {"items": items, "total": total, **paging}
