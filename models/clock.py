"""The ISP's calendar: business dates (due dates, scheduled runs) are dates in its time zone."""

from datetime import date, datetime

from flask import current_app

from models.db import utcnow


def local_today(now: datetime | None = None) -> date:
    """Today's date where the ISP is (setting PROVEDOR_TIMEZONE), not in UTC."""
    return (now or utcnow()).astimezone(current_app.extensions["timezone"]).date()
