"""The ISP as NFCom issuer (one row, admins): who issues, with which A1, in which series and
environment, and from which day invoices are issued.

The A1 (PKCS#12) and its password are encrypted at rest with the card keys (Fernet under
CARD_ENCRYPTION_KEYS) and never returned: the API says whether one is installed, whose CNPJ it
carries and until when it is valid. So is the secret each access key's cNF is derived from
(models/fiscal/access_keys.numeric_code): drawn once, never shown.

The numbers themselves are counted per environment and series (models/fiscal/numbering.py);
`next_number` here is the current series' next one.
"""

import base64
import secrets
from datetime import date, datetime

from cryptography.fernet import InvalidToken
from sqlalchemy import Boolean, CheckConstraint, Date, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.audit import Audited
from models.clock import utcnow
from models.customers import card_crypto
from models.db import UTCDateTime, db, get_for_update, insert_or_ignore
from models.errors import Conflict, Invalid
from models.fiscal import numbering, signing
from models.fiscal.nfcom_documents import QR_CODE_URL, Address, Issuer, Regime
from models.fiscal.sefaz_client import HOMOLOGATION, PRODUCTION, TP_AMB

SETTINGS_ID = 1
ENVIRONMENTS = (HOMOLOGATION, PRODUCTION)
REGIMES = tuple(regime.value for regime in Regime)
# What the issuer must have filled in before the first invoice (API names).
REQUIRED = ("cnpj", "ie", "regime", "name", "street", "number", "district", "city_code", "city")
REQUIRED += ("uf", "cep", "first_issue_date")


class FiscalSettings(Audited, db.Model):
    """The issuer of the ISP's NFComs, its certificate and its numbering."""

    __tablename__ = "fiscal_settings"
    __table_args__ = (
        CheckConstraint(f"id = {SETTINGS_ID}", name="one_row"),
        CheckConstraint("series BETWEEN 0 AND 999", name="series_range"),
        CheckConstraint(f"environment IN {ENVIRONMENTS!r}", name="environment_known"),
    )
    __audit_redact__ = frozenset(
        {"certificate_encrypted", "certificate_password_encrypted", "key_secret_encrypted"}
    )
    __audit_ignore__ = frozenset({"created_at", "updated_at", "planned_through"})

    id: Mapped[int] = mapped_column(primary_key=True, default=SETTINGS_ID)
    active: Mapped[bool] = mapped_column(Boolean, default=False)  # monthly billing issues
    environment: Mapped[str] = mapped_column(String(12), default=HOMOLOGATION)
    cnpj: Mapped[str | None] = mapped_column(String(14))
    ie: Mapped[str | None] = mapped_column(String(14))
    regime: Mapped[int | None] = mapped_column(Integer)  # CRT
    name: Mapped[str | None] = mapped_column(String(60))
    trade_name: Mapped[str | None] = mapped_column(String(60))
    street: Mapped[str | None] = mapped_column(String(60))
    number: Mapped[str | None] = mapped_column(String(60))
    complement: Mapped[str | None] = mapped_column(String(60))
    district: Mapped[str | None] = mapped_column(String(60))
    city_code: Mapped[str | None] = mapped_column(String(7))
    city: Mapped[str | None] = mapped_column(String(60))
    uf: Mapped[str | None] = mapped_column(String(2))
    cep: Mapped[str | None] = mapped_column(String(8))
    phone: Mapped[str | None] = mapped_column(String(12))
    email: Mapped[str | None] = mapped_column(String(60))
    series: Mapped[int] = mapped_column(Integer, default=1)
    # Receivables issued on or after this day are invoiced (none from before going live).
    first_issue_date: Mapped[date | None] = mapped_column(Date)
    qr_code_base: Mapped[str] = mapped_column(String(200), default=QR_CODE_URL)
    certificate_encrypted: Mapped[str | None] = mapped_column(Text)
    certificate_password_encrypted: Mapped[str | None] = mapped_column(Text)
    certificate_cnpj: Mapped[str | None] = mapped_column(String(14))
    certificate_valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    key_secret_encrypted: Mapped[str] = mapped_column(Text)
    # Beat's sweep has looked at every receivable up to this id (models/fiscal/issuing.py).
    planned_through: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def has_certificate(self) -> bool:
        return self.certificate_encrypted is not None

    @property
    def next_number(self) -> int:
        """The next number of the current environment's series."""
        return numbering.next_number(self.environment, self.series)

    @property
    def tp_amb(self) -> int:
        return int(TP_AMB[self.environment])

    def missing(self) -> list[str]:
        """What is still to be filled in before an invoice can be issued (API names)."""
        absent = [name for name in REQUIRED if getattr(self, name) in (None, "")]
        return absent + ([] if self.has_certificate else ["certificate"])

    def issuer(self) -> Issuer:
        """The emitente block of every NFCom (call after `missing()` is empty)."""
        address = Address(
            street=self.street,
            number=self.number,
            district=self.district,
            city_code=self.city_code,
            city=self.city,
            cep=self.cep,
            uf=self.uf,
            complement=self.complement,
            phone=self.phone,
            email=self.email,
        )
        return Issuer(
            cnpj=self.cnpj,
            ie=self.ie,
            regime=Regime(self.regime),
            name=self.name,
            address=address,
            key_secret=base64.b64decode(_decrypted(self.key_secret_encrypted)),
            trade_name=self.trade_name,
        )

    def certificate(self, now: datetime) -> signing.Certificate:
        """The A1, decrypted (kept per process: loading a PKCS#12 costs milliseconds)."""
        if not self.has_certificate:
            raise Conflict("Nenhum certificado A1 instalado.", {"certificate": ["Missing."]})
        return _loaded(self.certificate_encrypted, self.certificate_password_encrypted, now)


_LOADED: dict[tuple[str, str], signing.Certificate] = {}  # the last A1 opened, per process


def _decrypted(token: str) -> str:
    """A secret of this row in clear; CertificateError when no configured key opens it (the
    key it was written under was dropped without `payment-methods rotate-keys`)."""
    try:
        return card_crypto.decrypt(token)
    except InvalidToken:
        raise signing.CertificateError(
            "Os dados do certificado A1 não abrem com as chaves atuais (CARD_ENCRYPTION_KEYS): "
            "instale o certificado de novo."
        ) from None


def _loaded(certificate_encrypted: str, password_encrypted: str, now: datetime):
    key = (certificate_encrypted, password_encrypted)
    certificate = _LOADED.get(key)
    if certificate is None:
        data = base64.b64decode(_decrypted(certificate_encrypted))
        certificate = signing.load_certificate(data, _decrypted(password_encrypted), now)
        _LOADED.clear()
        _LOADED[key] = certificate
    if now > certificate.valid_until:
        raise signing.CertificateError(
            f"O certificado A1 venceu em {certificate.valid_until:%d/%m/%Y}: instale o novo."
        )
    return certificate


def fiscal_settings() -> FiscalSettings:
    """The row; before anyone saved it, the defaults (inactive, nothing filled in), unsaved:
    reading the settings writes nothing."""
    return db.session.get(FiscalSettings, SETTINGS_ID) or FiscalSettings(**_DEFAULTS)


_DEFAULTS = {
    "id": SETTINGS_ID,
    "active": False,
    "environment": HOMOLOGATION,
    "series": 1,
    "qr_code_base": QR_CODE_URL,
    "planned_through": 0,
}


def _row_to_change() -> FiscalSettings:
    """The row, locked; made the first time with the secret of the access keys' cNF."""
    secret = base64.b64encode(secrets.token_bytes(32)).decode()
    first = {**_DEFAULTS, "key_secret_encrypted": card_crypto.encrypt(secret)}
    now = utcnow()
    insert_or_ignore(
        FiscalSettings.__table__, {**first, "created_at": now, "updated_at": now}, ["id"]
    )
    return get_for_update(FiscalSettings, SETTINGS_ID)


def save_settings(data: dict, now: datetime) -> FiscalSettings:
    """Change the issuer's settings (validated input). A certificate comes with its password
    and must open, be valid at `now` and carry the issuer's CNPJ; `next_number` is the
    series' (numbering.move_to: only forward once the series has invoices)."""
    row = _row_to_change()
    pkcs12, password = data.pop("certificate", None), data.pop("certificate_password", None)
    if (pkcs12 is None) != (password is None):
        raise Invalid(
            "Envie o certificado A1 junto com a senha.",
            {"certificate_password": ["Send it with the certificate."]},
        )
    number = data.pop("next_number", None)
    for name, value in data.items():
        setattr(row, name, value)
    if number is not None:  # of the series and environment now set
        numbering.move_to(row.environment, row.series, number)
    if pkcs12 is not None:
        _install_certificate(row, pkcs12, password, now)
    if row.has_certificate and row.cnpj and row.certificate_cnpj[:8] != row.cnpj[:8]:
        raise Invalid(  # SEFAZ compares the CNPJ bases (rejection 213), as signing.check_issuer
            f"O certificado instalado é do CNPJ {row.certificate_cnpj}, de outra empresa que a "
            "emitente.",
            {"certificate": ["Not the issuer's company."]},
        )
    if row.active and row.missing():
        raise Invalid(
            "Preencha os dados do emitente e instale o certificado antes de ativar a emissão.",
            {name: ["Required to issue."] for name in row.missing()},
        )
    db.session.flush()
    return row


def _install_certificate(row: FiscalSettings, pkcs12: bytes, password: str, now: datetime):
    try:
        certificate = signing.load_certificate(pkcs12, password, now)
    except signing.CertificateError as error:
        raise Invalid(str(error), {"certificate": [str(error)]}) from None
    row.certificate_encrypted = card_crypto.encrypt(base64.b64encode(pkcs12).decode())
    row.certificate_password_encrypted = card_crypto.encrypt(password)
    row.certificate_cnpj = certificate.cnpj
    row.certificate_valid_until = certificate.valid_until
