"""Planos [6.1-6.4]: the customer's subscriptions with their plan and billing parts, a new one,
their items (added and deleted, the deleted ones listed [6.3]), the scheduled tasks [6.4] and
suspend / enable / cancel now, as web/api/service/{subscriptions,items,scheduled_tasks}.py do
(same schemas, same operations).
"""

from flask import request

from models.customers.customers import get_customer
from models.db import db
from models.errors import DomainError, NotFound
from models.service import (
    cancel_reasons,
    installations,
    items,
    plans,
    radius,
    scheduled_tasks,
    subscription_changes,
)
from models.service import subscriptions as subs
from models.staff.users import TECHNICIAN, list_users
from schemas.common import MAX_PER_PAGE
from schemas.service.items import KIND_FIELDS, ItemInput, ItemPatch
from schemas.service.scheduled_tasks import ScheduledTaskInput
from schemas.service.subscriptions import (
    CancelInput,
    InstallationInput,
    SubscriptionInput,
    SubscriptionPatch,
)
from web.console.blueprint import bp
from web.console.forms import add_messages, body_from, domain_errors, load, whole_numbers
from web.console.record import listed_again, render_tab
from web.permissions import READ, WRITE
from web.security import requires

AREA = "subscriptions"
SUBSCRIPTION_FIELDS = ("plan_id", "due_day", "price", "discount", "first_due_date", "notes")
TERMS_FIELDS = ("plan_id", "due_day", "price", "discount", "notes")
# What an item's change form holds, by kind (ItemPatch: the other kinds do not change).
ITEM_CHANGES = {"radius_login": ("password", "mac"), "email": ("password", "quota_mb")}
ITEM_FIELDS = (
    "address",
    "password",
    "quota_mb",
    "username",
    "mac",
    "ip_address",
    "login_item_id",
    "number",
)
INSTALLATION_FIELDS = ("date", "period", "starts_at", "ends_at", "technician_id", "notes")
PERIOD = {
    "morning": "Manhã",
    "afternoon": "Tarde",
    "evening": "Noite",
    "window": "Janela de horário",
}
TASK_FIELDS = ("subscription_id", "kind", "run_on", "cancel_reason")

STATUS = {"active": "Ativo", "suspended": "Suspenso", "cancelled": "Cancelado"}
SUSPENDED_FOR = {"non_payment": "inadimplência", "staff": "pela equipe", "schedule": "agendada"}
KIND = {"internet": "Internet", "email": "E-mail", "hosting": "Hospedagem", "voip": "VoIP"}
ITEM_KIND = {
    "radius_login": "Login RADIUS",
    "email": "Caixa postal adicional",
    "ip": "IP fixo",
    "voip_terminal": "Terminal VoIP",
}
TASK_KIND = {"suspend": "Suspender", "enable": "Habilitar", "cancel": "Cancelar"}
TASK_STATUS = {
    "pending": "Pendente",
    "running": "Em execução",
    "done": "Executada",
    "failed": "Falhou",
    "cancelled": "Retirada",
}

add_messages(
    (
        r"Customer \d+ is inactive; reactivate it first\.",
        "O cliente está inativo; reative-o antes.",
    ),
    (r"No plan \d+\.", "Escolha um dos planos da lista."),
    (r"Plan .* is no longer sold\.", "Este plano não é mais vendido."),
    (r"Cannot exceed the price\.", "Não pode passar do preço."),
    (
        r"Subscription \d+ is \w+; it cannot be \w+\.",
        "O plano não está num estado que permita isto.",
    ),
    (
        r"On \S+ the subscription will be \w+: it cannot be \w+\.",
        "Nessa data o plano não estará num estado que permita isto.",
    ),
    (r"Not a subscription of customer \d+\.", "Escolha um dos planos do cliente."),
    (r"Only a cancellation takes a reason\.", "Só o cancelamento leva um motivo."),
    (r"Required to cancel: .*", "Escolha o motivo do cancelamento."),
    (r"Not one of the cancel reasons.*", "Escolha um dos motivos de cancelamento da lista."),
    (
        r"Scheduled task \d+ is \w+; only a pending one can be withdrawn\.",
        "Só uma tarefa pendente pode ser retirada.",
    ),
    (
        r"Subscription \d+ is cancelled: it takes no new items\.",
        "O plano está cancelado: não recebe itens.",
    ),
    (r"A \w+ item needs a [\w ]+ plan\.", "Este tipo de item não cabe neste plano."),
    (r".* is already in use\.", "Já está em uso."),
    (
        r"Login \S+ has a fixed IP; delete the IP first\.",
        "O login tem um IP fixo: exclua o IP antes.",
    ),
    (r"Only a RADIUS login has sessions\.", "Só um login RADIUS tem sessões."),
    (r"Not an active user with the technician role\.", "Escolha um técnico ativo."),
    (r"Required with period=window\.", "Obrigatório numa janela de horário."),
    (r"Only with period=window\.", "Só numa janela de horário."),
    (r"Must be after starts_at\.", "Deve ser depois do início."),
    (r"A time of day as .*", "Hora como 08:30."),
    (r"Subscription \d+ is cancelled; nothing to install\.", "O plano está cancelado."),
    (r"Required for this kind\.", "Obrigatório para este tipo de item."),
    (r"Not used by a \w+ item\.", "Não se usa neste tipo de item."),
    (r"Not a login of this subscription\.", "Escolha um login deste plano."),
    (r"Outside the ISP's pools.*", "Fora das faixas de IP do provedor."),
    (r"Not an IPv4 or IPv6 address\.", "Não é um endereço IPv4 ou IPv6."),
    (r"Subscription \d+ is cancelled; it cannot change\.", "O plano está cancelado."),
    (r"The new plan must also be an? \w+ plan\.", "Escolha um plano do mesmo tipo."),
    (
        r"Subscription \d+ is cancelled; its items cannot change\.",
        "O plano está cancelado: seus itens não mudam.",
    ),
)


def _subscription(code: int, subscription_id: int):
    subscription = subs.get_subscription(subscription_id)
    if subscription.customer_code != code:
        raise NotFound(f"Subscription {subscription_id} not found.")
    return subscription


def _tab(code: int, status=None, http_status=200, **forms):
    """The tab; `forms` holds what a refused form had: new=(values, errors), item=(id, values,
    errors), task=(values, errors), act=(id, errors)."""
    customer = get_customer(code)
    found, _ = subs.list_subscriptions(code, None, 1, MAX_PER_PAGE)
    on_sale, _ = plans.list_plans(None, True, 1, MAX_PER_PAGE)
    deleted, _ = items.deleted_items(code, 1, MAX_PER_PAGE)
    tasks, _ = scheduled_tasks.list_tasks(code, None, 1, MAX_PER_PAGE)
    new_values, new_errors = forms.get("new", ({}, {}))
    task_values, task_errors = forms.get("task", ({}, {}))
    live = {s.id: items.live_items(s.id) for s in found}
    logins = [i.username for its in live.values() for i in its if i.kind == items.RADIUS_LOGIN]
    online: dict[str, list] = {}
    for session in radius.open_sessions(logins):
        online.setdefault(session.username, []).append(session)
    page = render_tab(
        "planos",
        "console/record/planos.html",
        customer,
        subscriptions=found,
        live_items=live,
        online=online,
        visits={s.id: installations.installation_of(s.id) for s in found},
        technicians=_technicians(),
        visit_form=forms.get("visit", (None, {}, {})),
        PERIOD=PERIOD,
        on_sale=on_sale,
        deleted=deleted,
        tasks=tasks,
        reasons=cancel_reasons.list_reasons(True),
        new_values=new_values,
        new_errors=new_errors,
        item_form=forms.get("item", (None, {}, {})),
        terms_form=forms.get("terms", (None, {}, {})),
        change_form=forms.get("change", (None, {}, {})),
        ITEM_CHANGES=ITEM_CHANGES,
        act_form=forms.get("act", (None, {})),
        task_values=task_values,
        task_errors=task_errors,
        status=status,
        STATUS=STATUS,
        SUSPENDED_FOR=SUSPENDED_FOR,
        KIND=KIND,
        ITEM_KIND=ITEM_KIND,
        TASK_KIND=TASK_KIND,
        TASK_STATUS=TASK_STATUS,
    )
    return page, http_status


def _technicians() -> dict[str, str]:
    """The active technicians, who may be sent to install."""
    users, _ = list_users(1, MAX_PER_PAGE)
    return {
        str(u.id): u.full_name or u.username for u in users if u.role == TECHNICIAN and u.active
    }


def _done(code: int, message: str):
    return listed_again(code, message, _tab, "console.plans")


def _refused(code: int, error: DomainError, **forms):
    db.session.rollback()
    return _tab(code, http_status=error.status, **forms)


@bp.route("/clientes/<int:code>/planos", methods=["GET"], endpoint="plans")
@requires(AREA, READ)
def plans_tab(code: int):
    """The subscriptions, newest first, with their items; the scheduled tasks; the deleted items."""
    return _tab(code)


@bp.route("/clientes/<int:code>/planos", methods=["POST"])
@requires(AREA, WRITE)
def create_subscription(code: int):
    body = body_from(
        request.form, SUBSCRIPTION_FIELDS, dates=("first_due_date",), money=("price", "discount")
    )
    data, errors = load(SubscriptionInput(), whole_numbers(body, "plan_id", "due_day"))
    if errors:
        return _tab(code, http_status=422, new=(request.form, errors))
    try:
        subs.create_subscription(code, data)
    except DomainError as error:
        return _refused(code, error, new=(request.form, domain_errors(error)))
    return _done(code, "Plano incluído.")


@bp.route("/clientes/<int:code>/planos/<int:subscription_id>/itens", methods=["POST"])
@requires(AREA, WRITE)
def add_item(code: int, subscription_id: int):
    _subscription(code, subscription_id)
    kind = request.form.get("kind", "")
    required, optional = KIND_FIELDS.get(kind, ((), ()))
    body = {"kind": kind, **body_from(request.form, (*required, *optional))}
    data, errors = load(ItemInput(), whole_numbers(body, "quota_mb", "login_item_id"))
    if errors:
        return _tab(code, http_status=422, item=(subscription_id, request.form, errors))
    try:
        items.add_item(subscription_id, data)
    except DomainError as error:
        errors = domain_errors(error)
        return _refused(code, error, item=(subscription_id, request.form, errors))
    return _done(code, "Item incluído.")


@bp.route("/clientes/<int:code>/planos/<int:subscription_id>/condicoes", methods=["POST"])
@requires(AREA, WRITE)
def change_terms(code: int, subscription_id: int):
    """Another plan (of the same kind), due day, price, discount or notes [6.1.5.1], as
    PATCH /subscriptions/{id} does."""
    subscription = _subscription(code, subscription_id)
    body = body_from(request.form, TERMS_FIELDS, money=("price", "discount"))
    if "notes" in request.form and "notes" not in body:
        body["notes"] = None  # emptied: the notes are cleared
    if body.get("plan_id") == str(subscription.plan_id):
        body.pop("plan_id")  # the same plan, perhaps one no longer sold: not a change
    data, errors = load(SubscriptionPatch(), whole_numbers(body, "plan_id", "due_day"))
    if errors:
        return _tab(code, http_status=422, terms=(subscription_id, request.form, errors))
    try:
        subscription_changes.update_subscription(subscription_id, data)
    except DomainError as error:
        errors = domain_errors(error)
        return _refused(code, error, terms=(subscription_id, request.form, errors))
    return _done(code, "Condições do plano alteradas.")


@bp.route("/clientes/<int:code>/planos/<int:subscription_id>/itens/<int:item_id>", methods=["POST"])
@requires(AREA, WRITE)
def change_item(code: int, subscription_id: int, item_id: int):
    """A login's password or MAC, a mailbox's password or quota, as PATCH .../items/{id} does;
    a password left blank stays as it is, a MAC emptied is cleared."""
    _subscription(code, subscription_id)
    item = items.get_item(subscription_id, item_id)
    fields = ITEM_CHANGES.get(item.kind, ())
    body = body_from(request.form, fields)
    if "mac" in fields and "mac" in request.form and "mac" not in body:
        body["mac"] = None
    data, errors = load(ItemPatch(), whole_numbers(body, "quota_mb"))
    if errors:
        return _tab(code, http_status=422, change=(item_id, request.form, errors))
    try:
        items.update_item(subscription_id, item_id, data)
    except DomainError as error:
        errors = domain_errors(error)
        return _refused(code, error, change=(item_id, request.form, errors))
    return _done(code, "Item alterado.")


@bp.route(
    "/clientes/<int:code>/planos/<int:subscription_id>/itens/<int:item_id>/excluir",
    methods=["POST"],
)
@requires(AREA, WRITE)
def delete_item(code: int, subscription_id: int, item_id: int):
    _subscription(code, subscription_id)
    try:
        items.delete_item(subscription_id, item_id)
    except DomainError as error:
        return _refused(code, error, act=(subscription_id, domain_errors(error)))
    return _done(code, "Item excluído.")


def _act(code: int, subscription_id: int, action: str, message: str, reason=None):
    _subscription(code, subscription_id)
    try:
        subscription_changes.change_status(subscription_id, action, reason)
    except DomainError as error:
        return _refused(code, error, act=(subscription_id, domain_errors(error)))
    return _done(code, message)


@bp.route("/clientes/<int:code>/planos/<int:subscription_id>/suspender", methods=["POST"])
@requires(AREA, WRITE)
def suspend_now(code: int, subscription_id: int):
    return _act(code, subscription_id, subscription_changes.SUSPEND, "Plano suspenso.")


@bp.route("/clientes/<int:code>/planos/<int:subscription_id>/habilitar", methods=["POST"])
@requires(AREA, WRITE)
def enable_now(code: int, subscription_id: int):
    return _act(code, subscription_id, subscription_changes.ENABLE, "Plano habilitado.")


@bp.route("/clientes/<int:code>/planos/<int:subscription_id>/cancelar", methods=["POST"])
@requires(AREA, WRITE)
def cancel_now(code: int, subscription_id: int):
    _subscription(code, subscription_id)
    data, errors = load(CancelInput(), body_from(request.form, ("cancel_reason",)))
    if errors:
        return _tab(code, http_status=422, act=(subscription_id, errors))
    return _act(
        code,
        subscription_id,
        subscription_changes.CANCEL,
        "Plano cancelado.",
        data["cancel_reason"],
    )


@bp.route("/clientes/<int:code>/tarefas", methods=["POST"])
@requires(AREA, WRITE)
def schedule_task(code: int):
    body = body_from(request.form, TASK_FIELDS, dates=("run_on",))
    if body.get("kind") != subscription_changes.CANCEL:
        body.pop("cancel_reason", None)  # the reason list is there for cancellations only
    data, errors = load(ScheduledTaskInput(), whole_numbers(body, "subscription_id"))
    if errors:
        return _tab(code, http_status=422, task=(request.form, errors))
    try:
        scheduled_tasks.schedule(code, data)
    except DomainError as error:
        return _refused(code, error, task=(request.form, domain_errors(error)))
    return _done(code, "Tarefa agendada.")


@bp.route("/clientes/<int:code>/tarefas/<int:task_id>/retirar", methods=["POST"])
@requires(AREA, WRITE)
def withdraw_task(code: int, task_id: int):
    get_customer(code)
    try:
        scheduled_tasks.withdraw(code, task_id)
    except DomainError as error:
        return _refused(code, error, task=({}, domain_errors(error)))
    return _done(code, "Tarefa retirada.")


@bp.route(
    "/clientes/<int:code>/planos/<int:subscription_id>/itens/<int:item_id>/desconectar",
    methods=["POST"],
)
@requires(AREA, WRITE)
def disconnect_login(code: int, subscription_id: int, item_id: int):
    """End a login's open sessions: a Disconnect-Request for each, sent by a worker after the
    commit (models/service/radius_disconnects.py), as a suspension does."""
    _subscription(code, subscription_id)
    try:
        login, owed = items.disconnect_login(subscription_id, item_id)
    except DomainError as error:
        return _refused(code, error, act=(subscription_id, domain_errors(error)))
    if not owed:
        return _done(code, f"O login {login.username} não está on-line.")
    return _done(code, f"Desconexão de {login.username} pedida ao concentrador.")


@bp.route("/clientes/<int:code>/planos/<int:subscription_id>/instalacao", methods=["POST"])
@requires(AREA, WRITE)
def schedule_installation(code: int, subscription_id: int):
    """Schedule the installation visit [6.1.4], or move it (one per subscription)."""
    _subscription(code, subscription_id)
    body = whole_numbers(
        body_from(request.form, INSTALLATION_FIELDS, dates=("date",)), "technician_id"
    )
    data, errors = load(InstallationInput(), body)
    if errors:
        return _tab(code, http_status=422, visit=(subscription_id, request.form, errors))
    try:
        _, created = installations.schedule_installation(subscription_id, data)
    except DomainError as error:
        errors = domain_errors(error)
        return _refused(code, error, visit=(subscription_id, request.form, errors))
    return _done(code, "Instalação agendada." if created else "Instalação reagendada.")
