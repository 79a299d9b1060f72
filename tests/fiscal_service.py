"""The service set up to issue NFComs against the stand-in SVRS (tests/sefaz): the issuer's
settings with an A1 from the stand-in's CA, a telecom plan with its taxes, customers with their
IBGE code, and what tests read back."""

from datetime import timedelta
from decimal import Decimal

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

from models.audit import set_actor
from models.clock import local_today, utcnow
from models.customers.customers import Customer
from models.db import db
from models.fiscal.fiscal_settings import fiscal_settings, save_settings
from models.fiscal.invoices import Invoice
from models.fiscal.plan_profiles import save_profile
from models.fiscal.settings import SefazSettings
from tests.builders import BUILDER, build_customer, build_plan, build_receivable, build_subscription

ISSUER_CNPJ = "11222333000181"
A1_PASSWORD = "senha-do-a1"
SAO_PAULO = "3550308"  # the IBGE code of the customers' city (tests/web/customer_payloads)
ISSUER = {
    "cnpj": ISSUER_CNPJ,
    "ie": "0960000018",
    "regime": 3,
    "name": "Provedor Teste Ltda",
    "trade_name": "Provedor Teste",
    "street": "Avenida Borges de Medeiros",
    "number": "1501",
    "district": "Praia de Belas",
    "city_code": "4314902",  # Porto Alegre
    "city": "Porto Alegre",
    "uf": "RS",
    "cep": "90119900",
    "environment": "homologacao",
    "series": 1,
}
# Rates for the tests (a regime-normal ISP), not advice.
PROFILE = {
    "classification": "0100401",
    "service_type": 4,
    "cfop": "5307",
    "icms_by_uf": {"SP": {"cst": "00", "rate": "25.00"}, "RS": {"cst": "00", "rate": "17.00"}},
    "pis_cst": "01",
    "pis_rate": Decimal("0.65"),
    "cofins_cst": "01",
    "cofins_rate": Decimal("3.00"),
    "fust_rate": Decimal("0.50"),
    "funttel_rate": Decimal("0.50"),
}


def a1_pkcs12(svrs, cnpj: str = ISSUER_CNPJ) -> bytes:
    """The stand-in's e-CNPJ for `cnpj` as the PKCS#12 file an ISP installs."""
    certificate_pem, key_pem = svrs.a1_for(cnpj)
    return pkcs12.serialize_key_and_certificates(
        b"a1",
        serialization.load_pem_private_key(key_pem.encode(), password=None),
        x509.load_pem_x509_certificate(certificate_pem.encode()),
        None,
        BestAvailableEncryption(A1_PASSWORD.encode()),
    )


def connect(app, svrs, override_settings, **changes) -> None:
    """Point the service at the stand-in and install the issuer, active from a month ago."""
    override_settings(
        SefazSettings, base_url=svrs.base_url, ca_pem=svrs.ca_pem, timeout_seconds=5.0
    )
    with app.app_context():
        set_actor(db.session, BUILDER)
        data = {
            **ISSUER,
            "active": True,
            "first_issue_date": local_today() - timedelta(days=40),
            "certificate": a1_pkcs12(svrs),
            "certificate_password": A1_PASSWORD,
            **changes,
        }
        save_settings(data, utcnow())
        db.session.commit()


def telecom_plan(app, profile: bool = True) -> int:
    """An internet plan, with its fiscal profile unless `profile` is False."""
    plan_id = build_plan(app)
    if profile:
        with app.app_context():
            set_actor(db.session, BUILDER)
            save_profile(plan_id, dict(PROFILE))
            db.session.commit()
    return plan_id


def customer_with_city_code(app, **fields) -> int:
    """A customer whose address carries its city's IBGE code, as invoicing needs."""
    code = build_customer(app, **fields)
    with app.app_context():
        db.session.get(Customer, code).address_city_code = SAO_PAULO
        db.session.commit()
    return code


def invoiced_customer(app, plan_id: int, **fields) -> tuple[int, int]:
    """A customer with the IBGE code of their city and a subscription of `plan_id`:
    (customer code, subscription id)."""
    code = customer_with_city_code(app, **fields)
    return code, build_subscription(app, code, plan_id)


def telecom_bill(app, plan_id: int, amount: str = "99.90") -> int:
    """A bill of a new invoiced customer's subscription of `plan_id`: the receivable's id."""
    code, subscription_id = invoiced_customer(app, plan_id)
    return build_receivable(app, code, amount=amount, subscription_id=subscription_id)


def invoice_row(app, receivable_id: int) -> Invoice | None:
    """The receivable's invoice as stored now (detached, documents loaded)."""
    with app.app_context():
        invoice = db.session.scalars(
            db.select(Invoice).where(Invoice.receivable_id == receivable_id)
        ).first()
        if invoice is not None:
            for name in ("signed_xml", "authorized_xml", "pdf"):
                getattr(invoice, name)
            db.session.expunge(invoice)
        return invoice


def status_of(app, receivable_id: int) -> str | None:
    invoice = invoice_row(app, receivable_id)
    return invoice.status if invoice else None


def next_number(app) -> int:
    with app.app_context():
        return fiscal_settings().next_number
