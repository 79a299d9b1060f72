"""Bodies for the fiscal routes, and the clock inside the test A1s' validity."""

import base64

from tests.fiscal_samples import ISSUER_CNPJ, make_a1

SETTINGS = "/api/v1/fiscal/settings"


def issuer_address(**overrides) -> dict:
    base = {
        "street": "Rua Vergueiro",
        "number": "100",
        "complement": None,
        "district": "Liberdade",
        "city_code": "3550308",
        "city": "São Paulo",
        "uf": "SP",
        "cep": "01504-000",
    }
    return {**base, **overrides}


def settings_body(**overrides) -> dict:
    """Every issuer field filled in, inactive, no certificate."""
    body = {
        "active": False,
        "environment": "homologacao",
        "cnpj": ISSUER_CNPJ,
        "ie": "110042490114",
        "regime": 3,
        "name": "PROVEDOR TESTE LTDA",
        "trade_name": "Provedor",
        "address": issuer_address(),
        "phone": "(11) 3333-4444",
        "email": "fiscal@provedor.example.com",
        "series": 1,
        "first_issue_date": "2026-12-01",
    }
    return {**body, **overrides}


def with_a1(body: dict, **a1_options) -> dict:
    """`body` with a test A1 (make_a1's options) and its password."""
    a1 = make_a1(**a1_options)
    certificate = base64.b64encode(a1.pkcs12).decode()
    return {**body, "certificate": certificate, "certificate_password": a1.password}
