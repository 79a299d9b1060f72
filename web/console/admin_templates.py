"""Administração > Modelos de e-mail: the texts of the notices (boleto, atraso, suspensão) [5.1.7].

The API's routes (web/api/notices/notices.py) with their schemas and operations: the list
(list_templates), one template with the variables it may use (get_template), a change
(EmailTemplateInput, update_template: a part that does not render is refused naming it), and a
preview of what is typed on a customer's real data, saved nowhere (EmailTemplatePreviewInput,
models/notices/previews.preview, the mailer's own path and limits). The rendered HTML is shown
inside a sandboxed iframe (srcdoc, escaped by Jinja), never in the page itself.
"""

from flask import current_app, flash, redirect, request, url_for

from models.billing.receivables import Receivable
from models.db import db
from models.errors import DomainError, NotFound
from models.notices import email_templates, previews
from schemas.notices.notices import EmailTemplateInput, EmailTemplatePreviewInput
from web.console.blueprint import bp, render
from web.console.forms import add_messages, body_from, domain_errors, load, whole_numbers
from web.permissions import READ, WRITE
from web.security import requires

add_messages(
    (
        r"Does not render: '(\w+)' is undefined",
        "A variável {0} não existe neste modelo: use uma das variáveis da lista.",
    ),
    (r"(?s)Does not render: (.*)", "O modelo tem um erro e não pode ser gerado: {0}"),
    (r"Too costly: .*", "O modelo é pesado demais para gerar (laços ou texto grandes demais)."),
    (r"Not allowed: .*", "O modelo usa um recurso não permitido (include, import ou extends)."),
    (r"Not one of the customer's receivables\.", "Esta fatura não é do cliente."),
    (r"E-mail template '.*' not found; .*", "Modelo não encontrado."),
)
NAMES = {
    email_templates.BOLETO: "Boleto (fatura disponível)",
    email_templates.OVERDUE_NOTICE: "Aviso de atraso",
    email_templates.SUSPENSION_NOTICE: "Aviso de suspensão",
    email_templates.REDUCTION_NOTICE: "Aviso de redução da velocidade",
    email_templates.TERMINATION_NOTICE: "Aviso de cancelamento do contrato",
}
PARTS = email_templates.PARTS
PART_NAMES = {"subject": "Assunto", "text_body": "Texto", "html_body": "HTML"}


def _typed() -> dict:
    """The parts as typed, with a textarea's line breaks (CR LF) as the API's (LF)."""
    return {name: request.form.get(name, "").replace("\r\n", "\n") for name in PARTS}


def _editor(kind: str, status=200, **parts):
    template = email_templates.get_template(kind)
    typed = parts.get("typed") or {name: getattr(template, name) for name in PARTS}
    return (
        render(
            "console/admin/template.html",
            modelo=template,
            name=NAMES.get(kind, kind),
            part_names=PART_NAMES,
            typed=typed,
            errors=parts.get("errors", {}),
            sample=parts.get("sample", {}),
            preview=parts.get("preview"),
            receivables=parts.get("receivables", []),
        ),
        status,
    )


@bp.route("/admin/modelos", methods=["GET"])
@requires("notices", READ)
def admin_templates():
    """Every kind of e-mail, with when its text last changed."""
    items = [(t, NAMES.get(t.kind, t.kind)) for t in email_templates.list_templates()]
    return render("console/admin/templates.html", items=items)


@bp.route("/admin/modelos/<kind>", methods=["GET"])
@requires("notices", READ)
def admin_template(kind: str):
    """One template's parts in the editor, the variables it may use beside them."""
    return _editor(kind)


@bp.route("/admin/modelos/<kind>", methods=["POST"])
@requires("notices", WRITE)
def admin_save_template(kind: str):
    """Store the three parts; one that does not render is refused next to it, nothing stored."""
    typed = _typed()
    data, errors = load(EmailTemplateInput(), _part_body(typed))
    if errors:
        return _editor(kind, 422, typed=typed, errors=errors, sample=_sample())
    try:
        email_templates.update_template(kind, data)
    except DomainError as error:
        db.session.rollback()
        errors = domain_errors(error)
        return _editor(kind, error.status, typed=typed, errors=errors, sample=_sample())
    flash(f"Modelo {NAMES.get(kind, kind)} salvo.", "status")
    return redirect(url_for("console.admin_template", kind=kind), 303)


@bp.route("/admin/modelos/<kind>/previa", methods=["POST"])
@requires("notices", READ)
def admin_preview_template(kind: str):
    """What is typed, rendered on a customer's real data (their chosen or latest receivable);
    nothing is saved."""
    email_templates.get_template(kind)  # an unknown kind: 404 before anything else
    typed, sample = _typed(), _sample()
    body = {**_part_body(typed), **body_from(request.form, ("customer_code", "receivable_id"))}
    data, errors = load(
        EmailTemplatePreviewInput(), whole_numbers(body, "customer_code", "receivable_id")
    )
    if errors:
        return _editor(kind, 422, typed=typed, errors=errors, sample=sample)
    try:
        shown = previews.preview(kind, data, current_app.config["ISP_NAME"])
    except NotFound:
        db.session.rollback()
        errors = {"customer_code": ["Cliente não encontrado."]}
        return _editor(kind, 404, typed=typed, errors=errors, sample=sample)
    except DomainError as error:
        db.session.rollback()
        return _editor(kind, error.status, typed=typed, errors=domain_errors(error), sample=sample)
    return _editor(
        kind,
        typed=typed,
        sample=sample,
        preview=shown,
        receivables=_receivables(data["customer_code"]),
    )


def _part_body(typed: dict) -> dict:
    """The parts typed, as the API's body (a blank part left out, for the schema to name)."""
    return {name: value for name, value in typed.items() if value.strip()}


def _sample() -> dict:
    return {name: request.form.get(name, "") for name in ("customer_code", "receivable_id")}


def _receivables(customer_code: int) -> list[Receivable]:
    """The customer's latest receivables, to preview the e-mail of another one."""
    query = (
        db.select(Receivable)
        .where(Receivable.customer_code == customer_code)
        .order_by(Receivable.due_date.desc(), Receivable.id.desc())
        .limit(24)
    )
    return list(db.session.scalars(query))
