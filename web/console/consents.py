"""Consentimentos (LGPD): each contact channel's consent, its statements, and recording a new
one; for admins, "Exportar dados pessoais" (the access right's document, as a file).

The same schemas and operations as /api/v1/customers/{code}/consents and
/api/v1/customers/{code}/personal-data.
"""

from flask import current_app, request

from models.customers import consents as lgpd
from models.customers.customers import get_customer
from models.customers.personal_data import personal_data
from schemas.customers.consents import ConsentHistoryQuery, ConsentsInput
from schemas.customers.personal_data import PersonalDataOutput
from web.console.blueprint import bp
from web.console.forms import add_messages, body_from, last_page, load, page_asked
from web.console.record import render_tab
from web.permissions import READ, WRITE
from web.security import requires

TEMPLATE = "console/record/consents.html"
PER_PAGE = 20
CHANNEL_LABELS = {
    lgpd.EMAIL: "E-mail",
    lgpd.SMS: "SMS",
    lgpd.WHATSAPP: "WhatsApp",
    lgpd.PHONE_CALL: "Ligação telefônica",
}
HOW_LABELS = {
    "in_person": "Pessoalmente",
    "phone": "Por telefone",
    "web": "Pela internet",
    "contract": "No contrato",
    "email": "Por e-mail",
    "whatsapp": "Por WhatsApp",
}
GIVEN_LABELS = {"true": "Consentiu", "false": "Recusou ou retirou"}
assert set(CHANNEL_LABELS) == set(lgpd.CHANNELS) and set(HOW_LABELS) == set(lgpd.HOWS)

add_messages((r"Send at least one channel\.", "Escolha um canal."))


def _page(code: int, typed=None, errors=None, saved=False, status=200):
    customer = get_customer(code)
    page, query_errors = page_asked(ConsentHistoryQuery(), PER_PAGE)
    statements, total = lgpd.consent_history(code, None, page, PER_PAGE)
    rendered = render_tab(
        "consentimentos",
        TEMPLATE,
        customer,
        current=lgpd.current_consents(code),
        unrecorded=lgpd.UNRECORDED,
        statements=statements,
        total=total,
        page=page,
        last_page=last_page(total, PER_PAGE),
        typed=typed or {},
        errors=errors or query_errors,
        saved=saved,
        channel_labels=CHANNEL_LABELS,
        how_labels=HOW_LABELS,
        given_labels=GIVEN_LABELS,
    )
    return rendered, status


@bp.route("/clientes/<int:code>/consentimentos", methods=["GET"])
@requires("customers", READ)
def consents(code: int):
    return _page(code)


def _statement_errors(errors: dict, channel: str) -> dict:
    """The schema's errors of channels.<channel>.<field> as this form's fields."""
    mine: dict[str, list[str]] = {}
    for key, messages in errors.items():
        if key.startswith(f"channels.{channel}."):
            key = key.removeprefix(f"channels.{channel}.")
        elif key.startswith("channels"):
            key = "channel"
        mine.setdefault(key, []).extend(messages)
    return mine


@bp.route("/clientes/<int:code>/consentimentos", methods=["POST"])
@requires("customers", WRITE)
def record_consent(code: int):
    """Record what the customer stated for a channel; when and who are the server's."""
    form = request.form
    typed = {name: form.get(name, "") for name in ("channel", "given", "how", "note")}
    channel = typed["channel"]
    statement = body_from(form, ("how", "note"))
    if typed["given"] in GIVEN_LABELS:
        statement["given"] = typed["given"] == "true"
    body = {"channels": {channel: statement}} if channel else {"channels": {}}
    data, errors = load(ConsentsInput(), body)
    if errors:
        return _page(code, typed, _statement_errors(errors, channel), status=422)
    lgpd.record_consents(code, data["channels"])
    return _page(code, saved=True)


@bp.route("/clientes/<int:code>/dados-pessoais", methods=["GET"])
@requires("personal_data", READ)
def personal_data_export(code: int):
    """Everything held about the customer, as GET /api/v1/customers/{code}/personal-data
    answers it, downloaded as a JSON file."""
    document = PersonalDataOutput().dump(personal_data(code))
    body = current_app.json.dumps(document)
    name = f"dados-pessoais-cliente-{code}.json"
    return current_app.response_class(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
