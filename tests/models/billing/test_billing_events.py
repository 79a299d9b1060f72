"""Billing events: installments that add up exactly, the remainder first, made once per key."""

from decimal import Decimal

import pytest

from models.audit import HistoryEntry
from models.billing.billing_events import BillingEvent, add_installments, split_amount
from models.db import db
from models.errors import Invalid
from tests.builders import build_subscription


@pytest.mark.parametrize(
    ("total", "installments", "expected"),
    [
        ("100.00", 3, ["33.34", "33.33", "33.33"]),
        ("100.00", 4, ["25.00", "25.00", "25.00", "25.00"]),
        ("0.05", 3, ["0.03", "0.01", "0.01"]),
        ("199.99", 1, ["199.99"]),
        ("1000.00", 7, ["142.90", "142.85", "142.85", "142.85", "142.85", "142.85", "142.85"]),
    ],
)
def test_the_split_adds_up_exactly_with_the_remainder_on_the_first(total, installments, expected):
    parts = split_amount(Decimal(total), installments)
    assert parts == [Decimal(value) for value in expected]
    assert sum(parts) == Decimal(total)


@pytest.mark.parametrize("installments", [1, 2, 3, 6, 7, 11, 12, 24, 99])
@pytest.mark.parametrize("total", ["0.99", "1.00", "12.34", "999.99", "12345.67"])
def test_every_split_adds_up_and_differs_by_less_than_the_count(total, installments):
    parts = split_amount(Decimal(total), installments)
    assert sum(parts) == Decimal(total) and len(parts) == installments
    assert all(part == parts[1] for part in parts[1:])
    assert Decimal(0) <= parts[0] - parts[-1] < installments * Decimal("0.01")


@pytest.mark.parametrize(
    ("total", "installments", "field"),
    [
        ("100.00", 0, "installments"),
        ("100.00", 121, "installments"),
        ("0.02", 3, "installments"),
        ("0.00", 1, "total"),
        ("-5.00", 1, "total"),
        ("10.001", 1, "total"),
    ],
)
def test_bad_splits_are_refused_naming_the_field(total, installments, field):
    with pytest.raises(Invalid) as refused:
        split_amount(Decimal(total), installments)
    assert field in refused.value.errors


def _add(subscription_id, code, key="sale:12", total="100.00", installments=3):
    return add_installments(code, subscription_id, "Roteador", Decimal(total), installments, key)


def test_installments_are_made_once_per_source_key(app):
    subscription_id = build_subscription(app)
    with app.app_context():
        code = db.session.execute(
            db.text("SELECT customer_code FROM subscriptions WHERE id = :i"), {"i": subscription_id}
        ).scalar_one()
        events = _add(subscription_id, code)
        db.session.commit()
        assert [(e.sequence, e.amount, e.status) for e in events] == [
            (1, Decimal("33.34"), "pending"),
            (2, Decimal("33.33"), "pending"),
            (3, Decimal("33.33"), "pending"),
        ]
        assert [e.description for e in events] == [
            "Roteador (1/3)",
            "Roteador (2/3)",
            "Roteador (3/3)",
        ]
        first_ids = [e.id for e in events]

        again = _add(subscription_id, code, total="500.00", installments=5)
        db.session.commit()
        assert [e.id for e in again] == first_ids
        assert db.session.scalar(db.select(db.func.count(BillingEvent.id))) == 3

        other = _add(subscription_id, code, key="sale:13", total="10.00", installments=2)
        db.session.commit()
        assert [e.amount for e in other] == [Decimal("5.00"), Decimal("5.00")]
        logged = db.select(db.func.count(HistoryEntry.id)).where(
            HistoryEntry.entity == "billing_events", HistoryEntry.customer_code == code
        )
        assert db.session.scalar(logged) == 5


def test_a_parallel_call_that_lost_the_race_returns_the_winners_events(app, monkeypatch):
    """The pre-check misses rows a parallel call inserted: the unique key catches them."""
    subscription_id = build_subscription(app)
    with app.app_context():
        code = db.session.execute(
            db.text("SELECT customer_code FROM subscriptions WHERE id = :i"), {"i": subscription_id}
        ).scalar_one()
        winner = [e.id for e in _add(subscription_id, code)]
        db.session.commit()
        import models.billing.billing_events as module

        real = module.events_of
        calls = []

        def blind_first(key):
            calls.append(key)
            return [] if len(calls) == 1 else real(key)

        monkeypatch.setattr(module, "events_of", blind_first)
        loser = _add(subscription_id, code)
        db.session.commit()
        assert [e.id for e in loser] == winner
        assert db.session.scalar(db.select(db.func.count(BillingEvent.id))) == 3
