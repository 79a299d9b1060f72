"""The Flask application factory: `create_app()` wires everything; nothing runs at import."""

import logging

from flask import Flask, current_app
from werkzeug.middleware.proxy_fix import ProxyFix

from models import clock
from models.db import has_unsaved_writes
from models.settings import install as install_settings
from web.config import PROJECT_ROOT, Settings, load_settings
from web.errors import register_error_handlers
from web.extensions import Api, cors, db, migrate
from web.logsafe import escape_log_messages
from web.requestlog import init_request_log
from web.security import init_security

log = logging.getLogger(__name__)

API_SPEC_OPTIONS = {
    "info": {"description": "Provedor: the customer module of an ISP's back office."},
    "security": [{"bearerAuth": []}],
    "components": {
        "securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer"},
            # The PSPs' webhooks: the secret registered with the PSP, in the URL or a header.
            "webhookSecret": {"type": "apiKey", "in": "query", "name": "hmac"},
            "webhookSecretHeader": {"type": "apiKey", "in": "header", "name": "X-Webhook-Secret"},
        },
    },
}


def _refuse_lost_writes(_error=None) -> None:
    """A request that wrote but neither committed nor rolled back is a bug: its writes vanish.

    Logged in production; an error under tests, so such a route cannot pass its tests.
    """
    if has_unsaved_writes(db.session):
        log.error("request wrote but never committed; its writes are rolled back")
        db.session.rollback()
        if current_app.testing:
            raise RuntimeError("request wrote to the database but never committed")


def create_app(settings: Settings | None = None, **overrides) -> Flask:
    """Build the app from `settings` (default: the environment), plus Flask config overrides."""
    from tasks import celery_init_app
    from web import api as api_routes
    from web import cli, console

    settings = settings or load_settings()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    escape_log_messages()  # before anything logs: no caller can forge a line
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(message)s")

    app = Flask(__name__)
    app.config.update(settings.flask_config(), API_SPEC_OPTIONS=API_SPEC_OPTIONS, **overrides)
    if settings.trusted_proxies:  # believe X-Forwarded-For from that many hops, nothing else
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies, x_proto=0, x_host=0)

    clock.set_zone(settings.timezone)
    install_settings(app, *settings.domain_settings())
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    api = Api(app)  # one per app: the OpenAPI document belongs to it
    if settings.cors_origins:
        cors.init_app(
            app,
            resources={r"/api/*": {"origins": settings.cors_origins}},
            expose_headers=["X-Request-ID", "Retry-After"],
        )
    init_request_log(app)
    app.teardown_request(_refuse_lost_writes)
    init_security(app)
    register_error_handlers(app)
    api_routes.register(api)
    console.register(app)
    cli.register(app)
    celery_init_app(app, settings)
    return app
