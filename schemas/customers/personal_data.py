"""The LGPD access document: each part in the same shape as its own route answers it."""

from marshmallow import Schema, fields

from schemas.billing.equipment_sales import SaleOutput
from schemas.billing.receivables import ReceivableOutput
from schemas.billing.suspension_holds import SuspensionHoldOutput, TrustUnlockOutput
from schemas.customers.addresses import CustomerAddressOutput
from schemas.customers.consents import ConsentOutput, ConsentRecordOutput
from schemas.customers.contacts import ContactOutput
from schemas.customers.customer_documents import DocumentOutput
from schemas.customers.customer_options import CustomerOptionsOutput
from schemas.customers.customers import CustomerOutput
from schemas.customers.extra_fields import ExtraFieldsOutput
from schemas.customers.observations import ObservationOutput
from schemas.customers.payment_methods import PaymentMethodOutput
from schemas.history import HistoryEntryOutput
from schemas.notices.notices import NoticeOutput
from schemas.service.equipment import AssignmentOutput
from schemas.service.items import ItemOutput
from schemas.service.subscriptions import SubscriptionOutput


class HeldItemOutput(ItemOutput):
    """An item, deleted ones included (their logins and numbers were the person's)."""

    deleted_at = fields.AwareDateTime(allow_none=True)


class UsageSpanOutput(Schema):
    count = fields.Integer(required=True)
    first = fields.AwareDateTime(allow_none=True)
    last = fields.AwareDateTime(allow_none=True)


class UsageOutput(Schema):
    """Connection and call records kept: their rows through POST /api/v1/exports."""

    connections = fields.Nested(UsageSpanOutput, required=True)
    calls = fields.Nested(UsageSpanOutput, required=True)


def _many(schema) -> fields.List:
    return fields.List(fields.Nested(schema), required=True)


class PersonalDataOutput(Schema):
    """Everything held about the customer; card numbers stay masked, passwords are not data."""

    generated_at = fields.AwareDateTime(required=True)
    customer = fields.Nested(CustomerOutput, required=True)
    options = fields.Nested(CustomerOptionsOutput, required=True)
    extra_fields = fields.Nested(ExtraFieldsOutput, required=True)
    addresses = _many(CustomerAddressOutput)
    contacts = _many(ContactOutput)
    observations = _many(ObservationOutput)
    documents = _many(DocumentOutput)
    payment_methods = _many(PaymentMethodOutput)
    consents = _many(ConsentOutput)
    consent_statements = _many(ConsentRecordOutput)
    subscriptions = _many(SubscriptionOutput)
    items = _many(HeldItemOutput)
    receivables = _many(ReceivableOutput)
    notices = _many(NoticeOutput)
    equipment = _many(AssignmentOutput)
    equipment_sales = _many(SaleOutput)
    trust_unlocks = _many(TrustUnlockOutput)
    suspension_holds = _many(SuspensionHoldOutput)
    usage = fields.Nested(UsageOutput, required=True)
    history = _many(HistoryEntryOutput)
    history_total = fields.Integer(
        required=True, metadata={"description": "History entries in all; the newest 10,000 here"}
    )
