"""The ISP's calendar: business dates (due dates, scheduled runs) are dates in its time zone."""

from datetime import UTC, date, datetime, time, timedelta

from flask import current_app

from models.db import utcnow
from models.errors import Invalid


def local_today(now: datetime | None = None) -> date:
    """Today's date where the ISP is (setting PROVEDOR_TIMEZONE), not in UTC."""
    return (now or utcnow()).astimezone(current_app.extensions["timezone"]).date()


def local_midnight(day: date) -> datetime:
    """The instant (in UTC) the ISP's `day` begins."""
    zone = current_app.extensions["timezone"]
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


OFF_CALENDAR = "Too close to the calendar's first or last day (0001-01-01, 9999-12-31)."


def shift_days(day: date, days: int, field: str) -> date:
    """`day` moved by `days`; a 422 naming `field` when that would leave the calendar."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        raise Invalid.field(field, OFF_CALENDAR) from None


def local_midnight_of(day: date, field: str) -> datetime:
    """local_midnight(day); a 422 naming `field` when that instant is off the calendar in UTC
    (the first day's midnight, in a zone ahead of UTC)."""
    try:
        return local_midnight(day)
    except OverflowError:
        raise Invalid.field(field, OFF_CALENDAR) from None


def local_days(first: date, last: date, fields: tuple[str, str]) -> tuple[datetime, datetime]:
    """The UTC instants [start, end) of the ISP's days `first` to `last`, both included; a 422
    naming the field (of `fields`: first's, last's) whose day has no such instant."""
    start = local_midnight_of(first, fields[0])
    return start, local_midnight_of(shift_days(last, 1, fields[1]), fields[1])
