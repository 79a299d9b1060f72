"""Settings: read once from the environment, typed, with an embedded default that needs nothing."""

import base64
import contextlib
import ipaddress
import os
import re
import secrets
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from email.errors import MessageError
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from models.backend import connection_options, embedded_database_url
from models.billing.boleto_banks import BankAccount, UnknownBank, bank_for
from models.billing.settings import BillingPolicy, BoletoSettings, PixSettings
from models.customers.identifiers import DDDS, normalize_cnpj
from models.customers.settings import CustomerSettings
from models.extracts.settings import ExtractSettings
from models.fiscal.settings import SefazSettings
from models.notices.settings import MailSettings
from models.service.connection_records import RecordsPolicy, RetentionTooShort
from models.service.radius import RadiusPolicy

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the service refuses to start."""


def _int(env, name, default, minimum=0):
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}")
    return value


def _list(env, name):
    return [item.strip() for item in env.get(name, "").split(",") if item.strip()]


def _ip_pools(env) -> tuple[str, ...]:
    pools = _list(env, "IP_POOLS") or ["100.64.0.0/10", "2001:db8::/32"]
    for pool in pools:
        try:
            ipaddress.ip_network(pool)
        except ValueError:
            raise ConfigError(
                f"IP_POOLS: {pool!r} is not a network such as 100.64.0.0/10"
            ) from None
    return tuple(pools)


def _radius_group(env, name, default) -> str | None:
    value = env.get(name, default)
    if value and not re.fullmatch(r"[A-Za-z0-9._-]{1,64}", value):
        raise ConfigError(f"{name} must be 1-64 letters, digits, . _ or -")
    return value or None


def _retention_days(env) -> int:
    """CONNECTION_RECORDS_RETENTION_DAYS: at least a year, as the Marco Civil requires."""
    days = _int(env, "CONNECTION_RECORDS_RETENTION_DAYS", 365)
    try:
        RecordsPolicy(retention_days=days)
    except RetentionTooShort as error:
        raise ConfigError(f"CONNECTION_RECORDS_RETENTION_DAYS: {error}") from None
    return days


def _area_code(env, name, default) -> str:
    value = env.get(name) or default
    if value not in DDDS:
        raise ConfigError(f"{name} must be a Brazilian area code (DDD) of 2 digits, such as 11")
    return value


# Option flags switched on for a new customer unless CUSTOMER_DEFAULT_OPTIONS says otherwise.
CUSTOMER_OPTION_FLAGS = (
    "auto_suspend",
    "charge_boleto_fee",
    "itemized_invoice",
    "charge_extra_email",
    "allow_promotional_discounts",
    "send_boleto_email",
    "send_overdue_notice",
)
DEFAULT_CUSTOMER_OPTIONS = ("auto_suspend", "send_boleto_email", "send_overdue_notice")
DEFAULT_ADDRESS_TYPES = ("installation", "billing", "delivery", "correspondence", "other")
DEFAULT_CONTACT_TYPES = ("financeiro", "técnico", "comercial", "responsável", "outro")
DEFAULT_OBSERVATION_TYPES = ("geral", "financeiro", "técnico", "comercial", "atendimento")


def _customer_options(env) -> tuple[str, ...]:
    if "CUSTOMER_DEFAULT_OPTIONS" not in env:
        return DEFAULT_CUSTOMER_OPTIONS
    chosen = tuple(_list(env, "CUSTOMER_DEFAULT_OPTIONS"))
    unknown = sorted(set(chosen) - set(CUSTOMER_OPTION_FLAGS))
    if unknown:
        raise ConfigError(
            f"CUSTOMER_DEFAULT_OPTIONS: unknown {', '.join(unknown)}; "
            f"known: {', '.join(CUSTOMER_OPTION_FLAGS)}"
        )
    return chosen


def _choices(env, name, default) -> tuple[str, ...]:
    """A list staff pick from (address, contact, observation types): comma-separated."""
    chosen = tuple(dict.fromkeys(_list(env, name)))
    return chosen or default


def _seconds(env, name, default) -> float:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, got {raw!r}") from None
    if not 0 < value <= 30:
        raise ConfigError(f"{name} must be more than 0 and at most 30 seconds")
    return value


# On by default: a new install answers the CEPs its directory lacks from its first day.
DEFAULT_CEP_PROVIDER_URL = "https://viacep.com.br/ws"


def _cep_provider_url(env) -> str | None:
    """CEP_PROVIDER_URL: ViaCEP when unset; set empty, no provider (an air-gapped install)."""
    raw = env.get("CEP_PROVIDER_URL")
    url = DEFAULT_CEP_PROVIDER_URL if raw is None else raw.strip().rstrip("/")
    if url and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", url):
        raise ConfigError(f"CEP_PROVIDER_URL must be an http(s) URL or empty, got {raw!r}")
    return url or None


def _kept_secret(key_file: Path, new_value: str) -> str:
    """The secret kept in `key_file` (owner-only), written with `new_value` the first time."""
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        draft = key_file.with_name(f"{key_file.name}.{os.getpid()}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(new_value)
        # A link appears whole or not at all: processes starting together agree on one value.
        with contextlib.suppress(FileExistsError):
            os.link(draft, key_file)
        draft.unlink()
    return key_file.read_text().strip()


def _card_keys(env, mode, var_dir: Path) -> tuple[str, ...]:
    """Keys that encrypt card numbers: CARD_ENCRYPTION_KEYS, newest first.

    Rotation without downtime: prepend a new key (new writes use it, old rows still read),
    re-encrypt with `flask payment-methods rotate-keys`, then drop the old key. In
    development a key is generated once under var/ so stored cards survive a restart.
    """
    keys = tuple(_list(env, "CARD_ENCRYPTION_KEYS"))
    if not keys:
        if mode == "production":
            raise ConfigError("CARD_ENCRYPTION_KEYS must be set when PROVEDOR_ENV=production")
        new_key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
        keys = (_kept_secret(var_dir / "card-encryption.key", new_key),)
    for key in keys:
        try:
            if len(base64.urlsafe_b64decode(key.encode())) != 32:
                raise ValueError
        except ValueError:
            raise ConfigError(
                "CARD_ENCRYPTION_KEYS: each key must be 32 url-safe base64 bytes "
                "(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key())')"
            ) from None
    return keys


DEFAULT_EQUIPMENT_TYPES = ("roteador", "onu", "switch", "radio", "telefone ip", "outro")


def _days_list(env, name, default) -> tuple[int, ...]:
    raw = _list(env, name)
    if not raw:
        return default
    try:
        days = tuple(sorted({int(item) for item in raw}))
    except ValueError:
        raise ConfigError(f"{name} must be whole numbers of days, e.g. 3,10,20") from None
    if days[0] < 1:
        raise ConfigError(f"{name}: each stage is at least 1 day")
    return days


def _money(env, name, default) -> str:
    raw = env.get(name, "").strip() or default
    if not re.fullmatch(r"[0-9]{1,7}(\.[0-9]{1,2})?", raw):
        raise ConfigError(f"{name} must be an amount such as 2.50, got {raw!r}")
    return raw


def _clock_time(env, name, default) -> str:
    raw = env.get(name, "").strip() or default
    if not re.fullmatch(r"([01][0-9]|2[0-3]):[0-5][0-9]", raw):
        raise ConfigError(f"{name} must be a time of day such as 06:30, got {raw!r}")
    return raw


# The made-up account boletos are issued on when the real one is not set: development and tests
# only, and every such boleto says it is a demonstration (models/billing/boleto_pdf.py).
DEMO_BOLETO_ACCOUNT = {
    "BOLETO_BANK": "001",  # Banco do Brasil, convênio of 7 digits
    "BOLETO_AGENCY": "1234",
    "BOLETO_ACCOUNT": "123456",
    "BOLETO_AGREEMENT": "1234567",
    "BOLETO_WALLET": "17",
}
# Lei 12.039/2009: a boleto names its beneficiary with CNPJ and address.
BENEFICIARY_SETTINGS = (
    "BOLETO_BENEFICIARY",
    "BOLETO_BENEFICIARY_DOCUMENT",
    "BOLETO_BENEFICIARY_ADDRESS",
)
BENEFICIARY_ADDRESS_MAX = 100  # characters: one line of the boleto's Beneficiário box


def _missing_boleto_settings(given: dict, uses_agreement: bool) -> list[str]:
    """The boleto settings not given, in order; the convênio only where the bank has one."""
    return [
        name
        for name, value in given.items()
        if not value and (name != "BOLETO_AGREEMENT" or uses_agreement)
    ]


# What only some banks' layouts use (BankAccount's fields of the same names).
BANK_EXTRAS = {"BOLETO_VARIATION": "variation", "BOLETO_STATION": "station", "BOLETO_BYTE": "byte"}


def _account(bank: str, given: dict, uses_agreement: bool) -> BankAccount:
    """The account from the settings given, the demonstration one's values where none is."""
    value = {name: given[name] or demo for name, demo in DEMO_BOLETO_ACCOUNT.items()}
    if not uses_agreement:
        value["BOLETO_AGREEMENT"] = given["BOLETO_AGREEMENT"]  # no made-up convênio
    account = BankAccount(
        bank=bank,
        agency=value["BOLETO_AGENCY"],
        account=value["BOLETO_ACCOUNT"],
        agreement=value["BOLETO_AGREEMENT"],
        wallet=value["BOLETO_WALLET"],
        **{field: given[name] for name, field in BANK_EXTRAS.items()},
    )
    _check_account(account)
    return account


def _check_account(account: BankAccount) -> None:
    """Refuse an account the bank's layout cannot issue a boleto on (wrong sizes, no digits)."""
    layout = bank_for(account.bank)
    try:
        layout.agency_account(account)
        layout.codes(account, 1, date(2030, 1, 2), Decimal("1.00"))
    except ValueError as error:
        raise ConfigError(f"BOLETO_* settings do not fit {layout.name}'s boleto: {error}") from None


def _beneficiary(given: dict) -> dict:
    """Name, CNPJ (checked, stored bare) and one-line address of whom the boletos pay."""
    document, address = given["BOLETO_BENEFICIARY_DOCUMENT"], given["BOLETO_BENEFICIARY_ADDRESS"]
    if document:
        try:
            document = normalize_cnpj(document)
        except ValueError as error:
            raise ConfigError(f"BOLETO_BENEFICIARY_DOCUMENT: {error}") from None
    if len(address) > BENEFICIARY_ADDRESS_MAX:
        raise ConfigError(
            f"BOLETO_BENEFICIARY_ADDRESS: at most {BENEFICIARY_ADDRESS_MAX} characters"
        )
    return {
        "beneficiary_name": given["BOLETO_BENEFICIARY"] or None,  # else ISP_NAME
        "beneficiary_document": document or None,  # a CNPJ, bare
        "beneficiary_address": address or None,
    }


def _boleto_account(env, mode) -> dict:
    """The bank account boletos are issued on and their beneficiary.

    Production refuses to start without every one of them; elsewhere a missing one is taken
    from the demonstration account and the boletos say they are demonstrations ("boleto_demo").
    """
    names = (*DEMO_BOLETO_ACCOUNT, *BENEFICIARY_SETTINGS)
    given = {name: " ".join(env.get(name, "").split()) for name in names}
    extras = {name: env.get(name, "").strip() for name in BANK_EXTRAS}
    try:
        layout = bank_for(given["BOLETO_BANK"] or DEMO_BOLETO_ACCOUNT["BOLETO_BANK"])
    except UnknownBank as error:
        raise ConfigError(f"BOLETO_BANK: {error}") from None
    missing = _missing_boleto_settings(given, layout.uses_agreement)
    if missing and mode == "production":
        raise ConfigError(
            f"PROVEDOR_ENV=production issues real boletos: set {', '.join(missing)} "
            "(the bank account, and the beneficiary's name, CNPJ and address)"
        )
    account = _account(layout.code, given | extras, layout.uses_agreement)
    return {
        "boleto_bank": account.bank,
        "boleto_agency": account.agency,
        "boleto_account": account.account,
        "boleto_agreement": account.agreement,  # convênio
        "boleto_wallet": account.wallet,  # carteira
        "boleto_variation": account.variation,
        "boleto_station": account.station,  # Sicredi's posto
        "boleto_byte": account.byte,  # Sicredi's byte de geração
        "boleto_demo": bool(missing),  # any of them made up: not a boleto anyone may pay
        **_beneficiary(given),
    }


def _billing(env, mode) -> dict:
    """Receivables, boletos, notices and suspension for non-payment (values as plain types)."""
    return {
        "boleto_fee": _money(env, "BOLETO_FEE", "2.50"),  # charged with charge_boleto_fee
        **_boleto_account(env, mode),
        "pix_key": env.get("PIX_KEY", "").strip() or None,  # no key: boletos without PIX
        "pix_city": env.get("PIX_MERCHANT_CITY", "").strip() or "SAO PAULO",
        # PIX through a PSP (API Pix): where the PSPs reach the webhook, how often beat plans
        # charges and asks each PSP for the PIX received (a lost webhook's delay).
        "public_base_url": _public_base_url(env),
        "pix_charges_seconds": _int(env, "PIX_CHARGES_SWEEP_SECONDS", 60, minimum=1),
        "pix_reconcile_seconds": _int(env, "PIX_RECONCILE_SECONDS", 300, minimum=1),
        "billing_at": _clock_time(env, "BILLING_AT", "02:00"),  # monthly billing, daily run
        "boleto_email_days_before": _int(env, "BOLETO_EMAIL_DAYS_BEFORE", 5, minimum=0),
        "overdue_notice_days": _days_list(env, "OVERDUE_NOTICE_DAYS", (3, 10, 20)),
        "notice_business_days": env.get("NOTICE_BUSINESS_DAYS", "true").lower() != "false",
        "notices_at": _clock_time(env, "NOTICES_AT", "08:00"),
        **_ladder(env),
        "auto_suspend_at": _clock_time(env, "AUTO_SUSPEND_AT", "06:00"),
        "trust_unlock_max_days": _int(env, "TRUST_UNLOCK_MAX_DAYS", 5, minimum=1),
        "trust_unlock_period_days": _int(env, "TRUST_UNLOCK_PERIOD_DAYS", 30, minimum=1),
    }


def _stage_days(env, name, default):
    """A ladder stage's days overdue before its notice; "off" turns the stage off (None)."""
    raw = env.get(name, "").strip().lower()
    if raw == "off":
        return None
    return default if raw == "" else _int(env, name, default, minimum=1)


def _ladder(env) -> dict:
    """The non-payment ladder (docs/OPERATIONS.md): reduced speed, suspension, termination.

    Each stage's notice goes once a bill is overdue by more than its AFTER_DAYS; the stage runs
    its NOTICE_DAYS after the notice was sent. The stages keep their order.
    """
    ladder = {
        "reduce_after_days": _stage_days(env, "REDUCE_AFTER_DAYS", 15),
        "reduce_notice_days": _int(env, "REDUCE_NOTICE_DAYS", 15, minimum=1),
        "reduce_speed_percent": _int(env, "REDUCE_SPEED_PERCENT", 50, minimum=1),
        "reduce_address_list": env.get("REDUCE_ADDRESS_LIST", "").strip() or None,
        "auto_suspend_after_days": _int(env, "AUTO_SUSPEND_AFTER_DAYS", 45, minimum=1),
        "suspension_notice_days": _int(env, "SUSPENSION_NOTICE_DAYS", 15, minimum=1),
        "terminate_after_days": _stage_days(env, "TERMINATE_AFTER_DAYS", None),
        "termination_notice_days": _int(env, "TERMINATION_NOTICE_DAYS", 15, minimum=1),
        "termination_cancel_reason": env.get("TERMINATION_CANCEL_REASON", "").strip()
        or "Inadimplência",
    }
    if ladder["reduce_speed_percent"] >= 100:
        raise ConfigError("REDUCE_SPEED_PERCENT must be below 100 (the speed kept, in %)")
    reduce, terminate = ladder["reduce_after_days"], ladder["terminate_after_days"]
    suspend = ladder["auto_suspend_after_days"]
    if reduce is not None and reduce >= suspend:
        raise ConfigError("REDUCE_AFTER_DAYS must be below AUTO_SUSPEND_AFTER_DAYS")
    if terminate is not None and terminate <= suspend:
        raise ConfigError("TERMINATE_AFTER_DAYS must be above AUTO_SUSPEND_AFTER_DAYS")
    return ladder


def _sefaz(env) -> dict:
    """SVRS's address (a stand-in or a proxy: SEFAZ_BASE_URL), the CA of its server certificate
    (SEFAZ_CA_FILE, a PEM file; the system's CAs otherwise) and the wait for an answer."""
    base = env.get("SEFAZ_BASE_URL", "").strip().rstrip("/") or None
    if base is not None and not base.startswith("https://"):
        raise ConfigError("SEFAZ_BASE_URL must be an https:// address (mutual TLS)")
    ca_file = env.get("SEFAZ_CA_FILE", "").strip()
    try:
        ca_pem = Path(ca_file).read_text() if ca_file else None
    except OSError as error:
        raise ConfigError(f"SEFAZ_CA_FILE cannot be read: {error.strerror}") from None
    return {
        "base_url": base,
        "ca_pem": ca_pem,
        "timeout_seconds": _seconds(env, "SEFAZ_TIMEOUT_SECONDS", 30.0),
    }


def _public_base_url(env) -> str | None:
    """PUBLIC_BASE_URL: the https address the PSPs post webhooks to (behind the proxy that
    terminates their mutual TLS); unset, no webhook can be registered."""
    raw = env.get("PUBLIC_BASE_URL", "").strip().rstrip("/")
    if raw and not raw.startswith("https://"):
        raise ConfigError(f"PUBLIC_BASE_URL must be an https URL, got {raw!r}")
    return raw or None


def _smtp(env) -> dict:
    """Where e-mail goes; no SMTP_HOST: notices are recorded as skipped, nothing is sent."""
    tls = env.get("SMTP_TLS", "none").lower()
    if tls not in ("none", "starttls", "ssl"):
        raise ConfigError(f"SMTP_TLS must be none, starttls or ssl, not {tls!r}")
    return {
        "host": env.get("SMTP_HOST", "").strip() or None,
        "port": _int(env, "SMTP_PORT", 465 if tls == "ssl" else 587 if tls == "starttls" else 25),
        "tls": tls,
        "user": env.get("SMTP_USER") or None,
        "password": env.get("SMTP_PASSWORD") or None,
        "sender": _mail_sender(env),
        "timeout_s": _seconds(env, "SMTP_TIMEOUT_S", 10.0),
        "max_attempts": _int(env, "SMTP_MAX_ATTEMPTS", 5, minimum=1),
        "sending_lease_s": _sending_lease(env, _seconds(env, "SMTP_TIMEOUT_S", 10.0)),
    }


def _mail_sender(env) -> str:
    """MAIL_SENDER as the From header every notice carries: refused now if the email package
    would refuse it (or read no address from it) for every message later."""
    sender = env.get("MAIL_SENDER", "").strip() or "Provedor <cobranca@localhost>"
    try:
        EmailMessage()["From"] = sender
    except (ValueError, IndexError, MessageError):
        raise ConfigError(
            f"MAIL_SENDER is not an address such as 'Nome <a@b.com>': {sender!r}"
        ) from None
    if "@" not in parseaddr(sender)[1]:
        raise ConfigError(f"MAIL_SENDER has no address such as 'Nome <a@b.com>': {sender!r}")
    return sender


def _sending_lease(env, smtp_timeout_s: float) -> int:
    """Seconds a notice may stay `sending` before recovery decides its worker died (and its
    outcome is unknown). A live batch stops handing over at half the lease, and its last
    message may then take SMTP_TIMEOUT_S: the lease must leave room for that."""
    lease = _int(env, "NOTICE_SENDING_LEASE_SECONDS", 900, minimum=60)
    if lease <= 2 * smtp_timeout_s:
        raise ConfigError("NOTICE_SENDING_LEASE_SECONDS must be more than twice SMTP_TIMEOUT_S")
    return lease


def _log_level(env) -> str:
    level = env.get("LOG_LEVEL", "INFO").upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise ConfigError(
            f"LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {level!r}"
        )
    return level


@dataclass(frozen=True)
class Settings:
    """Everything the web app and the workers need to know about their environment."""

    env: str
    secret_key: str
    database_url: str
    broker_url: str
    result_backend: str
    var_dir: Path
    timezone: str
    trusted_proxies: int
    cors_origins: list[str]
    token_ttl_hours: int
    login_max_failures: int
    login_max_failures_per_ip: int
    login_max_failures_per_account: int
    login_lockout_minutes: int
    log_level: str
    radius_suspended_group: str = "suspenso"
    radius_blocked_pool: str | None = None
    ip_pools: tuple[str, ...] = ("100.64.0.0/10", "2001:db8::/32")
    radius_disconnect_attempts: int = 5
    radius_ghost_session_minutes: int = 30
    # Marco Civil, art. 13: connection records kept at least a year (RecordsPolicy refuses less).
    records_retention_days: int = 365
    radacct_partitions_ahead: int = 3
    scheduled_tasks_sweep_seconds: int = 60
    scheduled_tasks_lease_seconds: int = 300
    extract_max_days: int = 366
    voip_home_area_code: str = "11"  # the switch's own DDD: numbers dialled without one are here
    exports_dir: Path | None = None  # default: var_dir / "exports"
    exports_ttl_hours: int = 168
    exports_max_running: int = 2
    exports_stale_seconds: int = 120
    exports_sweep_seconds: int = 60  # beat: stale jobs back to workers, lost messages re-sent
    exports_resend_seconds: int = 60  # a job queued this long without a worker is sent again
    exports_purge_seconds: int = 3600  # beat: files past their expiry deleted
    # The customer record (chapter 5): defaults and the lists staff pick from.
    customer_default_options: tuple[str, ...] = DEFAULT_CUSTOMER_OPTIONS
    address_types: tuple[str, ...] = DEFAULT_ADDRESS_TYPES
    contact_types: tuple[str, ...] = DEFAULT_CONTACT_TYPES
    observation_types: tuple[str, ...] = DEFAULT_OBSERVATION_TYPES
    cep_provider_url: str | None = None  # ViaCEP-compatible; load_settings defaults to ViaCEP
    cep_provider_timeout_s: float = 2.0
    card_keys: tuple[str, ...] = ()  # Fernet keys, newest first (rotation: prepend a new one)
    isp_name: str = "Provedor"
    documents_dir: Path | None = None  # default: var_dir / "documents"
    documents_max_mb: int = 20
    # Money (issue 9): billing, boletos, e-mails, suspension for non-payment, equipment.
    billing: dict = field(default_factory=dict)  # see _billing() for the keys
    smtp: dict = field(default_factory=dict)  # see _smtp() for the keys
    equipment_types: tuple[str, ...] = DEFAULT_EQUIPMENT_TYPES
    broker_transport_options: dict = field(default_factory=dict)
    sefaz: dict = field(default_factory=dict)  # see _sefaz() for the keys

    def radius_policy(self) -> RadiusPolicy:
        """What models/service/radius.py needs of these settings."""
        return RadiusPolicy(
            suspended_group=self.radius_suspended_group,
            blocked_pool=self.radius_blocked_pool,
            ip_pools=self.ip_pools,
            disconnect_attempts=self.radius_disconnect_attempts,
            ghost_session_minutes=self.radius_ghost_session_minutes,
        )

    def records_policy(self) -> RecordsPolicy:
        """How long connection records (radacct) are kept, and partitions made ahead."""
        return RecordsPolicy(
            retention_days=self.records_retention_days,
            partitions_ahead=self.radacct_partitions_ahead,
        )

    def billing_policy(self) -> BillingPolicy:
        """When and how much billing charges, notifies and suspends."""
        names = BillingPolicy.__dataclass_fields__.keys() & self.billing.keys()
        values = {name: self.billing[name] for name in names}
        return BillingPolicy(**values | {"boleto_fee": Decimal(self.billing["boleto_fee"])})

    def pix_settings(self) -> PixSettings:
        """PIX through the PSPs: the webhook's public address."""
        redis = self.broker_url if self.broker_url.startswith(("redis://", "rediss://")) else None
        return PixSettings(public_base_url=self.billing["public_base_url"], inbox_url=redis)

    def boleto_settings(self) -> BoletoSettings:
        """The account boletos are issued on and whom they pay."""
        billing = self.billing
        return BoletoSettings(
            account=BankAccount.from_billing(billing),
            beneficiary_name=billing["beneficiary_name"] or self.isp_name,
            beneficiary_document=billing["beneficiary_document"],
            beneficiary_address=billing["beneficiary_address"],
            demo=billing["boleto_demo"],
            pix_key=billing["pix_key"],
            pix_city=billing["pix_city"],
        )

    def sefaz_settings(self) -> SefazSettings:
        """Where SVRS is (its published addresses unless SEFAZ_BASE_URL says otherwise)."""
        return SefazSettings(**self.sefaz)

    def customer_settings(self) -> CustomerSettings:
        """A new customer's options, the documents folder, the card keys."""
        return CustomerSettings(
            documents_dir=self.documents_dir or self.var_dir / "documents",
            default_options=tuple(self.customer_default_options),
            card_keys=tuple(self.card_keys),
        )

    def extract_settings(self) -> ExtractSettings:
        """Extracts' reach and where exports are written."""
        return ExtractSettings(
            exports_dir=self.exports_dir or self.var_dir / "exports",
            max_days=self.extract_max_days,
            voip_home_area_code=self.voip_home_area_code,
            exports_ttl_hours=self.exports_ttl_hours,
            exports_max_running=self.exports_max_running,
        )

    def mail_settings(self) -> MailSettings:
        """Where notices are mailed from (no retry_base_s key: the MailSettings default)."""
        names = MailSettings.__dataclass_fields__.keys() & self.smtp.keys()
        return MailSettings(**{name: self.smtp[name] for name in names})

    def domain_settings(self) -> tuple:
        """Each domain's typed settings, for models/settings.py's registry."""
        return (
            self.radius_policy(),
            self.records_policy(),
            self.billing_policy(),
            self.boleto_settings(),
            self.pix_settings(),
            self.sefaz_settings(),
            self.customer_settings(),
            self.extract_settings(),
            self.mail_settings(),
        )

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    def flask_config(self) -> dict:
        """The Flask config keys derived from these settings."""
        # hide_parameters: a database error must not copy CPFs, e-mails or phones into the logs.
        engine_options = {"hide_parameters": True, **connection_options(self.database_url)}
        return {
            "SECRET_KEY": self.secret_key,
            "MAX_CONTENT_LENGTH": 1024 * 1024,  # JSON bodies are small; uploads get their own limit
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
            "API_TITLE": "Provedor",
            "API_VERSION": "v1",
            "OPENAPI_VERSION": "3.0.3",
            "OPENAPI_URL_PREFIX": "/api/v1",
            "OPENAPI_JSON_PATH": "openapi.json",
            "OPENAPI_SWAGGER_UI_PATH": "docs",
            "OPENAPI_SWAGGER_UI_URL": "/api/v1/docs/ui/",  # served from swagger-ui-bundle
            "PROVEDOR_SETTINGS": self,
            # Extracts and exports (models/extracts/extracts.py, models/extracts/exports.py).
            "EXTRACT_MAX_DAYS": self.extract_max_days,
            "VOIP_HOME_AREA_CODE": self.voip_home_area_code,
            "EXPORTS_DIR": str(self.exports_dir or self.var_dir / "exports"),
            "EXPORTS_TTL_HOURS": self.exports_ttl_hours,
            "EXPORTS_MAX_RUNNING": self.exports_max_running,
            "EXPORTS_STALE_SECONDS": self.exports_stale_seconds,
            "EXPORTS_RESEND_SECONDS": self.exports_resend_seconds,
            # The customer record (chapter 5).
            "CUSTOMER_DEFAULT_OPTIONS": self.customer_default_options,
            "ADDRESS_TYPES": self.address_types,
            "CONTACT_TYPES": self.contact_types,
            "OBSERVATION_TYPES": self.observation_types,
            "CEP_PROVIDER_URL": self.cep_provider_url,
            "CEP_PROVIDER_TIMEOUT_S": self.cep_provider_timeout_s,
            "CARD_ENCRYPTION_KEYS": self.card_keys,
            "ISP_NAME": self.isp_name,
            "DOCUMENTS_DIR": str(self.documents_dir or self.var_dir / "documents"),
            "DOCUMENTS_MAX_BYTES": self.documents_max_mb * 1024 * 1024,
            # Money (issue 9).
            "BILLING": self.billing,
            "EQUIPMENT_TYPES": self.equipment_types,
            # A retorno of 100,000 liquidações in CNAB 240 is about 50 MB.
            "RETURNS_MAX_BYTES": 64 * 1024 * 1024,
        }


def load_settings(environ=None) -> Settings:
    """Build Settings from environment variables (see docs/OPERATIONS.md for the list)."""
    env = os.environ if environ is None else environ
    mode = env.get("PROVEDOR_ENV", "development")
    var_dir = Path(env.get("PROVEDOR_VAR_DIR", PROJECT_ROOT / "var")).resolve()

    secret_key = env.get("SECRET_KEY", "")
    if not secret_key:
        if mode == "production":
            raise ConfigError("SECRET_KEY must be set when PROVEDOR_ENV=production")
        # Kept under var/: every web process signs and reads the same console sessions, and a
        # restart does not sign everyone out.
        secret_key = _kept_secret(var_dir / "secret.key", secrets.token_hex(32))

    timezone = env.get("PROVEDOR_TIMEZONE", "America/Sao_Paulo")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"PROVEDOR_TIMEZONE {timezone!r} is not a known time zone") from None

    database_url = env.get("DATABASE_URL") or embedded_database_url(var_dir)
    broker_url = env.get("CELERY_BROKER_URL") or "filesystem://"
    default_backend = (
        broker_url
        if broker_url.startswith("redis")
        else f"db+sqlite:///{var_dir / 'results.sqlite'}"
    )
    # Redis hands an unacknowledged task (its worker died) to another worker after this long.
    transport_options = {"visibility_timeout": _int(env, "CELERY_VISIBILITY_TIMEOUT", 3600, 1)}
    if broker_url.startswith("filesystem"):
        queue_dir = str(var_dir / "broker")
        transport_options = {  # this broker has no redelivery: a message read is gone
            "data_folder_in": queue_dir,
            "data_folder_out": queue_dir,
            "processed_folder": str(var_dir / "broker-processed"),
            "control_folder": str(var_dir / "broker-control"),
            "store_processed": False,
            # How often an idle worker looks for a message (1 s by default); a stopping one
            # notices the stop between looks, so this is also part of how fast Ctrl-C is.
            "polling_interval": 0.2,
        }

    return Settings(
        env=mode,
        secret_key=secret_key,
        database_url=database_url,
        broker_url=broker_url,
        result_backend=env.get("CELERY_RESULT_BACKEND") or default_backend,
        var_dir=var_dir,
        timezone=timezone,
        trusted_proxies=_int(env, "TRUSTED_PROXIES", 0),
        cors_origins=_list(env, "CORS_ORIGINS"),
        token_ttl_hours=_int(env, "TOKEN_TTL_HOURS", 12, minimum=1),
        login_max_failures=_int(env, "LOGIN_MAX_FAILURES", 5, minimum=1),
        login_max_failures_per_ip=_int(env, "LOGIN_MAX_FAILURES_PER_IP", 25, minimum=1),
        login_max_failures_per_account=_int(env, "LOGIN_MAX_FAILURES_PER_ACCOUNT", 20, minimum=1),
        login_lockout_minutes=_int(env, "LOGIN_LOCKOUT_MINUTES", 15, minimum=1),
        log_level=_log_level(env),
        radius_suspended_group=_radius_group(env, "RADIUS_SUSPENDED_GROUP", "suspenso"),
        radius_blocked_pool=_radius_group(env, "RADIUS_BLOCKED_POOL", ""),
        ip_pools=_ip_pools(env),
        radius_disconnect_attempts=_int(env, "RADIUS_DISCONNECT_ATTEMPTS", 5, minimum=1),
        radius_ghost_session_minutes=_int(env, "RADIUS_GHOST_SESSION_MINUTES", 30, minimum=1),
        records_retention_days=_retention_days(env),
        radacct_partitions_ahead=_int(env, "RADACCT_PARTITIONS_AHEAD", 3, minimum=1),
        scheduled_tasks_sweep_seconds=_int(env, "SCHEDULED_TASKS_SWEEP_SECONDS", 60, minimum=1),
        scheduled_tasks_lease_seconds=_int(env, "SCHEDULED_TASKS_LEASE_SECONDS", 300, minimum=1),
        extract_max_days=_int(env, "EXTRACT_MAX_DAYS", 366, minimum=1),
        voip_home_area_code=_area_code(env, "VOIP_HOME_AREA_CODE", "11"),
        exports_dir=Path(env["EXPORTS_DIR"]).resolve() if env.get("EXPORTS_DIR") else None,
        exports_ttl_hours=_int(env, "EXPORTS_TTL_HOURS", 168, minimum=1),
        exports_max_running=_int(env, "EXPORTS_MAX_RUNNING", 2, minimum=1),
        exports_stale_seconds=_int(env, "EXPORTS_STALE_SECONDS", 120, minimum=10),
        exports_sweep_seconds=_int(env, "EXPORTS_SWEEP_SECONDS", 60, minimum=1),
        exports_resend_seconds=_int(env, "EXPORTS_RESEND_SECONDS", 60, minimum=1),
        exports_purge_seconds=_int(env, "EXPORTS_PURGE_SECONDS", 3600, minimum=1),
        customer_default_options=_customer_options(env),
        address_types=_choices(env, "ADDRESS_TYPES", DEFAULT_ADDRESS_TYPES),
        contact_types=_choices(env, "CONTACT_TYPES", DEFAULT_CONTACT_TYPES),
        observation_types=_choices(env, "OBSERVATION_TYPES", DEFAULT_OBSERVATION_TYPES),
        cep_provider_url=_cep_provider_url(env),
        cep_provider_timeout_s=_seconds(env, "CEP_PROVIDER_TIMEOUT_S", 2.0),
        card_keys=_card_keys(env, mode, var_dir),
        isp_name=env.get("ISP_NAME", "").strip() or "Provedor",
        documents_dir=Path(env["DOCUMENTS_DIR"]).resolve() if env.get("DOCUMENTS_DIR") else None,
        documents_max_mb=_int(env, "DOCUMENTS_MAX_MB", 20, minimum=1),
        billing=_billing(env, mode),
        smtp=_smtp(env),
        equipment_types=_choices(env, "EQUIPMENT_TYPES", DEFAULT_EQUIPMENT_TYPES),
        broker_transport_options=transport_options,
        sefaz=_sefaz(env),
    )
