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
    # create_app makes its Celery app the default; hand that back to the session's app.
    app.extensions["celery"].set_default()
