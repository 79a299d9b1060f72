"""The plan catalog: admins keep it, everyone reads it."""

from flask import url_for

from models.service import plans
from schemas.service.plans import PlanInput, PlanOutput, PlanPage, PlanPatch, PlanQuery
from web.extensions import Blueprint
from web.permissions import READ, WRITE
from web.security import requires

URL_PREFIX = "/plans"
blp = Blueprint("plans", __name__, description="The plans the ISP sells")


@blp.route("", methods=["GET"])
@blp.arguments(PlanQuery, location="query")
@blp.response(200, PlanPage)
@requires("plans", READ)
def list_plans(args):
    """Plans by name; filter by kind or active."""
    items, total = plans.list_plans(
        args.get("kind"), args.get("active"), args["page"], args["per_page"]
    )
    return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}


@blp.route("", methods=["POST"])
@blp.arguments(PlanInput)
@blp.created(PlanOutput, "plan")
@blp.alt_response(409, description="Another plan has this name")
@requires("plans", WRITE)
def create_plan(data):
    """Add a plan to the catalog."""
    plan = plans.create_plan(data)
    return plan, 201, {"Location": url_for(".get_plan", plan_id=plan.id)}


@blp.route("/<int:plan_id>", methods=["GET"])
@blp.response(200, PlanOutput)
@requires("plans", READ)
def get_plan(plan_id):
    """One plan."""
    return plans.get_plan(plan_id)


@blp.route("/<int:plan_id>", methods=["PATCH"])
@blp.arguments(PlanPatch)
@blp.response(200, PlanOutput)
@blp.alt_response(409, description="Another plan has this name")
@requires("plans", WRITE)
def update_plan(changes, plan_id):
    """Change a plan; {"active": false} withdraws it from sale (plans are never deleted)."""
    plan = plans.update_plan(plan_id, changes)
    return plan
