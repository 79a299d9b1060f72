"""Agenda do técnico: the day's installations, to read on a phone in the street.

The API's agenda (GET /api/v1/installations?date=&technician=, models.service.installations
.agenda) through the same query schema; the day is typed dd/mm/aaaa (today in the ISP's zone
by default) and the technician is the signed-in one when they are a technician.
"""

from flask import g, request

from models.clock import local_today
from models.db import db
from models.service.installations import agenda as installations_agenda
from models.staff.users import TECHNICIAN, User
from schemas.service.subscriptions import AgendaQuery
from web.console.blueprint import bp, render
from web.console.forms import body_from, load
from web.permissions import READ
from web.security import requires

PER_PAGE = 100  # a technician's day fits in one page
ALL = "todos"


def _technicians() -> list[User]:
    """The active technicians, by username, for the filter."""
    query = db.select(User).where(User.role == TECHNICIAN, User.active).order_by(User.username)
    return list(db.session.scalars(query))


@bp.route("/agenda", methods=["GET"])
@requires("subscriptions", READ)
def agenda():
    """The installations of a day (today by default), of one technician or of all."""
    typed = {
        "date": request.args.get("date") or f"{local_today():%d/%m/%Y}",
        "technician": request.args.get("technician")
        or (str(g.user.id) if g.user.role == TECHNICIAN else ALL),
    }
    fields = {"date": typed["date"]}
    if typed["technician"] != ALL:
        fields["technician"] = typed["technician"]
    query, errors = load(
        AgendaQuery(),
        body_from(fields, ("date", "technician"), dates=("date",)) | {"per_page": PER_PAGE},
    )
    items, total = [], 0
    if not errors:
        items, total = installations_agenda(query["date"], query.get("technician"), 1, PER_PAGE)
    return render(
        "console/agenda.html",
        typed=typed,
        errors=errors,
        items=items,
        total=total,
        technicians=_technicians(),
        all_value=ALL,
    )
