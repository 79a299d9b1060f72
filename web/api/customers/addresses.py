"""A customer's other addresses [5.3]: installation, billing, delivery, ..."""

from flask import current_app, url_for

from models.customers import addresses
from schemas.customers.addresses import (
    CustomerAddressInput,
    CustomerAddressList,
    CustomerAddressOutput,
    CustomerAddressPatch,
)
from web.api.customers.ceps import UNAVAILABLE, provider
from web.extensions import Blueprint
from web.permissions import READ, WRITE
from web.security import requires

URL_PREFIX = ""
_ADDRESSES = "/customers/<int:code>/addresses"
blp = Blueprint("addresses", __name__, description="A customer's other addresses")


def _types() -> tuple[str, ...]:
    return tuple(current_app.config["ADDRESS_TYPES"])


@blp.route(_ADDRESSES, methods=["GET"])
@blp.response(200, CustomerAddressList)
@requires("customers", READ)
def list_addresses(code):
    """The customer's addresses, oldest first (at most 50)."""
    return {"items": addresses.list_addresses(code)}


@blp.route(_ADDRESSES, methods=["POST"])
@blp.arguments(CustomerAddressInput)
@blp.created(CustomerAddressOutput, "address")
@blp.alt_response(409, description="The customer has the most addresses allowed (50)")
@blp.alt_response(503, description=UNAVAILABLE)
@requires("customers", WRITE)
def create_address(data, code):
    """Add an address; street, district, city and state left out are filled in from the CEP."""
    address = addresses.create_address(code, data, _types(), provider())
    location = url_for(".get_address", code=code, address_id=address.id)
    return address, 201, {"Location": location}


@blp.route(f"{_ADDRESSES}/<int:address_id>", methods=["GET"])
@blp.response(200, CustomerAddressOutput)
@requires("customers", READ)
def get_address(code, address_id):
    """One address."""
    return addresses.get_address(code, address_id)


@blp.route(f"{_ADDRESSES}/<int:address_id>", methods=["PATCH"])
@blp.arguments(CustomerAddressPatch)
@blp.response(200, CustomerAddressOutput)
@blp.alt_response(409, description="unit without unit_kind (or the reverse) as stored")
@requires("customers", WRITE)
def update_address(changes, code, address_id):
    """Change some parts; a new CEP refills the street, district, city and state not given."""
    address = addresses.update_address(code, address_id, changes, _types(), provider())
    return address


@blp.route(f"{_ADDRESSES}/<int:address_id>", methods=["DELETE"])
@blp.response(204)
@requires("customers", WRITE)
def delete_address(code, address_id):
    """Delete the address (the customer's history keeps it)."""
    addresses.delete_address(code, address_id)
