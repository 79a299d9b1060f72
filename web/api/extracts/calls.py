"""Call extracts and tariffs [6.7]."""

from flask import url_for

from models.extracts import calls, extracts
from models.extracts.call_reprice import reprice_calls
from schemas.extracts.calls import (
    CallPage,
    CallQuery,
    RepriceInput,
    RepriceOutput,
    TariffInput,
    TariffList,
    TariffOutput,
    TariffPrice,
)
from web.extensions import Blueprint
from web.permissions import READ, WRITE
from web.security import requires

URL_PREFIX = ""
blp = Blueprint("calls", __name__, description="Call extracts and tariffs [6.7]")

_TERMINATION = f"<any({', '.join(calls.TERMINATIONS)}):termination>"


@blp.route("/tariffs", methods=["GET"])
@blp.response(200, TariffList)
@requires("tariffs", READ)
def list_tariffs():
    """The tariff of each termination type priced so far (calls of the others cost 0)."""
    return {"items": calls.list_tariffs()}


@blp.route("/tariffs", methods=["POST"])
@blp.arguments(TariffInput)
@blp.created(TariffOutput, "tariff")
@blp.alt_response(409, description="This termination type has a tariff already")
@requires("tariffs", WRITE)
def create_tariff(data):
    """Price a termination type; calls imported from then on are charged by it."""
    tariff = calls.create_tariff(data)
    location = url_for(".get_tariff", termination=tariff.termination)
    return tariff, 201, {"Location": location}


@blp.route(f"/tariffs/{_TERMINATION}", methods=["GET"])
@blp.response(200, TariffOutput)
@requires("tariffs", READ)
def get_tariff(termination):
    """One termination type's tariff (404 while it has none)."""
    return calls.get_tariff(termination)


@blp.route(f"/tariffs/{_TERMINATION}", methods=["PUT"])
@blp.arguments(TariffPrice)
@blp.response(200, TariffOutput, description="The tariff replaced")
@blp.alt_response(
    201,
    schema=TariffOutput,
    description="The termination type priced at last",
    headers={
        "Location": {
            "description": "The new tariff",
            "required": True,
            "schema": {"type": "string"},
        }
    },
    success=True,
)
@requires("tariffs", WRITE)
def replace_tariff(data, termination):
    """Price a termination type, or replace its tariff; calls imported before keep their cost
    until their period is re-priced (POST /calls/reprice)."""
    tariff, created = calls.put_tariff(termination, data)
    if created:
        return tariff, 201, {"Location": url_for(".get_tariff", termination=termination)}
    return tariff


@blp.route("/calls/reprice", methods=["POST"])
@blp.arguments(RepriceInput)
@blp.response(200, RepriceOutput)
@requires("call_reprice", WRITE)
def reprice(data):
    """Give the calls of a period the cost today's tariffs give (finance and admins); the run
    is kept in the history: who, when, the period, and what it changed."""
    run = reprice_calls(data["from_"], data["to"])
    return run


@blp.route("/customers/<int:code>/calls", methods=["GET"])
@blp.arguments(CallQuery, location="query")
@blp.response(200, CallPage)
@requires("extracts", READ)
def customer_calls(args, code):
    """The customer's calls, oldest first, and totals over the whole period [6.7].

    The period (`from`, `to`: days in the ISP's time zone) defaults to the last 30 days and
    may be at most EXTRACT_MAX_DAYS long; `terminal` must be one of the customer's.
    """
    filters = {
        "customer_code": code,
        "terminal": args.get("terminal"),
        "termination": args.get("termination"),
        "from": args.get("from"),
        "to": args.get("to"),
    }
    rows, totals = extracts.page_and_totals(extracts.CALLS, filters, args["page"], args["per_page"])
    return {
        "items": rows,
        "total": totals["rows"],
        "page": args["page"],
        "per_page": args["per_page"],
        "totals": totals,
    }
