"""The console's blueprint and what every page shares: one commit per request, pages or fragments.

A view renders a page on a plain request and only its fragment when htmx asks (`HX-Request`),
from the same template: the template extends `layout`, which is the whole page or a bare block.
"""

from functools import wraps

from flask import Blueprint, make_response, render_template, request

from models.db import db
from web.transactions import committing

ASSETS_URL = "/assets"  # the console's pinned static files (htmx, its script and styles)


def committing_unless_refused(view):
    """`view` as one transaction: committed if it wrote, rolled back if its answer is an error.

    A screen answers a refusal with the form again (422, 409...) instead of raising, and an
    operation may have changed rows before it found the rule broken: those changes never stay.
    """

    @wraps(view)
    def answered(*args, **kwargs):
        response = make_response(view(*args, **kwargs))
        if response.status_code >= 400:
            db.session.rollback()
        return response

    return committing(answered)


class ConsoleBlueprint(Blueprint):
    """A blueprint whose every view is one transaction, committed at the boundary."""

    def add_url_rule(self, rule, endpoint=None, view_func=None, **options):
        if view_func is not None:
            view_func = committing_unless_refused(view_func)
        super().add_url_rule(rule, endpoint, view_func, **options)


bp = ConsoleBlueprint(
    "console",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path=ASSETS_URL,
)


def is_fragment_request() -> bool:
    """Whether htmx asked for a part of the page (not a boosted whole page, not history)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render(template: str, page_layout: str = "console/page.html", **context):
    """`template` as a whole page, or as its fragment when htmx asks for one."""
    layout = "console/fragment.html" if is_fragment_request() else page_layout
    return render_template(template, layout=layout, **context)
