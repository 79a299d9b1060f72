"""Pesquisar Cliente [3]: one box, results as you type, by everything the API searches."""

from flask import request

from models.customers.customer_search import FIELDS, SORTS, search_customers
from models.errors import Invalid
from schemas.customers.customer_search import CustomerSearchQuery
from web.console.blueprint import bp, is_fragment_request, render
from web.console.forms import body_from, domain_errors, last_page, load
from web.permissions import READ
from web.security import requires

PER_PAGE = 20
MIN_TYPED = 2  # results as you type start here (or at a customer code's first digit)
FIELD_LABELS = {
    "any": "Todos os campos",
    "name": "Nome / nome fantasia",
    "code": "Código",
    "document": "CPF / CNPJ",
    "email": "E-mail",
    "phone": "Telefone",
    "city": "Cidade",
    "address": "Endereço / CEP",
    "login": "Login RADIUS / SIP",
    "domain": "Domínio de e-mail",
}
# What a usable term is, per field (models.customers.customer_search.RULES, in Portuguese).
RULES = {
    "name": "uma palavra de pelo menos 3 letras ou dígitos; todas as palavras, em qualquer ordem",
    "code": "de 1 a 9 dígitos",
    "document": "de 3 a 14 letras ou dígitos do CPF ou CNPJ",
    "email": "pelo menos 3 letras ou dígitos seguidos, sem espaços",
    "phone": "de 4 a 13 dígitos",
    "city": "pelo menos 3 letras ou dígitos (o começo do nome da cidade)",
    "address": "uma palavra de pelo menos 3 letras ou dígitos (rua, número, bairro, CEP)",
    "login": "o começo do login: de 2 a 64 letras minúsculas, dígitos, . _ @ ou -",
    "domain": "um domínio como exemplo.com.br",
}
SORT_LABELS = {"code": "Código", "name": "Nome"}
ACTIVE_LABELS = {"": "Ativos e inativos", "true": "Somente ativos", "false": "Somente inativos"}
assert set(FIELD_LABELS) == set(FIELDS) and set(SORT_LABELS) == set(SORTS)
assert set(RULES) == set(FIELDS) - {"any"}


def _unusable(field: str, error: Invalid) -> dict[str, list[str]]:
    """The search's refusal of a term, with the field's rule in Portuguese."""
    if "q" not in (error.errors or {}):
        return domain_errors(error)
    if field == "any":
        message = "Nenhum campo pesquisa este termo. Escolha um campo para ver o que ele aceita."
        return {"q": [message]}
    return {"q": [f"A busca por {FIELD_LABELS[field].lower()} precisa de {RULES[field]}."]}


@bp.route("/", methods=["GET"])
@requires("customers", READ)
def search():
    """The search page; with htmx, only its results (as the attendant types)."""
    typed = {name: request.args.get(name, "") for name in ("q", "field", "sort", "active")}
    query, errors = load(
        CustomerSearchQuery(),
        body_from(request.args, ("q", "field", "sort", "active", "page")) | {"per_page": PER_PAGE},
    )
    results = None
    q = typed["q"].strip()
    wanted = len(q) >= MIN_TYPED or q.isdigit()
    if not errors and wanted:
        try:
            items, total, exact = search_customers(
                query.get("q"),
                query["field"],
                query.get("active"),
                query["page"],
                PER_PAGE,
                sort=query["sort"],
            )
            results = {"items": items, "total": total, "exact": exact, "page": query["page"]}
        except Invalid as error:
            errors = _unusable(query["field"], error)
    template = "console/search_results.html" if is_fragment_request() else "console/search.html"
    return render(
        template,
        typed=typed,
        errors=errors,
        results=results,
        last_page=last_page(results["total"], PER_PAGE) if results else 1,
        min_typed=MIN_TYPED,
        field_labels=FIELD_LABELS,
        sort_labels=SORT_LABELS,
        active_labels=ACTIVE_LABELS,
    )
