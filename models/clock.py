"""The one clock: the current instant, and the ISP's calendar (business dates are dates in its
time zone). Needs no app context, so models, tasks, the CLI and tests all read the same time.

Tests move it with time-machine, which moves `datetime.now` and `time.time` for the process; the
code reads the time only through here (models' column defaults call `utcnow` too).
"""

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from models.errors import Invalid

DEFAULT_ZONE = "America/Sao_Paulo"

_zone: tzinfo = ZoneInfo(DEFAULT_ZONE)


def set_zone(name: str) -> None:
    """Set the ISP's time zone (setting PROVEDOR_TIMEZONE; the app factory calls this)."""
    global _zone
    _zone = ZoneInfo(name)


def zone() -> tzinfo:
    """The ISP's time zone."""
    return _zone


def utcnow() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    return datetime.now(UTC)


def local_now() -> datetime:
    """The current instant in the ISP's zone."""
    return utcnow().astimezone(_zone)


def local_today(now: datetime | None = None) -> date:
    """Today's date where the ISP is (setting PROVEDOR_TIMEZONE), not in UTC."""
    return (now or utcnow()).astimezone(_zone).date()


def local_midnight(day: date) -> datetime:
    """The instant (in UTC) the ISP's `day` begins."""
    return datetime.combine(day, time(), tzinfo=_zone).astimezone(UTC)


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
