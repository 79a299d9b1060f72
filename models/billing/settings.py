"""Billing's settings (built by web/config.py from the environment, read via models/settings)."""

from dataclasses import dataclass
from decimal import Decimal

from models.billing.boleto_banks import BankAccount


@dataclass(frozen=True)
class BillingPolicy:
    """Receivables, notices and suspension for non-payment: when and how much."""

    boleto_fee: Decimal = Decimal("2.50")  # charged with charge_boleto_fee
    boleto_email_days_before: int = 5
    overdue_notice_days: tuple[int, ...] = (3, 10, 20)
    notice_business_days: bool = True  # overdue days counted in business days
    auto_suspend_after_days: int = 15
    # Calendar days between the notice that announces a suspension and the suspension.
    suspension_notice_days: int = 15
    trust_unlock_max_days: int = 5
    trust_unlock_period_days: int = 30


@dataclass(frozen=True)
class BoletoSettings:
    """The account boletos are issued on, whom they pay, and their PIX key."""

    account: BankAccount
    beneficiary_name: str  # BOLETO_BENEFICIARY, else ISP_NAME
    beneficiary_document: str | None = None  # a CNPJ, bare
    beneficiary_address: str | None = None
    demo: bool = False  # any account setting made up: not a boleto anyone may pay
    pix_key: str | None = None  # no key: boletos without PIX
    pix_city: str = "SAO PAULO"


@dataclass(frozen=True)
class PixSettings:
    """PIX through the PSPs' API Pix (models/billing/psp_connections.py)."""

    public_base_url: str | None = None  # PUBLIC_BASE_URL: where the PSPs post webhooks
    # The webhooks' inbox (models/billing/pix_inbox.py): the Redis broker's URL, if Redis.
    inbox_url: str | None = None
