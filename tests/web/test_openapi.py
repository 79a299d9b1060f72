"""The OpenAPI document says what the server does, and the docs page works without internet."""

import re

import jsonschema_rs
import pytest
import schemathesis

from models.customers.identifiers import UFS
from tests.web.api_helpers import API
from tests.web.customer_payloads import pf_payload

# What the document says is the code's, not the database's: those tests run on one backend
# (scripts/test); the one that writes rows runs on both.
one_backend = pytest.mark.one_backend
NEW_USER = {"username": "joana.dias", "role": "finance", "password": "a-long-password"}


@pytest.fixture
def openapi(client):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def _operations(openapi):
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield path, method, operation


def _resolve(openapi, item):
    while "$ref" in item:
        section, name = item["$ref"].split("/")[-2:]
        item = openapi["components"][section][name]
    return item


@one_backend
def test_openapi_document_is_valid_openapi_3(openapi):
    assert openapi["openapi"].startswith("3.")
    assert openapi["info"]["title"]
    assert openapi["info"]["version"]
    schemathesis.openapi.from_dict(openapi).validate()  # against the OpenAPI 3.0 meta-schema


@one_backend
def test_openapi_needs_no_token(client):
    assert client.get(f"{API}/openapi.json").status_code == 200


def _documented_rules(app):
    """(path in OpenAPI form, method) for every API route the app serves."""
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API) or rule.endpoint.startswith("api-docs."):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            yield path, method.lower()


@one_backend
def test_openapi_lists_every_route(app, openapi):
    served = set(_documented_rules(app))
    documented = {(path, method) for path, method, _ in _operations(openapi)}
    assert len(served) >= 13
    assert served == documented


@one_backend
def test_openapi_declares_bearer_auth_and_opens_only_login_and_health(openapi):
    assert openapi["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
    }
    assert openapi["security"] == [{"bearerAuth": []}]
    open_operations = {
        (path, method)
        for path, method, operation in _operations(openapi)
        if operation.get("security") == []
    }
    assert open_operations == {(f"{API}/auth/login", "post"), (f"{API}/health", "get")}
    by_webhook_secret = {
        (path, method)
        for path, method, operation in _operations(openapi)
        if operation.get("security") == [{"webhookSecret": []}, {"webhookSecretHeader": []}]
    }
    assert by_webhook_secret == {
        (f"{API}/pix/webhook/{{account_id}}", "post"),
        (f"{API}/pix/webhook/{{account_id}}/{{kind}}", "post"),
    }


@one_backend
def test_openapi_never_exposes_a_password_in_output(openapi):
    schemas = openapi["components"]["schemas"]
    for name in ("UserOutput", "TokenOutput"):
        assert "password" not in schemas[name]["properties"]
        assert "password_hash" not in schemas[name]["properties"]
    for name in ("UserInput", "UserPatch", "LoginInput"):
        assert schemas[name]["properties"]["password"]["writeOnly"] is True


# --- errors ----------------------------------------------------------------------------------


@one_backend
def test_every_error_response_is_the_envelope_and_nothing_is_left_to_default(openapi):
    for path, method, operation in _operations(openapi):
        responses = operation["responses"]
        assert "default" not in responses, (path, method)
        for status, response in responses.items():
            if int(status) >= 400 and not (path.endswith("/health") and status == "503"):
                schema = _resolve(openapi, response)["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}, (path, method, status)
    assert set(openapi["components"]["schemas"]["Error"]["required"]) == {
        "status",
        "code",
        "message",
        "errors",
    }


@one_backend
def test_each_route_documents_the_errors_it_can_answer(openapi):
    for path, method, operation in _operations(openapi):
        statuses = set(operation["responses"])
        expected = {"500"}
        if operation.get("security") != []:
            expected.add("401")
        if "{" in path:
            expected.add("404")
        if "requestBody" in operation:
            expected |= {"400", "413", "415", "422"}
        if operation.get("parameters"):
            expected.add("422")
        assert expected <= statuses, (path, method, statuses)
    paths = openapi["paths"]
    assert "403" in paths[f"{API}/customers"]["post"]["responses"]
    assert "403" not in paths[f"{API}/me"]["get"]["responses"]  # every role may ask
    assert {"401", "429"} <= set(paths[f"{API}/auth/login"]["post"]["responses"])
    assert "409" in paths[f"{API}/customers/{{code}}"]["patch"]["responses"]


@one_backend
def test_bodies_are_documented_as_application_json_or_an_upload(openapi):
    """What the server takes (web/extensions.py): application/json, multipart for uploads."""
    media_types = set()
    for path, method, operation in _operations(openapi):
        if "requestBody" in operation:
            content = set(operation["requestBody"]["content"])
            assert content in ({"application/json"}, {"multipart/form-data"}), (path, method)
            media_types |= content
    assert media_types == {"application/json", "multipart/form-data"}


@one_backend
def test_created_resources_document_their_location(openapi):
    for path in (f"{API}/customers", f"{API}/users"):
        created = openapi["paths"][path]["post"]["responses"]["201"]
        assert created["headers"]["Location"]["required"] is True


def test_created_resources_answer_with_their_location(client, admin):
    customer = client.post(f"{API}/customers", json=pf_payload(), headers=admin)
    user = client.post(f"{API}/users", json=NEW_USER, headers=admin)
    for response, collection, key in ((customer, "customers", "code"), (user, "users", "id")):
        assert response.status_code == 201, response.get_json()
        location = response.headers["Location"]
        assert location == f"{API}/{collection}/{response.get_json()[key]}"
        assert client.get(location, headers=admin).get_json() == response.get_json()


# --- inputs ----------------------------------------------------------------------------------


@one_backend
def test_a_customer_is_a_pf_with_a_cpf_or_a_pj_with_a_cnpj(openapi):
    schemas = openapi["components"]["schemas"]
    customer = schemas["CustomerInput"]
    assert customer["discriminator"]["propertyName"] == "kind"
    assert customer["oneOf"] == [
        {"$ref": "#/components/schemas/CustomerPF"},
        {"$ref": "#/components/schemas/CustomerPJ"},
    ]
    pf, pj = schemas["CustomerPF"], schemas["CustomerPJ"]
    assert {"kind", "name", "cpf", "address"} <= set(pf["required"])
    assert {"kind", "name", "cnpj", "address"} <= set(pj["required"])
    assert pf["properties"]["kind"]["enum"] == ["PF"]
    for name in ("cnpj", "trade_name", "state_registration"):
        assert pf["properties"][name]["enum"] == [None]
    assert pj["properties"]["cpf"]["enum"] == [None]
    assert "nullable" not in pf["properties"]["cpf"]
    assert pf["additionalProperties"] is False


@one_backend
def test_a_patch_changes_the_kind_only_with_its_document(openapi):
    schemas = openapi["components"]["schemas"]
    shapes = [_resolve(openapi, shape) for shape in schemas["CustomerPatch"]["oneOf"]]
    to_pf, to_pj, same_kind = shapes
    assert set(to_pf["required"]) == {"kind", "cpf"}
    assert set(to_pj["required"]) == {"kind", "cnpj"}
    assert "kind" not in same_kind["properties"]
    assert same_kind["minProperties"] == 1
    assert schemas["UserPatch"]["minProperties"] == 1
    assert schemas["AddressPatch"]["minProperties"] == 1
    assert "required" not in schemas["AddressPatch"]


@one_backend
def test_a_billing_address_is_a_whole_address_or_null(openapi):
    billing = openapi["components"]["schemas"]["CustomerPF"]["properties"]["billing_address"]
    assert billing["anyOf"][0] == {"$ref": "#/components/schemas/AddressInput"}
    assert billing["anyOf"][1]["enum"] == [None]


@one_backend
def test_identifiers_document_a_format_and_a_pattern(openapi):
    schemas = openapi["components"]["schemas"]
    customer, address = schemas["CustomerPF"]["properties"], schemas["AddressInput"]["properties"]
    for field, name in ((customer["cpf"], "cpf"), (address["cep"], "cep")):
        assert field["format"] == name
        assert field["pattern"]
    assert customer["phone"]["format"] == "phone-br"
    assert schemas["CustomerPJ"]["properties"]["cnpj"]["format"] == "cnpj"
    assert address["state"]["enum"] == sorted(UFS)


def _patterns(item):
    if isinstance(item, dict):
        if isinstance(item.get("pattern"), str):
            yield item["pattern"]
        for value in item.values():
            yield from _patterns(value)
    elif isinstance(item, list):
        for value in item:
            yield from _patterns(value)


@one_backend
def test_every_pattern_reads_the_same_in_ecma_262_and_python(openapi):
    patterns = set(_patterns(openapi))
    assert len(patterns) >= 8
    samples = ["529.982.247-25", "Maria Souza", " x ", "a\u0007b", "01310-100", "ISENTO", ""]
    for pattern in patterns:
        ecma = jsonschema_rs.validator_for({"type": "string", "pattern": pattern})
        for sample in samples:
            assert ecma.is_valid(sample) == bool(re.fullmatch(pattern, sample)), (pattern, sample)


# --- docs page -------------------------------------------------------------------------------


@one_backend
def test_docs_page_is_html(client):
    response = client.get(f"{API}/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "swagger" in page.lower()
    assert "openapi.json" in page


@one_backend
def test_docs_page_loads_swagger_ui_from_this_server(client):
    page = client.get(f"{API}/docs").get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert len(assets) == 3
    for asset in assets:
        assert asset.startswith(f"{API}/docs/ui/"), asset  # no CDN: works offline
        response = client.get(asset)  # no token needed, like the page itself
        assert response.status_code == 200, asset
        assert response.mimetype in ("text/css", "text/javascript", "application/javascript")
        assert len(response.get_data()) > 1000


@one_backend
@pytest.mark.parametrize("name", ["index.html", "../__init__.py", "nothing.js"])
def test_docs_serve_only_swagger_ui_files(client, name):
    assert client.get(f"{API}/docs/ui/{name}").status_code == 404
