"""Who may do what: the role table in one place (docs/DESIGN.md, "Roles").

Routes name an area and an action (`@requires("customers", WRITE)`); this table says which
roles that allows. New areas (plans, payment data, equipment, extracts) add a row here.
"""

from models.staff.users import ADMIN, ATTENDANT, FINANCE, ROLES, TECHNICIAN

READ, WRITE = "read", "write"

ROLE_TABLE: dict[str, dict[str, tuple[str, ...]]] = {
    # Every logged-in user manages their own session (logout, "who am I").
    "session": {READ: ROLES, WRITE: ROLES},
    "users": {READ: (ADMIN,), WRITE: (ADMIN,)},
    "customers": {READ: (ADMIN, ATTENDANT, FINANCE, TECHNICIAN), WRITE: (ADMIN, ATTENDANT)},
    "plans": {READ: ROLES, WRITE: (ADMIN,)},  # the catalog
    # Subscriptions, their items and installations, scheduled tasks, suspend/enable/cancel.
    "subscriptions": {READ: ROLES, WRITE: (ADMIN, ATTENDANT)},
    "cancel_reasons": {READ: ROLES, WRITE: (ADMIN,)},
    # NASes (their secrets are write-only) and the Disconnect-Requests sent to them.
    "radius": {READ: (ADMIN, ATTENDANT, TECHNICIAN), WRITE: (ADMIN,)},
    # Connection and call extracts, and exports of them (a technician reads, does not export).
    "extracts": {READ: ROLES, WRITE: (ADMIN, ATTENDANT, FINANCE)},
    "tariffs": {READ: ROLES, WRITE: (ADMIN,)},  # call prices per termination type
    # Re-pricing a period's calls by today's tariffs: it changes what customers are charged.
    "call_reprice": {READ: (ADMIN, FINANCE), WRITE: (ADMIN, FINANCE)},
    # Billing exceptions of a customer [5.1]: finance keeps them too.
    "customer_options": {READ: ROLES, WRITE: (ADMIN, ATTENDANT, FINANCE)},
    # Admin-kept lists: extra field definitions [5.2], fiscal activity codes [5.1.4].
    "extra_field_definitions": {READ: ROLES, WRITE: (ADMIN,)},
    "fiscal_activity_codes": {READ: ROLES, WRITE: (ADMIN,)},
    # Payment data "Dados Débito" [5.6]: an attendant reads it masked, a technician not at all.
    "payment_data": {READ: (ADMIN, ATTENDANT, FINANCE), WRITE: (ADMIN, FINANCE)},
    "payment_data_unmasked": {READ: (ADMIN, FINANCE)},
    # Everything held about a person, in one document (LGPD access right).
    "personal_data": {READ: (ADMIN,)},
    # Receivables and boletos: an attendant reads them (a customer asks for a second copy).
    "receivables": {READ: (ADMIN, ATTENDANT, FINANCE), WRITE: (ADMIN, FINANCE)},
    # E-mail notices sent or failed, and the templates and holidays they follow.
    "notices": {READ: (ADMIN, ATTENDANT, FINANCE), WRITE: (ADMIN,)},
    # Sending a failed or skipped notice again, once someone checked it never arrived.
    "notice_resends": {READ: (ADMIN, ATTENDANT, FINANCE), WRITE: (ADMIN, FINANCE)},
    # Notices whose outcome is unknown: finance and admins check the mail server and act.
    "notice_outcomes": {READ: (ADMIN, FINANCE), WRITE: (ADMIN, FINANCE)},
    "holidays": {READ: ROLES, WRITE: (ADMIN,)},
    # Lifting a non-payment suspension for a while (trust unlock) or holding one.
    "suspension_holds": {READ: ROLES, WRITE: (ADMIN, ATTENDANT, FINANCE)},
    # Equipment [6.5]: technicians lend and collect it; a sale's billing is finance's too.
    "equipment": {READ: ROLES, WRITE: (ADMIN, TECHNICIAN)},
    "equipment_sale": {WRITE: (ADMIN, FINANCE, TECHNICIAN)},
}


# Who reads a history entry: the roles that may read the entity it describes (docs/DESIGN.md,
# "Roles"), by the entity's table, through the area its routes require. An entity missing here
# is shown to no one (fail closed); tests/web/test_history_roles.py fails until it has a rule.
# How it is masked: an entry holds what every reader of its area may see, never more. Payment
# data is written masked (models/customers/payment_methods.py: card number redacted, account number
# masked
# as an attendant sees it; first 6, last 4, brand and expiry as the API shows every reader), and
# passwords and NAS secrets are redacted for everyone (__audit_redact__).
HISTORY_AREAS: dict[str, str] = {
    "customers": "customers",
    "customer_addresses": "customers",
    "contacts": "customers",
    "observations": "customers",
    "customer_documents": "customers",
    "consent_records": "customers",
    "extra_field_values": "customers",
    "customer_options": "customer_options",
    "payment_methods": "payment_data",
    "subscriptions": "subscriptions",
    "subscription_items": "subscriptions",
    "installations": "subscriptions",
    "scheduled_tasks": "subscriptions",
    "equipment": "equipment",
    "equipment_assignments": "equipment",
    "equipment_sales": "equipment",  # the sale; its billing (events, receivable) is finance's
    "billing_events": "receivables",
    "receivables": "receivables",  # payments are changes to the receivable
    "boletos": "receivables",
    "notices": "notices",
    "trust_unlocks": "suspension_holds",
    "suspension_holds": "suspension_holds",
    # Entities of no customer: in no customer's history, but ruled all the same.
    "users": "users",
    "plans": "plans",
    "cancel_reasons": "cancel_reasons",
    "nas": "radius",
    "tariffs": "tariffs",
    "call_reprices": "call_reprice",
    "extra_field_definitions": "extra_field_definitions",
    "fiscal_activity_codes": "fiscal_activity_codes",
    "local_holidays": "holidays",
    "email_templates": "notices",
}


def roles_for(area: str, action: str) -> tuple[str, ...]:
    """The roles allowed to do `action` in `area`; an unknown pair is a programming error."""
    return ROLE_TABLE[area][action]


def history_entities(role: str) -> tuple[str, ...]:
    """The entities whose history entries `role` may read (those it may read the rows of)."""
    return tuple(entity for entity, area in HISTORY_AREAS.items() if role in roles_for(area, READ))
