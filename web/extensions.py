"""Extension objects, created unbound and initialised by the app factory."""

import sqlite3

from flask_cors import CORS
from flask_migrate import Migrate
from flask_smorest import Api as SmorestApi
from flask_smorest import Blueprint as SmorestBlueprint
from sqlalchemy import event
from sqlalchemy.engine import Engine
from webargs.flaskparser import FlaskParser

from models.db import db
from schemas.common import ErrorSchema

migrate = Migrate()
cors = CORS()


class Api(SmorestApi):
    """flask-smorest's Api with our error envelope documented on every route."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        """Error handlers live in web/errors.py; nothing to register here."""


class Blueprint(SmorestBlueprint):
    """flask-smorest's Blueprint, letting each schema decide about unknown fields.

    webargs drops unknown query parameters by default; our input schemas reject them
    (`?sort=name` would otherwise be silently ignored).
    """

    ARGUMENTS_PARSER = FlaskParser(unknown=None)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    """Let web, worker and beat share one SQLite file: WAL readers never block the writer."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


__all__ = ["Api", "Blueprint", "cors", "db", "migrate"]
