"""The credit for days at reduced speed on the next bill (models/billing/reduction_credits.py).

The clock is moved (time_machine) to fixed days of 2026: the ladder's own operations open and
close the reduction periods on the days they happen, and beat's billing task runs on the day
it is called for. Exactly once is checked the ways it can fail: a re-run, a later run, two runs
at the same time.
"""

import threading
from datetime import date, datetime, time
from decimal import Decimal

import pytest
from lxml import etree

from models.billing.receivables import Receivable, ReceivableLine
from models.clock import local_today, zone
from models.db import db
from models.fiscal import schemas
from models.service.speed_reductions import SpeedReduction, close_reductions, open_reductions
from models.service.subscriptions import Subscription
from tasks.billing import run_monthly_billing
from tests.builders import build_plan, build_subscription
from tests.fiscal_service import customer_with_city_code, invoice_row, status_of, telecom_plan
from tests.waiting import wait_until
from tests.web.api_helpers import API

NFCOM = {"n": "http://www.portalfiscal.inf.br/nfcom"}
PRICE, DISCOUNT = "120.00", Decimal("20.00")  # a monthly amount of 100.00


def _move(time_machine, day: date) -> None:
    time_machine.move_to(datetime.combine(day, time(7), tzinfo=zone()), tick=True)


def _subscribe(app, first_due: date, price: str = PRICE, discount=DISCOUNT, **plan) -> int:
    plan_id = build_plan(app, price=price, **plan)
    return build_subscription(
        app, plan_id=plan_id, due_day=first_due.day, first_due_date=first_due, discount=discount
    )


def _reduce(app, time_machine, day: date, subscription_ids: list[int], percent: int = 50):
    """The ladder reduces the speeds on `day` (the period opens that day)."""
    _move(time_machine, day)
    with app.app_context():
        assert local_today() == day
        subscriptions = [db.session.get(Subscription, i) for i in subscription_ids]
        open_reductions(subscriptions, percent)
        db.session.commit()


def _restore(app, time_machine, day: date, subscription_ids: list[int]) -> None:
    """Full speed again on `day` (payment, or suspension): the period ends that day."""
    _move(time_machine, day)
    with app.app_context():
        close_reductions(subscription_ids)
        db.session.commit()


def _bill(app, time_machine, day: date, **kwargs) -> int:
    """Beat's billing task, run on `day` (the task reads the moved clock)."""
    _move(time_machine, day)
    return run_monthly_billing(**kwargs)


def _receivables(app, subscription_id: int) -> list[tuple]:
    r = Receivable.__table__.c
    query = (
        db.select(r.id, r.billing_month, r.amount)
        .where(r.subscription_id == subscription_id)
        .order_by(r.billing_month)
    )
    with app.app_context():
        return [tuple(row) for row in db.session.execute(query)]


def _lines(app, receivable_id: int, kind: str | None = "speed_reduction") -> list[tuple]:
    line = ReceivableLine.__table__.c
    query = db.select(line.kind, line.description, line.amount).where(
        line.receivable_id == receivable_id
    )
    if kind:
        query = query.where(line.kind == kind)
    with app.app_context():
        return [
            tuple(row)[1:] if kind else tuple(row)
            for row in db.session.execute(query.order_by(line.id))
        ]


def _marks(app, subscription_id: int) -> list[tuple]:
    query = (
        db.select(SpeedReduction.started_on, SpeedReduction.ended_on, SpeedReduction.credited_until)
        .where(SpeedReduction.subscription_id == subscription_id)
        .order_by(SpeedReduction.id)
    )
    with app.app_context():
        return [tuple(row) for row in db.session.execute(query)]


def test_days_reduced_within_a_month_are_credited_on_the_next_bill(
    app, client, admin, time_machine
):
    _move(time_machine, date(2026, 3, 1))
    subscription_id = _subscribe(app, date(2026, 4, 10), name="Fibra 300")
    _reduce(app, time_machine, date(2026, 3, 2), [subscription_id])
    _restore(app, time_machine, date(2026, 3, 17), [subscription_id])  # 2 to 16 March: 15 days

    assert _bill(app, time_machine, date(2026, 3, 31)) == 1  # April's bill (due on the 10th)

    ((receivable_id, month, amount),) = _receivables(app, subscription_id)
    assert month == date(2026, 4, 1)
    # 100.00 x 15 / 31 x (100 - 50) / 100 = 24.1935...
    credit = ("Redução de velocidade 02/03 a 16/03 (15 dias a 50%)", Decimal("-24.19"))
    assert _lines(app, receivable_id, kind=None) == [
        ("plan", "Plano Fibra 300 (04/2026)", Decimal("120.00")),
        ("discount", "Desconto", Decimal("-20.00")),
        ("speed_reduction", *credit),
    ]
    assert amount == Decimal("75.81")  # the sum of the lines
    assert _marks(app, subscription_id) == [
        (date(2026, 3, 2), date(2026, 3, 17), date(2026, 3, 17))
    ]
    boleto = client.get(f"{API}/receivables/{receivable_id}/boleto", headers=admin)
    assert boleto.status_code == 200, boleto.json
    assert Decimal(boleto.json["amount"]) == Decimal("75.81")

    assert _bill(app, time_machine, date(2026, 4, 30)) == 1  # May's bill: nothing left to credit
    receivable_id = _receivables(app, subscription_id)[1][0]
    assert _lines(app, receivable_id) == []


def test_an_open_reduction_is_credited_up_to_the_run_and_the_rest_on_the_next_bill(
    app, time_machine
):
    _move(time_machine, date(2026, 3, 1))
    subscription_id = _subscribe(app, date(2026, 4, 10))
    _reduce(app, time_machine, date(2026, 3, 20), [subscription_id], percent=50)

    assert _bill(app, time_machine, date(2026, 3, 31)) == 1  # still reduced: 20 to 30 March
    april = _receivables(app, subscription_id)[0][0]
    assert _lines(app, april) == [
        ("Redução de velocidade 20/03 a 30/03 (11 dias a 50%)", Decimal("-17.74"))  # 17.7419...
    ]
    assert _marks(app, subscription_id) == [(date(2026, 3, 20), None, date(2026, 3, 31))]

    _restore(app, time_machine, date(2026, 4, 5), [subscription_id])  # 31 March to 4 April
    assert _bill(app, time_machine, date(2026, 4, 30)) == 1
    may_id, _, may_amount = _receivables(app, subscription_id)[1]
    assert _lines(app, may_id) == [  # one line per calendar month, each by its own length
        ("Redução de velocidade 31/03 a 31/03 (1 dia a 50%)", Decimal("-1.61")),  # 1.6129...
        ("Redução de velocidade 01/04 a 04/04 (4 dias a 50%)", Decimal("-6.67")),  # 6.6666...
    ]
    assert may_amount == Decimal("91.72")
    assert _marks(app, subscription_id) == [(date(2026, 3, 20), date(2026, 4, 5), date(2026, 4, 5))]


def test_a_rerun_and_a_later_run_credit_nothing_twice(app, time_machine):
    _move(time_machine, date(2026, 3, 1))
    subscription_id = _subscribe(app, date(2026, 4, 10))
    _reduce(app, time_machine, date(2026, 3, 10), [subscription_id], percent=30)
    _restore(app, time_machine, date(2026, 3, 20), [subscription_id])

    assert _bill(app, time_machine, date(2026, 3, 31)) == 1
    assert _bill(app, time_machine, date(2026, 3, 31)) == 0  # the retried task
    assert _bill(app, time_machine, date(2026, 4, 1)) == 0  # tomorrow's beat
    ((receivable_id, _, amount),) = _receivables(app, subscription_id)
    # 100.00 x 10 / 31 x 70 / 100 = 22.5806...
    assert _lines(app, receivable_id) == [
        ("Redução de velocidade 10/03 a 19/03 (10 dias a 30%)", Decimal("-22.58"))
    ]
    assert amount == Decimal("77.42")
    assert _marks(app, subscription_id)[0][2] == date(2026, 3, 20)


def test_runs_at_the_same_time_give_one_credit(app, time_machine):
    """Two runs of the same day (each bill made once), and at once a run of a day in April
    (only April's bills within reach), whose bills would credit the same days again if the
    periods' marks were not read locked."""
    _move(time_machine, date(2026, 2, 1))
    plan_id = build_plan(app, price=PRICE)
    ids = [
        build_subscription(
            app, plan_id=plan_id, due_day=10, first_due_date=date(2026, 3, 10), discount=DISCOUNT
        )
        for _ in range(60)
    ]
    _reduce(app, time_machine, date(2026, 2, 2), ids, percent=50)
    _restore(app, time_machine, date(2026, 2, 17), ids)  # 15 days of a 28-day February
    _move(time_machine, date(2026, 3, 5))
    results, errors = [], []

    def run(day: str):
        try:
            results.append(run_monthly_billing(day, chunk=7))
        except Exception as error:
            errors.append(error)

    days = ("2026-03-05", "2026-03-05", "2026-04-01")
    threads = [threading.Thread(target=run, args=(day,)) for day in days]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == [] and sum(results) == 120  # March's and April's bills
    for subscription_id in ids:
        receivables = _receivables(app, subscription_id)
        assert [month for _, month, _ in receivables] == [date(2026, 3, 1), date(2026, 4, 1)]
        credits = [line for r in receivables for line in _lines(app, r[0])]
        assert credits == [  # 100.00 x 15 / 28 x 50 / 100 = 26.7857...
            ("Redução de velocidade 02/02 a 16/02 (15 dias a 50%)", Decimal("-26.79"))
        ]
        assert sum(amount for *_, amount in receivables) == Decimal("173.21")


def test_no_reduction_no_line_and_a_reduction_of_another_subscription_is_not_credited(
    app, time_machine
):
    _move(time_machine, date(2026, 3, 1))
    plain = _subscribe(app, date(2026, 4, 10))
    reduced = _subscribe(app, date(2026, 4, 10))
    later = _subscribe(app, date(2026, 4, 10))
    _reduce(app, time_machine, date(2026, 3, 5), [reduced])
    _restore(app, time_machine, date(2026, 3, 6), [reduced])  # one day: 1.61
    _reduce(app, time_machine, date(2026, 3, 31), [later])  # starts on the billing day

    assert _bill(app, time_machine, date(2026, 3, 31)) == 3
    ((receivable_id, _, amount),) = _receivables(app, plain)
    assert _lines(app, receivable_id) == [] and amount == Decimal("100.00")
    ((receivable_id, _, _),) = _receivables(app, reduced)
    assert _lines(app, receivable_id) == [
        ("Redução de velocidade 05/03 a 05/03 (1 dia a 50%)", Decimal("-1.61"))
    ]
    ((receivable_id, _, amount),) = _receivables(app, later)  # no day of it has elapsed yet
    assert _lines(app, receivable_id) == [] and amount == Decimal("100.00")
    assert _marks(app, later) == [(date(2026, 3, 31), None, None)]


def test_the_credit_is_rounded_half_up_to_the_cent(app, time_machine):
    _move(time_machine, date(2026, 4, 1))
    subscription_id = _subscribe(app, date(2026, 5, 10), price="99.90", discount=Decimal("0"))
    _reduce(app, time_machine, date(2026, 4, 7), [subscription_id])
    _restore(app, time_machine, date(2026, 4, 8), [subscription_id])

    assert _bill(app, time_machine, date(2026, 4, 30)) == 1
    ((receivable_id, _, amount),) = _receivables(app, subscription_id)
    # 99.90 x 1 / 30 x 50 / 100 = 1.665 exactly: half-up gives 1.67 (half-even would give 1.66)
    assert _lines(app, receivable_id) == [
        ("Redução de velocidade 07/04 a 07/04 (1 dia a 50%)", Decimal("-1.67"))
    ]
    assert amount == Decimal("98.23")


def test_the_credit_never_exceeds_the_plan_amount_and_the_excess_is_not_carried(app, time_machine):
    _move(time_machine, date(2026, 3, 1))
    subscription_id = _subscribe(app, date(2026, 5, 10))
    _reduce(app, time_machine, date(2026, 3, 1), [subscription_id], percent=20)
    _restore(app, time_machine, date(2026, 4, 29), [subscription_id])

    # March 100.00 x 31/31 x 80% = 80.00; April 100.00 x 28/30 x 80% = 74.67: capped at 100.00
    assert _bill(app, time_machine, date(2026, 4, 30)) == 1
    ((receivable_id, _, amount),) = _receivables(app, subscription_id)
    assert _lines(app, receivable_id) == [
        ("Redução de velocidade 01/03 a 31/03 (31 dias a 20%)", Decimal("-80.00")),
        ("Redução de velocidade 01/04 a 28/04 (28 dias a 20%)", Decimal("-20.00")),
    ]
    assert amount == Decimal("0.00")
    assert _marks(app, subscription_id)[0][2] == date(2026, 4, 29)
    assert _bill(app, time_machine, date(2026, 5, 31)) == 1  # June's: nothing carried over
    receivable_id = _receivables(app, subscription_id)[1][0]
    assert _lines(app, receivable_id) == []


@pytest.fixture
def march(time_machine):
    """The clock at 1 March 2026, before the stand-in SVRS and the issuer are set up (their
    certificates and the issuer's first day follow it)."""
    _move(time_machine, date(2026, 3, 1))


def test_the_nfcom_of_a_bill_with_the_credit_carries_it_as_discount_and_validates(
    app, client, admin, time_machine, march, svrs, issuer, celery_worker
):
    code = customer_with_city_code(app)
    subscription_id = build_subscription(
        app,
        code,
        telecom_plan(app),  # 99.90
        due_day=10,
        first_due_date=date(2026, 4, 10),
        discount=Decimal("10.00"),
    )
    _reduce(app, time_machine, date(2026, 3, 2), [subscription_id])
    _restore(app, time_machine, date(2026, 3, 17), [subscription_id])
    assert _bill(app, time_machine, date(2026, 3, 31)) == 1
    ((receivable_id, _, amount),) = _receivables(app, subscription_id)
    # 89.90 x 15 / 31 x 50 / 100 = 21.75
    assert _lines(app, receivable_id) == [
        ("Redução de velocidade 02/03 a 16/03 (15 dias a 50%)", Decimal("-21.75"))
    ]
    assert amount == Decimal("68.15")

    celery_worker.send_task("tasks.fiscal.sweep")  # what beat sends every minute
    assert wait_until(lambda: status_of(app, receivable_id) == "authorized", timeout=60), (
        invoice_row(app, receivable_id).reason
    )
    xml = client.get(f"{API}/receivables/{receivable_id}/invoice.xml", headers=admin)
    assert xml.status_code == 200
    assert schemas.validate_proc(xml.data) == []
    document = etree.fromstring(xml.data)
    (item,) = document.findall(".//n:det/n:prod", namespaces=NFCOM)
    assert item.findtext("n:vItem", namespaces=NFCOM) == "99.90"
    assert item.findtext("n:vDesc", namespaces=NFCOM) == "31.75"  # the discount and the credit
    assert item.findtext("n:vProd", namespaces=NFCOM) == "68.15"
    assert document.findtext(".//n:total/n:vNF", namespaces=NFCOM) == "68.15"
