"""The non-payment ladder's stages beside the suspension: reduced speed (RADIUS's reduced group,
a CoA-Request to the NAS), the holds' flags, full speed back on payment, and termination.

The sweep runs in this process with a date; the CoA-Requests and the lifting on payment run on
the suite's real Celery worker, sent after the commit, to a NAS stand-in.
"""

import os
import signal
import subprocess
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import text

from models.billing.auto_suspension import REDUCTION, TERMINATION
from models.billing.settings import BillingPolicy
from models.clock import utcnow
from models.db import db
from models.service import radius
from models.service.radius_disconnects import claim_for_sending, record_outcome
from models.settings import current
from tasks.billing import lift_if_paid, sweep_auto_suspension
from tasks.service import DICTIONARY, retry_disconnects
from tests.builders import (
    build_customer,
    build_login,
    build_open_session,
    build_plan,
    build_receivable,
    build_subscription,
)
from tests.outbox import recorded_effects
from tests.radius_stand_in import NasStandIn
from tests.tasks.billing.test_auto_suspension import (
    _pay,
    announce,
    group_of,
    subscription,
    sweep,
)
from tests.tasks.billing.test_equipment_sale import CELERY, ROOT
from tests.waiting import wait_until
from tests.web.api_helpers import API
from tests.web.customers.test_customer_options import all_options

NAS_SECRET = "segredo-do-nas"
PLAN = {"download_kbps": 100_000, "upload_kbps": 50_000}  # tests.builders.build_plan's
REDUCED = "25000k/50000k"  # upload/download at the default 50%
FULL = "50000k/100000k"


@pytest.fixture
def nas(app):
    """A NAS stand-in registered in the nas table, answering CoA and Disconnect requests."""
    stand_in = NasStandIn(NAS_SECRET, DICTIONARY)
    with app.app_context():
        radius.add_nas(
            {
                "nasname": "127.0.0.1",
                "shortname": "bng",
                "secret": NAS_SECRET,
                "coa_port": stand_in.port,
            }
        )
        db.session.commit()
    yield stand_in
    stand_in.close()


def _policy(app) -> BillingPolicy:
    with app.app_context():
        return current(BillingPolicy)


def _today(app) -> date:
    from models.clock import local_today

    with app.app_context():
        return local_today()


def debtor(
    app, client, admin, late_by: int, told_days_ago: int | None, kind=REDUCTION, login="devedor"
):
    """A customer (auto_suspend on) with an internet subscription, a login with an open session
    and a bill `late_by` days overdue; the `kind` notice sent `told_days_ago` (None: never).
    Returns (code, subscription id, receivable id)."""
    code = build_customer(app)
    options = all_options(auto_suspend=True)
    response = client.put(f"{API}/customers/{code}/options", json=options, headers=admin)
    assert response.status_code == 200, response.get_json()
    subscription_id = build_subscription(app, customer_code=code)
    build_login(app, subscription_id, login)
    build_open_session(app, login, f"sessao-{login}")
    today = _today(app)
    receivable_id = build_receivable(app, customer_code=code, due_date=today - timedelta(late_by))
    if told_days_ago is not None:
        announce(app, code, receivable_id, today - timedelta(told_days_ago), kind)
    return code, subscription_id, receivable_id


def _swept(**counts) -> dict:
    return {"enabled": 0, "restored": 0, "reduced": 0, "suspended": 0, "terminated": 0, **counts}


def _group_replies(app, group: str) -> dict:
    with app.app_context():
        rows = db.session.execute(
            text("SELECT attribute, value FROM radgroupreply WHERE groupname = :g"), {"g": group}
        )
        return dict(rows.all())


def _reductions(app, subscription_id: int) -> list[tuple]:
    """(percent, started_on, ended_on) of the subscription's reduced periods, dates as text."""
    with app.app_context():
        rows = db.session.execute(
            text(
                "SELECT percent, started_on, ended_on FROM speed_reductions"
                " WHERE subscription_id = :s ORDER BY id"
            ),
            {"s": subscription_id},
        ).all()
    return [(percent, str(start), end and str(end)) for percent, start, end in rows]


def _plan_id(app, subscription_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            text("SELECT plan_id FROM subscriptions WHERE id = :s"), {"s": subscription_id}
        )


def _coa_sent(nas: NasStandIn) -> list[tuple]:
    return [(r.user_name, r.rate_limit, r.address_list) for r in nas.requests() if r.code == 43]


def test_the_reduction_cuts_the_speeds_in_radius_and_tells_the_nas_by_coa(
    app, client, admin, celery_worker, nas
):
    policy = _policy(app)
    assert (policy.reduce_after_days, policy.reduce_notice_days) == (15, 15)
    assert policy.reduce_speed_percent == 50
    code, subscription_id, _ = debtor(app, client, admin, late_by=31, told_days_ago=15)

    assert sweep(app) == _swept(reduced=1)

    found = subscription(client, admin, subscription_id)
    assert found["status"] == "active" and found["speed_reduced_at"] is not None
    plan_id = _plan_id(app, subscription_id)
    assert group_of(app, "devedor") == f"reduzido-{plan_id}"
    assert _group_replies(app, f"reduzido-{plan_id}") == {"Mikrotik-Rate-Limit": REDUCED}
    assert _reductions(app, subscription_id) == [(50, str(_today(app)), None)]
    # The open session is cut by a CoA-Request (not disconnected), acknowledged.
    assert wait_until(lambda: _coa_sent(nas), timeout=30), "no CoA-Request reached the NAS"
    assert _coa_sent(nas) == [("devedor", REDUCED, None)]
    assert all(r.verified for r in nas.requests())
    history = client.get(f"{API}/customers/{code}/history?per_page=50", headers=admin).json
    changed = [
        change["field"]
        for entry in history["items"]
        if entry["entity"] == "subscriptions" and entry["by_system"]
        for change in entry["changes"]
    ]
    assert "speed_reduced_at" in changed
    assert sweep(app) == _swept()  # nothing twice


def test_the_address_list_goes_with_the_reduced_speed_when_set(
    app, client, admin, celery_worker, nas, override_settings
):
    override_settings(BillingPolicy, reduce_address_list="aviso-pagamento", reduce_speed_percent=10)
    _, subscription_id, _ = debtor(app, client, admin, late_by=31, told_days_ago=15)

    assert sweep(app) == _swept(reduced=1)

    plan_id = _plan_id(app, subscription_id)
    assert _group_replies(app, f"reduzido-{plan_id}") == {
        "Mikrotik-Rate-Limit": "5000k/10000k",
        "Mikrotik-Address-List": "aviso-pagamento",
    }
    assert wait_until(lambda: _coa_sent(nas), timeout=30)
    assert _coa_sent(nas) == [("devedor", "5000k/10000k", "aviso-pagamento")]


@pytest.mark.parametrize(
    ("late_by", "told_days_ago", "kind"),
    [
        (31, 14, REDUCTION),  # told a day too late
        (31, None, REDUCTION),  # never told
        (15, 15, REDUCTION),  # told, but not yet overdue by more than the stage's days
        (31, 15, "suspension"),  # told of another stage
    ],
)
def test_no_reduction_before_its_notice_days_nor_without_its_notice(
    app, client, admin, late_by, told_days_ago, kind
):
    _, subscription_id, _ = debtor(app, client, admin, late_by, told_days_ago, kind)
    with recorded_effects():
        assert sweep(app) == _swept()
    assert subscription(client, admin, subscription_id)["speed_reduced_at"] is None


def test_payment_gives_full_speed_back_within_a_minute_and_tells_the_nas(
    app, client, admin, celery_worker, nas
):
    _, subscription_id, receivable_id = debtor(app, client, admin, late_by=31, told_days_ago=15)
    assert sweep(app) == _swept(reduced=1)
    assert wait_until(lambda: len(_coa_sent(nas)) == 1, timeout=30)
    plan_group = subscription(client, admin, subscription_id)["plan"]["radius_group"]

    _pay(client, admin, receivable_id, _today(app))

    # The payment's task (on the worker) restores the plan's group and sends the full speed.
    assert wait_until(lambda: group_of(app, "devedor") == plan_group, timeout=60)
    assert wait_until(lambda: len(_coa_sent(nas)) == 2, timeout=60)
    assert _coa_sent(nas)[1] == ("devedor", FULL, None)
    assert subscription(client, admin, subscription_id)["speed_reduced_at"] is None
    assert _reductions(app, subscription_id) == [(50, str(_today(app)), str(_today(app)))]
    assert sweep(app) == _swept()


@pytest.mark.parametrize(
    ("no_suspend", "no_reduce", "reduced", "suspended"),
    [(True, True, 0, 0), (True, False, 1, 0), (False, True, 0, 1), (False, False, 1, 0)],
)
def test_a_scheduled_suspension_holds_off_each_stage_by_its_flag(
    app, client, admin, no_suspend, no_reduce, reduced, suspended
):
    """Suspensão Programada: "Suspender" keeps the suspension off, "Reduzir" the reduction.

    Both notices were sent long enough ago. Without a hold the sweep reduces, and suspends only
    30 days later (the next test); with the reduction held off, it suspends at once."""
    code, subscription_id, receivable_id = debtor(app, client, admin, late_by=61, told_days_ago=30)
    announce(app, code, receivable_id, _today(app) - timedelta(days=15), "suspension")
    until = (_today(app) + timedelta(days=5)).isoformat()
    body = {"until": until, "reason": "Acordo", "no_suspend": no_suspend, "no_reduce": no_reduce}
    if no_suspend or no_reduce:
        response = client.post(
            f"{API}/subscriptions/{subscription_id}/suspension-hold", json=body, headers=admin
        )
        assert response.status_code == 201, response.json
        assert response.json["status"] == "in_force"
        assert (response.json["no_suspend"], response.json["no_reduce"]) == (no_suspend, no_reduce)
    with recorded_effects():
        result = sweep(app)
    assert (result["reduced"], result["suspended"]) == (reduced, suspended)
    found = subscription(client, admin, subscription_id)
    assert found["status"] == ("suspended" if suspended else "active")
    assert (found["speed_reduced_at"] is not None) == (reduced == 1)


def test_a_hold_with_neither_flag_is_refused_and_holds_are_listed_by_status(app, client, admin):
    _, subscription_id, _ = debtor(app, client, admin, late_by=1, told_days_ago=None)
    url = f"{API}/subscriptions/{subscription_id}/suspension-hold"
    until = (_today(app) + timedelta(days=5)).isoformat()
    refused = client.post(
        url,
        json={"until": until, "reason": "x" * 3, "no_suspend": False, "no_reduce": False},
        headers=admin,
    )
    assert refused.status_code == 422, refused.json
    assert client.get(f"{API}/suspension-holds", headers=admin).json["total"] == 0

    assert (
        client.post(url, json={"until": until, "reason": "Viagem"}, headers=admin).status_code
        == 201
    )
    assert client.delete(url, headers=admin).status_code == 200
    assert (
        client.post(url, json={"until": until, "reason": "Acordo"}, headers=admin).status_code
        == 201
    )

    def listed(status):
        page = client.get(f"{API}/suspension-holds?status={status}", headers=admin).json
        return [(item["reason"], item["status"]) for item in page["items"]]

    assert listed("in_force") == [("Acordo", "in_force")]
    assert listed("lifted") == [("Viagem", "lifted")]
    assert listed("expired") == []
    assert client.get(f"{API}/suspension-holds?status=valid", headers=admin).status_code == 422


def test_termination_cancels_what_the_ladder_suspended_after_its_notice_and_30_days(
    app, client, admin, override_settings
):
    override_settings(BillingPolicy, reduce_after_days=None, terminate_after_days=75)
    code, subscription_id, receivable_id = debtor(
        app, client, admin, late_by=91, told_days_ago=None
    )
    today = _today(app)
    announce(app, code, receivable_id, today - timedelta(days=30), "suspension")
    with recorded_effects():
        assert sweep(app) == _swept(suspended=1)
        assert sweep(app, today + timedelta(days=30)) == _swept()  # no termination notice yet
    announce(app, code, receivable_id, today + timedelta(days=16), TERMINATION)
    with recorded_effects():
        assert sweep(app, today + timedelta(days=30)) == _swept()  # told a day short
        assert sweep(app, today + timedelta(days=31)) == _swept(terminated=1)
    found = subscription(client, admin, subscription_id)
    assert (found["status"], found["cancel_reason"]) == ("cancelled", "Inadimplência")
    assert group_of(app, "devedor") is None  # no RADIUS rows left


def test_termination_waits_30_days_of_suspension_whatever_the_notice(
    app, client, admin, override_settings
):
    override_settings(BillingPolicy, reduce_after_days=None, terminate_after_days=75)
    code, subscription_id, receivable_id = debtor(
        app, client, admin, late_by=91, told_days_ago=None
    )
    today = _today(app)
    announce(app, code, receivable_id, today - timedelta(days=30), "suspension")
    announce(app, code, receivable_id, today - timedelta(days=15), TERMINATION)
    with recorded_effects():
        assert sweep(app) == _swept(suspended=1)
        assert sweep(app, today + timedelta(days=29)) == _swept()
        assert sweep(app, today + timedelta(days=30)) == _swept(terminated=1)
    assert subscription(client, admin, subscription_id)["status"] == "cancelled"


def test_exactly_once_when_two_sweeps_reduce_at_the_same_time(app, client, admin):
    debtors = [
        debtor(app, client, admin, late_by=31, told_days_ago=15, login=f"devedor{n}")[1]
        for n in range(6)
    ]
    results, barrier = [], threading.Barrier(2)

    def run():
        barrier.wait()
        with app.app_context():
            results.append(sweep(app, chunk=2))

    with recorded_effects():
        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sum(result["reduced"] for result in results) == 6
    with app.app_context():
        periods = db.session.scalar(text("SELECT count(*) FROM speed_reductions"))
        coa = db.session.execute(
            text(
                "SELECT username, count(*) FROM radius_disconnects"
                " WHERE kind = 'coa' GROUP BY username"
            )
        ).all()
    assert periods == 6
    assert sorted(coa) == sorted((f"devedor{n}", 1) for n in range(6))
    assert all(subscription(client, admin, sid)["speed_reduced_at"] for sid in debtors)


def test_a_plan_group_named_like_a_reduced_group_is_refused(client, admin):
    body = {"name": "Fibra X", "kind": "internet", "price": "99.90", "radius_group": "reduzido-7"}
    response = client.post(f"{API}/plans", json=body, headers=admin)
    assert response.status_code == 422
    assert "radius_group" in response.json["errors"]


@pytest.mark.slow
def test_a_worker_killed_mid_sweep_leaves_no_stage_done_twice_or_lost(
    app, client, admin, settings, tmp_path
):
    debtors = [
        debtor(app, client, admin, late_by=31, told_days_ago=15, login=f"morto{n}")[1]
        for n in range(6)
    ]
    pause, log = tmp_path / "pause", tmp_path / "worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "CELERY_BROKER_URL": settings.broker_url,
        "PROVEDOR_VAR_DIR": str(settings.var_dir),
        "PYTHONPATH": str(ROOT),
        "LADDER_PAUSE_FILE": str(pause),
    }
    command = [CELERY, "-A", "tests.tasks.billing.ladder_crash_worker", "worker", "-c", "1"]
    command += ["-Q", "ladder-kill", "-n", "ladder-kill@%h", "-l", "INFO"]
    with log.open("a") as out, recorded_effects():
        worker = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            run_date = _today(app).isoformat()
            sweep_auto_suspension.apply_async([run_date, 2], queue="ladder-kill")
            assert wait_until(pause.exists, timeout=90), log.read_text()[-3000:]
        finally:
            os.killpg(worker.pid, signal.SIGKILL)  # mid-chunk: written, not committed
            worker.wait(timeout=30)
        reduced = [s for s in debtors if subscription(client, admin, s)["speed_reduced_at"]]
        assert len(reduced) == 2  # the first chunk committed, the second died with the worker

        assert sweep(app, chunk=2) == _swept(reduced=4)  # beat's next sweep does the rest
        assert sweep(app, chunk=2) == _swept()
    with app.app_context():
        periods = db.session.execute(
            text("SELECT subscription_id, count(*) FROM speed_reductions GROUP BY subscription_id")
        ).all()
        coa = db.session.execute(
            text("SELECT username, count(*) FROM radius_disconnects GROUP BY username")
        ).all()
    assert sorted(periods) == sorted((s, 1) for s in debtors)
    assert sorted(coa) == sorted((f"morto{n}", 1) for n in range(6))


def test_a_plan_s_new_speeds_and_a_new_percentage_reach_its_reduced_group_at_the_next_sweep(
    app, client, admin, override_settings
):
    _, subscription_id, _ = debtor(app, client, admin, late_by=31, told_days_ago=15)
    with recorded_effects():
        assert sweep(app) == _swept(reduced=1)
    plan_id = subscription(client, admin, subscription_id)["plan"]["id"]
    changed = client.patch(f"{API}/plans/{plan_id}", json={"download_kbps": 200_000}, headers=admin)
    assert changed.status_code == 200, changed.json
    override_settings(BillingPolicy, reduce_speed_percent=25)
    with recorded_effects():
        assert sweep(app) == _swept()
    assert _group_replies(app, f"reduzido-{plan_id}") == {"Mikrotik-Rate-Limit": "12500k/50000k"}


def test_a_coa_whose_message_was_lost_is_sent_by_beat_s_retry(app, client, admin, nas):
    """Redis restarted (or down) after the commit: the message is gone, the row is not."""
    debtor(app, client, admin, late_by=31, told_days_ago=15)
    with recorded_effects():  # the CoA's message never reaches a worker
        assert sweep(app) == _swept(reduced=1)
    assert nas.requests() == []
    with app.app_context():
        assert retry_disconnects.run() == 1  # beat's retry of the requests due
        assert retry_disconnects.run() == 0
    assert _coa_sent(nas) == [("devedor", REDUCED, None)]


def test_the_suspension_comes_30_days_after_the_reduction_not_with_it(app, client, admin):
    """The stages keep their gap (AUTO_SUSPEND_AFTER_DAYS - REDUCE_AFTER_DAYS): a customer
    whose two notices went long ago is reduced today and suspended 30 days later."""
    code, subscription_id, receivable_id = debtor(app, client, admin, late_by=61, told_days_ago=30)
    announce(app, code, receivable_id, _today(app) - timedelta(days=15), "suspension")
    today = _today(app)
    with recorded_effects():
        assert sweep(app) == _swept(reduced=1)
        assert sweep(app, today + timedelta(days=29)) == _swept()
        assert sweep(app, today + timedelta(days=30)) == _swept(suspended=1)
    found = subscription(client, admin, subscription_id)
    assert (found["status"], found["speed_reduced_at"]) == ("suspended", None)
    assert _reductions(app, subscription_id) == [(50, str(today), str(today))]


def test_paying_the_oldest_bill_only_goes_back_one_stage(app, client, admin):
    """Suspended with two bills owed, the customer pays the oldest: the suspension is lifted,
    but the other bill is overdue past the reduced-speed stage's days, so the speed stays cut."""
    code, subscription_id, oldest = debtor(app, client, admin, late_by=70, told_days_ago=None)
    with app.app_context():
        today = _today(app)
    build_receivable(app, customer_code=code, due_date=today - timedelta(days=20))  # still owed
    announce(app, code, oldest, today - timedelta(days=40), "suspension")
    with recorded_effects():  # reduced long ago (the stage's gap), then suspended by the ladder
        with app.app_context():
            db.session.execute(
                text("UPDATE subscriptions SET speed_reduced_at = :at WHERE id = :s"),
                {"at": utcnow() - timedelta(days=40), "s": subscription_id},
            )
            db.session.commit()
        assert sweep(app) == _swept(suspended=1)
    with recorded_effects():
        _pay(client, admin, oldest, today)
        assert sweep(app) == _swept(enabled=1)
    found = subscription(client, admin, subscription_id)
    assert found["status"] == "active" and found["speed_reduced_at"] is not None
    plan_id = _plan_id(app, subscription_id)
    assert group_of(app, "devedor") == f"reduzido-{plan_id}"
    assert _group_replies(app, f"reduzido-{plan_id}") == {"Mikrotik-Rate-Limit": REDUCED}


def test_a_reduction_coa_in_flight_when_the_customer_pays_is_never_sent_after_the_full_speed(
    app, client, admin
):
    code, _, receivable_id = debtor(app, client, admin, late_by=31, told_days_ago=15)
    with recorded_effects():
        assert sweep(app) == _swept(reduced=1)
    with app.app_context():
        reduce_id, lease = claim_for_sending()  # a sender is waiting on a slow NAS with it
        db.session.commit()
    with recorded_effects():
        _pay(client, admin, receivable_id, _today(app))
        with app.app_context():
            assert lift_if_paid.apply(args=[code]).get() == 1  # the payment's task
    with app.app_context():
        # The slow sender comes back with a timeout: nothing is recorded, nothing retried.
        assert record_outcome(reduce_id, lease, None, "No answer.", 5) is False
        db.session.commit()
        rows = db.session.execute(
            text("SELECT rate_limit, status FROM radius_disconnects ORDER BY id")
        ).all()
    assert [tuple(row) for row in rows] == [(REDUCED, "superseded"), (FULL, "pending")]


def test_a_reduced_subscription_moved_to_another_plan_keeps_a_reduced_speed_of_that_plan(
    app, client, admin
):
    _, subscription_id, _ = debtor(app, client, admin, late_by=31, told_days_ago=15)
    with recorded_effects():
        assert sweep(app) == _swept(reduced=1)
    faster = build_plan(app, download_kbps=400_000, upload_kbps=200_000)
    with recorded_effects():
        moved = client.patch(
            f"{API}/subscriptions/{subscription_id}", json={"plan_id": faster}, headers=admin
        )
    assert moved.status_code == 200, moved.json
    assert group_of(app, "devedor") == f"reduzido-{faster}"
    assert _group_replies(app, f"reduzido-{faster}") == {"Mikrotik-Rate-Limit": "100000k/200000k"}
    with app.app_context():
        coa = db.session.execute(
            text("SELECT rate_limit, status FROM radius_disconnects ORDER BY id")
        ).all()
    assert [tuple(row) for row in coa] == [(REDUCED, "superseded"), ("100000k/200000k", "pending")]


def test_a_new_percentage_starts_a_new_period_credited_at_it(app, client, admin, override_settings):
    _, subscription_id, _ = debtor(app, client, admin, late_by=31, told_days_ago=15)
    with recorded_effects():
        assert sweep(app) == _swept(reduced=1)
        override_settings(BillingPolicy, reduce_speed_percent=25)
        assert sweep(app) == _swept()
    today = str(_today(app))
    assert _reductions(app, subscription_id) == [(50, today, today), (25, today, None)]


def test_every_customer_s_holds_are_listed_for_staff_who_deal_with_debts_only(client, headers_for):
    for role, status in (("admin", 200), ("attendant", 200), ("finance", 200), ("technician", 403)):
        response = client.get(f"{API}/suspension-holds", headers=headers_for(role))
        assert response.status_code == status, role
