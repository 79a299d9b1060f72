"""One blueprint per domain, all under /api/v1."""

from web.blueprints import (
    addresses,
    auth,
    calls,
    ceps,
    connections,
    consents,
    contacts,
    customer_documents,
    customer_options,
    customers,
    equipment,
    equipment_lending,
    exports,
    extra_fields,
    favorites,
    health,
    holidays,
    items,
    notices,
    observations,
    payment_methods,
    personal_data,
    plans,
    radius,
    receivables,
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
        extra_fields,
        contacts,
        customer_documents,
        observations,
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
        customer_options,
        consents,
        favorites,
        payment_methods,
        personal_data,
        equipment,
        equipment_lending,
        holidays,
        notices,
        receivables,
    )
    for module in modules:
        api.register_blueprint(module.blp, url_prefix=PREFIX + module.URL_PREFIX)
