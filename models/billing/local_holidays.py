"""Local holidays an admin adds (a city's anniversary, its patron saint): not business days."""

from datetime import date

from sqlalchemy import Date, String
from sqlalchemy.orm import Mapped, mapped_column

from models.audit import Audited
from models.db import db, flush_or_conflict, get_row
from models.errors import Conflict


class LocalHoliday(Audited, db.Model):
    """One local holiday: a date on which banks in the ISP's city are closed."""

    __tablename__ = "local_holidays"

    id: Mapped[int] = mapped_column(primary_key=True)
    date: Mapped[date] = mapped_column(Date, unique=True)
    name: Mapped[str] = mapped_column(String(120))


def local_holiday_dates(first: date, last: date) -> dict[date, str]:
    """Local holidays from `first` to `last` (both included), read in one query."""
    query = db.select(LocalHoliday.date, LocalHoliday.name).where(
        LocalHoliday.date.between(first, last)
    )
    return {day: name for day, name in db.session.execute(query)}


def list_local_holidays(year: int) -> list[LocalHoliday]:
    query = db.select(LocalHoliday).where(
        LocalHoliday.date.between(date(year, 1, 1), date(year, 12, 31))
    )
    return list(db.session.scalars(query.order_by(LocalHoliday.date)))


def get_local_holiday(holiday_id: int) -> LocalHoliday:
    return get_row(LocalHoliday, holiday_id, "Holiday")


def create_local_holiday(data: dict) -> LocalHoliday:
    """Add a local holiday; a date that already is one is a Conflict naming `date`."""
    holiday = LocalHoliday(**data)
    db.session.add(holiday)
    taken = Conflict(
        f"{data['date'].isoformat()} is already a local holiday.",
        {"date": ["Already a local holiday."]},
    )
    flush_or_conflict("uq_local_holidays_date", taken)
    return holiday


def delete_local_holiday(holiday_id: int) -> None:
    db.session.delete(get_row(LocalHoliday, holiday_id, "Holiday", for_update=True))
    db.session.flush()
