"""Valid values for the document's own string formats, for schemathesis to generate.

A check digit or a known area code is no pattern: without these strategies the fuzzer would
draw random digits that the server rightly refuses, and never reach an accepted customer.
Importing this module registers them (the contract test and scripts/contract_hooks.py do).
"""

import schemathesis
from hypothesis import strategies as st
from stdnum import luhn
from stdnum.br import cnpj as stdnum_cnpj

from models.customers.identifiers import DDDS, format_cep, format_cnpj, format_cpf, format_phone
from tests.web.customer_payloads import cpf_check_digits

_ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _not_all_equal(value: str) -> bool:
    return len(set(value)) > 1


def _spelled(bare: str, formatted: str) -> st.SearchStrategy[str]:
    """A value as people write it: punctuated or bare."""
    return st.sampled_from((formatted, bare))


cpfs = (
    st.text("0123456789", min_size=9, max_size=9)
    .filter(_not_all_equal)
    .map(lambda base: base + cpf_check_digits(base))
    .flatmap(lambda cpf: _spelled(cpf, format_cpf(cpf)))
)
cnpjs = (
    st.one_of(
        st.text("0123456789", min_size=12, max_size=12),
        st.text(_ALPHANUMERIC, min_size=12, max_size=12),  # issued from July 2026
    )
    .filter(_not_all_equal)
    .map(lambda base: base + stdnum_cnpj.calc_check_digits(base))
    .flatmap(lambda cnpj: _spelled(cnpj, format_cnpj(cnpj)))
)
ceps = (
    st.text("0123456789", min_size=8, max_size=8)
    .filter(lambda cep: cep != "00000000")
    .flatmap(lambda cep: _spelled(cep, format_cep(cep)))
)
phones = (
    st.tuples(
        st.sampled_from(sorted(DDDS)),
        st.one_of(
            st.from_regex(r"[2-5][0-9]{7}", fullmatch=True),  # landline
            st.from_regex(r"9[0-9]{8}", fullmatch=True),  # mobile
        ),
    )
    .map("".join)
    .flatmap(lambda phone: _spelled(phone, format_phone(phone)))
)

mobiles = (
    st.tuples(st.sampled_from(sorted(DDDS)), st.from_regex(r"9[0-9]{8}", fullmatch=True))
    .map("".join)
    .flatmap(lambda phone: _spelled(phone, format_phone(phone)))
)
card_numbers = (
    st.text("0123456789", min_size=15, max_size=15)
    .map(lambda base: "4" + base + luhn.calc_check_digit("4" + base))
    .flatmap(lambda number: _spelled(number, " ".join(number[i : i + 4] for i in (0, 4, 8, 12))))
)

FORMATS = {
    "cpf": cpfs,
    "cnpj": cnpjs,
    "cep": ceps,
    "phone-br": phones,
    "mobile-br": mobiles,
    "card-number": card_numbers,
}

for name, strategy in FORMATS.items():
    schemathesis.openapi.format(name, strategy)
