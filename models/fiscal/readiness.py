"""Who cannot be invoiced yet: the customers billed for a telecom plan whose NFCom would be
refused for lack of data (models/fiscal/issuing.py's checks, asked of everyone at once), with
what is missing. The attendant works through this list before billing day.

Set-based: the plans' profiles are read first (a few rows), then one query finds the page of
customers with a gap and one more reads their subscriptions to say what each lacks.
"""

from sqlalchemy import and_, false, func, or_, true

from models.customers.customers import PJ, Customer
from models.db import db
from models.fiscal.issuing import state_registration
from models.fiscal.nfcom_documents import IncompleteInvoice
from models.fiscal.plan_profiles import TELECOM_KINDS, PlanFiscalProfile
from models.service.plans import Plan
from models.service.subscriptions import ACTIVE, SUSPENDED, Subscription

# The main address's parts an NFCom needs, and how the list names each one missing.
ADDRESS_NEEDS = {
    "street": "logradouro",
    "number": "número",
    "district": "bairro",
    "city": "cidade",
    "city_code": "código IBGE do município",
    "state": "UF",
    "cep": "CEP",
}


def _blank(column):
    return or_(column.is_(None), column == "")


def _unwritable_ie():
    """True for a company whose IE the NFCom cannot carry (issuing.state_registration): not
    ISENTO and not 2 to 14 characters once the separators staff type are gone (the API lets
    only digits and those in)."""
    ie = Customer.state_registration
    digits = ie
    for separator in ".", "/", "-", " ":
        digits = func.replace(digits, separator, "")
    return and_(
        Customer.kind == PJ,
        func.trim(ie) != "",
        func.upper(func.trim(ie)) != "ISENTO",
        or_(func.length(digits) < 2, func.length(digits) > 14),
    )


def _covered(profiles: dict[int, dict]):
    """True where the subscription's plan has ICMS for the customer's state."""
    terms = [
        and_(Subscription.plan_id == plan_id, Customer.address_state.in_(sorted(icms)))
        for plan_id, icms in profiles.items()
        if icms
    ]
    return or_(*terms) if terms else false()


def _billed():
    """(customer, subscription, plan) of active customers billed for a telecom plan."""
    return (
        db.select(Customer.code)
        .join(Subscription, Subscription.customer_code == Customer.code)
        .join(Plan, Plan.id == Subscription.plan_id)
        .where(
            Customer.active.is_(True),
            Subscription.status.in_((ACTIVE, SUSPENDED)),
            Plan.kind.in_(TELECOM_KINDS),
        )
    )


def customers_missing_data(page: int, per_page: int) -> tuple[list[dict], int]:
    """One page (by customer code) of the customers who cannot be invoiced, each with its
    problems in Portuguese, and how many there are."""
    profiles = {
        plan_id: icms or {}
        for plan_id, icms in db.session.execute(
            db.select(PlanFiscalProfile.plan_id, PlanFiscalProfile.icms_by_uf)
        )
    }
    gap = or_(
        *(_blank(getattr(Customer, f"address_{part}")) for part in ADDRESS_NEEDS),
        _unwritable_ie(),
        Subscription.plan_id.not_in(sorted(profiles)) if profiles else true(),
        ~_covered(profiles),
    )
    codes = _billed().where(gap).distinct().subquery()
    total = db.session.scalar(db.select(db.func.count()).select_from(codes))
    page_codes = db.session.scalars(
        db.select(codes.c.code).order_by(codes.c.code).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return _described(page_codes, profiles), total


def _described(codes: list[int], profiles: dict[int, dict]) -> list[dict]:
    """Each customer of `codes` with what stops its invoices (one query for them all)."""
    if not codes:
        return []
    rows = db.session.execute(
        _billed()
        .add_columns(Customer, Plan.id, Plan.name)
        .where(Customer.code.in_(codes))
        .order_by(Customer.code, Plan.name, Plan.id)
    )
    found: dict[int, dict] = {}
    for _code, customer, plan_id, plan_name in rows:
        entry = found.get(customer.code)
        if entry is None:
            entry = found[customer.code] = _entry(customer)
        problems = entry["problems"]
        if plan_id not in profiles:
            problem = f"O plano {plan_name} não tem dados fiscais (classificação e impostos)."
        elif customer.address_state and customer.address_state not in profiles[plan_id]:
            problem = f"O plano {plan_name} não tem ICMS para {customer.address_state}."
        else:
            continue
        if problem not in problems:
            problems.append(problem)
    return [found[code] for code in codes if found[code]["problems"]]


def _entry(customer: Customer) -> dict:
    missing = [
        name for part, name in ADDRESS_NEEDS.items() if not getattr(customer, f"address_{part}")
    ]
    problems = [f"O endereço não tem: {', '.join(missing)}."] if missing else []
    if customer.kind == PJ:
        try:
            state_registration(customer.state_registration)
        except IncompleteInvoice as error:
            problems.append(str(error))
    return {"code": customer.code, "name": customer.name, "problems": problems}
