"""One blueprint per domain, all under /api/v1."""

from web.blueprints import auth, customers, health, users

PREFIX = "/api/v1"


def register(api) -> None:
    for module in (auth, health, users, customers):
        api.register_blueprint(module.blp, url_prefix=PREFIX + module.URL_PREFIX)
