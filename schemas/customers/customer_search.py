"""Customer search ("Pesquisar Cliente", manual [3]): its query and its page."""

from marshmallow import fields, validate

from models.customers.customer_search import FIELDS, RULES, SORTS
from schemas.common import PageQuery, page_of
from schemas.customers.customers import CustomerOutput

_RULES_TEXT = "; ".join(f"{field}: {rule}" for field, rule in RULES.items())


class CustomerSearchQuery(PageQuery):
    q = fields.String(
        validate=validate.Length(max=200),
        metadata={
            "description": "The term; empty lists everyone. A term the field cannot use is a "
            f"422 that says the field's rule. {_RULES_TEXT}. `email` also finds a mailbox of the "
            "customer's plans. `any` searches every field that can use the term, and a whole "
            "RADIUS or SIP login."
        },
    )
    field = fields.String(load_default="any", validate=validate.OneOf(FIELDS))
    sort = fields.String(
        load_default="code",
        validate=validate.OneOf(SORTS),
        metadata={"description": "code (the default) or name (alphabetical, then code)"},
    )
    active = fields.Boolean()


CustomerPage = page_of(
    CustomerOutput,
    "CustomerPage",
    total_exact=fields.Boolean(
        required=True,
        metadata={"description": "False when total is the database's estimate (very common terms)"},
    ),
)
