"""RADIUS: the NASes (concentrators) and the Disconnect-Requests sent to them."""

from flask import url_for

from models.service import radius
from models.service.radius_disconnects import list_disconnects
from schemas.service.radius import DisconnectPage, DisconnectQuery, NasInput, NasList, NasOutput
from web.extensions import Blueprint
from web.permissions import READ, WRITE
from web.security import requires

URL_PREFIX = "/radius"
blp = Blueprint("radius", __name__, description="NASes and Disconnect-Requests")


@blp.route("/nas", methods=["GET"])
@blp.response(200, NasList)
@requires("radius", READ)
def list_nas():
    """The registered NASes (their secrets are never shown)."""
    return {"items": radius.list_nas()}


@blp.route("/nas", methods=["POST"])
@blp.arguments(NasInput)
@blp.created(NasOutput, "NAS")
@blp.alt_response(409, description="Already registered")
@requires("radius", WRITE)
def add_nas(data):
    """Register a NAS with its RADIUS secret and Disconnect-Request (CoA) port."""
    nas = radius.add_nas(data)
    return nas, 201, {"Location": url_for(".list_nas")}


@blp.route("/disconnects", methods=["GET"])
@blp.arguments(DisconnectQuery, location="query")
@blp.response(200, DisconnectPage)
@requires("radius", READ)
def disconnects(args):
    """Disconnect-Requests, newest first; ?status=failed lists the NASes that never answered."""
    found, total = list_disconnects(args.get("status"), args["page"], args["per_page"])
    return {"items": found, "total": total, "page": args["page"], "per_page": args["per_page"]}
