"""The ISP as NFCom issuer: its input (admins) and what every reader sees (no secret)."""

import base64
import binascii

from marshmallow import (
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_dump,
    validate,
    validates_schema,
)

from models.fiscal.fiscal_settings import ENVIRONMENTS, REGIMES
from models.fiscal.nfcom_documents import QR_CODE_URL
from schemas.common import (
    Cep,
    Cnpj,
    Date,
    Email,
    InputSchema,
    Password,
    Phone,
    StrictBoolean,
    Text,
    Uf,
    WholeNumber,
    city_code,
    city_code_errors,
)

ADDRESS = ("street", "number", "complement", "district", "city_code", "city", "uf", "cep")
_BASE64 = "^(?:[A-Za-z0-9+/]{4})+(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"
_HTTPS = r"^https://[!-~]{3,192}$"


class IssuerAddressInput(InputSchema):
    """The issuer's address (enderEmit); parts left out or null are still to fill in."""

    street = Text(allow_none=True, load_default=None, max_length=60)
    number = Text(allow_none=True, load_default=None, max_length=60)
    complement = Text(allow_none=True, load_default=None, max_length=60)
    district = Text(allow_none=True, load_default=None, max_length=60)
    city_code = city_code(allow_none=True, load_default=None)
    city = Text(allow_none=True, load_default=None, max_length=60)
    uf = Uf(allow_none=True, load_default=None, metadata={"example": "SP"})
    cep = Cep(allow_none=True, load_default=None)

    @validates_schema
    def _code_of_the_state(self, data, **_kwargs):
        errors = city_code_errors(data.get("city_code"), data.get("uf"))
        if errors:
            raise ValidationError(errors, "city_code")


class FiscalSettingsInput(InputSchema):
    """Every editable field at once (a PUT): what is left out is cleared, but the certificate
    (kept until another is sent) and next_number (moved only when sent, and only forward)."""

    active = StrictBoolean(required=True, metadata={"description": "Monthly billing issues NFComs"})
    environment = fields.String(required=True, validate=validate.OneOf(ENVIRONMENTS))
    cnpj = Cnpj(allow_none=True, load_default=None)
    ie = Text(
        allow_none=True,
        load_default=None,
        shape="[0-9]{2,14}",
        max_length=14,
        shape_error="The state registration's 2 to 14 digits.",
        metadata={"description": "Inscrição estadual, digits only"},
    )
    regime = WholeNumber(
        allow_none=True,
        load_default=None,
        validate=validate.OneOf(REGIMES),
        metadata={"description": "CRT: 1 Simples Nacional, 2 over its sublimit, 3 normal"},
    )
    name = Text(allow_none=True, load_default=None, max_length=60)
    trade_name = Text(allow_none=True, load_default=None, max_length=60)
    address = fields.Nested(IssuerAddressInput, allow_none=True, load_default=None)
    phone = Phone(allow_none=True, load_default=None)
    email = Email(allow_none=True, load_default=None, validate=validate.Length(max=60))
    series = WholeNumber(required=True, validate=validate.Range(min=0, max=999))
    next_number = WholeNumber(
        validate=validate.Range(min=1, max=999_999_999),
        metadata={"description": "Left out: unchanged. It only goes forward (409 otherwise)"},
    )
    first_issue_date = Date(
        allow_none=True,
        load_default=None,
        metadata={"description": "Receivables issued from this day on are invoiced"},
    )
    qr_code_base = fields.String(
        load_default=QR_CODE_URL,
        validate=validate.Regexp(_HTTPS, error="An https URL."),
        metadata={"pattern": _HTTPS},
    )
    certificate = fields.String(
        load_only=True,
        validate=[
            validate.Length(min=4, max=100_000),
            validate.Regexp(_BASE64, error="The file in base64."),
        ],
        metadata={
            "writeOnly": True,
            "pattern": _BASE64,
            "description": "The A1 (PKCS#12 .pfx/.p12 file) in base64; never shown back",
        },
    )
    certificate_password = Password(min_length=1, metadata={"writeOnly": True})

    @post_load
    def _columns(self, data, **_kwargs):
        """The model's flat columns: the address's parts, the certificate's bytes."""
        address = data.pop("address") or {}
        data.update({part: address.get(part) for part in ADDRESS})
        if "certificate" in data:
            data["certificate"] = _pkcs12(data["certificate"])
        return data


def _pkcs12(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError("Not base64.", "certificate") from None


class IssuerAddressOutput(Schema):
    street = fields.String(allow_none=True)
    number = fields.String(allow_none=True)
    complement = fields.String(allow_none=True)
    district = fields.String(allow_none=True)
    city_code = fields.String(allow_none=True)
    city = fields.String(allow_none=True)
    uf = fields.String(allow_none=True)
    cep = Cep(allow_none=True)


class FiscalSettingsOutput(Schema):
    """The settings as every reader sees them: never the certificate nor its password."""

    active = fields.Boolean(required=True)
    environment = fields.String(required=True)
    cnpj = Cnpj(allow_none=True)
    ie = fields.String(allow_none=True)
    regime = fields.Integer(allow_none=True)
    name = fields.String(allow_none=True)
    trade_name = fields.String(allow_none=True)
    address = fields.Nested(IssuerAddressOutput, required=True)
    phone = Phone(allow_none=True)
    email = fields.String(allow_none=True)
    series = fields.Integer(required=True)
    next_number = fields.Integer(required=True, metadata={"description": "The next NFCom's"})
    first_issue_date = Date(allow_none=True)
    qr_code_base = fields.String(required=True)
    has_certificate = fields.Boolean(required=True)
    certificate_cnpj = Cnpj(allow_none=True)
    certificate_valid_until = fields.AwareDateTime(allow_none=True)
    missing = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "What is still to fill in before issuing (field names)"},
    )
    updated_at = fields.AwareDateTime(allow_none=True)

    @pre_dump
    def _shape(self, row, **_kwargs):
        names = [name for name in self.fields if name not in ("address", "missing")]
        shown = {name: getattr(row, name) for name in names}
        shown["address"] = {part: getattr(row, part) for part in ADDRESS}
        shown["missing"] = row.missing()
        return shown
