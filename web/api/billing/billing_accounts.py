"""Billing accounts (admins keep them) and their bank files: remessas finance generates and
downloads, retornos finance uploads; the worker writes and applies them."""

from flask import url_for

from models.billing import bank_returns, billing_accounts, remittances
from schemas.billing.billing_accounts import (
    BillingAccountInput,
    BillingAccountList,
    BillingAccountOutput,
    BillingAccountPatch,
    OccurrencePage,
    OccurrenceQuery,
    RemittanceItemPage,
    RemittanceOutput,
    RemittancePage,
    RemittanceRequest,
    ReturnOutput,
    ReturnPage,
    ReturnUpload,
)
from schemas.common import PageQuery
from web.api.customers.customer_documents import body_limit
from web.downloads import remittance_file
from web.extensions import Blueprint
from web.permissions import READ, WRITE
from web.security import requires

URL_PREFIX = "/billing-accounts"
blp = Blueprint("billing_accounts", __name__, description="Billing accounts, remessas and retornos")


@blp.route("", methods=["GET"])
@blp.response(200, BillingAccountList)
@requires("billing_accounts", READ)
def list_accounts():
    """Every account, the default first (a new installation's is seeded from BOLETO_*)."""
    return {"items": billing_accounts.list_billing_accounts()}


@blp.route("", methods=["POST"])
@blp.arguments(BillingAccountInput)
@blp.created(BillingAccountOutput, "account")
@blp.alt_response(409, description="Another account has this name")
@requires("billing_accounts", WRITE)
def create_account(data):
    """Add an account; with is_default, boletos are issued on it from now on."""
    account = billing_accounts.create_billing_account(data)
    return account, 201, {"Location": url_for(".get_account", account_id=account.id)}


@blp.route("/<int:account_id>", methods=["GET"])
@blp.response(200, BillingAccountOutput)
@requires("billing_accounts", READ)
def get_account(account_id):
    """One account."""
    return billing_accounts.get_billing_account(account_id)


@blp.route("/<int:account_id>", methods=["PATCH"])
@blp.arguments(BillingAccountPatch)
@blp.response(200, BillingAccountOutput)
@blp.alt_response(409, description="Name in use, or the default deactivated or undone")
@requires("billing_accounts", WRITE)
def update_account(changes, account_id):
    """Change an account; boletos already issued keep their codes."""
    return billing_accounts.update_billing_account(account_id, changes)


@blp.route("/<int:account_id>/remittances", methods=["POST"])
@blp.arguments(RemittanceRequest)
@blp.response(202, RemittanceOutput)
@blp.alt_response(409, description="The account is inactive, or its bank has no such layout")
@requires("bank_files", WRITE)
def request_remittance(data, account_id):
    """Generate the account's next remessa: the worker gathers the boletos to register and to
    withdraw (and the entradas to send again, `resend`); poll the Location until its status is
    done (or empty), then download it."""
    remittance = remittances.request_remittance(account_id, data.get("resend"))
    location = url_for(".get_remittance", account_id=account_id, remittance_id=remittance.id)
    return remittance, 202, {"Location": location}


@blp.route("/<int:account_id>/remittances", methods=["GET"])
@blp.arguments(PageQuery, location="query")
@blp.response(200, RemittancePage)
@requires("bank_files", READ)
def list_remittances(args, account_id):
    """The account's remessas, newest first."""
    items, total = remittances.list_remittances(account_id, args["page"], args["per_page"])
    return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}


@blp.route("/<int:account_id>/remittances/<int:remittance_id>", methods=["GET"])
@blp.response(200, RemittanceOutput)
@requires("bank_files", READ)
def get_remittance(account_id, remittance_id):
    """One remessa: its number, status and what it holds."""
    return remittances.get_remittance(account_id, remittance_id)


@blp.route("/<int:account_id>/remittances/<int:remittance_id>/items", methods=["GET"])
@blp.arguments(PageQuery, location="query")
@blp.response(200, RemittanceItemPage)
@requires("bank_files", READ)
def list_remittance_items(args, account_id, remittance_id):
    """What the remessa holds: each boleto and what was asked for it."""
    remittance = remittances.get_remittance(account_id, remittance_id)
    items, total = remittances.list_items(remittance, args["page"], args["per_page"])
    return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}


@blp.route("/<int:account_id>/remittances/<int:remittance_id>/file", methods=["GET"])
@blp.response(200, description="The remessa file, as the bank takes it")
@blp.alt_response(409, description="Not written yet, or empty")
@requires("bank_files", READ)
def download_remittance(account_id, remittance_id):
    """The file to send to the bank."""
    return remittance_file(account_id, remittance_id)


@blp.route("/<int:account_id>/returns", methods=["POST"])
@body_limit("RETURNS_MAX_BYTES")
@blp.arguments(ReturnUpload, location="multipart")
@blp.response(202, ReturnOutput)
@blp.alt_response(409, description="This file was already imported")
@requires("bank_files", WRITE)
def upload_return(data, account_id):
    """Import a retorno (multipart/form-data): read and checked at once (a bad file or another
    account's is refused whole, 422 naming the line), then applied by the worker."""
    upload = data["file"]
    imported = bank_returns.import_return(account_id, upload.read(), upload.filename or "")
    location = url_for(".get_return", account_id=account_id, return_id=imported.id)
    return imported, 202, {"Location": location}


@blp.route("/<int:account_id>/returns", methods=["GET"])
@blp.arguments(PageQuery, location="query")
@blp.response(200, ReturnPage)
@requires("bank_files", READ)
def list_returns(args, account_id):
    """The account's retornos, newest first."""
    items, total = bank_returns.list_returns(account_id, args["page"], args["per_page"])
    return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}


@blp.route("/<int:account_id>/returns/<int:return_id>", methods=["GET"])
@blp.response(200, ReturnOutput)
@requires("bank_files", READ)
def get_return(account_id, return_id):
    """One retorno: progress while it is applied, then its report."""
    return bank_returns.get_return(account_id, return_id)


@blp.route("/<int:account_id>/returns/<int:return_id>/occurrences", methods=["GET"])
@blp.arguments(OccurrenceQuery, location="query")
@blp.response(200, OccurrencePage)
@requires("bank_files", READ)
def list_occurrences(args, account_id, return_id):
    """The retorno's occurrences by line; outcome=unknown lists what finance must resolve."""
    bank_returns.get_return(account_id, return_id)
    items, total = bank_returns.list_occurrences(
        return_id, args.get("outcome"), args["page"], args["per_page"]
    )
    return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}
