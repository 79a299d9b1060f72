"""Legal holds on customers' connection records, and their retention (Marco Civil, art. 13).

Admin only, reads included: who is under an order is confidential (web/permissions.py).
"""

from flask import url_for

from models.effects import send_now
from models.service import connection_records, legal_holds
from schemas.service.legal_holds import (
    LegalHoldInput,
    LegalHoldOutput,
    LegalHoldPage,
    LegalHoldQuery,
    LiftInput,
    RetentionOutput,
    RetentionRunOutput,
)
from web.extensions import Blueprint
from web.permissions import READ, WRITE
from web.security import requires

URL_PREFIX = ""
blp = Blueprint(
    "legal_holds", __name__, description="Legal holds and the retention of connection records"
)
PURGE_TASK = "tasks.radius.purge_connection_records"


@blp.route("/legal-holds", methods=["GET"])
@blp.arguments(LegalHoldQuery, location="query")
@blp.response(200, LegalHoldPage)
@blp.alt_response(404, description="No such customer")
@requires("legal_holds", READ)
def list_holds(args):
    """Legal holds, newest first: all, one customer's, in force or lifted."""
    found, total = legal_holds.list_holds(
        args.get("customer_code"), args.get("in_force"), args["page"], args["per_page"]
    )
    return {"items": found, "total": total, "page": args["page"], "per_page": args["per_page"]}


@blp.route("/customers/<int:code>/legal-holds", methods=["POST"])
@blp.arguments(LegalHoldInput)
@blp.created(LegalHoldOutput, "legal hold")
@blp.alt_response(404, description="No such customer")
@requires("legal_holds", WRITE)
def place_hold(data, code):
    """Keep the customer's connection records past the retention period until lifted."""
    hold = legal_holds.place_hold(code, data["reference"], data["reason"])
    return hold, 201, {"Location": url_for(".get_hold", hold_id=hold.id)}


@blp.route("/legal-holds/<int:hold_id>", methods=["GET"])
@blp.response(200, LegalHoldOutput)
@blp.alt_response(404, description="No such hold")
@requires("legal_holds", READ)
def get_hold(hold_id):
    """One legal hold."""
    return legal_holds.get_hold(hold_id)


@blp.route("/legal-holds/<int:hold_id>/lift", methods=["POST"])
@blp.arguments(LiftInput)
@blp.response(200, LegalHoldOutput)
@blp.alt_response(404, description="No such hold")
@blp.alt_response(409, description="Already lifted")
@requires("legal_holds", WRITE)
def lift_hold(data, hold_id):
    """End the hold: the customer's records follow the retention period again."""
    return legal_holds.lift_hold(hold_id, data["reason"])


@blp.route("/connection-records/retention", methods=["GET"])
@blp.response(200, RetentionOutput)
@requires("legal_holds", READ)
def retention():
    """How long connection records are kept, what the next run deletes before, the months."""
    return connection_records.retention_status()


@blp.route("/connection-records/retention/run", methods=["POST"])
@blp.response(202, RetentionRunOutput)
@requires("legal_holds", WRITE)
def run_retention():
    """Run the retention job now (beat runs it daily); it deletes only what is past the period."""
    send_now(PURGE_TASK)
    return {"queued": True}
