"""The one accessor for typed settings: each domain defines its own (e.g. BillingPolicy in
models/billing/settings.py), web/config.py builds them once from the environment, and the
app keeps them in one registry that operations read with `current(BillingPolicy)`."""

from typing import TypeVar

from flask import Flask, current_app

T = TypeVar("T")

REGISTRY = "provedor_settings"  # app.extensions key: {settings class: its instance}


def install(app: Flask, *values) -> None:
    """Register `values` (one instance per settings class) on `app`."""
    app.extensions[REGISTRY] = {type(value): value for value in values}


def current(kind: type[T], app: Flask | None = None) -> T:
    """The `kind` settings of `app` (default: the app of the current context)."""
    return (app or current_app).extensions[REGISTRY][kind]


def replace(app: Flask, value) -> object:
    """Put `value` in place of its class's settings on `app` (tests); the previous one."""
    registry = app.extensions[REGISTRY]
    previous, registry[type(value)] = registry[type(value)], value
    return previous
