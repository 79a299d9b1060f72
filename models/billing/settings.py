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
    # The non-payment ladder (models/billing/auto_suspension.py): each stage's notice goes once
    # a bill is overdue by more than its *_after_days (calendar); the stage runs at least its
    # *_notice_days after that notice was sent. None: the stage is off.
    reduce_after_days: int | None = 15
    reduce_notice_days: int = 15
    reduce_speed_percent: int = 50  # the plan's speeds kept while reduced
    reduce_address_list: str | None = None  # Mikrotik-Address-List of reduced sessions
    auto_suspend_after_days: int = 45
    suspension_notice_days: int = 15
    terminate_after_days: int | None = None
    termination_notice_days: int = 15
    termination_cancel_reason: str = "Inadimplência"
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
