"""Call extracts and tariffs [6.7]."""

from web.extensions import Blueprint

URL_PREFIX = ""
blp = Blueprint("calls", __name__, description="Call extracts and tariffs [6.7]")
