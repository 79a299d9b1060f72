"""The IBGE municipality list, shipped with the project (models/customers/data/municipios.csv:
code, name, UF; its source and date in models/customers/data/README.md), and filling in the
missing IBGE codes of addresses from their city and state.

A code is filled only when the city's name, folded (no accents, case, dashes or apostrophes),
names exactly one municipality of the address's state; anything else is left for staff, listed
with the reason (GET /api/v1/reports/anatel-access/missing-data).
"""

import csv
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from models.customers.customers import Customer
from models.customers.identifiers import fold
from models.db import db

DATA_FILE = Path(__file__).parent / "data" / "municipios.csv"
NOT_FOUND, AMBIGUOUS = "not_found", "ambiguous"


def folded_city(name: str) -> str:
    """A city's name as the list is searched by: folded, dashes and apostrophes as spaces."""
    for mark in ("'", "\u2019", "\u00b4", "`", "-"):
        name = name.replace(mark, " ")
    return fold(name)


@cache
def _table() -> tuple[dict[str, tuple[str, str]], dict[tuple[str, str], list[str]]]:
    """(code -> (name, UF), (folded name, UF) -> codes), read once per process."""
    by_code: dict[str, tuple[str, str]] = {}
    by_name: dict[tuple[str, str], list[str]] = {}
    with DATA_FILE.open(encoding="utf-8", newline="") as data:
        for row in csv.DictReader(data):
            by_code[row["code"]] = (row["name"], row["uf"])
            by_name.setdefault((folded_city(row["name"]), row["uf"]), []).append(row["code"])
    return by_code, by_name


def municipality(code: str | None) -> tuple[str, str] | None:
    """(name, UF) of an IBGE code; None for no code or one the list does not have."""
    return _table()[0].get(code) if code else None


def codes_for(city: str | None, uf: str | None) -> list[str]:
    """The codes of the state's municipalities named `city` (folded): none, one, or several."""
    if not city or not uf:
        return []
    return list(_table()[1].get((folded_city(city), uf.upper()), []))


def count() -> int:
    return len(_table()[0])


@dataclass
class FillReport:
    """What `fill_missing_city_codes` did: how many codes it filled, and what it left."""

    filled: int = 0
    left: list[dict] = field(default_factory=list)


def resolve(city: str | None, uf: str | None) -> tuple[str | None, str | None]:
    """(the code, None) when the name and state find exactly one municipality, else (None,
    why: not_found or ambiguous)."""
    found = codes_for(city, uf)
    if len(found) == 1:
        return found[0], None
    return None, AMBIGUOUS if found else NOT_FOUND


def fill_missing_city_codes() -> FillReport:
    """Fill the customers' main and billing addresses without an IBGE code, and the
    subscriptions' installation addresses, where the city and state find one municipality.

    Flushes; the caller commits. Each change goes to the history (Audited)."""
    from models.service.subscriptions import Subscription

    report = FillReport()
    for prefix, label in (("address_", "address"), ("billing_", "billing_address")):
        code_column = getattr(Customer, f"{prefix}city_code")
        city_column = getattr(Customer, f"{prefix}city")
        query = (
            db.select(Customer)
            .where(code_column.is_(None), city_column.is_not(None), city_column != "")
            .order_by(Customer.code)
        )
        for customer in db.session.scalars(query).all():
            city, uf = getattr(customer, f"{prefix}city"), getattr(customer, f"{prefix}state")
            code, why = resolve(city, uf)
            if code:
                setattr(customer, f"{prefix}city_code", code)
                report.filled += 1
            else:
                report.left.append(_left(customer.code, None, label, city, uf, why))
    query = db.select(Subscription).where(Subscription.installation_address.is_not(None))
    for subscription in db.session.scalars(query.order_by(Subscription.id)).all():
        address = dict(subscription.installation_address or {})
        if address.get("city_code") or not address.get("city"):
            continue
        code, why = resolve(address.get("city"), address.get("state"))
        if code:
            subscription.installation_address = {**address, "city_code": code}
            report.filled += 1
        else:
            report.left.append(
                _left(
                    subscription.customer_code,
                    subscription.id,
                    "installation_address",
                    address.get("city"),
                    address.get("state"),
                    why,
                )
            )
    db.session.flush()
    return report


def _left(customer_code, subscription_id, address, city, uf, why) -> dict:
    return {
        "customer_code": customer_code,
        "subscription_id": subscription_id,
        "address": address,
        "city": city,
        "state": uf,
        "reason": why,
    }
