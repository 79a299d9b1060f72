"""Holidays: national and banking ones (read only), and the local ones an admin keeps."""

from flask import url_for

from models.billing import local_holidays
from models.billing.business_days import national_holidays
from models.clock import local_today
from schemas.billing.holidays import HolidayInput, HolidayList, HolidayOutput, HolidayQuery
from web.extensions import Blueprint
from web.permissions import READ, WRITE
from web.security import requires

URL_PREFIX = "/holidays"
blp = Blueprint("holidays", __name__, description="Holidays that are not business days")


@blp.route("", methods=["GET"])
@blp.arguments(HolidayQuery, location="query")
@blp.response(200, HolidayList)
@requires("holidays", READ)
def list_holidays(args):
    """The year's holidays, national and local, by date (no business day: no notice counts)."""
    year = args.get("year") or local_today().year
    national = [
        {"id": None, "date": day, "name": name, "national": True}
        for day, name in national_holidays(year).items()
    ]
    local = [
        {"id": row.id, "date": row.date, "name": row.name, "national": False}
        for row in local_holidays.list_local_holidays(year)
    ]
    return {"items": sorted(national + local, key=lambda item: (item["date"], item["national"]))}


@blp.route("", methods=["POST"])
@blp.arguments(HolidayInput)
@blp.created(HolidayOutput, "holiday")
@blp.alt_response(409, description="That date is already a local holiday")
@requires("holidays", WRITE)
def create_holiday(data):
    """Add a local holiday."""
    holiday = local_holidays.create_local_holiday(data)
    return _shown(holiday), 201, {"Location": url_for(".get_holiday", holiday_id=holiday.id)}


@blp.route("/<int:holiday_id>", methods=["GET"])
@blp.response(200, HolidayOutput)
@requires("holidays", READ)
def get_holiday(holiday_id):
    """One local holiday."""
    return _shown(local_holidays.get_local_holiday(holiday_id))


@blp.route("/<int:holiday_id>", methods=["DELETE"])
@blp.response(204)
@requires("holidays", WRITE)
def delete_holiday(holiday_id):
    """Remove a local holiday: its date is a business day again."""
    local_holidays.delete_local_holiday(holiday_id)


def _shown(holiday) -> dict:
    return {"id": holiday.id, "date": holiday.date, "name": holiday.name, "national": False}
