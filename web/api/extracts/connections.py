"""Connection extracts (RADIUS sessions) [6.6]: one customer's, or everyone's for the staff."""

from models.extracts import extracts, record_reads
from schemas.extracts.connections import ConnectionPage, ConnectionQuery, StaffConnectionQuery
from web.extensions import Blueprint
from web.permissions import READ
from web.security import requires

URL_PREFIX = ""
blp = Blueprint("connections", __name__, description="Connection extracts (RADIUS sessions) [6.6]")


def _page(filters: dict, page: int, per_page: int) -> dict:
    """A page of sessions with the totals of the whole filter (its row count is `total`);
    the read is logged (models.extracts.record_reads)."""
    rows, totals = extracts.page_and_totals(extracts.CONNECTIONS, filters, page, per_page)
    record_reads.record_extract(record_reads.API, filters, len(rows), page, per_page)
    return {
        "items": rows,
        "total": totals["rows"],
        "page": page,
        "per_page": per_page,
        "totals": totals,
    }


@blp.route("/customers/<int:code>/connections", methods=["GET"])
@blp.arguments(ConnectionQuery, location="query")
@blp.response(200, ConnectionPage)
@requires("extracts", READ)
def customer_connections(args, code):
    """The customer's sessions in a period (default: the last 30 days), oldest first; `login`
    narrows to one of their logins (422 for a login that is not theirs)."""
    page, per_page = args.pop("page"), args.pop("per_page")
    return _page({**args, "customer_code": code}, page, per_page)


@blp.route("/connections", methods=["GET"])
@blp.arguments(StaffConnectionQuery, location="query")
@blp.response(200, ConnectionPage)
@blp.alt_response(404, description="No such customer (customer_code)")
@requires("extracts", READ)
def connections(args):
    """Everyone's sessions in a period, oldest first. Narrowed by login, NAS or customer, the
    period defaults to the last 30 days (at most EXTRACT_MAX_DAYS); without any of them, it is
    one day at most, today in the ISP's zone by default: an export is the way to see more."""
    page, per_page = args.pop("page"), args.pop("per_page")
    return _page(extracts.everyones_connection_filters(args), page, per_page)
