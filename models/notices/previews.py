"""A template's preview: the e-mail a customer would get, written from what an admin typed (or
the stored parts), with that customer's real data, and saved nowhere.

The same path as sending (models/notices/mailer.py): the customer's variables
(`mailer.customer_context`), the kind's from a receivable (the `variables` its NoticeKind
registers, the very functions the notice's `context` uses, but reading the boleto already issued
instead of issuing one), rendered by email_templates with the worker's limits. Each part must
first pass what saving it would (`check_part` on the sample), so a preview never shows what
could not be stored. The subject comes out as the mailer writes its header.
"""

from models.billing.receivables import Receivable
from models.customers.customers import get_customer
from models.db import db
from models.errors import Invalid
from models.notices import email_templates, mailer
from models.notices.email_template_defaults import SAMPLE_CONTEXT
from models.notices.email_templates import PARTS, RENDER_SECONDS, check_part, subject_line
from models.notices.notices import NOTICE_KINDS

# The variables every kind has, filled from the customer itself (not from the sample).
_OWN = ("isp_name", "customer_name", "customer_code")


def preview(kind: str, data: dict, isp_name: str) -> dict:
    """The `kind` e-mail for the customer `data["customer_code"]`: the parts in `data` (subject,
    text_body, html_body; a part left out is the stored one) rendered with the customer's data
    from `data["receivable_id"]`, else their latest receivable, else the sample's amounts.
    NotFound for an unknown kind or customer; Invalid naming the part that does not render, or
    the receivable that is not the customer's. (EmailTemplatePreviewInput loads `data`.)"""
    customer_code, receivable_id = data["customer_code"], data.get("receivable_id")
    template = email_templates.get_template(kind)
    sources = {name: data.get(name) or getattr(template, name) for name in PARTS}
    for name in PARTS:  # what saving would refuse, refused here too
        check_part(name, sources[name], SAMPLE_CONTEXT[kind])
    customer = get_customer(customer_code)
    receivable = _receivable(customer_code, receivable_id)
    if receivable is None:
        variables = {k: v for k, v in SAMPLE_CONTEXT[kind].items() if k not in _OWN}
    else:
        variables = _kind_variables(kind)(receivable)
    context = {**mailer.customer_context(customer, isp_name), **variables}
    rendered = {name: check_part(name, sources[name], context, RENDER_SECONDS) for name in PARTS}
    rendered["subject"] = mailer.header_value(subject_line(rendered["subject"]))
    return {
        "kind": kind,
        "customer_code": customer.code,
        "customer_name": customer.name,
        "receivable_id": receivable.id if receivable else None,
        **rendered,
    }


def _receivable(customer_code: int, receivable_id: int | None) -> Receivable | None:
    """The one asked for (it must be the customer's), else the customer's latest, else None."""
    query = db.select(Receivable).where(Receivable.customer_code == customer_code)
    if receivable_id is not None:
        found = db.session.scalar(query.where(Receivable.id == receivable_id))
        if found is None:
            raise Invalid.field("receivable_id", "Not one of the customer's receivables.")
        return found
    latest = query.order_by(Receivable.due_date.desc(), Receivable.id.desc()).limit(1)
    return db.session.scalar(latest)


def _kind_variables(template_kind: str):
    for kind in NOTICE_KINDS.values():
        if kind.template == template_kind and kind.variables is not None:
            return kind.variables
    return lambda _receivable: {
        k: v for k, v in SAMPLE_CONTEXT[template_kind].items() if k not in _OWN
    }
