"""The HTTP API, one folder per domain, all under /api/v1.

Every module of the package that defines a blueprint `blp` (and its `URL_PREFIX`) is served:
a new module is found, not listed.
"""

from models.discovery import import_submodules

PREFIX = "/api/v1"


def register(api) -> None:
    """Register every blueprint of web.api with the flask-smorest Api."""
    for module in import_submodules(__name__):
        if hasattr(module, "blp"):
            api.register_blueprint(module.blp, url_prefix=PREFIX + module.URL_PREFIX)
