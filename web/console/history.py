"""Histórico [5.7]: every change to the customer's record, field by field, newest first; and
an equipment item's history (the item and its lendings).

Exactly the entries the API's `GET /customers/<code>/history` and `GET /equipment/<id>/history`
answer for the user's role (`history_entities`): a technician sees no payment data.
"""

import json

from flask import g, request

from models.audit import history_for_customer
from models.customers.customers import get_customer
from models.service.equipment import get_equipment
from models.service.equipment_lending import equipment_history
from schemas.common import PageQuery
from web.console.blueprint import bp, render
from web.console.forms import last_page, load
from web.console.record import render_tab
from web.permissions import READ, history_entities
from web.security import requires

PER_PAGE = 20
ACTIONS = {"create": "Inclusão", "update": "Alteração", "delete": "Exclusão"}
# What each audited table is, in the manual's words; a table not here shows its own name.
ENTITIES = {
    "customers": "Cadastro",
    "customer_addresses": "Endereço",
    "contacts": "Contato",
    "observations": "Observação",
    "customer_documents": "Documento",
    "consent_records": "Consentimento",
    "extra_field_values": "Campo extra",
    "customer_options": "Opções",
    "payment_methods": "Dados de pagamento",
    "subscriptions": "Plano",
    "subscription_items": "Item do plano",
    "installations": "Instalação",
    "scheduled_tasks": "Tarefa agendada",
    "receivables": "Conta a receber",
    "boletos": "Boleto",
    "billing_events": "Evento de cobrança",
    "notices": "Aviso por e-mail",
    "trust_unlocks": "Desbloqueio em confiança",
    "suspension_holds": "Suspensão adiada",
    "equipment": "Equipamento",
    "equipment_assignments": "Comodato de equipamento",
    "equipment_sales": "Venda de equipamento",
}

# Field names in Portuguese (the recorded name stays beside them); any other shows as recorded.
FIELDS = {
    "kind": "Tipo",
    "name": "Nome",
    "trade_name": "Nome fantasia",
    "cpf": "CPF",
    "cnpj": "CNPJ",
    "state_registration": "Inscrição estadual",
    "condominium": "Condomínio",
    "phone": "Telefone",
    "mobile": "Celular",
    "fax": "Fax",
    "email": "E-mail",
    "notes": "Observações gerais",
    "active": "Ativo",
    "street": "Logradouro",
    "number": "Número",
    "complement": "Complemento",
    "district": "Bairro",
    "city": "Cidade",
    "state": "UF",
    "cep": "CEP",
    "description": "Descrição",
    "observation": "Observação",
    "original_name": "Nome do arquivo",
    "size": "Tamanho (bytes)",
    "content_type": "Tipo do arquivo",
    "method": "Forma de cobrança",
    "debit_status": "Status Débito",
    "is_default": "Forma padrão",
    "bank_code": "Código do banco",
    "agency": "Agência",
    "account_number": "Nro. de Conta Cte.",
    "account_type": "Tipo da conta",
    "identifier_code": "Código Identificador",
    "card_number_encrypted": "Nro. Cartão",
    "card_first6": "Cartão: seis primeiros dígitos",
    "card_last4": "Cartão: quatro últimos dígitos",
    "card_brand": "Bandeira do cartão",
    "card_expiry": "Validade do cartão",
    "ddd": "DDD do Telefone",
    "contract_number": "Nro Contrato",
    "patrimony_number": "Patrimônio",
    "model": "Modelo",
    "serial_number": "Número de série",
    "mac": "MAC",
    "status": "Situação",
}
PARTS = {"address": "Endereço", "billing_address": "Endereço de cobrança"}


def field_label(recorded: str) -> str:
    """A recorded field name in Portuguese ("address.cep": "Endereço: CEP"), or as recorded."""
    part, _, field = recorded.rpartition(".")
    label = FIELDS.get(field)
    if label is None or (part and part not in PARTS):
        return recorded
    return f"{PARTS[part]}: {label}" if part else label


def shown_value(value) -> str:
    """A recorded value as text: nothing as empty, yes/no in Portuguese, the rest as written."""
    if value is None:
        return ""
    if value is True:
        return "Sim"
    if value is False:
        return "Não"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _page() -> tuple[int, dict]:
    paging, errors = load(PageQuery(), {"page": request.args.get("page", "1")})
    return (paging["page"] if paging else 1), errors


# How the shared list (templates/console/history_entries.html) names things.
WORDING = {
    "actions": ACTIONS,
    "entities": ENTITIES,
    "shown_value": shown_value,
    "field_label": field_label,
}


@bp.route("/clientes/<int:code>/historico", methods=["GET"])
@requires("customers", READ)
def history(code: int):
    """The customer's history the user's role may read, a page at a time (htmx pages it)."""
    customer = get_customer(code)
    page, errors = _page()
    entries, total = history_for_customer(code, history_entities(g.user.role), page, PER_PAGE)
    return render_tab(
        "historico",
        "console/record/historico.html",
        customer,
        entries=entries,
        total=total,
        page=page,
        last_page=last_page(total, PER_PAGE),
        errors=errors,
        **WORDING,
    )


@bp.route("/equipamentos/<int:equipment_id>/historico", methods=["GET"])
@requires("equipment", READ)
def equipment_history_page(equipment_id: int):
    """An equipment item's history: its data corrected, lent, returned, sold."""
    item = get_equipment(equipment_id)
    page, errors = _page()
    entities = history_entities(g.user.role)
    entries, total = equipment_history(equipment_id, entities, page, PER_PAGE)
    return render(
        "console/equipment/historico.html",
        item=item,
        entries=entries,
        total=total,
        page=page,
        last_page=last_page(total, PER_PAGE),
        errors=errors,
        **WORDING,
    )
