"""Builders of valid, unique customer payloads for the customer API tests.

Documents are made from a counter, so two payloads built in one run never share a CPF/CNPJ.
"""

import itertools

from stdnum.br import cnpj as stdnum_cnpj

URL = "/api/v1/customers"

_serial = itertools.count(1)


def cpf_check_digits(base: str) -> str:
    """The two check digits of a 9-digit CPF base (mod 11, weights 10..2 then 11..2)."""
    digits = [int(d) for d in base]
    for weight_start in (10, 11):
        total = sum(d * w for d, w in zip(digits, range(weight_start, 1, -1), strict=False))
        remainder = total % 11
        digits.append(0 if remainder < 2 else 11 - remainder)
    return f"{digits[-2]}{digits[-1]}"


def new_cpf() -> str:
    """A valid CPF (11 digits, no punctuation) not handed out before in this run."""
    base = f"{200_000_000 + next(_serial) * 7:09d}"
    return base + cpf_check_digits(base)


def new_cnpj() -> str:
    """A valid numeric CNPJ (14 digits, no punctuation) not handed out before in this run."""
    base = f"{30_000_000 + next(_serial) * 7:08d}0001"
    return base + stdnum_cnpj.calc_check_digits(base)


def format_cpf(digits: str) -> str:
    return f"{digits[:3]}.{digits[3:6]}.{digits[6:9]}-{digits[9:]}"


def format_cnpj(value: str) -> str:
    return f"{value[:2]}.{value[2:5]}.{value[5:8]}/{value[8:12]}-{value[12:]}"


def wrong_check_digit(document: str) -> str:
    """The same document with its last check digit changed (so it fails validation)."""
    return document[:-1] + str((int(document[-1]) + 1) % 10)


def address(**overrides) -> dict:
    base = {
        "street": "Avenida Paulista",
        "number": "1000",
        "complement": "Apto 12",
        "district": "Bela Vista",
        "city": "São Paulo",
        "state": "SP",
        "cep": "01310-100",
        "reference": "Perto do MASP",
    }
    base.update(overrides)
    return base


def pf_payload(**overrides) -> dict:
    """A valid PF (pessoa física) customer; keyword arguments replace or add fields."""
    payload = {
        "kind": "PF",
        "name": "Maria Aparecida Souza",
        "cpf": new_cpf(),
        "address": address(),
        "phone": "(11) 3333-4444",
        "mobile": "(11) 98765-4321",
        "email": "maria.souza@example.com",
    }
    payload.update(overrides)
    return payload


def pj_payload(**overrides) -> dict:
    """A valid PJ (pessoa jurídica) customer; keyword arguments replace or add fields."""
    payload = {
        "kind": "PJ",
        "name": "Padaria Pão Quente Comércio de Alimentos Ltda",
        "trade_name": "Pão Quente",
        "cnpj": new_cnpj(),
        "state_registration": "110.042.490.114",
        "address": address(street="Rua Augusta", number="500", complement=None),
        "phone": "(11) 3232-1010",
        "email": "contato@paoquente.example.com",
    }
    payload.update(overrides)
    return payload


def create(client, headers, payload: dict) -> dict:
    """POST a customer that must be accepted; returns the created record."""
    response = client.post(URL, json=payload, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def as_listed(record: dict) -> dict:
    """A customer as the search lists it: the record without what the reader must read first."""
    return {key: value for key, value in record.items() if key != "unread_mandatory_observations"}


def search(client, headers, **params) -> dict:
    """GET the customer search with `params`; it must succeed."""
    response = client.get(URL, query_string=params, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def all_customers(client, headers) -> list[dict]:
    """Every stored customer (the search with an empty term, up to 200)."""
    return search(client, headers, per_page=200)["items"]


def history(client, headers, code: int, **params) -> dict:
    response = client.get(f"{URL}/{code}/history", query_string=params, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def error_fields(body: dict) -> set[str]:
    """Field names in an error envelope's `errors`, nested ones dotted ("address.cep")."""

    def walk(errors: dict, prefix: str):
        for key, value in errors.items():
            name = f"{prefix}{key}"
            if isinstance(value, dict):
                yield from walk(value, f"{name}.")
            else:
                assert isinstance(value, list) and value, (name, value)
                assert all(isinstance(message, str) and message for message in value)
                yield name

    return set(walk(body.get("errors") or {}, ""))


def assert_error(response, status: int, field: str | None = None) -> dict:
    """The response is the JSON error envelope with `status`, naming `field` if given."""
    body = response.get_json()
    assert response.status_code == status, body
    assert body["status"] == status
    assert isinstance(body["code"], str) and body["code"]
    assert isinstance(body["message"], str) and body["message"]
    assert set(body) <= {"status", "code", "message", "errors"}
    if field is not None:
        assert field in error_fields(body), body
    return body
