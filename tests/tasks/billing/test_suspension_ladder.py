"""The whole ladder with the default settings, day by day: boleto e-mail, each overdue notice,
the notice announcing the suspension and its date, then the suspension on that date, not before.

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
    return client.get(f"{API}/subscriptions/{subscription_id}", headers=admin).json["status"]


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


def test_the_ladder_warns_before_it_suspends_on_the_announced_date(
    app, client, admin, smtp, celery_worker, time_machine
):
    billing = app.config["BILLING"]
    assert billing["notice_business_days"] and billing["overdue_notice_days"] == (3, 10, 20)
    suspend_after, notice_days = (
        billing["auto_suspend_after_days"],
        billing["suspension_notice_days"],
    )
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
        warned_on = payable_until(DUE) + timedelta(days=suspend_after + 1)
    suspend_on = warned_on + timedelta(days=notice_days)

    days = _walk(app, client, admin, smtp, time_machine, subscription_id, suspend_on + timedelta(1))

    sent = {day: subjects for day, (subjects, _) in days.items() if subjects}
    assert sent == {
        DUE - timedelta(days=5): [f"Provedor: sua fatura vence em {DUE:%d/%m/%Y}"],
        **{day: [f"Provedor: fatura vencida em {DUE:%d/%m/%Y}"] for day in stages.values()}
        | {warned_on: [f"Provedor: aviso de suspensão em {suspend_on:%d/%m/%Y}"]},
    }
    assert warned_on < stages[20] < suspend_on  # the defaults: the reminder falls in between
    suspended = [day for day, (_, status) in days.items() if status == "suspended"]
    assert suspended == [suspend_on, suspend_on + timedelta(days=1)]  # on the date, not before

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
