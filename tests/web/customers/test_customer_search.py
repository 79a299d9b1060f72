"""Customer search ("Pesquisar Cliente"): fields, words in any order, addresses, name order,
paging, and the rule each field states for a term it cannot use."""

import pytest

from tests.web.customer_payloads import (
    URL,
    address,
    as_listed,
    assert_error,
    create,
    format_cnpj,
    format_cpf,
    new_cpf,
    pf_payload,
    pj_payload,
    search,
)

EN_DASH, MINUS_SIGN, NBSP, NARROW_NBSP = "\u2013", "\u2212", "\u00a0", "\u202f"


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
            address=address(city="São Paulo"),  # Avenida Paulista 1000, Bela Vista, 01310-100
        ),
        "ana": pf_payload(
            name="Ana Paula Ferreira",
            email="ana.ferreira@hotmail.com",
            phone=None,
            mobile="(21) 99876-5432",
            address=address(
                street="Rua Barão de Mesquita",
                number="200",
                district="Tijuca",
                city="Rio de Janeiro",
                state="RJ",
                cep="20540-001",
            ),
            condominium="Condomínio Ipê Amarelo",
        ),
        "bakery": pj_payload(
            name="Comércio de Alimentos Ribeiro Ltda",
            trade_name="Padaria Estrela",
            cnpj="11.222.333/0001-81",
            email="contato@estrela.com.br",
            phone=None,
            fax="(31) 3456-7890",
            address=address(
                street="Avenida Afonso Pena",
                number="1500",
                district="Centro",
                city="Belo Horizonte",
                state="MG",
                cep="30130-010",
            ),
        ),
        "axb": pf_payload(
            name="Axb Moreira",
            email="axb@uol.com.br",
            phone=None,
            mobile=None,
            address=address(number="25", city="Sorocaba", cep="18010-000"),
        ),
        "alnum": pj_payload(
            name="Tecnologia Nova Era S.A.",
            trade_name="Nova Era",
            cnpj="12.ABC.345/01DE-35",
            email="ti@novaera.com.br",
            phone=None,
            address=address(number="77", city="Campinas", cep="13010-000"),
        ),
        "araujo": pf_payload(
            name="João Carlos Araújo",
            email="jc.araujo@yahoo.com",
            phone=None,
            mobile="(11) 97777-1234",
            address=address(
                street="Rua Vitorino Carmilo",
                number="453",
                district="Barra Funda",
                city="São Paulo",
                cep="01153-001",
            ),
        ),
    }
    return {key: create(client, admin, payload) for key, payload in made.items()}


def _find(client, headers, q, field=None, **params) -> list[int]:
    if field is not None:
        params["field"] = field
    return _codes(search(client, headers, q=q, **params))


def _who(people, *keys) -> list[int]:
    return [people[key]["code"] for key in keys]


# --- name: words in any order -------------------------------------------------------------------


@pytest.mark.parametrize(
    "q", ["silva", "SILVA", "da sil", " joão  da  silva ", f"João{NBSP}da{NARROW_NBSP}Silva"]
)
def test_name_is_case_and_accent_insensitive_substring(client, admin, people, q):
    assert _find(client, admin, q, "name") == _who(people, "joao")


@pytest.mark.parametrize("q", ["joao", "JOÃO", "João"])
def test_name_word_finds_everyone_who_has_it_in_code_order(client, admin, people, q):
    assert _find(client, admin, q, "name") == _who(people, "joao", "araujo")


@pytest.mark.parametrize(
    ("q", "who"),
    [
        ("araujo joao", "araujo"),  # "João Carlos Araújo", surname first
        ("Araújo, João", "araujo"),  # as lists print it
        ("carlos araujo joao", "araujo"),
        ("araujo jo", "araujo"),  # a short word must appear too
        ("silva joao", "joao"),
        ("silva da joão", "joao"),
    ],
)
def test_name_words_match_in_any_order(client, admin, people, q, who):
    assert _find(client, admin, q, "name") == _who(people, who)
    assert _find(client, admin, q) == _who(people, who)  # any


@pytest.mark.parametrize("q", ["joao pereira", "araujo silva", "joao xy", "silva araujo joao"])
def test_name_needs_every_word(client, admin, people, q):
    assert _find(client, admin, q, "name") == []


def test_name_also_matches_the_trade_name(client, admin, people):
    assert _find(client, admin, "estrela", "name") == _who(people, "bakery")
    assert _find(client, admin, "ribeiro", "name") == _who(people, "bakery")
    assert _find(client, admin, "padaria ribeiro", "name") == _who(people, "bakery")


def test_name_that_nobody_has_finds_nothing(client, admin, people):
    body = search(client, admin, q="Zacarias", field="name")
    assert body["items"] == [] and body["total"] == 0


def test_name_with_a_unicode_dash_matches_either_way(client, admin, people):
    typed_en_dash = create(client, admin, pf_payload(name=f"Jean{EN_DASH}Luc Picard"))
    typed_hyphen = create(client, admin, pf_payload(name="Anne-Marie Dupont"))
    assert _find(client, admin, "jean-luc", "name") == [typed_en_dash["code"]]
    assert _find(client, admin, f"anne{EN_DASH}marie", "name") == [typed_hyphen["code"]]
    assert _find(client, admin, f"anne{MINUS_SIGN}marie", "name") == [typed_hyphen["code"]]


# --- other fields -------------------------------------------------------------------------------


def test_code_is_exact(client, admin, people):
    ana = people["ana"]
    assert _find(client, admin, str(ana["code"]), "code") == [ana["code"]]
    # Codes restart at 1 per test; 11 customers make a code "11" that contains "1".
    extra = [create(client, admin, pf_payload())["code"] for _ in range(5)]
    assert extra[-1] == 11
    assert _find(client, admin, "1", "code") == [1]
    assert _find(client, admin, "11", "code") == [11]
    assert _find(client, admin, " 000000011 ", "code") == [11]
    assert _find(client, admin, "999", "code") == []


@pytest.mark.parametrize(
    "q",
    [
        "52998224725",
        "529.982.247-25",
        "529",
        "529.98",
        "5299822",
        f"529.982.247{EN_DASH}25",
        f"529{NBSP}982{NBSP}247{MINUS_SIGN}25",
    ],
)
def test_document_cpf_ignores_punctuation_full_or_prefix(client, admin, people, q):
    assert _find(client, admin, q, "document") == _who(people, "joao")


@pytest.mark.parametrize("q", ["11222333000181", "11.222.333/0001-81", "112.22", "11222333"])
def test_document_cnpj_ignores_punctuation(client, admin, people, q):
    assert _find(client, admin, q, "document") == _who(people, "bakery")


@pytest.mark.parametrize(
    "q",
    [
        "12.ABC.345/01DE-35",
        "12abc34501de35",
        "12ABC",
        f"12.ABC.345/01DE{EN_DASH}35",  # as a phone or a word processor types it
        "12.ABC.345/01DE\u2014 35",  # em dash
        f"12.ABC.345/01DE{MINUS_SIGN}35",
        f"12{NBSP}ABC{NARROW_NBSP}345/01DE-35",
    ],
)
def test_document_alphanumeric_cnpj(client, admin, people, q):
    assert _find(client, admin, q, "document") == _who(people, "alnum")
    assert _find(client, admin, q) == _who(people, "alnum")  # any


def test_document_is_a_prefix_not_a_substring(client, admin, people):
    # "982247" is inside João's CPF, but no document starts with it.
    assert _find(client, admin, "982247", "document") == []


@pytest.mark.parametrize("q", ["joao.silva@", "JOAO.SILVA@GMAIL.COM", "silva@gmail", "gmail.com"])
def test_email_is_a_case_insensitive_substring(client, admin, people, q):
    assert _find(client, admin, q, "email") == _who(people, "joao")


def test_email_shared_domain_finds_all_in_code_order(client, admin, people):
    assert _find(client, admin, ".com.br", "email") == _who(people, "bakery", "axb", "alnum")


@pytest.mark.parametrize(
    ("q", "who"),
    [
        ("(11) 3333-4444", "joao"),  # phone
        ("1133334444", "joao"),
        ("3333-4444", "joao"),
        ("3333", "joao"),  # 4 digits, the least a phone search takes
        ("21 99876-5432", "ana"),  # mobile
        ("998765432", "ana"),
        (f"(21){NBSP}99876{EN_DASH}5432", "ana"),
        ("+55 (11) 97777-1234", "araujo"),  # 13 digits, the most
        ("(31) 3456-7890", "bakery"),  # fax
        ("34567890", "bakery"),
    ],
)
def test_phone_matches_phone_mobile_or_fax_ignoring_punctuation(client, admin, people, q, who):
    assert _find(client, admin, q, "phone") == _who(people, who)


@pytest.mark.parametrize("q", ["sao pa", "São Paulo", "SAO PAULO", "são"])
def test_city_is_an_accent_insensitive_prefix(client, admin, people, q):
    assert _find(client, admin, q, "city") == _who(people, "joao", "araujo")


def test_city_prefix_of_another_city(client, admin, people):
    assert _find(client, admin, "camp", "city") == _who(people, "alnum")
    assert _find(client, admin, "Curitiba", "city") == []


# --- address ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "who"),
    [
        ("ipe amarelo", "ana"),  # condominium
        ("Amarelo Ipê", "ana"),
        ("condominio ipe", "ana"),
        ("tijuca", "ana"),  # district
        ("barra funda", "araujo"),
        ("Funda, Barra", "araujo"),
        ("vitorino carmilo", "araujo"),  # street
        ("carmilo 453", "araujo"),  # street and number
        ("afonso pena", "bakery"),
        ("01153-001", "araujo"),  # CEP with the dash
        ("01153001", "araujo"),  # and without
        (f"01153{EN_DASH}001", "araujo"),
        (f"01153{MINUS_SIGN}001", "araujo"),
        ("01.153-001", "araujo"),
        ("01153", "araujo"),  # the start of a CEP
        ("30130-010", "bakery"),
    ],
)
def test_address_finds_street_number_district_condominium_and_cep(client, admin, people, q, who):
    assert _find(client, admin, q, "address") == _who(people, who)
    assert _find(client, admin, q) == _who(people, who)  # any


def test_address_word_shared_by_several_comes_in_code_order(client, admin, people):
    assert _find(client, admin, "paulista", "address") == _who(people, "joao", "axb", "alnum")
    assert _find(client, admin, "paulista 77", "address") == _who(people, "alnum")
    assert _find(client, admin, "bela vista 25", "address") == _who(people, "axb")


@pytest.mark.parametrize("q", ["campinas", "masp", "apto", "paulista tijuca"])
def test_address_is_not_the_city_reference_or_complement(client, admin, people, q):
    # The city has its own field; reference and complement are not searched; every word counts.
    assert _find(client, admin, q, "address") == []


def test_address_search_follows_changes(client, admin, people):
    ana, araujo = people["ana"]["code"], people["araujo"]["code"]
    moved = {"address": {"district": "Lapa", "cep": "05065-000"}}
    assert client.patch(f"{URL}/{araujo}", json=moved, headers=admin).status_code == 200
    no_condominium = {"condominium": None}
    assert client.patch(f"{URL}/{ana}", json=no_condominium, headers=admin).status_code == 200

    assert _find(client, admin, "barra funda", "address") == []
    assert _find(client, admin, "01153-001", "address") == []
    assert _find(client, admin, "lapa carmilo", "address") == [araujo]
    assert _find(client, admin, "05065000", "address") == [araujo]
    assert _find(client, admin, "ipe amarelo", "address") == []
    assert _find(client, admin, "tijuca", "address") == [ana]


# --- any ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "who"),
    [
        ("joao da", "joao"),  # name
        ("estrela", "bakery"),  # trade name
        ("529.982.247-25", "joao"),  # document
        ("12.ABC.345/01DE-35", "alnum"),  # alphanumeric document
        ("ana.ferreira@", "ana"),  # email
        ("(21) 99876-5432", "ana"),  # phone
        ("belo horiz", "bakery"),  # city
        ("ipe amarelo", "ana"),  # address
    ],
)
def test_any_is_the_default_and_finds_by_each_field(client, admin, people, q, who):
    assert _find(client, admin, q) == _who(people, who)
    assert _find(client, admin, q, "any") == _who(people, who)


def test_any_finds_by_code(client, admin, people):
    code = people["axb"]["code"]
    assert _find(client, admin, str(code)) == [code]


# --- name order ---------------------------------------------------------------------------------

# Alphabetical by name (then trade name): "ana paula ferreira", "axb moreira", "comercio de
# alimentos ribeiro ltda padaria estrela", "joao carlos araujo", "joao da silva", "tecnologia..."
BY_NAME = ("ana", "axb", "bakery", "araujo", "joao", "alnum")


def test_sort_name_lists_alphabetically_and_code_is_the_default(client, admin, people):
    assert _codes(search(client, admin, sort="name")) == _who(people, *BY_NAME)
    by_code = sorted(customer["code"] for customer in people.values())
    assert _codes(search(client, admin)) == by_code
    assert _codes(search(client, admin, sort="code")) == by_code


@pytest.mark.parametrize("field", ["name", "any"])
def test_sort_name_orders_a_search(client, admin, people, field):
    assert _find(client, admin, "joao", field, sort="name") == _who(people, "araujo", "joao")
    assert _find(client, admin, "joao", field, sort="code") == _who(people, "joao", "araujo")
    assert _find(client, admin, "paulista", "address", sort="name") == _who(
        people, "axb", "joao", "alnum"
    )


def test_sort_name_pages_alphabetically(client, admin, people):
    pages = [search(client, admin, sort="name", per_page=2, page=page) for page in (1, 2, 3, 4)]
    everyone = _who(people, *BY_NAME)
    assert [_codes(page) for page in pages] == [everyone[:2], everyone[2:4], everyone[4:], []]
    for page in pages:
        assert (page["total"], page["total_exact"]) == (6, True)


def test_sort_name_breaks_ties_by_code(client, admin, people):
    twins = [create(client, admin, pf_payload(name="Maria Souza"))["code"] for _ in range(3)]
    pages = [
        search(client, admin, q="maria souza", sort="name", per_page=2, page=page)
        for page in (1, 2)
    ]
    assert [_codes(page) for page in pages] == [twins[:2], twins[2:]]
    assert [page["total"] for page in pages] == [3, 3]


def _every_term_is_common(monkeypatch, walk_gives_up: bool = False) -> None:
    """Make this small table take the path of a common term at a million customers.

    Every term then has more matches than ESTIMATE_ABOVE, so PostgreSQL walks an index in the
    page's order; the walk may read as much as it needs (a name search: the whole name index, in
    one filtered scan), or nothing, so that it gives up and the page comes from reading every
    match.
    """
    monkeypatch.setattr("models.customers.customer_search.ESTIMATE_ABOVE", 0)
    allowance = 0 if walk_gives_up else 1_000_000
    monkeypatch.setattr("models.customers.customer_search.WALK_ROWS_PER_MATCH", allowance)
    monkeypatch.setattr("models.customers.customer_search.WALK_INDEX_ENTRIES_PER_MATCH", allowance)
    if walk_gives_up:
        # A fresh test table has no statistics yet; count it as large, so the budget applies.
        monkeypatch.setattr(
            "models.customers.customer_search._customers_in_statistics", lambda: 10**9
        )


@pytest.mark.parametrize("sort", ["code", "name"])
def test_beyond_the_estimate_threshold_the_total_is_flagged_as_an_estimate(
    client, admin, people, backend, monkeypatch, sort
):
    _every_term_is_common(monkeypatch)
    order = _who(people, *BY_NAME) if sort == "name" else sorted(_who(people, *people))

    full_page = search(client, admin, per_page=4, sort=sort)
    last_page = search(client, admin, per_page=4, page=2, sort=sort)

    assert _codes(full_page) == order[:4]  # the page itself is exact, in its order
    assert _codes(last_page) == order[4:]
    if backend == "postgresql":
        assert full_page["total_exact"] is False
        assert full_page["total"] >= 4
    else:  # SQLite has no planner estimate to offer: it always counts
        assert (full_page["total"], full_page["total_exact"]) == (6, True)
    assert (last_page["total"], last_page["total_exact"]) == (6, True)  # a short page is exact


@pytest.mark.parametrize(
    ("field", "q", "by_code", "by_name"),
    [
        # The name index alone (index-only on PostgreSQL); in code order the primary key.
        ("name", "joao", ("joao", "araujo"), ("araujo", "joao")),
        ("any", "joao", ("joao", "araujo"), ("araujo", "joao")),  # the index and the rows
        ("address", "paulista", ("joao", "axb", "alnum"), ("axb", "joao", "alnum")),
        ("any", "", ("joao", "ana", "bakery", "axb", "alnum", "araujo"), BY_NAME),
    ],
)
@pytest.mark.parametrize("sort", ["code", "name"])
@pytest.mark.parametrize("walk_gives_up", [False, True], ids=["walk", "walk gives up"])
def test_pages_are_the_same_whichever_way_they_are_found(
    client, admin, people, monkeypatch, field, q, by_code, by_name, sort, walk_gives_up
):
    _every_term_is_common(monkeypatch, walk_gives_up)
    expected = _who(people, *(by_name if sort == "name" else by_code))
    pages = [
        search(client, admin, q=q, field=field, sort=sort, per_page=1, page=page)
        for page in range(1, len(expected) + 2)
    ]
    assert [code for page in pages for code in _codes(page)] == expected
    assert pages[-1]["items"] == []
    for number, page in enumerate(pages, start=1):
        assert page["total"] >= min(number, len(expected))  # an estimate never hides a page
        if page["total_exact"]:
            assert page["total"] == len(expected)


@pytest.mark.parametrize("sort", ["code", "name"])
def test_under_the_estimate_threshold_page_and_total_come_together(
    client, admin, people, monkeypatch, sort
):
    monkeypatch.setattr("models.customers.customer_search.ESTIMATE_ABOVE", 1_000_000)
    order = _who(people, *BY_NAME) if sort == "name" else sorted(_who(people, *people))
    pages = [search(client, admin, per_page=4, page=page, sort=sort) for page in (1, 2, 3)]
    assert [_codes(page) for page in pages] == [order[:4], order[4:], []]
    assert [(page["total"], page["total_exact"]) for page in pages] == [(6, True)] * 3


# --- filters, envelope, paging ------------------------------------------------------------------


def test_empty_q_lists_everyone_in_code_order_with_envelope(client, admin, people):
    body = search(client, admin)
    assert set(body) == {"items", "total", "page", "per_page", "total_exact"}
    expected = sorted(customer["code"] for customer in people.values())
    assert _codes(body) == expected
    assert body["total"] == 6 and body["total_exact"] is True
    assert body["page"] == 1 and body["per_page"] == 50
    assert _codes(search(client, admin, q="")) == expected
    assert _codes(search(client, admin, q=f" {NBSP} ")) == expected
    assert body["items"][0] == as_listed(people["joao"])


def test_active_filter(client, admin, people):
    ana = people["ana"]["code"]
    response = client.patch(f"{URL}/{ana}", json={"active": False}, headers=admin)
    assert response.status_code == 200
    everyone = sorted(customer["code"] for customer in people.values())

    inactive = search(client, admin, active="false")
    assert _codes(inactive) == [ana] and inactive["total"] == 1
    active = search(client, admin, active="true")
    assert _codes(active) == [code for code in everyone if code != ana]
    assert active["total"] == 5
    assert _codes(search(client, admin)) == everyone
    assert _find(client, admin, "ferreira", "name", active="true") == []
    assert _find(client, admin, "ferreira", "name", active="false") == [ana]
    assert _find(client, admin, "ipe amarelo", "address", active="true", sort="name") == []


def test_paging_in_code_order(client, admin, people):
    everyone = sorted(customer["code"] for customer in people.values())
    pages = [search(client, admin, per_page=2, page=page) for page in (1, 2, 3, 4)]
    assert [_codes(page) for page in pages] == [everyone[:2], everyone[2:4], everyone[4:], []]
    for number, page in enumerate(pages, start=1):
        assert page["total"] == 6, page
        assert page["page"] == number and page["per_page"] == 2
        assert page["total_exact"] is True


def test_paging_a_filtered_search(client, admin, people):
    matching = _who(people, "bakery", "axb", "alnum")
    first = search(client, admin, q=".com.br", field="email", per_page=2, page=1)
    second = search(client, admin, q=".com.br", field="email", per_page=2, page=2)
    assert _codes(first) == matching[:2] and first["total"] == 3
    assert _codes(second) == matching[2:] and second["total"] == 3


def test_per_page_200_is_allowed(client, admin, people):
    assert search(client, admin, per_page=200)["per_page"] == 200


# --- terms a field cannot use: a 422 that says the field's own rule ------------------------------

# What each field's message must say, and nothing another field's rule says instead.
RULE_WORDS = {
    "name": "a word of at least 3 letters or digits",
    "address": "a word of at least 3 letters or digits",
    "city": "at least 3 letters or digits",
    "code": "1 to 9 digits",
    "document": "3 to 14 letters or digits of a CPF or CNPJ, at least one of them a digit",
    "email": "at least 3 letters or digits in a row, and no spaces",
    "phone": "4 to 13 digits",
}

UNUSABLE_TERMS = [
    ("name", "jo"),
    ("name", "da jo"),  # two short words: no trigram to look up
    ("name", "%%%"),  # no letters or digits: would read every row
    ("name", "a_b"),
    ("address", "r. 12"),
    ("address", "sp"),
    ("city", "sp"),
    ("city", "s-p"),
    ("code", "abc"),
    ("code", "12a"),
    ("code", "1234567890"),  # 10 digits
    ("code", "12.345"),
    ("code", "²²²"),  # superscript digits
    ("document", "abc"),  # 200 with nothing before: letters alone are no CPF/CNPJ
    ("document", "silva"),
    ("document", "52"),
    ("document", "1122233300018100"),  # 16 characters
    ("document", "529#982"),
    ("phone", "abc"),  # was a 422 about "3 characters"
    ("phone", "123"),
    ("phone", "12345678901234"),  # 14 digits
    ("phone", "(11) 3333-444x"),
    ("email", "ab"),
    ("email", "@@@"),
    ("email", "joao silva@gmail"),
    ("email", f"joao{NBSP}silva"),
]


@pytest.mark.parametrize(("field", "q"), UNUSABLE_TERMS)
def test_unusable_term_is_422_with_the_fields_rule(client, admin, people, field, q):
    response = client.get(URL, query_string={"q": q, "field": field}, headers=admin)
    body = assert_error(response, 422, "q")
    assert body["code"] == "validation_error"
    [message] = body["errors"]["q"]
    assert RULE_WORDS[field] in message
    # Not another field's rule (the phone's used to speak of "3 characters").
    others = [words for words in RULE_WORDS.values() if words not in RULE_WORDS[field]]
    assert not [words for words in others if words in message], message
    assert "characters" not in message or field == "document"


@pytest.mark.parametrize("q", ["jo", "%", "%%%", "--", "a b", f"{EN_DASH}{EN_DASH}", "x@"])
def test_any_term_no_field_can_use_is_422_with_every_rule(client, admin, people, q):
    body = assert_error(client.get(URL, query_string={"q": q}, headers=admin), 422, "q")
    [message] = body["errors"]["q"]
    for field, words in RULE_WORDS.items():
        assert f"{field}: {words}" in message


def test_any_is_usable_when_one_field_can_use_the_term(client, admin, people):
    # "5" is too short for every field but the code, "jc.araujo@yahoo" has a space for none.
    assert _find(client, admin, "5") == _who(people, "alnum")
    assert _find(client, admin, "jc.araujo@yahoo") == _who(people, "araujo")


BAD_QUERIES = {
    "per_page over 200": ({"per_page": 201}, "per_page"),
    "per_page 0": ({"per_page": 0}, "per_page"),
    "per_page not a number": ({"per_page": "many"}, "per_page"),
    "page 0": ({"page": 0}, "page"),
    "negative page": ({"page": -1}, "page"),
    "unknown field": ({"q": "silva", "field": "nickname"}, "field"),
    "unknown sort": ({"q": "silva", "sort": "alphabetical"}, "sort"),
    "sort by a column": ({"sort": "search_name"}, "sort"),
    "active not a boolean": ({"active": "maybe"}, "active"),
    "unknown parameter": ({"q": "silva", "order": "name"}, "order"),
    "q over 200 characters": ({"q": "a" * 201}, "q"),
    "paging past 10,000 results": ({"page": 201, "per_page": 50}, "page"),
}


@pytest.mark.parametrize("case", BAD_QUERIES, ids=list(BAD_QUERIES))
def test_bad_query_is_422_naming_the_parameter(client, admin, people, case):
    params, field = BAD_QUERIES[case]
    response = client.get(URL, query_string=params, headers=admin)
    body = assert_error(response, 422, field)
    assert body["code"] == "validation_error"


# --- LIKE wildcards are literal -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "q", "found_without_wildcard"),
    [
        ("name", "sil%a", "silva"),
        ("name", "sil_a", "silva"),
        ("name", "a_b moreira", "axb moreira"),
        ("any", "sil_a joao", "silva joao"),
        ("email", "gmail%com", "gmail.com"),
        ("email", "a_b@uol", "axb@uol"),
        ("city", "s_o pa", "sao pa"),
        ("city", "s%o paulo", "sao paulo"),
        ("address", "paul_sta", "paulista"),
        ("address", "vitorino%453", "vitorino carmilo 453"),
    ],
)
def test_like_wildcards_in_q_are_literal(client, admin, people, field, q, found_without_wildcard):
    assert _find(client, admin, found_without_wildcard, field) != []
    assert _find(client, admin, q, field) == []


# --- roles, output, and identifiers typed with Unicode dashes ----------------------------------


@pytest.mark.parametrize("role", ["admin", "attendant", "finance", "technician"])
def test_every_role_can_search(client, headers_for, people, role):
    assert _find(client, headers_for(role), "silva", "name") == _who(people, "joao")


def test_search_results_show_formatted_documents(client, admin, people):
    joao = search(client, admin, q="joao da", field="name")["items"][0]
    assert joao["cpf"] == format_cpf("52998224725")
    bakery = search(client, admin, q="estrela", field="name")["items"][0]
    assert bakery["cnpj"] == format_cnpj("11222333000181")


def test_identifiers_registered_with_unicode_dashes_and_spaces_are_found(client, admin, people):
    cpf = new_cpf()
    typed_cpf = f"{cpf[:3]}.{cpf[3:6]}.{cpf[6:9]}{EN_DASH}{cpf[9:]}"
    customer = create(
        client,
        admin,
        pf_payload(
            name="Zuleica Nogueira",
            cpf=typed_cpf,
            phone=None,
            mobile=f"(11){NBSP}96543{MINUS_SIGN}2109",
            address=address(cep=f"04538{EN_DASH}133", district="Itaim Bibi"),
        ),
    )
    assert customer["cpf"] == format_cpf(cpf)
    assert customer["mobile"] == "(11) 96543-2109"
    assert customer["address"]["cep"] == "04538-133"
    code = [customer["code"]]
    assert _find(client, admin, format_cpf(cpf), "document") == code
    assert _find(client, admin, typed_cpf, "document") == code
    assert _find(client, admin, "(11) 96543-2109", "phone") == code
    assert _find(client, admin, "04538-133", "address") == code
    assert _find(client, admin, f"04538{EN_DASH}133", "address") == code
