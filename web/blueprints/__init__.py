"""One blueprint per domain, all under /api/v1."""

from web.blueprints import (
    auth,
    calls,
    connections,
    customers,
    exports,
    health,
    items,
    payment_methods,
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
        payment_methods,
    )
    for module in modules:
        api.register_blueprint(module.blp, url_prefix=PREFIX + module.URL_PREFIX)
