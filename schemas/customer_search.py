"""Customer search ("Pesquisar Cliente", manual [3]): its query and its page."""

from marshmallow import fields, validate

from models.customer_search import FIELDS
from schemas.common import PageQuery, page_of
from schemas.customers import CustomerOutput


class CustomerSearchQuery(PageQuery):
    q = fields.String(validate=validate.Length(max=200))
    field = fields.String(load_default="any", validate=validate.OneOf(FIELDS))
    active = fields.Boolean()


CustomerPage = page_of(
    CustomerOutput,
    "CustomerPage",
    total_exact=fields.Boolean(
        required=True,
        metadata={"description": "False when total is the database's estimate (very common terms)"},
    ),
)
