"""Observations on a customer [5.5]: write, list, change, and acknowledge the mandatory ones."""

from flask import current_app, g, url_for

from models.customers import observations
from schemas.customers.observations import (
    AcknowledgeQuery,
    ObservationInput,
    ObservationOutput,
    ObservationPage,
    ObservationPatch,
    ObservationQuery,
)
from web.extensions import Blueprint
from web.permissions import READ, WRITE
from web.security import requires

URL_PREFIX = "/customers"
blp = Blueprint(
    "observations", __name__, description="Observations on a customer, some of mandatory reading"
)


def _types() -> tuple[str, ...]:
    return tuple(current_app.config["OBSERVATION_TYPES"])


@blp.route("/<int:code>/observations", methods=["GET"])
@blp.arguments(ObservationQuery, location="query")
@blp.response(200, ObservationPage)
@requires("customers", READ)
def list_observations(args, code):
    """The customer's observations, newest first; ?mandatory_reading= narrows."""
    found, total = observations.list_observations(
        code, args.get("mandatory_reading"), args["page"], args["per_page"]
    )
    return {"items": found, "total": total, "page": args["page"], "per_page": args["per_page"]}


@blp.route("/<int:code>/observations", methods=["POST"])
@blp.arguments(ObservationInput)
@blp.created(ObservationOutput, "observation")
@requires("customers", WRITE)
def create_observation(data, code):
    """Write an observation; its author is you and its time now. `type`: one of the
    OBSERVATION_TYPES setting (another is a 422 naming `type`)."""
    observation = observations.create_observation(code, data, _types())
    location = url_for(".get_observation", code=code, observation_id=observation.id)
    return observation, 201, {"Location": location}


@blp.route("/<int:code>/observations/<int:observation_id>", methods=["GET"])
@blp.response(200, ObservationOutput)
@requires("customers", READ)
def get_observation(code, observation_id):
    """One observation."""
    return observations.get_observation(code, observation_id)


@blp.route("/<int:code>/observations/<int:observation_id>", methods=["PATCH"])
@blp.arguments(ObservationPatch)
@blp.response(200, ObservationOutput)
@requires("customers", WRITE)
def update_observation(changes, code, observation_id):
    """Change the type, the text (a mandatory one must then be read again by everyone) or
    the mandatory flag (off: it stops being shown). Observations are never deleted."""
    observation = observations.update_observation(code, observation_id, changes, _types())
    return observation


@blp.route("/<int:code>/observations/<int:observation_id>/acknowledge", methods=["POST"])
@blp.arguments(AcknowledgeQuery, location="query")
@blp.response(204)
@blp.alt_response(409, description="The text was edited after the version you were shown")
@requires("customers", READ)
def acknowledge(args, code, observation_id):
    """Mark the observation read by you (nobody else), as its text reads now. Idempotent:
    204 every time. Acknowledging one that is not mandatory is harmless (recorded all the same,
    so it counts if the flag is turned on later with the same text)."""
    observations.acknowledge(code, observation_id, g.user.id, args.get("text_version"))
