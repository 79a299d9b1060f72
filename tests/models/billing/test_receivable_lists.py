"""The receivables a filter matches: "overdue on" a day (owed, due before it) and the balance
still owed on all of them, summed in one query whatever the page."""

from datetime import date
from decimal import Decimal

from models.audit import set_actor
from models.billing import receivables
from models.db import db
from tests.builders import BUILDER, build_customer, build_receivable

DAY = date(2012, 3, 10)


def test_the_balance_total_is_what_is_owed_on_every_match(app):
    code = build_customer(app)
    build_receivable(app, customer_code=code, amount="10.10", due_date=date(2012, 3, 1))
    partial = build_receivable(app, customer_code=code, amount="20.20", due_date=date(2012, 3, 2))
    paid = build_receivable(app, customer_code=code, amount="40.00", due_date=date(2012, 3, 3))
    cancelled = build_receivable(app, customer_code=code, amount="50.00", due_date=date(2012, 3, 4))
    build_receivable(app, customer_code=code, amount="0.30", due_date=DAY)
    with app.app_context():
        set_actor(db.session, BUILDER)
        receivables.settle(partial, date(2012, 3, 5), Decimal("0.10"))
        receivables.settle(paid, date(2012, 3, 5), Decimal("40.00"))
        receivables.cancel(cancelled, "Teste")
        db.session.commit()

        everything = {"customer_code": code}
        assert receivables.balance_total(everything) == Decimal("30.50")
        overdue = {**everything, "overdue_on": DAY}
        found, total = receivables.list_receivables(overdue, 1, 1)
        assert total == 2 and [r.id for r in found] == [partial]  # one page, both counted
        assert receivables.balance_total(overdue) == Decimal("30.20")
        assert receivables.balance_total({**everything, "status": "paid"}) == Decimal("0.00")
        assert receivables.balance_total({"customer_code": code + 1}) == Decimal("0.00")
