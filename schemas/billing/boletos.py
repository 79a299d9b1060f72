"""Boletos: what the API shows of a receivable's boleto (codes as issued)."""

from marshmallow import Schema, fields

from schemas.common import Date, Money


class BoletoOutput(Schema):
    receivable_id = fields.Integer(required=True)
    bank = fields.String(required=True, metadata={"description": "Bank code, e.g. 001"})
    nosso_numero = fields.String(required=True, metadata={"description": "As printed"})
    barcode = fields.String(required=True, metadata={"description": "44 digits (FEBRABAN)"})
    digitable_line = fields.String(
        required=True,
        attribute="digitable_line_formatted",
        metadata={"description": "Linha digitável, formatted (47 digits)"},
    )
    pix_code = fields.String(
        allow_none=True,
        attribute="pix_code_shown",
        metadata={
            "description": "PIX copia e cola: the dynamic code of the receivable's charge at "
            "the account's PSP when it has one for this amount, else the static code (null "
            "without a PIX key)"
        },
    )
    pix_dynamic = fields.Boolean(
        required=True,
        attribute="pix_is_dynamic",
        metadata={"description": "Whether pix_code is the PSP charge's (paid: settled by itself)"},
    )
    amount = Money(required=True)
    due_date = Date(required=True)
    issued_at = fields.AwareDateTime(required=True)
    demo = fields.Boolean(
        required=True,
        metadata={
            "description": "Issued on the built-in demonstration bank account (development "
            "without BOLETO_* settings): not payable, and its PDF says so"
        },
    )
    billing_account_id = fields.Integer(
        allow_none=True, metadata={"description": "The account it was issued on"}
    )
    bank_state = fields.String(
        allow_none=True,
        metadata={
            "description": "What the bank's retornos said last: registered, rejected, settled, "
            "written_off; null until a retorno names it"
        },
    )
    bank_note = fields.String(
        allow_none=True,
        metadata={"description": "The bank's last occurrence, in its words (code, reasons)"},
    )
