"""Builders for test data that go through the domain operations, never around them.

Each builder commits what it makes (as the API would) and returns its key, so tests can chain
them: a customer now; its subscriptions, receivables and equipment as those domains arrive,
each builder making the parent it needs when the test does not pass one.
"""

from flask import Flask

from models.audit import Actor, set_actor
from models.customers import create_customer
from models.db import db
from schemas.customers import CustomerInput
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
