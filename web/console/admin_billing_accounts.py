"""Administração > Contas de cobrança: the ISP's collection contracts with its banks (the
default first), with the form to add one and to change one.

The API's routes (web/api/billing/billing_accounts.py) with their schemas and operations: the
list (billing_accounts.list_billing_accounts), add (BillingAccountInput,
create_billing_account), change (BillingAccountPatch, update_billing_account). Admins write;
finance reads the list (no forms). Accounts are never deleted: one is deactivated instead.
"""

from decimal import Decimal

from flask import flash, redirect, request, url_for

from models.billing import billing_accounts
from models.billing.boleto_banks import BANKS
from models.db import db
from models.errors import Conflict, DomainError
from schemas.billing.billing_accounts import BillingAccountInput, BillingAccountPatch
from web.console.blueprint import bp, render
from web.console.forms import add_messages, body_from, domain_errors, load, whole_numbers
from web.permissions import READ, WRITE
from web.security import requires

TEXTS = (
    "name",
    "bank",
    "agency",
    "agency_dv",
    "account",
    "account_dv",
    "agreement",
    "wallet",
    "variation",
    "station",
    "byte",
    "transmission_code",
    "beneficiary_name",
    "beneficiary_document",
    "beneficiary_address",
    "instructions",
)
MONEY = ("fine_percent", "interest_percent_month")
CHECKBOXES = ("is_default", "active")
FIELDS = (*TEXTS, *MONEY, "cnab_layout", *CHECKBOXES)
NULLABLE = ("beneficiary_document", "beneficiary_address")
LAYOUTS = {"240": "CNAB 240", "400": "CNAB 400"}

add_messages(
    (r"The bank's 3-digit code\.", "O código do banco tem 3 dígitos."),
    (r"1 to (\d+) digits\.", "De 1 a {0} dígitos."),
    (r"Up to (\d+) digits\.", "Até {0} dígitos."),
    (r"One digit \(or X\), or empty\.", "Um dígito (ou X), ou vazio."),
    (r"One digit, 2 to 9\.", "Um dígito, de 2 a 9."),
    (r"At most 100\.", "No máximo 100."),
    (r"Another billing account is named .*", "Já existe uma conta de cobrança com este nome."),
    (r"Make another account the default instead\.", "Torne outra conta a padrão."),
    (r"Default\.", "É a conta padrão: torne outra conta a padrão antes."),
    (r"Inactive\.", "Uma conta inativa não pode ser a padrão."),
    (
        r"The default account cannot be deactivated\.",
        "A conta padrão não pode ser desativada: torne outra conta a padrão antes.",
    ),
    (r"An inactive account cannot be the default\.", "Uma conta inativa não pode ser a padrão."),
    (r"The account does not fit its bank's boleto\.", "A conta não cabe no boleto do banco."),
    (r"no boleto layout for bank .*", "Nenhum layout de boleto para este banco."),
    (r"unknown bank .*", "Banco sem layout de boleto."),
    (r".* needs the convênio\.", "Este banco exige o convênio."),
    (r"240 or 400\.", "240 ou 400."),
    (
        r".* must be at most (\d+) digits",
        "Número longo demais para o banco: no máximo {0} dígitos.",
    ),
    (r"Sicoob: carteira .*", "Sicoob: carteira desconhecida (1, simples)."),
    (r"Sicoob: modalidade .*", "Sicoob: modalidade desconhecida (01, 02 ou 05)."),
    (r"Santander: carteira .*", "Santander: carteira desconhecida."),
    (r"Sicredi: byte de geração .*", "Sicredi: o byte de geração é um dígito de 2 a 9."),
    (r"Itaú carteira '000' is not a carteira", "Itaú: carteira 000 não existe."),
    (r"Billing account \d+ not found\.", "Conta de cobrança não encontrada."),
)


def bank_names() -> dict[str, str]:
    """Each bank with a boleto layout: "756 - Sicoob"."""
    return {code: f"{code} - {BANKS[code].name}" for code in sorted(BANKS)}


def _percent(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}".replace(".", ",")


def _typed_account(account) -> dict:
    """An account's fields as its change form shows them (percentages as 2,00)."""
    typed = {name: getattr(account, name) or "" for name in TEXTS}
    typed |= {name: _percent(getattr(account, name)) for name in MONEY}
    typed |= {"cnab_layout": str(account.cnab_layout)}
    typed |= {name: "true" if getattr(account, name) else "" for name in CHECKBOXES}
    return typed


def _typed_form() -> dict:
    typed = {name: request.form.get(name, "") for name in (*TEXTS, *MONEY, "cnab_layout")}
    return typed | {name: "true" if name in request.form else "" for name in CHECKBOXES}


def _refused(error: DomainError) -> dict[str, list[str]]:
    """A refusal by field (a taken name in this screen's words)."""
    if isinstance(error, Conflict) and error.errors and "name" in error.errors:
        return {"name": ["Já existe uma conta de cobrança com este nome."]}
    return domain_errors(error)


def _list(typed=None, errors=None, status=200, editing=None, edit_typed=None, edit_errors=None):
    return (
        render(
            "console/admin/billing_accounts.html",
            items=billing_accounts.list_billing_accounts(),
            banks=bank_names(),
            layouts=LAYOUTS,
            typed=typed or {"active": "true", "cnab_layout": "400"},
            errors=errors or {},
            editing=editing,
            edit_typed=edit_typed or {},
            edit_errors=edit_errors or {},
        ),
        status,
    )


def _body(blank_as_none: bool) -> dict:
    body = body_from(request.form, FIELDS, money=MONEY, checkboxes=CHECKBOXES)
    if blank_as_none:  # a change: a blank field is emptied (or cleared, where null is allowed)
        for name in (*TEXTS, *MONEY):
            if name not in body:
                body[name] = None if name in (*NULLABLE, *MONEY) else ""
    return whole_numbers(body, "cnab_layout")


@bp.route("/admin/contas-de-cobranca", methods=["GET"])
@requires("billing_accounts", READ)
def admin_billing_accounts():
    """Every account, the default first; an admin sees the form to add one."""
    return _list()


@bp.route("/admin/contas-de-cobranca", methods=["POST"])
@requires("billing_accounts", WRITE)
def admin_create_billing_account():
    """A new account; with "Conta padrão" boletos are issued on it from now on."""
    typed = _typed_form()
    data, errors = load(BillingAccountInput(), _body(blank_as_none=False))
    if errors:
        return _list(typed, errors, 422)
    try:
        account = billing_accounts.create_billing_account(data)
    except DomainError as error:
        db.session.rollback()
        return _list(typed, _refused(error), error.status)
    flash(f"Conta de cobrança {account.name} incluída.", "status")
    return redirect(url_for("console.admin_billing_accounts"), 303)


@bp.route("/admin/contas-de-cobranca/<int:account_id>", methods=["GET"])
@requires("billing_accounts", WRITE)
def admin_edit_billing_account(account_id: int):
    """The list with the change form of one account."""
    account = billing_accounts.get_billing_account(account_id)
    return _list(editing=account, edit_typed=_typed_account(account))


@bp.route("/admin/contas-de-cobranca/<int:account_id>", methods=["POST"])
@requires("billing_accounts", WRITE)
def admin_update_billing_account(account_id: int):
    """Change an account (boletos already issued keep their codes); the default stays the
    default until another is made the default."""
    account = billing_accounts.get_billing_account(account_id)
    typed = _typed_form()
    data, errors = load(BillingAccountPatch(), _body(blank_as_none=True))
    if not errors:
        try:
            account = billing_accounts.update_billing_account(account_id, data)
        except DomainError as error:
            db.session.rollback()
            account = billing_accounts.get_billing_account(account_id)
            errors, status = _refused(error), error.status
        else:
            flash(f"Conta de cobrança {account.name} alterada.", "status")
            return redirect(url_for("console.admin_billing_accounts"), 303)
    else:
        status = 422
    return _list(status=status, editing=account, edit_typed=typed, edit_errors=errors)
