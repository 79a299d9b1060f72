"""The one clock: the current instant, and the ISP's calendar (business dates are dates in its
time zone). Needs no app context, so models, tasks, the CLI and tests all read the same time.

Tests move it with time-machine, which moves `datetime.now` and `time.time` for the process; the
code reads the time only through here (and `models.db`'s column defaults, which call `utcnow`).
"""

from datetime import UTC, date, datetime, time, tzinfo
from zoneinfo import ZoneInfo

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
