"""The whole ladder with the default settings, day by day: boleto e-mail, each overdue notice,
the notice announcing the reduced speed and its date, the reduction on that date, the notice
announcing the suspension and its date, then the suspension on that date, not before.

The clock moves (time_machine) a day at a time from a week before the due date; each day beat's
two sweeps run as it would run them (notices at NOTICES_AT, then suspension), the suite's real
worker sends the e-mails to a real SMTP server, and what arrived is read back.
"""

from datetime import date, datetime, time, timedelta

from models.billing.business_days import days_overdue, payable_until
from models.clock import local_today, zone
from models.notices.notices import SENT, SKIPPED
from tasks.billing import sweep_auto_suspension
from tasks.notices import sweep_notices
from tests.builders import build_customer, build_receivable, build_subscription
from tests.tasks.notice_sweep_helpers import notices
from tests.waiting import wait_until
from tests.web.api_helpers import API

DUE = date(2026, 3, 10)  # a Tuesday; Good Friday (3 April) falls inside the ladder


def _move_to(time_machine, day: date, hour: int) -> None:
    time_machine.move_to(datetime.combine(day, time(hour), tzinfo=zone()), tick=True)


def _settled(app) -> bool:
    return all(status in (SENT, SKIPPED) for *_, status in notices(app))


def _status(client, admin, subscription_id: int) -> str:
    """active, reduced (active at reduced speed), suspended or cancelled."""
    found = client.get(f"{API}/subscriptions/{subscription_id}", headers=admin).json
    return "reduced" if found["speed_reduced_at"] else found["status"]


def _text(message) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def _walk(app, client, admin, smtp, time_machine, subscription_id, last: date) -> dict:
    """Run each day's sweeps (suspension at AUTO_SUSPEND_AT, notices at NOTICES_AT) from a
    week before DUE to `last`: {day: (subjects that arrived, subscription status)}."""
    days, seen, day = {}, 0, DUE - timedelta(days=7)
    while day <= last:
        _move_to(time_machine, day, 6)  # AUTO_SUSPEND_AT
        with app.app_context():
            assert local_today() == day
            sweep_auto_suspension.apply().get()
        _move_to(time_machine, day, 8)  # NOTICES_AT
        with app.app_context():
            sweep_notices.apply().get()
        assert wait_until(lambda: _settled(app), timeout=60), f"notices of {day} not sent"
        arrived = [message["Subject"] for message in smtp.messages[seen:]]
        days[day], seen = (arrived, _status(client, admin, subscription_id)), smtp.count
        day += timedelta(days=1)
    return days


def test_the_ladder_warns_before_each_stage_and_runs_it_on_the_announced_date(
    app, client, admin, smtp, celery_worker, time_machine
):
    billing = app.config["BILLING"]
    assert billing["notice_business_days"] and billing["overdue_notice_days"] == (3, 10, 20)
    reduce_after, reduce_notice = billing["reduce_after_days"], billing["reduce_notice_days"]
    suspend_after, notice_days = (
        billing["auto_suspend_after_days"],
        billing["suspension_notice_days"],
    )
    assert billing["terminate_after_days"] is None  # off unless the ISP turns it on
    _move_to(time_machine, DUE - timedelta(days=7), 7)
    code = build_customer(app, name="Rita Lopes", email="rita@example.com")
    subscription_id = build_subscription(app, customer_code=code)
    receivable_id = build_receivable(app, customer_code=code, amount="99.90", due_date=DUE)
    with app.app_context():  # the days each rung falls on, by the rules the sweeps follow
        stages = {
            stage: next(
                DUE + timedelta(days=n)
                for n in range(1, 60)
                if days_overdue(DUE, DUE + timedelta(days=n)) == stage
            )
            for stage in (3, 10, 20)
        }
        reduce_warned_on = payable_until(DUE) + timedelta(days=reduce_after + 1)
        warned_on = payable_until(DUE) + timedelta(days=suspend_after + 1)
    reduce_on = reduce_warned_on + timedelta(days=reduce_notice)
    suspend_on = warned_on + timedelta(days=notice_days)

    days = _walk(app, client, admin, smtp, time_machine, subscription_id, suspend_on + timedelta(1))

    sent = {day: subjects for day, (subjects, _) in days.items() if subjects}
    assert sent == {
        DUE - timedelta(days=5): [f"Provedor: sua fatura vence em {DUE:%d/%m/%Y}"],
        **{day: [f"Provedor: fatura vencida em {DUE:%d/%m/%Y}"] for day in stages.values()}
        | {
            reduce_warned_on: [f"Provedor: aviso de redução da velocidade em {reduce_on:%d/%m/%Y}"],
            warned_on: [f"Provedor: aviso de suspensão em {suspend_on:%d/%m/%Y}"],
        },
    }
    # The defaults (docs/OPERATIONS.md): warned 16 days after D' (the due date moved to a
    # business day), reduced 15 days later, suspended 30 days after that.
    assert (reduce_on - reduce_warned_on).days == reduce_notice == 15
    assert (suspend_on - reduce_on).days == 30
    statuses = {day: status for day, (_, status) in days.items()}
    assert [day for day, status in statuses.items() if status == "reduced"] == [
        reduce_on + timedelta(days=n) for n in range((suspend_on - reduce_on).days)
    ]  # from the announced date, not before, until the suspension
    suspended = [day for day, status in statuses.items() if status == "suspended"]
    assert suspended == [suspend_on, suspend_on + timedelta(days=1)]  # on the date, not before

    by_key = {m["Message-ID"].split("@")[0].removeprefix("<notice."): m for m in smtp.messages}
    reduction = _text(by_key[f"reduction.{receivable_id}.0"])
    assert f"a partir de {reduce_on:%d/%m/%Y}" in reduction
    assert "reduzida a 50% da contratada" in reduction
    assert "a etapa seguinte é a suspensão total do serviço" in reduction
    assert "R$ 99,90" in reduction
    by_key = {m["Message-ID"].split("@")[0].removeprefix("<notice."): m for m in smtp.messages}
    first = _text(by_key[f"overdue.{receivable_id}.3"])
    assert "(3 dias úteis de atraso)" in first
    warning = _text(by_key[f"suspension.{receivable_id}.0"])
    assert f"suspenso a partir de {suspend_on:%d/%m/%Y}" in warning
    assert f"{notice_days} dias corridos após este aviso" in warning
    assert f"({(warned_on - DUE).days} dias corridos de atraso)" in warning

    history = client.get(f"{API}/customers/{code}/history?per_page=200", headers=admin).json
    entries = [(e["entity"], e["action"], e["changes"]) for e in history["items"]]
    assert any(
        entity == "notices" and {"field": "status", "old": "sending", "new": "sent"} in changes
        for entity, _, changes in entries
    )
    assert any(
        entity == "subscriptions"
        and {"field": "status", "old": "active", "new": "suspended"} in changes
        for entity, _, changes in entries
    )
