"""Administração > Feriados: the year's holidays (national and banking ones, read only) and the
local ones an admin keeps (the banks of the ISP's city closed: no business day).

The API's routes (web/api/billing/holidays.py) with their schemas and operations: the year
through HolidayQuery, add (HolidayInput, create_local_holiday), remove (delete_local_holiday).
"""

from flask import flash, redirect, request, url_for

from models.billing import local_holidays
from models.billing.business_days import national_holidays
from models.clock import local_today
from models.db import db
from models.errors import DomainError
from schemas.billing.holidays import HolidayInput, HolidayQuery
from web.console.blueprint import bp, render
from web.console.forms import add_messages, body_from, domain_errors, load
from web.permissions import READ, WRITE
from web.security import requires

add_messages(
    (r"Already a local holiday\.", "Esta data já é um feriado local."),
    (r"\S+ is already a local holiday\.", "Esta data já é um feriado local."),
    (r"Holiday \d+ not found\.", "Feriado não encontrado."),
)


def _year() -> tuple[int, dict]:
    query, errors = load(HolidayQuery(), body_from(request.args, ("year",)))
    return ((query or {}).get("year") or local_today().year), errors


def _list(year: int, typed=None, errors=None, status=200):
    """The year's holidays by date, as the API lists them: national and local together."""
    national = [
        {"id": None, "date": day, "name": name, "national": True}
        for day, name in national_holidays(year).items()
    ]
    local = [
        {"id": row.id, "date": row.date, "name": row.name, "national": False}
        for row in local_holidays.list_local_holidays(year)
    ]
    items = sorted(national + local, key=lambda item: (item["date"], item["national"]))
    return (
        render(
            "console/admin/holidays.html",
            year=year,
            items=items,
            typed=typed or {},
            errors=errors or {},
        ),
        status,
    )


@bp.route("/admin/feriados", methods=["GET"])
@requires("holidays", READ)
def admin_holidays():
    """A year's holidays (this year by default), with the form for a local one."""
    year, errors = _year()
    return _list(year, errors=errors, status=422 if errors else 200)


@bp.route("/admin/feriados", methods=["POST"])
@requires("holidays", WRITE)
def admin_create_holiday():
    """A new local holiday (date dd/mm/aaaa, name)."""
    typed = {name: request.form.get(name, "") for name in ("date", "name")}
    data, errors = load(HolidayInput(), body_from(request.form, ("date", "name"), dates=("date",)))
    if errors:
        return _list(local_today().year, typed, errors, 422)
    try:
        holiday = local_holidays.create_local_holiday(data)
    except DomainError as error:
        db.session.rollback()
        return _list(data["date"].year, typed, domain_errors(error), error.status)
    flash(f"Feriado {holiday.name} incluído.", "status")
    return redirect(url_for("console.admin_holidays", year=holiday.date.year), 303)


@bp.route("/admin/feriados/<int:holiday_id>/excluir", methods=["POST"])
@requires("holidays", WRITE)
def admin_delete_holiday(holiday_id: int):
    """Remove a local holiday: its date is a business day again."""
    year, _ = _year()
    try:
        local_holidays.delete_local_holiday(holiday_id)
    except DomainError as error:
        db.session.rollback()
        return _list(year, errors=domain_errors(error), status=error.status)
    flash("Feriado excluído.", "status")
    return redirect(url_for("console.admin_holidays", year=year), 303)
