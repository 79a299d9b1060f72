"""Equipment inventory [6.5]: add, correct, retire, search [6.5.3], and an item's history."""

from flask import current_app, g, url_for

from models.service import equipment
from models.service.equipment_lending import equipment_history
from schemas.common import PageQuery
from schemas.history import HistoryPage
from schemas.service.equipment import (
    EquipmentInput,
    EquipmentOutput,
    EquipmentPage,
    EquipmentPatch,
    EquipmentQuery,
)
from web.extensions import Blueprint
from web.permissions import READ, WRITE, history_entities
from web.security import requires

URL_PREFIX = "/equipment"
blp = Blueprint("equipment", __name__, description="The equipment inventory and its search")


def _types() -> tuple[str, ...]:
    return tuple(current_app.config["EQUIPMENT_TYPES"])


@blp.route("", methods=["GET"])
@blp.arguments(EquipmentQuery, location="query")
@blp.response(200, EquipmentPage)
@requires("equipment", READ)
def search(args):
    """Search by patrimony range (from/to, both included), type, serial (part of it), MAC (any
    notation), status or words of the model; ordered by patrimony number."""
    page, per_page = args.pop("page"), args.pop("per_page")
    found, total = equipment.search_equipment(args, page, per_page)
    return {"items": found, "total": total, "page": page, "per_page": per_page}


@blp.route("", methods=["POST"])
@blp.arguments(EquipmentInput)
@blp.created(EquipmentOutput, "item")
@blp.alt_response(409, description="The patrimony number or the MAC is another item's")
@requires("equipment", WRITE)
def create(data):
    """Add an item to the inventory, in stock. `type`: one of the EQUIPMENT_TYPES setting
    (another is a 422 naming `type`); a broadcast or all-zero MAC is a 422 naming `mac`."""
    item = equipment.create_equipment(data, _types())
    return item, 201, {"Location": url_for(".read", equipment_id=item.id)}


@blp.route("/<int:equipment_id>", methods=["GET"])
@blp.response(200, EquipmentOutput)
@requires("equipment", READ)
def read(equipment_id):
    """One item, with its holder when lent."""
    return equipment.get_equipment(equipment_id)


@blp.route("/<int:equipment_id>", methods=["PATCH"])
@blp.arguments(EquipmentPatch)
@blp.response(200, EquipmentOutput)
@blp.alt_response(
    409, description="The patrimony number or MAC is taken, or a status change of an item lent"
)
@requires("equipment", WRITE)
def update(changes, equipment_id):
    """Correct an item's data; `status` retires an item in stock (retired) or puts it back
    (in_stock). Lending, returning and selling change the status through their own calls."""
    item = equipment.update_equipment(equipment_id, changes, _types())
    return item


@blp.route("/<int:equipment_id>/history", methods=["GET"])
@blp.arguments(PageQuery, location="query")
@blp.response(200, HistoryPage)
@requires("equipment", READ)
def history(paging, equipment_id):
    """Every change to the item and to its lendings, newest first: who, from which IP, what."""
    entities = history_entities(g.user.role)  # the same rule as a customer's history
    items, total = equipment_history(equipment_id, entities, paging["page"], paging["per_page"])
    return {"items": items, "total": total, **paging}
