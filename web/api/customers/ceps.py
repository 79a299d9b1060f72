"""The CEP directory [5.3]: what a CEP says about street, district, city and state."""

import re

from flask import current_app

from models.customers.cep_provider import CepProvider
from models.customers.ceps import get_cep
from models.customers.identifiers import normalize_cep
from models.errors import Invalid
from schemas.common import Cep
from schemas.customers.ceps import CepOutput
from web.extensions import Blueprint
from web.permissions import READ
from web.security import requires

URL_PREFIX = "/ceps"
blp = Blueprint("ceps", __name__, description="The CEP directory")

_CEP_PARAMETER = {
    "in": "path",
    "name": "cep",
    "required": True,
    "description": "8 digits, written as the Cep field takes them: 01310-100, 01.310-100, 01310100",
    "schema": {"type": "string", "pattern": Cep.PATTERN},
}
UNAVAILABLE = "Not in the directory, and the online provider (CEP_PROVIDER_URL) cannot answer"


def provider() -> CepProvider:
    """The online provider the settings name (maybe none)."""
    config = current_app.config
    return CepProvider(config["CEP_PROVIDER_URL"], config["CEP_PROVIDER_TIMEOUT_S"])


@blp.route("/<cep>", methods=["GET"], parameters=[_CEP_PARAMETER])
@blp.response(200, CepOutput)
@blp.alt_response(422, description="Not 8 digits")
@blp.alt_response(503, description=UNAVAILABLE)
@requires("customers", READ)
def lookup(cep):
    """Street, district, city and state of a CEP; a miss asks the online provider if one is set."""
    try:
        if not re.fullmatch(Cep.PATTERN, cep):
            raise ValueError("Not a CEP")
        digits = normalize_cep(cep)
    except ValueError as error:
        raise Invalid.field("cep", f"{error}: {Cep.SPELLING}") from None
    return get_cep(digits, provider())  # a provider's answer is kept in the directory
