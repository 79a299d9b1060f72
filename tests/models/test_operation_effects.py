"""Operations queue their own follow-up tasks: called outside a request (a CLI command, a task,
a plain app context that commits), an operation sends what its route sends (models/effects.py).
Nothing reaches a worker here: the sender records."""

from datetime import timedelta
from decimal import Decimal

import pytest

from models.audit import Actor, set_actor
from models.billing import receivables
from models.billing.equipment_sales import sell_equipment
from models.clock import local_today
from models.db import db
from models.extracts import exports
from models.service import items, scheduled_tasks
from models.service.subscription_changes import change_status
from models.staff.users import User
from schemas.billing.equipment_sales import SaleInput
from tests.builders import (
    build_customer,
    build_equipment,
    build_login,
    build_open_session,
    build_receivable,
    build_subscription,
)
from tests.outbox import recorded_effects
from tests.web.api_helpers import API

LIFT, DISCONNECT = "tasks.suspension.lift_if_paid", "tasks.radius.send_requests"
BILL, RUN_EXPORT = "tasks.equipment.bill_sale", "tasks.exports.run_export"


def _via_route(client, method: str, url: str, headers: dict, body: dict | None = None) -> list:
    with recorded_effects() as sent:
        response = client.open(f"{API}{url}", method=method, json=body, headers=headers)
    assert response.status_code < 300, response.get_json()
    return sent


@pytest.fixture
def clerk(make_user) -> Actor:
    """Who the operations run for: the system acting for a user, as in a task."""
    user = make_user("clerk", "finance")
    return Actor(username=user.username, user_id=user.id, by_system=True)


def _via_operation(app, operation, actor: Actor) -> list:
    """Run `operation()` in a plain app context for `actor` and commit; what was sent."""
    with app.app_context(), recorded_effects() as sent:
        set_actor(db.session, actor)
        operation()
        assert sent == []  # nothing before the commit
        db.session.commit()
    return sent


def _user_id(app, username: str) -> int:
    with app.app_context():
        return db.session.scalar(db.select(User.id).where(User.username == username))


@pytest.mark.parametrize("how", ["settle", "cancel"])
def test_a_payment_or_a_cancelled_bill_lifts_a_suspension_whoever_records_it(
    app, client, admin, clerk, how
):
    code = build_customer(app)
    by_route, by_operation = (build_receivable(app, customer_code=code) for _ in range(2))
    if how == "settle":
        body = {"paid_on": local_today().isoformat(), "amount": "99.90"}
        sent = _via_route(client, "POST", f"/receivables/{by_route}/payments", admin, body)
        later = _via_operation(
            app, lambda: receivables.settle(by_operation, local_today(), Decimal("99.90")), clerk
        )
    else:
        body = {"reason": "Cobrado por engano"}
        sent = _via_route(client, "POST", f"/receivables/{by_route}/cancel", admin, body)
        later = _via_operation(
            app, lambda: receivables.cancel(by_operation, "Em duplicidade"), clerk
        )
    assert sent == [(LIFT, (code,), {"requested_by": _user_id(app, "admin.user")})]
    assert later == [(LIFT, (code,), {"requested_by": clerk.user_id})]


def _login_with_a_session(app, username: str) -> tuple[int, int]:
    subscription_id = build_subscription(app)
    item_id = build_login(app, subscription_id, username)
    build_open_session(app, username, f"sessao-{username}")
    return subscription_id, item_id


def _disconnect_ids(app) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(db.text("SELECT id FROM radius_disconnects ORDER BY id")))


def test_a_suspension_sends_its_disconnects_whoever_suspends(app, client, admin, clerk):
    by_route, _ = _login_with_a_session(app, "rota")
    by_operation, _ = _login_with_a_session(app, "operacao")
    sent = _via_route(client, "POST", f"/subscriptions/{by_route}/suspend", admin)
    later = _via_operation(app, lambda: change_status(by_operation, "suspend"), clerk)
    first, second = _disconnect_ids(app)
    assert (sent, later) == ([(DISCONNECT, ([first],), {})], [(DISCONNECT, ([second],), {})])


def test_deleting_a_login_sends_its_disconnects_whoever_deletes(app, client, admin, clerk):
    subscription_id, item_id = _login_with_a_session(app, "rota")
    other_subscription, other_item = _login_with_a_session(app, "operacao")
    sent = _via_route(client, "DELETE", f"/subscriptions/{subscription_id}/items/{item_id}", admin)
    later = _via_operation(app, lambda: items.delete_item(other_subscription, other_item), clerk)
    first, second = _disconnect_ids(app)
    assert (sent, later) == ([(DISCONNECT, ([first],), {})], [(DISCONNECT, ([second],), {})])


def test_cancelling_outside_a_request_withdraws_the_pending_scheduled_tasks(app, clerk):
    code = build_customer(app)
    subscription_id = build_subscription(app, customer_code=code)
    run_on = local_today() + timedelta(days=5)
    with app.app_context():
        set_actor(db.session, clerk)
        task = scheduled_tasks.schedule(
            code, {"subscription_id": subscription_id, "kind": "suspend", "run_on": run_on}
        )
        db.session.commit()
        task_id = task.id
    cancel = _via_operation(
        app, lambda: change_status(subscription_id, "cancel", "Mudança de endereço"), clerk
    )
    assert cancel == []  # no login, no session: nothing to disconnect
    with app.app_context():
        task = db.session.get(scheduled_tasks.ScheduledTask, task_id)
        assert (task.status, task.failure_reason) == (
            "cancelled",
            "The subscription was cancelled.",
        )


def _sale_body(app, subscription_id: int, patrimony: int) -> dict:
    return {
        "subscription_id": subscription_id,
        "responsible_user": "joao.tecnico",
        "confirming_user": "ana.supervisora",
        "items": [build_equipment(app, patrimony)],
        "sale": {"price": "100.00", "mode": "billing_event", "installments": 2},
    }


def test_a_sale_is_billed_whoever_records_it(app, client, admin, clerk, make_user):
    make_user("joao.tecnico", "technician")
    make_user("ana.supervisora", "admin")
    code = build_customer(app)
    subscription_id = build_subscription(app, customer_code=code)
    body = _sale_body(app, subscription_id, 401)
    sent = _via_route(client, "POST", f"/customers/{code}/equipment-sales", admin, body)
    body = _sale_body(app, subscription_id, 402)
    later = _via_operation(app, lambda: sell_equipment(code, SaleInput().load(body)), clerk)
    with app.app_context():
        first, second = db.session.scalars(db.text("SELECT id FROM equipment_sales ORDER BY id"))
    assert (sent, later) == ([(BILL, (first,), {})], [(BILL, (second,), {})])


def test_an_export_started_anywhere_is_run_by_a_worker_and_one_run_here_is_not(
    app, client, admin, clerk
):
    body = {"source": "connections", "format": "csv"}
    sent = _via_route(client, "POST", "/exports", admin, body)
    admin_id = _user_id(app, "admin.user")

    def start() -> None:
        exports.start_export(body, db.session.get(User, admin_id))

    later = _via_operation(app, start, clerk)
    kept = _via_operation(app, lambda: exports.create_export(body, None, "operador"), clerk)
    with app.app_context():
        first, second, _ = db.session.scalars(db.text("SELECT id FROM exports ORDER BY id"))
    assert sent == [(RUN_EXPORT, (first,), {"requested_by": admin_id})]
    assert later == [(RUN_EXPORT, (second,), {"requested_by": admin_id})]
    assert kept == []  # the CLI's export: it runs in the command itself
