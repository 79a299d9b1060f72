"""Anatel's monthly access report (Coleta de Dados de Acessos, SCM), made by an export job."""

from flask import g, url_for

from models.extracts import anatel_access
from schemas.extracts.anatel_access import AnatelAccessInput, AnatelMissingPage, AnatelMissingQuery
from schemas.extracts.exports import ExportOutput
from web.extensions import Blueprint
from web.permissions import READ, WRITE
from web.security import requires

URL_PREFIX = "/reports/anatel-access"
blp = Blueprint(
    "anatel_access", __name__, description="Anatel's monthly access report (SCM), as a CSV"
)


@blp.route("", methods=["POST"])
@blp.arguments(AnatelAccessInput)
@blp.response(202, ExportOutput, headers={"Location": {"schema": {"type": "string"}}})
@blp.alt_response(409, description="No CNPJ in the fiscal settings, or accesses lack data")
@blp.alt_response(429, description="Too many of the user's exports queued or running")
@requires("anatel_reports", WRITE)
def start_report(data):
    """Queue the month's report; follow the export at `Location`, download its file when done.

    The accesses counted are the internet subscriptions in force at the month's last instant
    (active or suspended, not cancelled); a month not over yet is a 422."""
    export = anatel_access.start_report(data["month"], g.user)
    return export, 202, {"Location": url_for("exports.show_export", export_id=export.id)}


@blp.route("/missing-data", methods=["GET"])
@blp.arguments(AnatelMissingQuery, location="query")
@blp.response(200, AnatelMissingPage)
@requires("anatel_missing_data", READ)
def missing_data(args):
    """Accesses in force (now, or at the end of `month`) the report cannot place: no IBGE
    municipality code, or a plan without medium, technology, product or speed; by subscription."""
    end = anatel_access.month_end(args["month"]) if args.get("month") else None
    items, total = anatel_access.missing_data(end, args["page"], args["per_page"])
    return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}
