"""Forms: what a person typed, loaded through the API's own schemas, errors shown in Portuguese.

A form's field names follow the API's body ("name", "address.cep"), so the schema that checks an
API body checks the form; no rule is written twice. Brazilian notations (dd/mm/aaaa, 1.234,56)
become the API's first. The schemas and operations speak English (the API's contract); MESSAGES
turns what they say into Portuguese for the screen.
"""

import re
from collections.abc import Iterable

from flask import request
from marshmallow import Schema, ValidationError
from werkzeug.datastructures import MultiDict

from models.errors import DomainError
from web.console.formats import api_date, api_money

# English message (a regular expression, whole) -> Portuguese; groups carry over as {0}, {1}.
MESSAGES: tuple[tuple[str, str], ...] = (
    (r"Missing data for required field\.", "Preencha este campo."),
    (r"Field may not be null\.", "Preencha este campo."),
    (r"Cannot be blank\.", "Preencha este campo."),
    (r"Unknown field\.", "Campo desconhecido."),
    (r"Not a valid integer\.", "Digite um número inteiro."),
    (r"Not a valid number\.", "Digite um número."),
    (r"An amount as a string, up to 2 decimals: .*", "Digite um valor como 1.234,56."),
    (r"Not a valid boolean\.", "Escolha sim ou não."),
    (r"Not a valid date\.", "Digite uma data como 31/12/2026."),
    (r"Not a valid email address\.", "Digite um e-mail válido, como nome@exemplo.com.br."),
    (r"Must be one of: .*", "Escolha uma das opções."),
    (r"Longer than (\d+) characters\.", "No máximo {0} caracteres."),
    (r"Needs at least (\d+) characters besides surrounding blanks\.", "Pelo menos {0} caracteres."),
    (r"Length must be between (\d+) and (\d+)\.", "Entre {0} e {1} caracteres."),
    (r"Shorter than minimum length (\d+)\.", "Pelo menos {0} caracteres."),
    (r"Longer than maximum length (\d+)\.", "No máximo {0} caracteres."),
    (
        r"Contains control characters.*",
        "Contém caracteres de controle ou quebras de linha, não permitidos aqui.",
    ),
    (
        r"Contains characters that cannot be stored.*",
        "Contém caracteres que não podem ser gravados.",
    ),
    (r"CPF must have 11 digits", "O CPF tem 11 dígitos."),
    (r"CPF cannot have all digits equal", "CPF inválido: todos os dígitos iguais."),
    (r"CPF check digits are wrong", "CPF inválido: confira os dígitos verificadores."),
    (r"CNPJ must have .*", "O CNPJ tem 12 letras ou dígitos e 2 dígitos verificadores."),
    (r"CNPJ cannot have all digits equal", "CNPJ inválido: todos os dígitos iguais."),
    (r"CNPJ check digits are wrong", "CNPJ inválido: confira os dígitos verificadores."),
    (r"Write the CPF as .*", "Escreva o CPF como 123.456.789-09 ou 12345678909."),
    (r"Write the CNPJ as .*", "Escreva o CNPJ como 12.345.678/0001-95 ou sem pontuação."),
    (r"CEP must have 8 digits", "O CEP tem 8 dígitos."),
    (r"CEP cannot be all zeros", "CEP inválido."),
    (r"Write the CEP as .*", "Escreva o CEP como 01310-100 ou 01310100."),
    (r"phone must have 10 or 11 digits.*", "O telefone tem 10 ou 11 dígitos com o DDD."),
    (r"unknown area code \(DDD\) (\d+)", "DDD {0} não existe."),
    (r"mobile number must start with 9.*", "O celular começa com 9 depois do DDD."),
    (r"landline number must start with.*", "O fixo começa com 2, 3, 4 ou 5 depois do DDD."),
    (r"a mobile number has 11 digits.*", "O celular tem 11 dígitos: DDD, 9 e mais 8."),
    (r"Write the phone with its area code.*", "Escreva o telefone com DDD: (11) 98765-4321."),
    (r"Not a state code \(UF\): .*", "UF inválida."),
    (r"unknown state code \(UF\).*", "UF inválida."),
    (r"Digits, or ISENTO\.", "Só dígitos, ou ISENTO."),
    (r"Required for PF customers\.", "Obrigatório para pessoa física."),
    (r"Required for PJ customers\.", "Obrigatório para pessoa jurídica."),
    (r"Only for PF customers\.", "Só para pessoa física."),
    (r"Only for PJ customers\.", "Só para pessoa jurídica."),
    (r"A customer's document cannot be removed\.", "O CPF/CNPJ do cliente não pode ser apagado."),
    (r"Another customer has this (CPF|CNPJ).*", "Outro cliente já tem este {0}."),
    (r"Send at least one field to change\.", "Nada foi alterado."),
    (r"Not in the expected form\.", "Formato inválido."),
    (
        r"Only the first (\d+) results can be paged through\.",
        "Só os primeiros {0} resultados podem ser vistos: refine a busca.",
    ),
    (r"Must be greater than or equal to (\d+) and less than or equal to (\d+)\.", "De {0} a {1}."),
    # Said by several screens' operations: one wording for all (add_messages refuses a second).
    (r"The period starts after it ends\.", "A data inicial é depois da data final."),
    (r"More than zero\.", "Informe um valor maior que zero."),
    (r"Cannot be in the future\.", "Não pode ser uma data futura."),
    (r"Cannot be in the past\.", "Não pode ser uma data passada."),
    (r"Already in use\.", "Já está em uso."),
    # Money fields (schemas.common.Money, billable_money): Financeiro, Planos.
    (r"At most \S+ \(the most a boleto carries\)\.", "Acima do valor máximo de um boleto."),
    # An extra field's value (models.customers.extra_field_values): Campos extras, Contatos.
    (r"A number with up to .*", "Um número com até 20 dígitos antes da vírgula e 10 depois."),
    (r"A date as YYYY-MM-DD\.", "Digite uma data como 31/12/2026."),
    (r"Not one of the options: .*", "Escolha uma das opções."),
    (
        r"The value was set at the same time; try again\.",
        "Outra pessoa gravou este campo ao mesmo tempo. Confira e tente de novo.",
    ),
)
_COMPILED = [(re.compile(english), portuguese) for english, portuguese in MESSAGES]
UNKNOWN_MESSAGE = "Valor inválido."


def add_messages(*pairs: tuple[str, str]) -> None:
    """More (English pattern, Portuguese) pairs: a screen adds what its operations say.

    A pattern already known is refused: with two wordings, which one a screen shows would
    depend on the order its modules were imported. Say it once, in MESSAGES.
    """
    known = {pattern.pattern: portuguese for pattern, portuguese in _COMPILED}
    for english, portuguese in pairs:
        if english in known and known[english] != portuguese:
            raise ValueError(f"{english!r} is already said as {known[english]!r}")
        if english not in known:
            _COMPILED.append((re.compile(english), portuguese))
            known[english] = portuguese


def portuguese(message: str) -> str:
    """`message` (from a schema or an operation) in Portuguese; a generic one if not known."""
    for pattern, text in _COMPILED:
        match = pattern.fullmatch(message.strip())
        if match:
            return text.format(*match.groups())
    return UNKNOWN_MESSAGE


def portuguese_errors(errors, prefix: str = "") -> dict[str, list[str]]:
    """Marshmallow's nested {field: [messages] or {part: ...}} as {"a.b": [Portuguese]}."""
    flat: dict[str, list[str]] = {}
    if isinstance(errors, dict):
        for name, value in errors.items():
            key = f"{prefix}.{name}" if prefix else str(name)
            if name == "_schema":
                key = prefix or "_schema"
            for field, messages in portuguese_errors(value, key).items():
                flat.setdefault(field, []).extend(messages)
    elif isinstance(errors, (list, tuple)):
        for item in errors:
            for field, messages in portuguese_errors(item, prefix).items():
                flat.setdefault(field, []).extend(messages)
    else:
        flat[prefix or "_schema"] = [portuguese(str(errors))]
    return flat


def body_from(
    form: MultiDict,
    fields: Iterable[str],
    *,
    dates: Iterable[str] = (),
    money: Iterable[str] = (),
    checkboxes: Iterable[str] = (),
    blank_as_none: bool = False,
) -> dict:
    """The API body of a form: `fields` ("address.cep" nests) as typed, Brazilian notations turned
    into the API's, checkboxes true or false. A blank field is left out (or null, to clear it
    in a change)."""
    body: dict = {}
    dates, money, checkboxes = set(dates), set(money), set(checkboxes)
    for name in fields:
        if name in checkboxes:
            value = name in form
        elif name not in form:
            continue
        else:
            value = form.get(name, "")
            if not value.strip():
                if not blank_as_none:
                    continue
                value = None
            elif name in dates:
                value = api_date(value)
            elif name in money:
                value = api_money(value)
        _put(body, name.split("."), value)
    return body


def _put(body: dict, path: list[str], value) -> None:
    for part in path[:-1]:
        body = body.setdefault(part, {})
    body[path[-1]] = value


def whole_numbers(body: dict, *names: str) -> dict:
    """Whole numbers typed in a form (text, a sign allowed) as the JSON integers the API's
    schemas take, so their range rule speaks; anything else is left for the schema to refuse."""
    for name in names:
        value = body.get(name)
        if isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,10}", value.strip()):
            body[name] = int(value.strip())
    return body


def load(schema: Schema, body: dict) -> tuple[dict | None, dict[str, list[str]]]:
    """`body` through `schema`: (data, {}) or (None, Portuguese errors by field)."""
    try:
        return schema.load(body), {}
    except ValidationError as error:
        return None, portuguese_errors(error.messages)


def domain_errors(error: DomainError) -> dict[str, list[str]]:
    """An operation's refusal as errors by field (or for the whole form, under "_schema")."""
    if error.errors:
        return portuguese_errors(error.errors)
    return {"_schema": [portuguese(error.message)]}


def page_asked(schema: Schema, per_page: int) -> tuple[int, dict[str, list[str]]]:
    """The ?page= of a list, through its route's query schema: (page, errors); 1 if refused."""
    query, errors = load(schema, body_from(request.args, ("page",)) | {"per_page": per_page})
    return (query["page"] if query else 1), errors


def last_page(total: int, per_page: int) -> int:
    """The number of a list's last page (1 when it is empty)."""
    return max(1, (total + per_page - 1) // per_page)
