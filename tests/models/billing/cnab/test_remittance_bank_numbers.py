"""Every remessa writer takes the nosso número as a boleto stores it (`Boleto.bank_number`:
leading zeros dropped, so retornos match whatever padding their layout adds) and writes the
same file as from the bank layout's own digits. A Sicoob remessa once failed on exactly that."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from models.billing.boleto_banks import BankAccount, bank_for
from models.billing.boletos import bank_number
from models.billing.cnab import remittance as R

pytestmark = pytest.mark.one_backend  # no database in it: run on one backend (scripts/test)

ACCOUNTS = {
    "001": {"agency": "1234", "account": "123456", "agreement": "1234567", "wallet": "17",
            "variation": "019"},
    "033": {"agency": "0001", "account": "013001234", "agreement": "1234567", "wallet": "101",
            "transmission_code": "000100001234567"},
    "104": {"agency": "1234", "account": "123456", "agreement": "123456", "wallet": "1"},
    "237": {"agency": "1234", "account": "1234567", "agreement": "123", "wallet": "09"},
    "341": {"agency": "1234", "account": "12345", "agreement": "", "wallet": "109"},
    "748": {"agency": "1234", "account": "12345", "agreement": "12345", "wallet": "1",
            "station": "02", "byte": "2"},
    "756": {"agency": "4327", "account": "417270", "agreement": "229385", "wallet": "1",
            "variation": "01"},
}  # fmt: skip
PAYER = R.Payer("Fulano de Tal", "12345678909", "Rua A, 1", "Centro", "01001000", "Recife", "PE")
EXTRAS = ("variation", "station", "byte")


def _file(bank: str, layout: int, number: str) -> bytes:
    given = ACCOUNTS[bank]
    beneficiary = R.Beneficiary(
        bank=bank, agency=given["agency"], agency_dv="1", account=given["account"],
        account_dv="2", agreement=given["agreement"], wallet=given["wallet"], name="Provedor",
        document="11222333000181", transmission_code=given.get("transmission_code", ""),
        **{name: given[name] for name in EXTRAS if name in given},
    )  # fmt: skip
    item = R.RemittanceItem(
        R.ENTRY, number, "42", date(2026, 12, 6), date(2026, 12, 20), Decimal("99.90"), PAYER
    )
    return R.write(R.RemittanceFile(beneficiary, layout, 1, datetime(2026, 12, 6, 10), (item,)))


@pytest.mark.parametrize(("bank", "layout"), R.supported())
@pytest.mark.parametrize("sequence", [7, 1234])
def test_each_writer_takes_the_stored_bank_number(bank, layout, sequence):
    given = ACCOUNTS[bank]
    account = BankAccount(
        bank, given["agency"], given["account"], given["agreement"], given["wallet"],
        **{name: given[name] for name in EXTRAS if name in given},
    )  # fmt: skip
    codes = bank_for(bank).codes(
        account, sequence, date(2026, 12, 20), Decimal("99.90"), issued=date(2026, 12, 6)
    )
    stored = bank_number(codes.nosso_numero)  # Sicoob 0000007 -> 7; BB, Caixa, Sicredi: no zeros
    assert _file(bank, layout, stored) == _file(bank, layout, codes.nosso_numero)
