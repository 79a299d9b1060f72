"""One blueprint per domain, all under /api/v1."""

from web.blueprints import (
    addresses,
    auth,
    calls,
    ceps,
    connections,
    customers,
    exports,
    health,
    items,
    plans,
    radius,
    scheduled_tasks,
    subscriptions,
    users,
)

PREFIX = "/api/v1"


def register(api) -> None:
    modules = (
        auth,
        health,
        users,
        customers,
        addresses,
        ceps,
        plans,
        subscriptions,
        items,
        scheduled_tasks,
        radius,
        connections,
        calls,
        exports,
    )
    for module in modules:
        api.register_blueprint(module.blp, url_prefix=PREFIX + module.URL_PREFIX)
