"""Extract exports to XLSX, CSV and TXT, run by workers [6.6.1]."""

from web.extensions import Blueprint

URL_PREFIX = "/exports"
blp = Blueprint(
    "exports", __name__, description="Extract exports to XLSX, CSV and TXT, run by workers [6.6.1]"
)
