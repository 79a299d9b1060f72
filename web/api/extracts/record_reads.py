"""Who read connection records (Marco Civil, art. 13): the read log, for admins only."""

from models.extracts import record_reads
from schemas.extracts.record_reads import RecordReadPage, RecordReadQuery
from web.extensions import Blueprint
from web.permissions import READ
from web.security import requires

URL_PREFIX = "/connection-record-reads"
blp = Blueprint(
    "connection_record_reads",
    __name__,
    description="Who read connection records: extracts, exports, personal data (admins)",
)


@blp.route("", methods=["GET"])
@blp.arguments(RecordReadQuery, location="query")
@blp.response(200, RecordReadPage)
@requires("connection_record_reads", READ)
def list_reads(args):
    """Every read of connection records, newest first, by customer, user, channel, period."""
    page, per_page = args.pop("page"), args.pop("per_page")
    found, total = record_reads.list_reads(args, page, per_page)
    return {"items": found, "total": total, "page": page, "per_page": per_page}
