"""Builders for test data that go through the domain operations, never around them.

Each builder commits what it makes (as the API would) and returns its key, so tests can chain
them: a customer now; its subscriptions, receivables and equipment as those domains arrive,
each builder making the parent it needs when the test does not pass one.
"""

import uuid
from datetime import timedelta
from decimal import Decimal

from flask import Flask

from models.audit import Actor, set_actor
from models.customers.registration import create_customer
from models.db import db
from schemas.customers.customers import CustomerInput
from tests.web.customer_payloads import pf_payload, pj_payload

BUILDER = Actor(username="test-builder", by_system=True)


def build_customer(app: Flask, kind: str = "PF", **fields) -> int:
    """A valid customer (PF by default) made by `create_customer`; returns its code."""
    payload = (pf_payload if kind == "PF" else pj_payload)(**fields)
    with app.app_context():
        set_actor(db.session, BUILDER)
        customer = create_customer(CustomerInput().load(payload))  # the API's own parsing
        db.session.commit()
        return customer.code


def build_plan(app: Flask, kind: str = "internet", **fields) -> int:
    """A plan on sale (internet, 100/50 Mbit/s, R$ 99.90 by default); returns its id."""
    from models.service.plans import create_plan

    data = {
        "name": fields.pop("name", f"Plano {kind} {uuid.uuid4().hex[:8]}"),
        "kind": kind,
        "price": Decimal(fields.pop("price", "99.90")),
        **({"download_kbps": 100_000, "upload_kbps": 50_000} if kind == "internet" else {}),
        **fields,
    }
    with app.app_context():
        set_actor(db.session, BUILDER)
        plan = create_plan(data)
        db.session.commit()
        return plan.id


def build_subscription(
    app: Flask, customer_code: int | None = None, plan_id: int | None = None, **fields
) -> int:
    """An active subscription (making the customer and an internet plan when not given)."""
    from models.service.subscriptions import create_subscription

    customer_code = customer_code or build_customer(app)
    plan_id = plan_id or build_plan(app)
    with app.app_context():
        set_actor(db.session, BUILDER)
        subscription = create_subscription(
            customer_code, {"plan_id": plan_id, "due_day": 10, **fields}
        )
        db.session.commit()
        return subscription.id


def build_login(
    app: Flask, subscription_id: int, username: str, password: str = "s3nha-pppoe"
) -> int:
    """A RADIUS login on the subscription (its rows written to radcheck and radusergroup)."""
    from models.service.items import add_item

    with app.app_context():
        set_actor(db.session, BUILDER)
        item = add_item(
            subscription_id, {"kind": "radius_login", "username": username, "password": password}
        )
        db.session.commit()
        return item.id


def build_due_suspensions(app: Flask, count: int, open_session_every: int = 0) -> list[int]:
    """`count` active subscriptions of one customer, a login each, and a suspension due today.

    Written in bulk (rows as the operations write them) so failure tests can afford thousands.
    Every `open_session_every`-th login has an open radacct session on NAS 127.0.0.1.
    Returns the subscription ids.
    """
    from models.clock import local_today, utcnow
    from models.service.items import Item
    from models.service.radius import RadAcct, RadCheck, RadUserGroup
    from models.service.scheduled_tasks import ScheduledTask
    from models.service.subscriptions import Subscription

    code, plan_id = build_customer(app), build_plan(app)
    with app.app_context():
        today, now = local_today(), utcnow()
        group = f"plano-{plan_id}"
        subscriptions = [
            {"customer_code": code, "plan_id": plan_id, "status": "active", "due_day": 10}
            | {"price": Decimal("99.90"), "discount": Decimal(0), "first_due_date": today}
            | {"created_at": now, "updated_at": now}
            for _ in range(count)
        ]
        ids = list(
            db.session.scalars(db.insert(Subscription).returning(Subscription.id), subscriptions)
        )
        usernames = {sid: f"cliente{sid}" for sid in ids}
        db.session.execute(
            db.insert(Item),
            [
                {"subscription_id": sid, "customer_code": code, "kind": "radius_login"}
                | {"username": name, "password": "s3nha-pppoe", "created_at": now}
                for sid, name in usernames.items()
            ],
        )
        for model, values in (
            (RadCheck, {"attribute": "Cleartext-Password", "op": ":=", "value": "s3nha-pppoe"}),
            (RadUserGroup, {"groupname": group, "priority": 1}),
        ):
            db.session.execute(
                db.insert(model), [{"username": name, **values} for name in usernames.values()]
            )
        db.session.execute(
            db.insert(ScheduledTask),
            [
                {"customer_code": code, "subscription_id": sid, "kind": "suspend"}
                | {"run_on": today, "status": "pending", "scheduled_by": "test-builder"}
                | {"attempts": 0, "created_at": now}
                for sid in ids
            ],
        )
        if open_session_every:
            db.session.execute(
                db.insert(RadAcct),
                [
                    {"acctsessionid": f"s{sid}", "acctuniqueid": f"u{sid}", "username": name}
                    | {"nasipaddress": "127.0.0.1", "acctstarttime": now, "acctupdatetime": now}
                    for sid, name in list(usernames.items())[::open_session_every]
                ],
            )
        db.session.commit()
        return ids


def build_open_session(
    app: Flask,
    username: str,
    session_id: str = "sess-1",
    last_seen=None,
    interval: int | None = 300,
) -> None:
    """An open radacct session of `username` on NAS 127.0.0.1, as FreeRADIUS records one.

    `last_seen`: its last interim update (default now); `interval`: its interim interval (s).
    """
    from models.clock import utcnow
    from models.service.radius import RadAcct

    with app.app_context():
        seen = last_seen or utcnow()
        db.session.add(
            RadAcct(
                acctsessionid=session_id,
                acctuniqueid=f"uniq-{session_id}",
                username=username,
                nasipaddress="127.0.0.1",
                acctstarttime=seen - timedelta(hours=1),
                acctupdatetime=seen,
                acctinterval=interval,
            )
        )
        db.session.commit()


def build_session(
    app: Flask,
    username: str,
    start,
    stop=None,
    input_octets: int = 1_000_000,
    output_octets: int = 5_000_000,
    nas: str = "10.0.0.1",
    framed_ip: str | None = "100.64.0.10",
    mac: str | None = "02:00:00:00:00:01",
    cause: str | None = None,
) -> int:
    """A radacct session as FreeRADIUS records it: open (no stop, no cause) while `stop` is
    None, else closed with its duration and `cause` (User-Request by default); returns its id."""
    from models.service.radius import RadAcct

    with app.app_context():
        serial = uuid.uuid4().hex
        session = RadAcct(
            acctsessionid=serial[:16],
            acctuniqueid=serial,
            username=username,
            realm="",
            nasipaddress=nas,
            nasporttype="Virtual",
            acctstarttime=start,
            acctupdatetime=stop or start,
            acctstoptime=stop,
            acctinterval=300,
            acctsessiontime=int((stop - start).total_seconds()) if stop else None,
            acctauthentic="RADIUS",
            acctinputoctets=input_octets,
            acctoutputoctets=output_octets,
            callingstationid=mac,
            acctterminatecause=(cause or "User-Request") if stop else None,
            servicetype="Framed-User",
            framedprotocol="PPP",
            framedipaddress=framed_ip,
        )
        db.session.add(session)
        db.session.commit()
        return session.radacctid


def build_voip_terminal(
    app: Flask,
    customer_code: int | None = None,
    number: str = "1133334444",
    username: str = "ramal1001",
    subscription_id: int | None = None,
) -> int:
    """A voice terminal (number and SIP user) on a voip subscription of the customer (made when
    not given), as the API adds one; returns the item's id."""
    from models.service.items import add_item

    if subscription_id is None:
        plan_id = build_plan(app, kind="voip", price="39.90")
        subscription_id = build_subscription(app, customer_code, plan_id)
    with app.app_context():
        set_actor(db.session, BUILDER)
        item = add_item(
            subscription_id, {"kind": "voip_terminal", "number": number, "username": username}
        )
        db.session.commit()
        return item.id


def build_contact(app: Flask, customer_code: int, name: str = "João da Silva", **fields) -> int:
    """A contact of the customer (any CONTACT_TYPES rule skipped: no type); returns its id."""
    from models.customers.contacts import create_contact
    from schemas.customers.contacts import ContactInput

    with app.app_context():
        set_actor(db.session, BUILDER)
        data = ContactInput().load({"name": name, **fields})  # the API's own parsing
        contact = create_contact(customer_code, data, app.config["CONTACT_TYPES"])
        db.session.commit()
        return contact.id


def build_cep(app: Flask, cep: str = "01310100", **fields) -> str:
    """A CEP directory entry (Avenida Paulista, São Paulo by default); returns the CEP."""
    from models.customers.ceps import store_entry

    row = {
        "cep": cep,
        "street": "Avenida Paulista",
        "district": "Bela Vista",
        "city": "São Paulo",
        "state": "SP",
        **fields,
    }
    with app.app_context():
        store_entry(row)
        db.session.commit()
    return cep


def build_equipment(app: Flask, patrimony_number: int, **fields) -> int:
    """An item in stock (a roteador by default); returns its id."""
    from models.service.equipment import create_equipment
    from schemas.service.equipment import EquipmentInput

    body = {"patrimony_number": patrimony_number, "type": "roteador", "model": "TP-Link", **fields}
    with app.app_context():
        set_actor(db.session, BUILDER)
        data = EquipmentInput().load(body)  # the API's own parsing
        item = create_equipment(data, tuple(app.config["EQUIPMENT_TYPES"]))
        db.session.commit()
        return item.id


def build_receivable(
    app: Flask,
    customer_code: int | None = None,
    amount: str = "99.90",
    due_date=None,
    subscription_id: int | None = None,
    source_key: str | None = None,
) -> int:
    """An open receivable of one line (making the customer when not given); returns its id."""
    from models.billing.receivables import create_receivable
    from models.clock import local_today

    customer_code = customer_code or build_customer(app)
    with app.app_context():
        set_actor(db.session, BUILDER)
        receivable = create_receivable(
            customer_code,
            "Mensalidade",
            due_date or local_today() + timedelta(days=10),
            [{"description": "Plano", "amount": Decimal(amount), "kind": "plan"}],
            source_key=source_key or f"test:{uuid.uuid4().hex}",
            subscription_id=subscription_id,
        )
        db.session.commit()
        return receivable.id


def build_skipped_notice(app: Flask, customer_code: int, receivable_id: int) -> int:
    """A boleto e-mail of the receivable, skipped (no e-mail address); returns its id."""
    from models.notices import notices
    from models.notices.boleto_notices import BOLETO

    with app.app_context():
        set_actor(db.session, BUILDER)
        notice = notices.claim_notice(receivable_id, BOLETO, 0, customer_code)
        db.session.flush()
        notices.skip([notice.id], notices.NO_ADDRESS)
        db.session.commit()
        return notice.id
