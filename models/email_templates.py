"""E-mail templates an admin can change: subject, text and HTML of each kind of notice.

Rendered with jinja2's SandboxedEnvironment, so what an admin writes cannot reach Python's
internals; StrictUndefined, so a variable that does not exist is an error, found when the
template is saved (it is rendered against SAMPLE_CONTEXT) rather than when a customer would get
"Prezado(a) ,". HTML is autoescaped (a customer's name cannot inject markup); text is not.
"""

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.audit import Audited
from models.db import UTCDateTime, db, insert_or_ignore, utcnow
from models.email_template_defaults import DEFAULTS, SAMPLE_CONTEXT, VARIABLES
from models.errors import Invalid, NotFound

BOLETO, OVERDUE_NOTICE = "boleto", "overdue_notice"
SUSPENSION_NOTICE = "suspension_notice"  # announces a suspension and its date
KINDS = (BOLETO, OVERDUE_NOTICE, SUSPENSION_NOTICE)
PARTS = ("subject", "text_body", "html_body")

_TEXT = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
_HTML = SandboxedEnvironment(undefined=StrictUndefined, autoescape=True)


class EmailTemplate(Audited, db.Model):
    """The e-mail sent for one kind of notice."""

    __tablename__ = "email_templates"

    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    subject: Mapped[str] = mapped_column(String(200))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def variables(self) -> dict[str, str]:
        """The variables this template may use, with what each holds."""
        return variables(self.kind)


def seed_templates() -> int:
    """Add the default template of each kind that has none (the migration adds them too)."""
    rows = [{"kind": kind, **parts, "updated_at": utcnow()} for kind, parts in DEFAULTS.items()]
    return insert_or_ignore(EmailTemplate.__table__, rows, ("kind",))


def list_templates() -> list[EmailTemplate]:
    return list(db.session.scalars(db.select(EmailTemplate).order_by(EmailTemplate.kind)))


def get_template(kind: str) -> EmailTemplate:
    template = db.session.get(EmailTemplate, kind) if kind in KINDS else None
    if template is None:
        raise NotFound(f"E-mail template {kind!r} not found; kinds: {', '.join(KINDS)}.")
    return template


def update_template(kind: str, parts: dict) -> EmailTemplate:
    """Replace the template's parts after rendering each against the sample context."""
    template = get_template(kind)
    for name, source in parts.items():
        check_part(name, source, SAMPLE_CONTEXT[kind])
        setattr(template, name, source)
    db.session.flush()
    return template


def check_part(name: str, source: str, context: dict) -> None:
    """Invalid naming `name` if the part does not compile or render with `context`."""
    try:
        _render_part(name, source, context)
    except TemplateError as error:
        # SecurityError and UndefinedError are TemplateErrors; their message names the culprit.
        raise Invalid.field(name, f"Does not render: {error}") from None


def _render_part(name: str, source: str, context: dict) -> str:
    return _compiled(name == "html_body", source).render(context)


@lru_cache(maxsize=64)
def _compiled(html: bool, source: str):
    """A part compiled once per worker (a template is the same text for thousands of e-mails)."""
    return (_HTML if html else _TEXT).from_string(source)


def render(kind: str, context: dict) -> dict[str, str]:
    """Subject, text and HTML of the `kind` e-mail for `context` (see VARIABLES)."""
    template = get_template(kind)
    rendered = {name: _render_part(name, getattr(template, name), context) for name in PARTS}
    # A header is one line: a newline in the subject would end it (or inject another).
    rendered["subject"] = " ".join(rendered["subject"].split())
    return rendered


def money_br(amount: Decimal) -> str:
    """An amount as Brazilians write it: R$ 1.234,56."""
    whole, cents = f"{amount:,.2f}".split(".")
    return f"R$ {whole.replace(',', '.')},{cents}"


def date_br(day: date) -> str:
    """A date as dd/mm/aaaa."""
    return day.strftime("%d/%m/%Y")


def variables(kind: str) -> dict[str, str]:
    """The variables a template of `kind` may use, with what each holds."""
    return {name: VARIABLES[name] for name in SAMPLE_CONTEXT[kind]}
