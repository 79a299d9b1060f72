"""Contas a receber and E-mails: finance's lists across all customers, as GET /receivables and
GET /notices answer them (same query schemas, same operations), each row leading to the
customer's Financeiro tab.

Contas a receber adds "Vencido" to the API's statuses (owed and due before today, as the tab
colours it) and the total balance of everything the filter matches. E-mails offers "Entrega
incerta" (failed with an unknown outcome) to the roles the API lets list it. Resending or marking
an e-mail sent stays on the customer's Financeiro tab (with its confirmation and the Message-ID to
look for): each row that needs someone links there.
"""

from flask import abort, request

from models.billing import receivables
from models.clock import local_today
from models.customers.customers import customer_names
from models.errors import DomainError
from models.notices import notices
from schemas.billing.receivables import ReceivableQuery
from schemas.notices.notices import NoticeQuery
from web.console.blueprint import bp, render
from web.console.finance import NOTICE_KINDS, NOTICE_STATUS, SKIPPED_REASONS, STATUS, status_of
from web.console.forms import add_messages, body_from, domain_errors, last_page, load, whole_numbers
from web.permissions import READ
from web.security import may, requires

PER_PAGE = 50
OVERDUE = "overdue"  # the console's "Vencido": owed and due before today
RECEIVABLE_FILTERS = ("status", "due_from", "due_to", "customer_code")
NOTICE_FILTERS = ("status", "kind")
UNKNOWN_TEXT = "Entrega incerta"

add_messages(
    (
        r"The due-date range starts after it ends\.",
        "O vencimento inicial é depois do final.",
    ),
)


def _typed(names: tuple[str, ...]) -> dict:
    return {name: request.args.get(name, "").strip() for name in names}


def _args(values: dict) -> dict:
    """The filters as typed, for the paging links (blank ones left out)."""
    return {name: value for name, value in values.items() if value}


@bp.route("/contas-a-receber", methods=["GET"])
@requires("receivables", READ)
def receivables_list():
    """Every customer's receivables, newest due date first, filtered by status (or Vencido),
    due range (dd/mm/aaaa) and customer code, with the balance total of the whole filter; a
    refused filter shows its error beside it (422)."""
    values = _typed(RECEIVABLE_FILTERS)
    body = body_from(request.args, (*RECEIVABLE_FILTERS, "page"), dates=("due_from", "due_to"))
    overdue = body.get("status") == OVERDUE
    if overdue:
        del body["status"]
    body = whole_numbers(body, "customer_code") | {"per_page": PER_PAGE}
    query, errors = load(ReceivableQuery(), body)
    found, total, balance, page = [], 0, None, 1
    if query is not None:
        page = query.pop("page")
        query.pop("per_page")
        if overdue:
            query["overdue_on"] = local_today()
        try:
            found, total = receivables.list_receivables(query, page, PER_PAGE)
            balance = receivables.balance_total(query)
        except DomainError as error:
            errors = domain_errors(error)
    today = local_today()
    return render(
        "console/contas_a_receber.html",
        values=values,
        errors=errors,
        statuses={value: text for value, (text, _) in STATUS.items()},
        receivables=found,
        shown={r.id: status_of(r, today) for r in found},
        owed=receivables.OWED,
        names=customer_names(r.customer_code for r in found),
        total=total,
        balance=balance,
        page=page,
        last_page=last_page(total, PER_PAGE),
        args=_args(values),
    ), (422 if errors else 200)


@bp.route("/emails", methods=["GET"])
@requires("notices", READ)
def notices_list():
    """Every customer's e-mails, newest first, filtered by status (Entrega incerta for the
    roles that may list it, as the API) and kind; a refused filter shows its error (422)."""
    values = _typed(NOTICE_FILTERS)
    unknown_shown = may("notice_outcomes", READ)
    if values["status"] == notices.UNKNOWN and not unknown_shown:
        abort(403)  # as GET /notices?status=unknown answers these roles
    body = body_from(request.args, (*NOTICE_FILTERS, "page"))
    query, errors = load(NoticeQuery(), body | {"per_page": PER_PAGE})
    found, total, page = [], 0, 1
    if query is not None:
        page = query.pop("page")
        query.pop("per_page")
        found, total = notices.list_notices(query, page, PER_PAGE)
    statuses = {value: text for value, (text, _) in NOTICE_STATUS.items()}
    if unknown_shown:
        statuses[notices.UNKNOWN] = UNKNOWN_TEXT
    return render(
        "console/emails.html",
        values=values,
        errors=errors,
        statuses=statuses,
        kinds=NOTICE_KINDS,
        notices=found,
        notice_status=NOTICE_STATUS,
        skipped_reasons=SKIPPED_REASONS,
        needs_someone=(notices.FAILED, notices.SKIPPED),
        names=customer_names(n.customer_code for n in found),
        total=total,
        page=page,
        last_page=last_page(total, PER_PAGE),
        args=_args(values),
    ), (422 if errors else 200)
