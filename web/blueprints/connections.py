"""Connection extracts (RADIUS sessions) [6.6]."""

from web.extensions import Blueprint

URL_PREFIX = ""
blp = Blueprint("connections", __name__, description="Connection extracts (RADIUS sessions) [6.6]")
