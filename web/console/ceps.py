"""The CEP directory for forms [5.3]: what a CEP says, as JSON, for static/cep.js to fill in the
street, district, city and state as the CEP is typed (the API's /ceps/<cep>, same lookup)."""

import re

from flask import jsonify

from models.customers.ceps import get_cep
from models.customers.identifiers import normalize_cep
from models.errors import DomainError
from schemas.common import Cep
from web.api.customers.ceps import provider
from web.console.blueprint import bp
from web.permissions import READ
from web.security import requires

NOT_FOUND = "CEP não encontrado: preencha o endereço."
UNAVAILABLE = "A consulta de CEP não responde agora: preencha o endereço."


@bp.route("/cep/<cep>", methods=["GET"])
@requires("customers", READ)
def cep_lookup(cep: str):
    """{"cep", "street", "district", "city", "state"}; else 404/422/503 with {"message"}."""
    try:
        if not re.fullmatch(Cep.PATTERN, cep):
            raise ValueError(cep)
        digits = normalize_cep(cep)
    except ValueError:
        return jsonify(message="Escreva o CEP como 01310-100 ou 01310100."), 422
    try:
        entry = get_cep(digits, provider())
    except DomainError as error:
        message = NOT_FOUND if error.status == 404 else UNAVAILABLE
        return jsonify(message=message), error.status
    fields = ("cep", "street", "district", "city", "state")
    return jsonify({name: getattr(entry, name) or "" for name in fields})
