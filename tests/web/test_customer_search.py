"""Customer search ("Pesquisar Cliente"): fields, filters, paging, and bad queries."""

import pytest

from tests.web.customer_payloads import (
    URL,
    address,
    assert_error,
    create,
    format_cnpj,
    format_cpf,
    pf_payload,
    pj_payload,
    search,
)


def _codes(body: dict) -> list[int]:
    return [item["code"] for item in body["items"]]


@pytest.fixture
def people(client, admin) -> dict[str, dict]:
    """A small register in which every search field has something distinct to find."""
    made = {
        "joao": pf_payload(
            name="João da Silva",
            cpf="529.982.247-25",
            email="joao.silva@gmail.com",
            phone="(11) 3333-4444",
            mobile=None,
            address=address(city="São Paulo"),
        ),
        "ana": pf_payload(
            name="Ana Paula Ferreira",
            email="ana.ferreira@hotmail.com",
            phone=None,
            mobile="(21) 99876-5432",
            address=address(city="Rio de Janeiro", state="RJ", cep="20040-002"),
        ),
        "bakery": pj_payload(
            name="Comércio de Alimentos Ribeiro Ltda",
            trade_name="Padaria Estrela",
            cnpj="11.222.333/0001-81",
            email="contato@estrela.com.br",
            phone=None,
            fax="(31) 3456-7890",
            address=address(city="Belo Horizonte", state="MG", cep="30130-010"),
        ),
        "axb": pf_payload(
            name="Axb Moreira",
            email="axb@uol.com.br",
            phone=None,
            mobile=None,
            address=address(city="Sorocaba", cep="18010-000"),
        ),
        "alnum": pj_payload(
            name="Tecnologia Nova Era S.A.",
            trade_name="Nova Era",
            cnpj="12.ABC.345/01DE-35",
            email="ti@novaera.com.br",
            phone=None,
            address=address(city="Campinas", cep="13010-000"),
        ),
    }
    return {key: create(client, admin, payload) for key, payload in made.items()}


def _find(client, headers, q, field=None, **params) -> list[int]:
    if field is not None:
        params["field"] = field
    return _codes(search(client, headers, q=q, **params))


# --- by field ---------------------------------------------------------------------------------


@pytest.mark.parametrize("q", ["joao", "JOÃO", "João", "silva", "da sil", " joão  da  silva "])
def test_name_is_case_and_accent_insensitive_substring(client, admin, people, q):
    assert _find(client, admin, q, "name") == [people["joao"]["code"]]


def test_name_also_matches_the_trade_name(client, admin, people):
    assert _find(client, admin, "estrela", "name") == [people["bakery"]["code"]]
    assert _find(client, admin, "ribeiro", "name") == [people["bakery"]["code"]]


def test_name_that_nobody_has_finds_nothing(client, admin, people):
    body = search(client, admin, q="Zacarias", field="name")
    assert body["items"] == [] and body["total"] == 0


def test_code_is_exact(client, admin, people):
    ana = people["ana"]
    assert _find(client, admin, str(ana["code"]), "code") == [ana["code"]]
    # Codes restart at 1 per test; 11 customers make a code "11" that contains "1".
    extra = [create(client, admin, pf_payload())["code"] for _ in range(6)]
    assert extra[-1] == 11
    assert _find(client, admin, "1", "code") == [1]
    assert _find(client, admin, "11", "code") == [11]
    assert _find(client, admin, "999", "code") == []


@pytest.mark.parametrize("q", ["52998224725", "529.982.247-25", "529", "529.98", "5299822"])
def test_document_cpf_ignores_punctuation_full_or_prefix(client, admin, people, q):
    assert _find(client, admin, q, "document") == [people["joao"]["code"]]


@pytest.mark.parametrize("q", ["11222333000181", "11.222.333/0001-81", "112.22", "11222333"])
def test_document_cnpj_ignores_punctuation(client, admin, people, q):
    assert _find(client, admin, q, "document") == [people["bakery"]["code"]]


@pytest.mark.parametrize("q", ["12.ABC.345/01DE-35", "12abc34501de35", "12ABC"])
def test_document_alphanumeric_cnpj(client, admin, people, q):
    assert _find(client, admin, q, "document") == [people["alnum"]["code"]]


def test_document_is_a_prefix_not_a_substring(client, admin, people):
    # "982247" is inside João's CPF, but no document starts with it.
    assert _find(client, admin, "982247", "document") == []


@pytest.mark.parametrize("q", ["joao.silva@", "JOAO.SILVA@GMAIL.COM", "silva@gmail", "gmail.com"])
def test_email_is_a_case_insensitive_substring(client, admin, people, q):
    assert _find(client, admin, q, "email") == [people["joao"]["code"]]


def test_email_shared_domain_finds_all_in_code_order(client, admin, people):
    expected = [people["bakery"]["code"], people["axb"]["code"], people["alnum"]["code"]]
    assert _find(client, admin, ".com.br", "email") == expected


@pytest.mark.parametrize(
    ("q", "who"),
    [
        ("(11) 3333-4444", "joao"),  # phone
        ("1133334444", "joao"),
        ("3333-4444", "joao"),
        ("21 99876-5432", "ana"),  # mobile
        ("998765432", "ana"),
        ("(31) 3456-7890", "bakery"),  # fax
        ("34567890", "bakery"),
    ],
)
def test_phone_matches_phone_mobile_or_fax_ignoring_punctuation(client, admin, people, q, who):
    assert _find(client, admin, q, "phone") == [people[who]["code"]]


@pytest.mark.parametrize("q", ["sao pa", "São Paulo", "SAO PAULO", "são"])
def test_city_is_an_accent_insensitive_prefix(client, admin, people, q):
    assert _find(client, admin, q, "city") == [people["joao"]["code"]]


def test_city_prefix_of_another_city(client, admin, people):
    assert _find(client, admin, "camp", "city") == [people["alnum"]["code"]]
    assert _find(client, admin, "Curitiba", "city") == []


@pytest.mark.parametrize(
    ("q", "who"),
    [
        ("joao", "joao"),  # name
        ("estrela", "bakery"),  # trade name
        ("529.982.247-25", "joao"),  # document
        ("12.ABC.345/01DE-35", "alnum"),  # alphanumeric document
        ("ana.ferreira@", "ana"),  # email
        ("(21) 99876-5432", "ana"),  # phone
        ("belo horiz", "bakery"),  # city
    ],
)
def test_any_is_the_default_and_finds_by_each_field(client, admin, people, q, who):
    assert _find(client, admin, q) == [people[who]["code"]]
    assert _find(client, admin, q, "any") == [people[who]["code"]]


def test_any_finds_by_code(client, admin, people):
    code = people["axb"]["code"]
    assert _find(client, admin, str(code)) == [code]


# --- filters, envelope, order, paging ---------------------------------------------------------


def test_empty_q_lists_everyone_in_code_order_with_envelope(client, admin, people):
    body = search(client, admin)
    assert set(body) == {"items", "total", "page", "per_page", "total_exact"}
    expected = sorted(customer["code"] for customer in people.values())
    assert _codes(body) == expected
    assert body["total"] == 5 and body["total_exact"] is True
    assert body["page"] == 1 and body["per_page"] == 50
    assert _codes(search(client, admin, q="")) == expected
    assert body["items"][0] == people["joao"]


def test_active_filter(client, admin, people):
    ana = people["ana"]["code"]
    response = client.patch(f"{URL}/{ana}", json={"active": False}, headers=admin)
    assert response.status_code == 200
    everyone = sorted(customer["code"] for customer in people.values())

    inactive = search(client, admin, active="false")
    assert _codes(inactive) == [ana] and inactive["total"] == 1
    active = search(client, admin, active="true")
    assert _codes(active) == [code for code in everyone if code != ana]
    assert active["total"] == 4
    assert _codes(search(client, admin)) == everyone
    assert _find(client, admin, "ferreira", "name", active="true") == []
    assert _find(client, admin, "ferreira", "name", active="false") == [ana]


def test_paging_in_code_order(client, admin, people):
    everyone = sorted(customer["code"] for customer in people.values())
    pages = [search(client, admin, per_page=2, page=page) for page in (1, 2, 3, 4)]
    assert [_codes(page) for page in pages] == [everyone[:2], everyone[2:4], everyone[4:], []]
    for number, page in enumerate(pages, start=1):
        assert page["total"] == 5, page
        assert page["page"] == number and page["per_page"] == 2
        assert page["total_exact"] is True


def test_beyond_the_estimate_threshold_the_total_is_flagged_as_an_estimate(
    client, admin, people, backend, monkeypatch
):
    # At a million customers a common term matches too many rows to count per request; make
    # every term "common" so this small table takes that path.
    monkeypatch.setattr("models.customer_search.ESTIMATE_ABOVE", 0)
    everyone = sorted(customer["code"] for customer in people.values())

    full_page = search(client, admin, per_page=2)
    last_page = search(client, admin, per_page=2, page=3)

    assert _codes(full_page) == everyone[:2]  # the page itself is exact, in code order
    if backend == "postgresql":
        assert full_page["total_exact"] is False
        assert full_page["total"] >= 2
    else:  # SQLite has no planner estimate to offer: it always counts
        assert (full_page["total"], full_page["total_exact"]) == (5, True)
    assert (last_page["total"], last_page["total_exact"]) == (5, True)  # a short page is exact


def test_paging_a_filtered_search(client, admin, people):
    matching = [people["bakery"]["code"], people["axb"]["code"], people["alnum"]["code"]]
    first = search(client, admin, q=".com.br", field="email", per_page=2, page=1)
    second = search(client, admin, q=".com.br", field="email", per_page=2, page=2)
    assert _codes(first) == matching[:2] and first["total"] == 3
    assert _codes(second) == matching[2:] and second["total"] == 3


def test_per_page_200_is_allowed(client, admin, people):
    assert search(client, admin, per_page=200)["per_page"] == 200


# --- bad queries --------------------------------------------------------------------------------

BAD_QUERIES = {
    "per_page over 200": ({"per_page": 201}, "per_page"),
    "per_page 0": ({"per_page": 0}, "per_page"),
    "per_page not a number": ({"per_page": "many"}, "per_page"),
    "page 0": ({"page": 0}, "page"),
    "negative page": ({"page": -1}, "page"),
    "unknown field": ({"q": "silva", "field": "nickname"}, "field"),
    "name term of 2 characters": ({"q": "jo", "field": "name"}, "q"),
    "any term of 2 letters": ({"q": "jo"}, "q"),
    "code not numeric": ({"q": "abc", "field": "code"}, "q"),
    "code in superscript digits": ({"q": "²²²", "field": "code"}, "q"),
    "document of 2 digits": ({"q": "52", "field": "document"}, "q"),
    "active not a boolean": ({"active": "maybe"}, "active"),
    "unknown parameter": ({"q": "silva", "sort": "name"}, "sort"),
}


@pytest.mark.parametrize("case", BAD_QUERIES, ids=list(BAD_QUERIES))
def test_bad_query_is_422_naming_the_parameter(client, admin, people, case):
    params, field = BAD_QUERIES[case]
    response = client.get(URL, query_string=params, headers=admin)
    body = assert_error(response, 422, field)
    assert body["code"] == "validation_error"


@pytest.mark.parametrize("field", ["any", "name", "email", "city"])
def test_like_wildcards_in_q_are_literal(client, admin, people, field):
    assert _find(client, admin, "%%%", field) == []
    assert _find(client, admin, "___", field) == []


def test_single_percent_does_not_return_everybody(client, admin, people):
    response = client.get(URL, query_string={"q": "%"}, headers=admin)
    if response.status_code == 200:
        assert response.get_json()["items"] == []
    else:
        assert_error(response, 422, "q")


def test_underscore_is_not_a_single_character_wildcard(client, admin, people):
    assert _find(client, admin, "axb", "name") == [people["axb"]["code"]]
    assert _find(client, admin, "a_b", "name") == []
    assert _find(client, admin, "a_b") == []
    assert _find(client, admin, "s_o pa", "city") == []
    assert _find(client, admin, "axb@uol", "email") == [people["axb"]["code"]]
    assert _find(client, admin, "a_b@uol", "email") == []


@pytest.mark.parametrize("role", ["admin", "attendant", "finance", "technician"])
def test_every_role_can_search(client, headers_for, people, role):
    assert _find(client, headers_for(role), "silva", "name") == [people["joao"]["code"]]


def test_search_results_show_formatted_documents(client, admin, people):
    joao = search(client, admin, q="joao", field="name")["items"][0]
    assert joao["cpf"] == format_cpf("52998224725")
    bakery = search(client, admin, q="estrela", field="name")["items"][0]
    assert bakery["cnpj"] == format_cnpj("11222333000181")
