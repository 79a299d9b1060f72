"""E-mail templates an admin can change: subject, text and HTML of each kind of notice.

Rendered with jinja2's SandboxedEnvironment, so what an admin writes cannot reach Python's
internals; StrictUndefined, so a variable that does not exist is an error, found when the
template is saved (it is rendered against SAMPLE_CONTEXT) rather than when a customer would get
"Prezado(a) ,". HTML is autoescaped (a customer's name cannot inject markup); text is not.

Rendering is bounded (models/notices/template_limits.py): a template that takes longer than
SAVE_RENDER_SECONDS or writes more than its part's MAX_CHARS on the sample, or includes,
imports or extends another, is refused when saved; in the worker, a part that takes longer than
RENDER_SECONDS (a template saved before these limits, or data far longer than the sample) fails
its notice with the reason instead of holding the worker.
"""

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from jinja2 import TemplateError
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.audit import Audited
from models.clock import utcnow
from models.db import UTCDateTime, db, insert_or_ignore
from models.errors import Invalid, NotFound
from models.notices.email_template_defaults import DEFAULTS, SAMPLE_CONTEXT, VARIABLES
from models.notices.template_limits import (
    MAX_OUTPUT_CHARS,
    BoundedEnvironment,
    RenderLimit,
    instrument,
    refusal,
)
from models.notices.template_limits import render as render_bounded

BOLETO, OVERDUE_NOTICE = "boleto", "overdue_notice"
SUSPENSION_NOTICE = "suspension_notice"  # announces a suspension and its date
# The ladder's other stages: reduced speed, and the contract's termination.
REDUCTION_NOTICE, TERMINATION_NOTICE = "reduction_notice", "termination_notice"
KINDS = (BOLETO, OVERDUE_NOTICE, SUSPENSION_NOTICE, REDUCTION_NOTICE, TERMINATION_NOTICE)
PARTS = ("subject", "text_body", "html_body")

_TEXT = BoundedEnvironment(autoescape=False)
_HTML = BoundedEnvironment(autoescape=True)
# The default templates render in well under a millisecond. In the worker a part may take
# 0.2 s (two hundred times that, for a loaded host and long data): a worse template costs each
# notice at most that before it fails, instead of a worker. When saved it must render the
# sample in a quarter of that, so data longer than the sample still fits in the worker's.
RENDER_SECONDS = 0.2
SAVE_RENDER_SECONDS = 0.05
# The subject is one header line (RFC 5322: at most 998 characters); the bodies see
# template_limits.MAX_OUTPUT_CHARS (Gmail clips a message past 102 KB).
MAX_CHARS = {"subject": 998, "text_body": MAX_OUTPUT_CHARS, "html_body": MAX_OUTPUT_CHARS}


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


def check_part(name: str, source: str, context: dict, seconds: float = SAVE_RENDER_SECONDS) -> str:
    """The part rendered with `context`; Invalid naming `name` if it does not compile, or does
    not render within `seconds` (SAVE_RENDER_SECONDS) and its MAX_CHARS."""
    try:
        try:
            return _render_part(name, source, context, seconds)
        except RenderLimit:
            # One overrun may be the process's garbage collector or the first compile, not the
            # template: it is refused only if a second try (compiled by now) overruns too.
            return _render_part(name, source, context, seconds)
    except RenderLimit as error:
        raise Invalid.field(name, f"Too costly: with the sample data it {error}.") from None
    except Refused as error:
        raise Invalid.field(name, f"Not allowed: {error}.") from None
    except Exception as error:
        # SecurityError and UndefinedError are TemplateErrors; their message names the culprit.
        raise Invalid.field(name, f"Does not render: {error}") from None


class Refused(TemplateError):
    """The template uses what e-mail templates may not (an include, a reserved name)."""


def _render_part(name: str, source: str, context: dict, seconds: float = RENDER_SECONDS) -> str:
    template = _compiled(name == "html_body", source)
    return render_bounded(template, context, seconds, MAX_CHARS[name])


@lru_cache(maxsize=64)
def _compiled(html: bool, source: str):
    """A part compiled once per worker (a template is the same text for thousands of e-mails)."""
    environment = _HTML if html else _TEXT
    tree = environment.parse(source)
    reason = refusal(tree)
    if reason is not None:
        raise Refused(reason)
    return environment.from_string(instrument(tree))


def render(kind: str, context: dict) -> dict[str, str]:
    """Subject, text and HTML of the `kind` e-mail for `context` (see VARIABLES); a part past
    its limits raises RenderLimit, naming the part."""
    template = get_template(kind)
    rendered = {}
    for name in PARTS:
        try:
            rendered[name] = _render_part(name, getattr(template, name), context)
        except RenderLimit as error:
            raise RenderLimit(f"the {kind} template's {name} {error}") from None
    rendered["subject"] = subject_line(rendered["subject"])
    return rendered


def subject_line(subject: str) -> str:
    """A header is one line: a newline in the subject would end it (or inject another)."""
    return " ".join(subject.split())


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
