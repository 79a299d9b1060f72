"""Extract exports to XLSX, CSV and TXT, run by workers and downloaded later [6.6.1]."""

from flask import g, url_for

from models.extracts import exports
from schemas.extracts.exports import ExportInput, ExportOutput, ExportPage, ExportQuery
from web.downloads import export_file
from web.extensions import Blueprint
from web.permissions import READ, WRITE
from web.security import requires

URL_PREFIX = "/exports"
blp = Blueprint(
    "exports", __name__, description="Extract exports to XLSX, CSV and TXT, run by workers"
)


@blp.route("", methods=["POST"])
@blp.arguments(ExportInput)
@blp.response(202, ExportOutput, headers={"Location": {"schema": {"type": "string"}}})
@blp.alt_response(404, description="No such customer (filters.customer_code)")
@blp.alt_response(429, description="Too many of the user's exports queued or running")
@requires("extracts", WRITE)
def start_export(data):
    """Queue an export; follow it at `Location`, download it from `Location`/file when done.

    Filters are checked now (period cap, another customer's login or terminal, unknown
    columns: 422), not when the worker gets to it."""
    export = exports.start_export(data, g.user)
    return export, 202, {"Location": url_for(".show_export", export_id=export.id)}


@blp.route("", methods=["GET"])
@blp.arguments(ExportQuery, location="query")
@blp.response(200, ExportPage)
@requires("extracts", READ)
def list_exports(args):
    """The user's own exports, newest first."""
    found, total = exports.list_exports(g.user, args["page"], args["per_page"])
    return {"items": found, "total": total, "page": args["page"], "per_page": args["per_page"]}


@blp.route("/<int:export_id>", methods=["GET"])
@blp.response(200, ExportOutput)
@requires("extracts", READ)
def show_export(export_id):
    """Status and progress: rows written of the total, percent, an estimate of the time left."""
    return exports.get_export(export_id, g.user)


@blp.route("/<int:export_id>/file", methods=["GET"])
@blp.response(200, description="The file, as an attachment")
@blp.alt_response(409, description="Not done yet, failed, or expired")
@requires("extracts", READ)
def download_export(export_id):
    """The file, to whoever asked for it or an admin; every download is recorded."""
    return export_file(export_id, g.user)
