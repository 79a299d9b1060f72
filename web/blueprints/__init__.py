"""One blueprint per domain, all under /api/v1."""

from web.blueprints import (
    auth,
    calls,
    connections,
    consents,
    customer_options,
    customers,
    exports,
    favorites,
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
        plans,
        subscriptions,
        items,
        scheduled_tasks,
        radius,
        connections,
        calls,
        exports,
        customer_options,
        consents,
        favorites,
    )
    for module in modules:
        api.register_blueprint(module.blp, url_prefix=PREFIX + module.URL_PREFIX)
