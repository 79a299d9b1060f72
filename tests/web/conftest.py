"""Fixtures shared by the API tests."""

import dataclasses

import pytest

from web import create_app


@pytest.fixture
def build_app(app, settings):
    """Build another app on the same database with some settings changed (CORS, ...)."""

    def build(**changes):
        return create_app(dataclasses.replace(settings, **changes), TESTING=True)

    yield build
    # create_app makes its Celery app the default, and Celery() the current one of this thread:
    # hand both back to the session's app, or shared tasks applied later (apply(), delay())
    # would run in the built app, on its database.
    app.extensions["celery"].set_default()
    app.extensions["celery"].set_current()
