"""Business days: weekends, national and banking holidays (2026), and local ones."""

from datetime import date

import pytest

from models.audit import set_actor
from models.billing.business_days import (
    business_calendar,
    days_overdue,
    is_business_day,
    national_holidays,
    next_business_day,
    payable_until,
)
from models.billing.local_holidays import create_local_holiday
from models.db import db
from tests.builders import BUILDER
from tests.query_counter import counting_statements


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


@pytest.mark.parametrize(
    ("day", "business"),
    [
        (date(2026, 4, 3), False),  # Sexta-feira Santa (Good Friday)
        (date(2026, 11, 20), False),  # Consciência Negra, national since 2024
        (date(2026, 2, 16), False),  # Carnival Monday: banks closed (FEBRABAN)
        (date(2026, 2, 17), False),  # Carnival Tuesday
        (date(2026, 2, 18), True),  # Ash Wednesday: banks open at noon
        (date(2026, 6, 4), False),  # Corpus Christi: banks closed
        (date(2026, 4, 21), False),  # Tiradentes
        (date(2026, 11, 2), False),  # Finados
        (date(2026, 12, 24), True),  # Christmas Eve: banks open in the morning
        (date(2026, 12, 31), False),  # no banking to the public
        (date(2026, 3, 14), False),  # Saturday
        (date(2026, 3, 15), False),  # Sunday
        (date(2026, 3, 16), True),  # an ordinary Monday
        (date(2026, 10, 28), True),  # Dia do Servidor Público: banks open
    ],
)
def test_known_dates(ctx, day, business):
    assert is_business_day(day) is business


def test_consciencia_negra_is_national_only_since_2024(ctx):
    assert date(2023, 11, 20) not in national_holidays(2023)
    assert date(2024, 11, 20) in national_holidays(2024)


def test_a_due_date_moves_to_the_next_business_day(ctx):
    assert next_business_day(date(2026, 3, 16)) == date(2026, 3, 16)  # itself
    assert payable_until(date(2026, 3, 14)) == date(2026, 3, 16)  # Saturday -> Monday
    assert payable_until(date(2026, 4, 3)) == date(2026, 4, 6)  # Good Friday -> Monday
    assert payable_until(date(2026, 2, 14)) == date(2026, 2, 18)  # Saturday before Carnival
    assert payable_until(date(2026, 12, 31)) == date(2027, 1, 4)  # 31/12, 1/1, weekend


def test_days_overdue_count_from_the_moved_due_date(ctx):
    due = date(2026, 4, 3)  # Good Friday: payable on Monday 6 April
    assert days_overdue(due, date(2026, 4, 6)) == 0  # paid on time on Monday
    assert days_overdue(due, date(2026, 4, 7)) == 1
    assert days_overdue(due, date(2026, 4, 13)) == 5  # business days: Tue..Fri, Mon
    assert days_overdue(due, date(2026, 4, 13), business=False) == 7  # calendar days
    assert days_overdue(date(2026, 4, 17), date(2026, 4, 22)) == 2  # Tiradentes not counted
    assert days_overdue(due, date(2026, 4, 1)) == 0  # before the due date


def test_due_dates_overdue_by_finds_every_date_with_that_count(ctx):
    calendar = business_calendar()
    today = date(2026, 4, 9)  # Thursday; Good Friday and a weekend three business days back
    found = calendar.due_dates_overdue_by(3, today)
    assert found == [date(2026, 4, 3), date(2026, 4, 4), date(2026, 4, 5), date(2026, 4, 6)]
    assert all(calendar.days_overdue(day, today) == 3 for day in found)


def test_a_local_holiday_is_not_a_business_day(app, ctx):
    set_actor(db.session, BUILDER)
    create_local_holiday({"date": date(2027, 1, 25), "name": "Aniversário de São Paulo"})
    db.session.commit()
    assert not is_business_day(date(2027, 1, 25))  # Monday, local holiday
    assert payable_until(date(2027, 1, 23)) == date(2027, 1, 26)  # Sat -> past Mon holiday
    calendar = business_calendar()
    assert calendar.holiday(date(2027, 1, 25)) == "Aniversário de São Paulo"


def test_a_calendar_reads_local_holidays_once_per_year(app, ctx):
    calendar = business_calendar()
    with counting_statements(app) as queries:
        for day in range(1, 29):
            calendar.is_business_day(date(2026, 2, day))
        calendar.days_overdue(date(2026, 1, 5), date(2026, 3, 31))
    assert len(queries) == 1
