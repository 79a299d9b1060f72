"""The reduced-speed credit's arithmetic (models/billing/reduction_credits.py), without a bill."""

from datetime import date
from decimal import Decimal

import pytest

from models.billing.reduction_credits import month_credit, pieces, uncredited


@pytest.mark.parametrize(
    ("monthly", "days", "month_days", "percent", "credit"),
    [
        ("100.00", 15, 31, 50, "24.19"),  # 24.1935...
        ("99.90", 1, 30, 50, "1.67"),  # 1.665 exactly: half-up, not half-even
        ("0.30", 1, 30, 50, "0.01"),  # 0.005 exactly: up to a cent
        ("0.29", 1, 30, 50, "0.00"),  # 0.00483...
        ("100.00", 31, 31, 0, "100.00"),  # nothing kept: the whole month
        ("100.00", 10, 31, 100, "0.00"),  # everything kept: nothing to credit
        ("89.90", 15, 31, 50, "21.75"),
    ],
)
def test_month_credit_is_the_share_of_the_month_lost_rounded_half_up(
    monthly, days, month_days, percent, credit
):
    assert month_credit(Decimal(monthly), days, month_days, percent) == Decimal(credit)


def test_a_period_is_split_by_calendar_month_each_by_its_own_length():
    split = pieces(Decimal("100.00"), date(2028, 2, 27), date(2028, 3, 3), 50)
    assert [(p.start, p.end, p.days, p.amount) for p in split] == [
        (date(2028, 2, 27), date(2028, 3, 1), 3, Decimal("5.17")),  # 3 / 29 (leap year) / 2
        (date(2028, 3, 1), date(2028, 3, 3), 2, Decimal("3.23")),  # 2 / 31 / 2
    ]
    assert [p.description() for p in split] == [
        "Redução de velocidade 27/02 a 29/02 (3 dias a 50%)",
        "Redução de velocidade 01/03 a 02/03 (2 dias a 50%)",
    ]
    across_the_year = pieces(Decimal("100.00"), date(2026, 12, 31), date(2027, 1, 2), 50)
    assert [(p.start, p.days) for p in across_the_year] == [
        (date(2026, 12, 31), 1),
        (date(2027, 1, 1), 1),
    ]


@pytest.mark.parametrize(
    ("started", "ended", "credited", "today", "days"),
    [
        (date(2026, 3, 2), date(2026, 3, 17), None, date(2026, 3, 31), (2, 17)),
        (date(2026, 3, 2), None, None, date(2026, 3, 31), (2, 31)),  # open: up to the run
        (date(2026, 3, 2), None, date(2026, 3, 20), date(2026, 3, 31), (20, 31)),
        (date(2026, 3, 2), date(2026, 3, 25), date(2026, 3, 20), date(2026, 3, 31), (20, 25)),
        (date(2026, 3, 2), date(2026, 3, 17), date(2026, 3, 17), date(2026, 3, 31), None),
        (date(2026, 3, 2), None, date(2026, 3, 31), date(2026, 3, 31), None),
        (date(2026, 3, 31), None, None, date(2026, 3, 31), None),  # begins on the run's day
        (date(2026, 3, 2), date(2026, 4, 5), None, date(2026, 3, 31), (2, 31)),  # run dated back
    ],
)
def test_the_days_still_to_credit_end_before_the_run(started, ended, credited, today, days):
    expected = None if days is None else (date(2026, 3, days[0]), date(2026, 3, days[1]))
    assert uncredited(started, ended, credited, today) == expected
