"""The ISP's calendar: business dates (due dates, scheduled runs) are dates in its time zone."""

from datetime import UTC, date, datetime, time

from flask import current_app

from models.db import utcnow


def local_today(now: datetime | None = None) -> date:
    """Today's date where the ISP is (setting PROVEDOR_TIMEZONE), not in UTC."""
    return (now or utcnow()).astimezone(current_app.extensions["timezone"]).date()


def local_midnight(day: date) -> datetime:
    """The instant (in UTC) the ISP's `day` begins."""
    zone = current_app.extensions["timezone"]
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)
