"""One blueprint per domain, all under /api/v1."""

from web.blueprints import auth, customers, health, plans, users

PREFIX = "/api/v1"


def register(api) -> None:
    for module in (auth, health, users, customers, plans):
        api.register_blueprint(module.blp, url_prefix=PREFIX + module.URL_PREFIX)
