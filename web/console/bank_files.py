"""Cobrança bancária: finance's daily cycle with the banks, one billing account at a time.

"Gerar remessa" asks for the account's next remessa (remittances.request_remittance, as POST
.../remittances does); its row shows the status, polled every second by htmx until the worker
has written it (or found nothing to send), then "Baixar" hands out the file the API gives
(web/downloads.py). Each remessa's page lists what it holds. "Importar retorno" uploads a file
(multipart, with CSRF, up to RETURNS_MAX_BYTES as the API's route): it is read at once
(bank_returns.import_return), a bad file refused whole with the line and the reason; the worker
applies it while its row shows `applied/occurrences`, and its page shows the report: counts and
totals by kind and outcome, the rejections and the nossos números no boleto has.
"""

from datetime import date
from decimal import Decimal

from flask import current_app, flash, redirect, render_template, request, url_for

from models.billing import bank_returns, billing_accounts, remittances
from models.db import db
from models.errors import DomainError
from schemas.billing.billing_accounts import ReturnUpload
from schemas.common import PageQuery
from web import downloads
from web.console.admin_billing_accounts import bank_names
from web.console.blueprint import bp, render
from web.console.forms import (
    UNKNOWN_MESSAGE,
    add_messages,
    domain_errors,
    last_page,
    load,
    page_asked,
    portuguese,
    whole_numbers,
)
from web.permissions import READ, WRITE
from web.security import requires

PER_PAGE = 20  # remessas and retornos shown on the screen, newest first
ITEMS_PER_PAGE = 50
UPLOAD_ENDPOINT = "console.import_return"
CHOOSE_A_FILE = "Escolha um arquivo."

REMITTANCE_STATUS = {
    remittances.QUEUED: ("Gerando", "parcial"),
    remittances.DONE: ("Gerada", "pago"),
    remittances.EMPTY: ("Vazia: nada a enviar", "inativo"),
    remittances.FAILED: ("Falhou", "vencido"),
}
RETURN_STATUS = {
    bank_returns.QUEUED: ("Na fila", "parcial"),
    bank_returns.APPLYING: ("Aplicando", "parcial"),
    bank_returns.DONE: ("Concluído", "pago"),
    bank_returns.FAILED: ("Falhou", "vencido"),
}
OCCURRENCES = {remittances.ENTRY: "Entrada", remittances.CANCEL: "Pedido de baixa"}
KINDS = {
    "confirmed": "Entradas confirmadas",
    "rejected": "Rejeitadas",
    "settled": "Liquidações",
    "written_off": "Baixas",
    "other": "Outras",
}
OUTCOMES = {
    bank_returns.APPLIED: "Aplicadas",
    bank_returns.UNKNOWN: "Desconhecidas",
    bank_returns.NOT_OWED: "Já pagas",
    bank_returns.DUPLICATE: "Duplicadas",
}

WRITE_FAILED = (
    "Os dados da conta ou de um boleto não cabem no leiaute do banco; corrija e gere de novo."
)


def remittance_error(message: str) -> str:
    """Why a remessa failed, in Portuguese (the writers say it in English for the API)."""
    shown = portuguese(message)
    return WRITE_FAILED if shown == UNKNOWN_MESSAGE else shown


add_messages(
    (
        r"Santander CNAB (?:240|400): the código de transmissão is missing",
        "Falta o código de transmissão do Santander na conta de cobrança.",
    ),
    # A retorno refused whole (models/billing/cnab/returns.py and its readers): the line first.
    (r"the file is empty", "O arquivo está vazio."),
    (
        r"line (\d+): the file ends without its trailer \(truncated\?\)",
        "Linha {0}: o arquivo termina sem o registro trailer (arquivo incompleto?).",
    ),
    (r"line (\d+): (\d+) characters, not (\d+)", "Linha {0}: {1} caracteres, e não {2}."),
    (
        r"line 1: (\d+) characters; a CNAB line has 240 or 400",
        "Linha 1: {0} caracteres; uma linha CNAB tem 240 ou 400.",
    ),
    (
        r"line 1: the first line is not a file header.*",
        "Linha 1: a primeira linha não é um header de arquivo.",
    ),
    (
        r"line 1: the first line is not a retorno header.*",
        "Linha 1: a primeira linha não é um header de retorno.",
    ),
    (
        r"line 1: no CNAB (\d+) retorno reader for bank '(\d+)'",
        "Linha 1: não há leitura de retorno CNAB {0} do banco {1}.",
    ),
    (
        r"line (\d+): numbered .* in 395-400, not \d+",
        "Linha {0}: o número sequencial (posições 395 a 400) está errado.",
    ),
    (r"line (\d+): record type .*", "Linha {0}: tipo de registro inesperado."),
    (
        r"line (\d+): the trailer's .*",
        "Linha {0}: os totais do trailer não conferem com os detalhes.",
    ),
    (r"line (\d+): .*nosso número.*", "Linha {0}: nosso número fora do formato do banco."),
    (r"line (\d+): .*", "Linha {0}: fora do layout do banco."),
    (r"A retorno of bank (\d+), not (\d+)\.", "Retorno do banco {0}, e não do banco {1} da conta."),
    (r"The header's agency \d+ is not this account's\.", "A agência do arquivo não é a da conta."),
    (r"The header's account \d+ is not this account's\.", "A conta do arquivo não é esta."),
    (
        r"The header's agreement \d+ is not this account's\.",
        "O convênio do arquivo não é o desta conta.",
    ),
    (
        r"This file was already imported \(retorno (\d+)\)\.",
        "Este arquivo já foi importado (retorno {0}).",
    ),
    # A remessa asked for or downloaded.
    (r"Billing account \d+ is inactive\.", "A conta de cobrança está inativa."),
    (r"No CNAB (\d+) remessa for bank (\d+)\.", "Não há remessa CNAB {0} para o banco {1}."),
    (r"Not supported for this bank\.", "Não disponível para este banco."),
    (r"Remittance \d+ is \w+; it has no file\.", "Esta remessa não tem arquivo."),
    (r"Remittance \d+ not found\.", "Remessa não encontrada."),
    (r"Retorno \d+ not found\.", "Retorno não encontrado."),
)


@bp.before_app_request
def _upload_limit():
    """A retorno may be as large as RETURNS_MAX_BYTES, as the API's route allows; set before
    the CSRF check reads the form."""
    if request.endpoint == UPLOAD_ENDPOINT and request.method == "POST":
        request.max_content_length = current_app.config["RETURNS_MAX_BYTES"]


def _chosen_account(accounts) -> object | None:
    """The account asked for (?conta=), else the default (listed first)."""
    asked = request.args.get("conta", "")
    if asked.isdigit():
        for account in accounts:
            if account.id == int(asked):
                return account
    return accounts[0] if accounts else None


def _page_of(name: str) -> int:
    """The page of one of the screen's two lists (?remessas=2, ?retornos=3), through the API's
    PageQuery; the first when it is not one."""
    asked = whole_numbers({"page": request.args.get(name, "1")}, "page")
    query, _ = load(PageQuery(), asked | {"per_page": PER_PAGE})
    return query["page"] if query else 1


def _screen(account_id: int | None = None, status: int = 200, upload_errors=None, errors=None):
    accounts = billing_accounts.list_billing_accounts()
    if account_id is not None:
        account = billing_accounts.get_billing_account(account_id)
    else:
        account = _chosen_account(accounts)
    found_remittances, found_returns = [], []
    pages = {"remessas": _page_of("remessas"), "retornos": _page_of("retornos")}
    last = {"remessas": 1, "retornos": 1}
    if account is not None:
        found_remittances, total = remittances.list_remittances(
            account.id, pages["remessas"], PER_PAGE
        )
        last["remessas"] = last_page(total, PER_PAGE)
        found_returns, total = bank_returns.list_returns(account.id, pages["retornos"], PER_PAGE)
        last["retornos"] = last_page(total, PER_PAGE)
    return (
        render(
            "console/cobranca/index.html",
            accounts=accounts,
            account=account,
            banks=bank_names(),
            remittances=found_remittances,
            returns=found_returns,
            pages=pages,
            last=last,
            remittance_status=REMITTANCE_STATUS,
            remittance_error=remittance_error,
            return_status=RETURN_STATUS,
            errors=errors or {},
            upload_errors=upload_errors or {},
            max_mb=current_app.config["RETURNS_MAX_BYTES"] // (1024 * 1024),
        ),
        status,
    )


def _back(account_id: int, message: str):
    flash(message, "status")
    return redirect(url_for("console.bank_files", conta=account_id), 303)


@bp.route("/cobranca-bancaria", methods=["GET"])
@requires("bank_files", READ)
def bank_files():
    """The account's remessas and retornos (the default account unless ?conta= picks one)."""
    return _screen()


@bp.route("/cobranca-bancaria/<int:account_id>/remessas", methods=["POST"])
@requires("bank_files", WRITE)
def generate_remittance(account_id: int):
    """Ask for the account's next remessa; the worker writes it (its row shows the status)."""
    try:
        remittances.request_remittance(account_id)
    except DomainError as error:
        db.session.rollback()
        return _screen(account_id, error.status, errors=domain_errors(error))
    return _back(account_id, "Remessa pedida: ela aparece abaixo assim que for gerada.")


def _remittance_row(account_id: int, remittance_id: int):
    remittance = remittances.get_remittance(account_id, remittance_id)
    return render_template(
        "console/cobranca/remessa_linha.html",
        remittance=remittance,
        remittance_status=REMITTANCE_STATUS,
        remittance_error=remittance_error,
    )


@bp.route("/cobranca-bancaria/<int:account_id>/remessas/<int:remittance_id>/situacao")
@requires("bank_files", READ)
def remittance_row(account_id: int, remittance_id: int):
    """The remessa's row, polled every second by htmx while it is being written."""
    return _remittance_row(account_id, remittance_id)


@bp.route("/cobranca-bancaria/<int:account_id>/remessas/<int:remittance_id>")
@requires("bank_files", READ)
def remittance_page(account_id: int, remittance_id: int):
    """One remessa: its number, status and what it holds (each boleto and what was asked)."""
    account = billing_accounts.get_billing_account(account_id)
    remittance = remittances.get_remittance(account_id, remittance_id)
    page, errors = page_asked(PageQuery(), ITEMS_PER_PAGE)
    items, total = remittances.list_items(remittance, page, ITEMS_PER_PAGE)
    return render(
        "console/cobranca/remessa.html",
        account=account,
        remittance=remittance,
        remittance_status=REMITTANCE_STATUS,
        remittance_error=remittance_error,
        items=items,
        total=total,
        page=page,
        last_page=last_page(total, ITEMS_PER_PAGE),
        errors=errors,
        occurrences=OCCURRENCES,
    ), (422 if errors else 200)


@bp.route("/cobranca-bancaria/<int:account_id>/remessas/<int:remittance_id>/arquivo")
@requires("bank_files", READ)
def download_remittance(account_id: int, remittance_id: int):
    """The remessa's file, as GET .../remittances/<id>/file hands it."""
    return downloads.remittance_file(account_id, remittance_id)


@bp.route("/cobranca-bancaria/<int:account_id>/retornos", methods=["POST"])
@requires("bank_files", WRITE)
def import_return(account_id: int):
    """Import a retorno (multipart/form-data): checked at once, a bad file refused whole with
    its line (nothing kept), then applied by the worker."""
    billing_accounts.get_billing_account(account_id)
    body = {}
    if "file" in request.files and request.files["file"].filename:
        body["file"] = request.files["file"]
    data, errors = load(ReturnUpload(), body)
    if errors:
        return _screen(account_id, 422, upload_errors={"file": [CHOOSE_A_FILE]})
    upload = data["file"]
    try:
        imported = bank_returns.import_return(account_id, upload.read(), upload.filename or "")
    except DomainError as error:
        db.session.rollback()
        shown = domain_errors(error)
        if "_schema" in shown:  # said of the file as a whole: shown by its field
            shown.setdefault("file", []).extend(shown.pop("_schema"))
        return _screen(account_id, error.status, upload_errors=shown)
    return _back(account_id, f"Retorno {imported.file_name} recebido: aplicando.")


def _return_context(account_id: int, return_id: int) -> dict:
    return {
        "imported": bank_returns.get_return(account_id, return_id),
        "return_status": RETURN_STATUS,
    }


@bp.route("/cobranca-bancaria/<int:account_id>/retornos/<int:return_id>/situacao")
@requires("bank_files", READ)
def return_row(account_id: int, return_id: int):
    """The retorno's row, polled every second by htmx while it is being applied."""
    return render_template(
        "console/cobranca/retorno_linha.html", **_return_context(account_id, return_id)
    )


def _report(report: dict | None) -> dict | None:
    """The report with its amounts as Decimals (the stored JSON keeps them as strings)."""
    if report is None:
        return None
    by_kind = {
        kind: {
            "count": entry["count"],
            "paid": Decimal(entry["paid"]),
            "amount": Decimal(entry["amount"]),
        }
        for kind, entry in report.get("by_kind", {}).items()
    }

    def listed(rows):
        return [
            row
            | {
                "paid": Decimal(row["paid"]),
                "amount": Decimal(row["amount"]),
                "occurred_on": date.fromisoformat(row["occurred_on"])
                if row["occurred_on"]
                else None,
            }
            for row in rows
        ]

    return {
        "by_kind": by_kind,
        "by_outcome": report.get("by_outcome", {}),
        "rejections": listed(report.get("rejections", [])),
        "unknown": listed(report.get("unknown", [])),
    }


@bp.route("/cobranca-bancaria/<int:account_id>/retornos/<int:return_id>")
@requires("bank_files", READ)
def return_page(account_id: int, return_id: int):
    """One retorno: its progress while applied, then its report."""
    context = _return_context(account_id, return_id)
    return render(
        "console/cobranca/retorno.html",
        account=billing_accounts.get_billing_account(account_id),
        banks=bank_names(),
        report=_report(context["imported"].report),
        kinds=KINDS,
        outcomes=OUTCOMES,
        **context,
    )
