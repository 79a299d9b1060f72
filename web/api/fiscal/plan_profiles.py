"""Each telecom plan's NFCom data (classification and taxes): admins keep it, staff read it."""

from flask import g

from models.audit import entity_history
from models.fiscal.plan_profiles import PlanFiscalProfile, get_profile, save_profile, telecom_plan
from schemas.common import PageQuery
from schemas.fiscal.plan_profiles import PlanFiscalInput, PlanFiscalOutput
from schemas.history import HistoryPage
from web.extensions import Blueprint
from web.permissions import READ, WRITE, history_entities
from web.security import requires

URL_PREFIX = "/plans"
blp = Blueprint("plan_fiscal_profiles", __name__, description="How each plan is invoiced")


@blp.route("/<int:plan_id>/fiscal", methods=["GET"])
@blp.response(200, PlanFiscalOutput)
@blp.alt_response(409, description="The plan's kind is not invoiced by NFCom")
@requires("fiscal_settings", READ)
def get_plan_fiscal(plan_id):
    """The plan's classification and taxes; 404 while it has none."""
    return get_profile(plan_id)


@blp.route("/<int:plan_id>/fiscal", methods=["PUT"])
@blp.arguments(PlanFiscalInput)
@blp.response(200, PlanFiscalOutput)
@blp.alt_response(201, schema=PlanFiscalOutput, description="Profile created")
@blp.alt_response(409, description="The plan's kind is not invoiced by NFCom")
@requires("fiscal_settings", WRITE)
def put_plan_fiscal(data, plan_id):
    """Create or replace the plan's NFCom data (what is left out is cleared). Nothing has a
    default rate: each state the customers live in needs its ICMS entry."""
    profile, created = save_profile(plan_id, data)
    return profile, 201 if created else 200


@blp.route("/<int:plan_id>/fiscal/history", methods=["GET"])
@blp.arguments(PageQuery, location="query")
@blp.response(200, HistoryPage)
@blp.alt_response(409, description="The plan's kind is not invoiced by NFCom")
@requires("fiscal_settings", READ)
def plan_fiscal_history(paging, plan_id):
    """Every change to the plan's NFCom data, newest first."""
    telecom_plan(plan_id)
    entities = history_entities(g.user.role)
    table = PlanFiscalProfile.__tablename__
    page, per_page = paging["page"], paging["per_page"]
    items, total = entity_history(table, str(plan_id), entities, page, per_page)
    return {"items": items, "total": total, **paging}
