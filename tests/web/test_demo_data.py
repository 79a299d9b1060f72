"""Demo customer generator: shape, validity, uniqueness, determinism and rough shares."""

import hashlib
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from models.customers.identifiers import (
    DDDS,
    UFS,
    normalize_cep,
    normalize_cnpj,
    normalize_cpf,
    normalize_phone,
)
from web.cli.demo_data import FIELDS, generate_customers

pytestmark = pytest.mark.one_backend  # no database in it: run on one backend (scripts/test)

EXPECTED_KEYS = [
    "code", "kind", "name", "trade_name", "document", "state_registration", "email", "phone",
    "mobile", "fax", "street", "number", "complement", "district", "city", "state", "cep",
    "active",
]  # fmt: skip
EMAIL_RE = re.compile(r"[a-z0-9._]+@[a-z0-9.]+\.[a-z]{2,}")
N = 50_000


@pytest.fixture(scope="module")
def rows():
    return list(generate_customers(N, seed=2024))


def digest(customers) -> str:
    return hashlib.sha256(json.dumps(list(customers)).encode()).hexdigest()


def test_rows_have_exactly_the_expected_keys(rows):
    assert list(FIELDS) == EXPECTED_KEYS
    assert all(list(row) == EXPECTED_KEYS for row in rows)


def test_codes_are_consecutive_from_start_code():
    assert [row["code"] for row in generate_customers(5, start_code=1000)] == list(
        range(1000, 1005)
    )


def test_codes_and_documents_are_unique(rows):
    assert len({row["code"] for row in rows}) == N
    assert len({row["document"] for row in rows}) == N


def test_documents_do_not_overlap_between_code_ranges():
    first = {row["document"] for row in generate_customers(5_000, seed=1, start_code=1)}
    second = {row["document"] for row in generate_customers(5_000, seed=1, start_code=5_001)}
    assert not first & second


def test_documents_are_valid_and_already_normalised(rows):
    for row in rows:
        if row["kind"] == "PF":
            assert normalize_cpf(row["document"]) == row["document"]
        else:
            assert row["kind"] == "PJ"
            assert normalize_cnpj(row["document"]) == row["document"]
            assert row["document"].isdigit()  # classic numeric CNPJ


def test_phones_ceps_and_states_are_valid(rows):
    for row in rows:
        assert normalize_cep(row["cep"]) == row["cep"]
        assert row["state"] in UFS
        numbers = [row[key] for key in ("phone", "mobile", "fax") if row[key] is not None]
        for number in numbers:
            assert normalize_phone(number) == number
        # All numbers of a customer share the DDD of the customer's city.
        assert len({number[:2] for number in numbers}) <= 1
        assert all(number[:2] in DDDS for number in numbers)
        if row["phone"] is not None:
            assert len(row["phone"]) == 10
        if row["mobile"] is not None:
            assert len(row["mobile"]) == 11 and row["mobile"][2] == "9"


def test_company_only_fields(rows):
    for row in rows:
        if row["kind"] == "PF":
            assert row["trade_name"] is None and row["state_registration"] is None
        else:
            assert row["trade_name"]
            registration = row["state_registration"]
            assert registration is None or (registration.isdigit() and 9 <= len(registration) <= 12)


def test_text_fields_look_right(rows):
    for row in rows:
        assert len(row["name"].split()) >= 2 and len(row["name"]) <= 150
        assert row["email"] is None or EMAIL_RE.fullmatch(row["email"]), row["email"]
        assert row["number"] == "S/N" or (row["number"].isdigit() and row["number"][0] != "0")
        for key in ("street", "district", "city"):
            assert row[key] and len(row[key]) <= 120 and row[key] == row[key].strip()
        assert row["complement"] is None or row["complement"].strip()
        assert isinstance(row["active"], bool)


def test_names_are_brazilian_with_accents(rows):
    names = [row["name"] for row in rows if row["kind"] == "PF"]
    first_names = Counter(name.split()[0] for name in names)
    assert [first for first, _ in first_names.most_common(2)] == ["Maria", "José"]
    surnames = Counter(name.split()[-1] for name in names)
    assert [surname for surname, _ in surnames.most_common(2)] == ["Silva", "Santos"]
    assert sum(not name.isascii() for name in names) > len(names) / 5
    assert any(" da Silva" in name for name in names)
    companies = [row["name"] for row in rows if row["kind"] == "PJ"]
    assert any(name.endswith(" Ltda") for name in companies)
    assert any(" & Filhos " in name for name in companies)


def test_cities_are_real_and_consistent(rows):
    states_of = {}
    for row in rows:
        states_of.setdefault(row["city"], set()).add(row["state"])
    assert len(states_of) >= 30
    assert all(len(states) == 1 for states in states_of.values())
    assert states_of["São Paulo"] == {"SP"}
    assert states_of["Florianópolis"] == {"SC"}
    cities = Counter(row["city"] for row in rows)
    assert cities.most_common(1)[0][0] == "São Paulo"
    mobiles = {row["mobile"][:2] for row in rows if row["city"] == "Campinas" and row["mobile"]}
    assert mobiles == {"19"}


def test_shares_are_roughly_right(rows):
    def share(predicate):
        return sum(1 for row in rows if predicate(row)) / N

    assert 0.13 < share(lambda row: row["kind"] == "PJ") < 0.17
    assert 0.90 < share(lambda row: row["active"]) < 0.94
    assert 0.08 < share(lambda row: row["email"] is None) < 0.12
    assert 0.04 < share(lambda row: row["mobile"] is None) < 0.06
    assert share(lambda row: row["fax"] is not None) < 0.05


def test_same_seed_gives_same_rows_and_other_seeds_differ():
    assert list(generate_customers(500, seed=7)) == list(generate_customers(500, seed=7))
    assert list(generate_customers(500, seed=7)) != list(generate_customers(500, seed=8))
    # A shorter run is a prefix of a longer one.
    assert list(generate_customers(100, seed=7)) == list(generate_customers(500, seed=7))[:100]


def test_output_does_not_depend_on_hash_randomisation():
    script = (
        "import hashlib, json; from web.cli.demo_data import generate_customers; "
        "print(hashlib.sha256(json.dumps(list(generate_customers(2000, seed=3))).encode())"
        ".hexdigest())"
    )
    root = Path(__file__).resolve().parents[2]
    expected = digest(generate_customers(2000, seed=3))
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(root)}
        result = subprocess.run(
            [sys.executable, "-c", script], env=env, cwd=root, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == expected


def test_zero_rows_and_bad_arguments():
    assert list(generate_customers(0)) == []
    with pytest.raises(ValueError):
        generate_customers(-1)
    with pytest.raises(ValueError):
        generate_customers(10, start_code=-5)
    with pytest.raises(ValueError):
        generate_customers(2, start_code=10**8 - 1)  # codes must stay below 10**8
    assert [row["code"] for row in generate_customers(1, start_code=10**8 - 1)] == [10**8 - 1]


def test_repeated_digit_cpf_is_never_produced():
    # The only way to reach the guard is the private helper: root 8888 8888 issued in SP (8).
    from web.cli.demo_data import _cpf

    cpf = _cpf(8888, 8888, 8)
    assert normalize_cpf(cpf) == cpf
    assert cpf.startswith("888888889")


def test_throughput_report(capsys):
    start = time.perf_counter()
    count = sum(1 for _ in generate_customers(100_000, seed=1))
    elapsed = time.perf_counter() - start
    assert count == 100_000
    with capsys.disabled():
        print(f"\ngenerate_customers: {count / elapsed:,.0f} rows/s")
