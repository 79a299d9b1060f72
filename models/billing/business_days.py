"""Business days: when banks take payment, so when a bill counts as overdue.

A day is a business day unless it is a Saturday, a Sunday, a national holiday or a local holiday
an admin added (models/billing/local_holidays.py). National holidays come from the `holidays`
package
(holidays.Brazil, public category: Good Friday, Tiradentes, Finados, Consciência Negra since
2024, ...) plus the days the banking calendar (FEBRABAN) also closes although the law does not
make them national holidays: Carnival Monday and Tuesday, Corpus Christi, and 31 December (no
banking to the public). A bill due on any of these may be paid on the next business day without
charges; counting one of them as a business day would send a notice for a bill paid on time,
while counting an open bank day as a holiday only delays a notice by a day: so, when in doubt,
the day is a holiday. Ash Wednesday (banks open at noon) and 24 December are business days.

For a sweep over many receivables, build one `BusinessCalendar` (local holidays read once) and
pass it to the functions; without it each call reads the local holidays itself.
"""

from datetime import date, timedelta
from functools import lru_cache

import holidays
from dateutil.easter import easter

from models.billing.local_holidays import local_holiday_dates

# Days the banks close beside the national holidays, as offsets from Easter Sunday.
BANK_DAYS_FROM_EASTER = {-48: "Carnaval", -47: "Carnaval", 60: "Corpus Christi"}


@lru_cache(maxsize=64)
def national_holidays(year: int) -> dict[date, str]:
    """The year's national and banking holidays, date -> Portuguese name (cached per year)."""
    days = dict(holidays.Brazil(years=year, language="pt_BR"))
    sunday = easter(year)
    for offset, name in BANK_DAYS_FROM_EASTER.items():
        days.setdefault(sunday + timedelta(days=offset), name)
    days.setdefault(date(year, 12, 31), "Sem expediente bancário")
    return days


class BusinessCalendar:
    """National holidays plus the local ones, each year's read once (on first use)."""

    def __init__(self):
        self._local: dict[int, dict[date, str]] = {}

    def holiday(self, day: date) -> str | None:
        """The holiday's name, if `day` is one (a weekend is not a holiday)."""
        if day.year not in self._local:
            self._local[day.year] = local_holiday_dates(
                date(day.year, 1, 1), date(day.year, 12, 31)
            )
        return self._local[day.year].get(day) or national_holidays(day.year).get(day)

    def is_business_day(self, day: date) -> bool:
        return day.weekday() < 5 and self.holiday(day) is None

    def next_business_day(self, day: date) -> date:
        """`day` itself when it is a business day, else the first one after it."""
        while not self.is_business_day(day):
            day += timedelta(days=1)
        return day

    def payable_until(self, due_date: date) -> date:
        """The last day a bill due on `due_date` may be paid without being late."""
        return self.next_business_day(due_date)

    def days_overdue(self, due_date: date, today: date, business: bool = True) -> int:
        """Days `today` is past `payable_until(due_date)` (0 when not late): business days, or
        calendar days when `business` is false (the due date moves in both cases)."""
        last_day = self.payable_until(due_date)
        if today <= last_day:
            return 0
        if not business:
            return (today - last_day).days
        span = (last_day + timedelta(days=n) for n in range(1, (today - last_day).days + 1))
        return sum(1 for day in span if self.is_business_day(day))

    def due_dates_overdue_by(self, days: int, today: date, business: bool = True) -> list[date]:
        """Every due date that is exactly `days` overdue `today` (days >= 1): what a sweep
        looks for. Several due dates map to one count when a weekend or holiday is between."""
        if days < 1:
            raise ValueError("days must be at least 1")
        # A due date moves forward at most a couple of weeks (holidays next to a weekend).
        earliest = today - timedelta(days=days * 2 + 30)
        candidates = (earliest + timedelta(days=n) for n in range((today - earliest).days + 1))
        return [d for d in candidates if self.days_overdue(d, today, business) == days]


def business_calendar() -> BusinessCalendar:
    """A calendar for one sweep (or one call): local holidays are read once per year used."""
    return BusinessCalendar()


def is_business_day(day: date, calendar: BusinessCalendar | None = None) -> bool:
    return (calendar or business_calendar()).is_business_day(day)


def next_business_day(day: date, calendar: BusinessCalendar | None = None) -> date:
    """`day` when it is a business day, else the next one."""
    return (calendar or business_calendar()).next_business_day(day)


def payable_until(due_date: date, calendar: BusinessCalendar | None = None) -> date:
    """The due date moved to the next business day: paid by then, paid on time."""
    return (calendar or business_calendar()).payable_until(due_date)


def days_overdue(
    due_date: date, today: date, business: bool = True, calendar: BusinessCalendar | None = None
) -> int:
    """How late a bill due on `due_date` is `today` (0 when it may still be paid on time)."""
    return (calendar or business_calendar()).days_overdue(due_date, today, business)
