"""The LGPD access right: everything held about a customer, in one JSON document."""

from models.customers.personal_data import personal_data
from schemas.customers.personal_data import PersonalDataOutput
from web.extensions import Blueprint
from web.permissions import READ
from web.security import requires

URL_PREFIX = "/customers"
blp = Blueprint("personal_data", __name__, description="Everything held about a customer (LGPD)")


@blp.route("/<int:code>/personal-data", methods=["GET"])
@blp.response(200, PersonalDataOutput)
@requires("personal_data", READ)
def read(code):
    """The record, its contacts, addresses, observations, documents, payment data, consents,
    subscriptions and items, receivables, notices, equipment and its sales, trust unlocks and
    holds, a summary of connections and calls, and the change history."""
    return personal_data(code)
