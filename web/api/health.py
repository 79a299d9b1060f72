"""Liveness for load balancers and operators: can we reach the database and the broker?"""

import logging

from flask import current_app
from sqlalchemy import text

from models.db import db
from schemas.health import HealthOutput
from web.extensions import Blueprint
from web.security import public

log = logging.getLogger(__name__)
URL_PREFIX = ""
blp = Blueprint("health", __name__, description="Service health")


def _database_ok() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception:
        log.exception("health: database unreachable")
        db.session.rollback()
        return False


def _broker_ok() -> bool:
    celery = current_app.extensions["celery"]
    try:
        with celery.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, timeout=2)
        return True
    except Exception:
        log.exception("health: broker unreachable")
        return False


@blp.route("/health", methods=["GET"])
@blp.response(200, HealthOutput)
@blp.alt_response(503, schema=HealthOutput, description="Database or broker unreachable")
@public
def health():
    """Report whether the database and the Celery broker answer."""
    database, broker = _database_ok(), _broker_ok()
    body = {
        "status": "ok" if database and broker else "degraded",
        "database": "ok" if database else "unreachable",
        "broker": "ok" if broker else "unreachable",
    }
    return body, 200 if database and broker else 503
