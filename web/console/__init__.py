"""The staff console: server-rendered pages (Jinja) made interactive with htmx, at `/`.

It calls the same operations (models/) and loads input through the same schemas as the API
(web/api/); no rule is written here twice. Every module of this package is found and its routes
served (models.discovery), as the API's are. Pages sign in by session cookie (web/security.py)
and every change carries a CSRF token (flask-wtf's, checked before the view runs).
"""

from datetime import timedelta

from flask import Flask, request
from flask_wtf.csrf import CSRFProtect

from models.discovery import import_submodules
from web.console import errors, formats
from web.console.blueprint import bp
from web.security import may

csrf = CSRFProtect()

# Nothing but this app's own files: no inline script or style, no frame, no plug-in, and forms
# post only here. htmx is configured (templates/console/page.html) not to add inline styles.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _protect_from_forgery():
    """A change without this session's CSRF token changes nothing (400, before the view)."""
    if request.method not in _SAFE_METHODS:
        csrf.protect()


bp.before_request(_protect_from_forgery)


def _page_headers(response):
    """The console's pages: the CSP above, never framed, never cached (they hold personal data)."""
    console_page = response.mimetype == "text/html" and not request.path.startswith("/api/")
    if request.blueprint == bp.name or console_page:  # its routes, and its 404 and 405 pages
        # A download sets its own, stricter policy (web/downloads.py): kept.
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        if request.endpoint != "console.static":
            response.headers["Cache-Control"] = "no-store"
    return response


def register(app: Flask) -> None:
    """Serve the console at `/` on `app`."""
    settings = app.config["PROVEDOR_SETTINGS"]
    app.config.update(
        # A browser-session cookie (no expiry date): the token it carries ends the session
        # server-side (TOKEN_TTL_HOURS, sign-out, the user deactivated).
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.is_production,
        SESSION_COOKIE_NAME="provedor_sessao",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.token_ttl_hours),
        # Checked by the console alone (the API authenticates by bearer token: nothing to forge),
        # valid as long as the session: an attendant keeps a record open all day.
        WTF_CSRF_CHECK_DEFAULT=False,
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_SSL_STRICT=settings.is_production,
    )
    csrf.init_app(app)
    formats.install(app)
    errors.install(app)
    app.jinja_env.globals.update(may=may, has_endpoint=lambda name: name in app.view_functions)
    import_submodules(__name__)  # each module adds its routes to `bp`
    app.register_blueprint(bp)
    app.after_request(_page_headers)
