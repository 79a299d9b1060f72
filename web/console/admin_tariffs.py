"""Administração > Tarifas: the price of each termination type [6.7], and re-pricing a period.

The API's routes (web/api/extracts/calls.py) with their schemas and operations: the list
(list_tariffs), a type priced or its price replaced (TariffInput, put_tariff, as PUT
/tariffs/<termination>), and a period's calls re-priced by today's tariffs (RepriceInput,
reprice_calls, as POST /calls/reprice: finance and admins), asked for once the period is checked
(checked_period, the rule reprice_calls applies), then shown by its run (RepriceOutput's fields).
"""

from decimal import Decimal

from flask import abort, flash, redirect, request, url_for

from models.db import db
from models.errors import DomainError
from models.extracts import calls
from models.extracts.call_reprice import CallReprice, reprice_calls
from models.extracts.extracts import TERMINATION_LABELS, checked_period
from schemas.extracts.calls import RepriceInput, TariffInput
from web.console.blueprint import bp, render
from web.console.formats import api_number, on_screen_date
from web.console.forms import add_messages, body_from, domain_errors, load, whole_numbers
from web.permissions import READ, WRITE
from web.security import may, requires

add_messages(
    (
        r'Reais per minute as a string, up to 4 decimals: "0\.1200"\.',
        "Digite o preço por minuto como 0,12 (até 4 casas decimais).",
    ),
    (r"Required: the period to re-price\.", "Preencha este campo."),
)
LABELS = dict(TERMINATION_LABELS)
TARIFF_FIELDS = ("termination", "price_per_minute", "first_seconds", "increment_seconds")
PERIOD = ("from", "to")


def price(value: Decimal) -> str:
    """R$ per minute as typed (0,25; 0,085): at least 2 decimals, at most the 4 stored."""
    text = f"{value:.4f}".rstrip("0")
    whole, _, cents = text.partition(".")
    return f"R$ {whole},{cents.ljust(2, '0')}"


def _page(status=200, **parts):
    """The list (every termination, priced or not), the price form and the re-pricing one."""
    tariffs = {tariff.termination: tariff for tariff in calls.list_tariffs()}
    run = parts.pop("run", None)
    return (
        render(
            "console/admin/tariffs.html",
            rows=[(name, LABELS[name], tariffs.get(name)) for name in calls.TERMINATIONS],
            labels=LABELS,
            price=price,
            run=run,
            typed=parts.get("typed", {}),
            errors=parts.get("errors", {}),
            period=parts.get("period", {}),
            period_errors=parts.get("period_errors", {}),
            confirm=parts.get("confirm"),
        ),
        status,
    )


@bp.route("/admin/tarifas", methods=["GET"])
@requires("tariffs", READ)
def admin_tariffs():
    """Each termination type with its tariff or "sem tarifa"; ?recalculo=<id> shows a run."""
    run = None
    asked = request.args.get("recalculo", "")
    if asked and may("call_reprice", READ):
        run = db.session.get(CallReprice, int(asked)) if asked.isdigit() else None
        if run is None:
            abort(404)
    return _page(run=run)


@bp.route("/admin/tarifas", methods=["POST"])
@requires("tariffs", WRITE)
def admin_set_tariff():
    """Price a termination type, or replace its price (calls imported before keep their cost
    until their period is re-priced)."""
    typed = {name: request.form.get(name, "") for name in TARIFF_FIELDS}
    body = body_from(request.form, TARIFF_FIELDS)
    if "price_per_minute" in body:
        body["price_per_minute"] = api_number(body["price_per_minute"])
    data, errors = load(TariffInput(), whole_numbers(body, "first_seconds", "increment_seconds"))
    if errors:
        return _page(422, typed=typed, errors=errors)
    termination = data.pop("termination")
    try:
        tariff, created = calls.put_tariff(termination, data)
    except DomainError as error:
        db.session.rollback()
        return _page(error.status, typed=typed, errors=domain_errors(error))
    done = "definida" if created else "substituída"
    flash(
        f"Tarifa de {LABELS[termination]} {done}: {price(tariff.price_per_minute)} por minuto.",
        "status",
    )
    return redirect(url_for("console.admin_tariffs"), 303)


@bp.route("/admin/tarifas/recalculo", methods=["POST"])
@requires("call_reprice", WRITE)
def admin_reprice_calls():
    """Re-price a period's calls: the period is checked and asked about first; once confirmed
    (`confirmado`), the run, then its result."""
    period = {name: request.form.get(name, "") for name in PERIOD}
    data, errors = load(RepriceInput(), body_from(request.form, PERIOD, dates=PERIOD))
    if not errors and request.form.get("confirmado") != "sim":
        try:
            checked_period(data["from_"], data["to"])
        except DomainError as error:
            errors = domain_errors(error)
    if errors:
        return _page(422, period=period, period_errors=errors)
    if request.form.get("confirmado") != "sim":
        return _page(period=period, confirm=data)
    try:
        run = reprice_calls(data["from_"], data["to"])
    except DomainError as error:
        db.session.rollback()
        return _page(error.status, period=period, period_errors=domain_errors(error))
    days = f"{on_screen_date(run.period_from)} a {on_screen_date(run.period_to)}"
    flash(f"Ligações de {days} recalculadas pelas tarifas de hoje.", "status")
    return redirect(url_for("console.admin_tariffs", recalculo=run.id, _anchor="recalculo"), 303)
