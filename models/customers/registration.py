"""Registering a customer: the record and its default options, in one transaction.

Its own module so the dependency is one way: customer_options builds on customers, and this
builds on both (customers.py no longer imports customer_options inside a function).
"""

from models.customers.customer_options import add_default_options
from models.customers.customers import Customer, insert_customer


def create_customer(data: dict) -> Customer:
    """Register a customer from validated input (see schemas.customers.customers.CustomerInput)."""
    customer = insert_customer(data)
    add_default_options(customer.code)  # same transaction: no customer is ever without them
    return customer
