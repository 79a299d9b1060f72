"""The ISP as NFCom issuer: admins keep it, finance and attendants read it (no secret shown)."""

from flask import g

from models.audit import entity_history
from models.clock import utcnow
from models.fiscal.fiscal_settings import FiscalSettings, fiscal_settings, save_settings
from schemas.common import PageQuery
from schemas.fiscal.settings import FiscalSettingsInput, FiscalSettingsOutput
from schemas.history import HistoryPage
from web.extensions import Blueprint
from web.permissions import READ, WRITE, history_entities
from web.security import requires

URL_PREFIX = "/fiscal/settings"
blp = Blueprint("fiscal_settings", __name__, description="The NFCom issuer and its A1")


@blp.route("", methods=["GET"])
@blp.response(200, FiscalSettingsOutput)
@requires("fiscal_settings", READ)
def get_settings():
    """The issuer's settings, whether an A1 is installed (whose, until when) and what is still
    missing before invoices can be issued."""
    return fiscal_settings()


@blp.route("", methods=["PUT"])
@blp.arguments(FiscalSettingsInput)
@blp.response(200, FiscalSettingsOutput)
@blp.alt_response(409, description="next_number would go back")
@requires("fiscal_settings", WRITE)
def put_settings(data):
    """Replace the settings. A certificate (base64 PKCS#12) comes with its password, must open,
    be valid now and be the issuer's company's; left out, the installed one stays. Activating
    needs every issuer field and the certificate (422 naming what is missing)."""
    return save_settings(data, utcnow())


@blp.route("/history", methods=["GET"])
@blp.arguments(PageQuery, location="query")
@blp.response(200, HistoryPage)
@requires("fiscal_settings", READ)
def history(paging):
    """Every change to the settings, newest first (the certificate's changes without values)."""
    entities = history_entities(g.user.role)
    table = FiscalSettings.__tablename__
    items, total = entity_history(table, None, entities, paging["page"], paging["per_page"])
    return {"items": items, "total": total, **paging}
