"""Billing accounts (carteiras de cobrança), their remessas and their retornos."""

from marshmallow import Schema, fields, validate

from models.db import MAX_INT_ID
from schemas.common import (
    Cnpj,
    Date,
    InputSchema,
    Money,
    PageQuery,
    PatchInput,
    StrictBoolean,
    Text,
    WholeNumber,
    page_of,
)
from schemas.customers.customer_documents import FilePart


def _digits(size: int, description: str = "") -> fields.String:
    pattern = f"^[0-9]{{1,{size}}}$"
    metadata = {"pattern": pattern, **({"description": description} if description else {})}
    return fields.String(
        validate=validate.Regexp(pattern, error=f"1 to {size} digits."), metadata=metadata
    )


def _check_digit(**kwargs) -> fields.String:
    return fields.String(
        validate=validate.Regexp("^[0-9Xx]?$", error="One digit (or X), or empty."),
        metadata={"pattern": "^[0-9Xx]?$"},
        **kwargs,
    )


def _percent(**kwargs) -> Money:
    return Money(validate=validate.Range(max=100, error="At most 100."), **kwargs)


class _AccountFields(InputSchema):
    name = Text(min_length=2, max_length=60, metadata={"description": "How staff call it"})
    bank = fields.String(
        validate=validate.Regexp("^[0-9]{3}$", error="The bank's 3-digit code."),
        metadata={"description": "001, 033, 104, 237, 341, 748 or 756", "pattern": "^[0-9]{3}$"},
    )
    agency = _digits(5)
    agency_dv = _check_digit()
    account = _digits(12, "Without its check digit")
    account_dv = _check_digit()
    agreement = fields.String(
        validate=validate.Regexp("^[0-9]{0,20}$", error="Up to 20 digits."),
        metadata={"description": "Convênio / código do beneficiário", "pattern": "^[0-9]{0,20}$"},
    )
    wallet = _digits(3, "Carteira")
    variation = fields.String(
        validate=validate.Regexp("^[0-9]{0,3}$", error="Up to 3 digits."),
        metadata={"description": "BB's variação, Sicoob's modalidade", "pattern": "^[0-9]{0,3}$"},
    )
    station = fields.String(
        validate=validate.Regexp("^[0-9]{0,2}$", error="Up to 2 digits."),
        metadata={"description": "Sicredi's posto", "pattern": "^[0-9]{0,2}$"},
    )
    byte = fields.String(
        validate=validate.Regexp("^[2-9]?$", error="One digit, 2 to 9."),
        metadata={"description": "Sicredi's byte de geração", "pattern": "^[2-9]?$"},
    )
    transmission_code = fields.String(
        validate=validate.Regexp("^[0-9]{0,20}$", error="Up to 20 digits."),
        metadata={"description": "Santander's código de transmissão", "pattern": "^[0-9]{0,20}$"},
    )
    beneficiary_name = Text(min_length=2, max_length=120)
    beneficiary_document = Cnpj(allow_none=True)
    beneficiary_address = Text(max_length=200, allow_none=True)
    instructions = Text(max_length=400, multiline=True)
    fine_percent = _percent(metadata={"description": "Multa after the due date, %"})
    interest_percent_month = _percent(metadata={"description": "Juros de mora a month, %"})
    cnab_layout = WholeNumber(validate=validate.OneOf((240, 400)))
    is_default = StrictBoolean(metadata={"description": "The account boletos are issued on"})
    active = StrictBoolean()


REQUIRED = ("name", "bank", "agency", "account", "wallet", "beneficiary_name", "cnab_layout")


class BillingAccountInput(_AccountFields):
    """A new account; the fields the bank needs are checked against its boleto layout."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in REQUIRED:
            self.fields[name].required = True


class BillingAccountPatch(PatchInput, _AccountFields):
    """Any of the account's fields; boletos already issued keep their codes."""


class BillingAccountOutput(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    bank = fields.String(required=True)
    agency = fields.String(required=True)
    agency_dv = fields.String(required=True)
    account = fields.String(required=True)
    account_dv = fields.String(required=True)
    agreement = fields.String(required=True)
    wallet = fields.String(required=True)
    variation = fields.String(required=True)
    station = fields.String(required=True)
    byte = fields.String(required=True)
    transmission_code = fields.String(required=True)
    beneficiary_name = fields.String(required=True)
    beneficiary_document = fields.String(allow_none=True)
    beneficiary_address = fields.String(allow_none=True)
    instructions = fields.String(required=True)
    fine_percent = Money(required=True)
    interest_percent_month = Money(required=True)
    cnab_layout = fields.Integer(required=True)
    next_remittance_sequence = fields.Integer(required=True)
    is_default = fields.Boolean(required=True)
    active = fields.Boolean(required=True)
    demo = fields.Boolean(required=True, metadata={"description": "Seeded from made-up settings"})


BillingAccountList = Schema.from_dict(
    {"items": fields.List(fields.Nested(BillingAccountOutput), required=True)},
    name="BillingAccountList",
)


class RemittanceOutput(Schema):
    id = fields.Integer(required=True)
    billing_account_id = fields.Integer(required=True)
    status = fields.String(
        required=True,
        metadata={"description": "queued, done, empty (nothing to send) or failed (see error)"},
    )
    error = fields.String(
        allow_none=True,
        metadata={"description": "Why it failed: data the bank's layout cannot carry"},
    )
    sequence = fields.Integer(allow_none=True, metadata={"description": "The remessa's number"})
    layout = fields.Integer(allow_none=True)
    file_name = fields.String(allow_none=True)
    entries = fields.Integer(required=True, metadata={"description": "Boletos registered"})
    cancellations = fields.Integer(required=True, metadata={"description": "Pedidos de baixa"})
    total = Money(required=True, metadata={"description": "Sum of the registered boletos"})
    requested_by = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    finished_at = fields.DateTime(allow_none=True)


RemittancePage = page_of(RemittanceOutput, "RemittancePage")


class RemittanceRequest(InputSchema):
    """What to send besides what is pending: `{}` for just that."""

    resend = fields.List(
        WholeNumber(validate=validate.Range(min=1, max=MAX_INT_ID)),
        validate=validate.Length(min=1, max=500),
        metadata={
            "description": "Boleto ids whose entrada goes again on purpose (registered on this "
            "account and still owed); at most 500"
        },
    )


class RemittanceItemOutput(Schema):
    boleto_id = fields.Integer(required=True)
    receivable_id = fields.Integer(required=True)
    nosso_numero = fields.String(required=True)
    amount = Money(required=True)
    due_date = Date(required=True)
    occurrence = fields.String(
        required=True, metadata={"description": "entry (entrada) or cancel (pedido de baixa)"}
    )
    resent = fields.Boolean(required=True, metadata={"description": "An entrada sent again"})


RemittanceItemPage = page_of(RemittanceItemOutput, "RemittanceItemPage")


class ReturnUpload(InputSchema):
    """The retorno as the bank delivered it (multipart/form-data)."""

    file = FilePart(required=True, metadata={"description": "A CNAB 240 or 400 retorno"})


class ReturnOutput(Schema):
    id = fields.Integer(required=True)
    billing_account_id = fields.Integer(required=True)
    file_name = fields.String(required=True)
    bank = fields.String(required=True)
    layout = fields.Integer(required=True)
    file_date = Date(allow_none=True)
    file_sequence = fields.Integer(allow_none=True)
    occurrences = fields.Integer(required=True)
    applied = fields.Integer(required=True, metadata={"description": "Progress: applied so far"})
    status = fields.String(
        required=True, metadata={"description": "queued, applying, done, or failed (see error)"}
    )
    error = fields.String(allow_none=True, metadata={"description": "Why it stopped"})
    report = fields.Dict(
        allow_none=True,
        metadata={
            "description": "When done: counts and totals by kind and outcome, the rejections "
            "and the occurrences whose nosso número is unknown (first 200 of each)"
        },
    )
    uploaded_by = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    finished_at = fields.DateTime(allow_none=True)


ReturnPage = page_of(ReturnOutput, "ReturnPage")


class OccurrenceQuery(PageQuery):
    outcome = fields.String(
        validate=validate.OneOf(("pending", "applied", "unknown", "not_owed", "duplicate"))
    )


class OccurrenceOutput(Schema):
    line = fields.Integer(required=True)
    nosso_numero = fields.String(required=True)
    boleto_id = fields.Integer(allow_none=True)
    code = fields.String(required=True)
    kind = fields.String(required=True)
    description = fields.String(required=True)
    reasons = fields.String(required=True)
    amount = Money(required=True)
    paid = Money(required=True)
    interest = Money(required=True)
    fine = Money(required=True)
    discount = Money(required=True)
    rebate = Money(required=True)
    fee = Money(required=True)
    credited = Money(required=True)
    occurred_on = Date(allow_none=True)
    credit_date = Date(allow_none=True)
    outcome = fields.String(required=True)


OccurrencePage = page_of(OccurrenceOutput, "ReturnOccurrencePage")
