"""Who may do what: the role table in one place (docs/DESIGN.md, "Roles").

Routes name an area and an action (`@requires("customers", WRITE)`); this table says which
roles that allows, and which audited tables' history its readers read. A new domain adds its
areas here: the one place it registers.
"""

from models.staff.users import ADMIN, ATTENDANT, FINANCE, ROLES, TECHNICIAN

READ, WRITE = "read", "write"
# An area's audited tables: their history entries are read by the area's readers (below).
HISTORY = "history"

ROLE_TABLE: dict[str, dict[str, tuple[str, ...]]] = {
    # Every logged-in user manages their own session (logout, "who am I").
    "session": {READ: ROLES, WRITE: ROLES},
    "users": {READ: (ADMIN,), WRITE: (ADMIN,), HISTORY: ("users",)},
    "customers": {
        READ: (ADMIN, ATTENDANT, FINANCE, TECHNICIAN),
        WRITE: (ADMIN, ATTENDANT),
        HISTORY: (
            "customers",
            "customer_addresses",
            "contacts",
            "observations",
            "customer_documents",
            "consent_records",
            "extra_field_values",
        ),
    },
    "plans": {READ: ROLES, WRITE: (ADMIN,), HISTORY: ("plans",)},  # the catalog
    # Subscriptions, their items and installations, scheduled tasks, suspend/enable/cancel.
    "subscriptions": {
        READ: ROLES,
        WRITE: (ADMIN, ATTENDANT),
        HISTORY: (
            "subscriptions",
            "subscription_items",
            "installations",
            "scheduled_tasks",
        ),
    },
    "cancel_reasons": {READ: ROLES, WRITE: (ADMIN,), HISTORY: ("cancel_reasons",)},
    # NASes (their secrets are write-only) and the Disconnect-Requests sent to them.
    "radius": {READ: (ADMIN, ATTENDANT, TECHNICIAN), WRITE: (ADMIN,), HISTORY: ("nas",)},
    # Connection and call extracts, and exports of them (a technician reads, does not export).
    "extracts": {READ: ROLES, WRITE: (ADMIN, ATTENDANT, FINANCE)},
    # Who read connection records (Marco Civil, art. 13): admins only, never in a history.
    "connection_record_reads": {READ: (ADMIN,)},
    # Anatel's monthly access report: admins and finance make it (it goes to the regulator under
    # the ISP's name); attendants read what keeps accesses out of it, to fix the addresses.
    "anatel_reports": {READ: (ADMIN, FINANCE), WRITE: (ADMIN, FINANCE)},
    "anatel_missing_data": {READ: (ADMIN, ATTENDANT, FINANCE)},
    "tariffs": {READ: ROLES, WRITE: (ADMIN,), HISTORY: ("tariffs",)},  # prices per termination
    # Re-pricing a period's calls by today's tariffs: it changes what customers are charged.
    "call_reprice": {READ: (ADMIN, FINANCE), WRITE: (ADMIN, FINANCE), HISTORY: ("call_reprices",)},
    # Billing exceptions of a customer [5.1]: finance keeps them too.
    "customer_options": {
        READ: ROLES,
        WRITE: (ADMIN, ATTENDANT, FINANCE),
        HISTORY: ("customer_options",),
    },
    # Admin-kept lists: extra field definitions [5.2], fiscal activity codes [5.1.4].
    "extra_field_definitions": {
        READ: ROLES,
        WRITE: (ADMIN,),
        HISTORY: ("extra_field_definitions",),
    },
    "fiscal_activity_codes": {READ: ROLES, WRITE: (ADMIN,), HISTORY: ("fiscal_activity_codes",)},
    # Payment data "Dados Débito" [5.6]: an attendant reads it masked, a technician not at all.
    "payment_data": {
        READ: (ADMIN, ATTENDANT, FINANCE),
        WRITE: (ADMIN, FINANCE),
        HISTORY: ("payment_methods",),
    },
    "payment_data_unmasked": {READ: (ADMIN, FINANCE)},
    # Everything held about a person, in one document (LGPD access right).
    "personal_data": {READ: (ADMIN,)},
    # Receivables and boletos: an attendant reads them (a customer asks for a second copy).
    "receivables": {
        READ: (ADMIN, ATTENDANT, FINANCE),
        WRITE: (ADMIN, FINANCE),
        HISTORY: (
            "billing_events",
            "receivables",  # payments are changes to the receivable
            "boletos",
        ),
    },
    # Billing accounts (carteiras de cobrança): admins keep them, finance reads them.
    "billing_accounts": {
        READ: (ADMIN, FINANCE),
        WRITE: (ADMIN,),
        HISTORY: ("billing_accounts",),
    },
    # PSP connections (API Pix credentials): admins keep them, finance reads them (no secret
    # is ever shown).
    "psp_connections": {
        READ: (ADMIN, FINANCE),
        WRITE: (ADMIN,),
        HISTORY: ("psp_connections",),
    },
    # PIX received and their charges: finance lists the unknown ones and follows refunds.
    "pix": {
        READ: (ADMIN, FINANCE),
        WRITE: (ADMIN, FINANCE),
        HISTORY: (
            "pix_charges",
            "pix_received",
            "pix_refunds",
            "pix_recurrences",
            "pix_recurring_charges",
        ),
    },
    # NFCom invoices: finance issues and cancels them, attendants read them for the customer.
    "fiscal": {
        READ: (ADMIN, ATTENDANT, FINANCE),
        WRITE: (ADMIN, FINANCE),
        HISTORY: ("nfcom_invoices",),
    },
    # The issuer (CNPJ, IE, A1 certificate, numbering) and each plan's taxes: admins keep
    # them; finance and attendants read them (the certificate itself is never shown).
    "fiscal_settings": {
        READ: (ADMIN, ATTENDANT, FINANCE),
        WRITE: (ADMIN,),
        HISTORY: ("fiscal_settings", "plan_fiscal_profiles"),
    },
    # Remessas generated and retornos imported: finance's daily cycle with the banks.
    "bank_files": {
        READ: (ADMIN, FINANCE),
        WRITE: (ADMIN, FINANCE),
        HISTORY: ("remittances", "return_files"),
    },
    # E-mail notices sent or failed, and the templates and holidays they follow.
    "notices": {
        READ: (ADMIN, ATTENDANT, FINANCE),
        WRITE: (ADMIN,),
        HISTORY: (
            "notices",
            "email_templates",
        ),
    },
    # Sending a failed or skipped notice again, once someone checked it never arrived.
    "notice_resends": {READ: (ADMIN, ATTENDANT, FINANCE), WRITE: (ADMIN, FINANCE)},
    # Notices whose outcome is unknown: finance and admins check the mail server and act.
    "notice_outcomes": {READ: (ADMIN, FINANCE), WRITE: (ADMIN, FINANCE)},
    "holidays": {READ: ROLES, WRITE: (ADMIN,), HISTORY: ("local_holidays",)},
    # Lifting a non-payment suspension for a while (trust unlock) or holding one.
    "suspension_holds": {
        READ: ROLES,
        WRITE: (ADMIN, ATTENDANT, FINANCE),
        HISTORY: (
            "trust_unlocks",
            "suspension_holds",
        ),
    },
    # Every customer's holds at once (their reasons in bulk): the staff who deal with debts.
    "suspension_hold_list": {READ: (ADMIN, ATTENDANT, FINANCE), WRITE: ()},
    # Equipment [6.5]: technicians lend and collect it; a sale's billing is finance's too.
    "equipment": {
        READ: ROLES,
        WRITE: (ADMIN, TECHNICIAN),
        HISTORY: (
            "equipment",
            "equipment_assignments",
            "equipment_sales",  # the sale; its billing (events, receivable) is finance's
        ),
    },
    "equipment_sale": {WRITE: (ADMIN, FINANCE, TECHNICIAN)},
    # Legal holds on connection records and their retention (Marco Civil): confidential.
    "legal_holds": {READ: (ADMIN,), WRITE: (ADMIN,), HISTORY: ("legal_holds",)},
}


# Who reads a history entry: the roles that may read the entity it describes (docs/DESIGN.md,
# "Roles"): each area lists its audited tables under HISTORY. A table in no area's list is shown
# to no one (fail closed); tests/web/test_history_roles.py fails until it is in one.
# How it is masked: an entry holds what every reader of its area may see, never more. Payment
# data is written masked (models/customers/payment_methods.py: card number redacted, account
# number masked as an attendant sees it; first 6, last 4, brand and expiry as the API shows every
# reader), and passwords and NAS secrets are redacted for everyone (__audit_redact__).
HISTORY_AREAS: dict[str, str] = {
    table: area for area, rule in ROLE_TABLE.items() for table in rule.get(HISTORY, ())
}


def roles_for(area: str, action: str) -> tuple[str, ...]:
    """The roles allowed to do `action` in `area`; an unknown pair is a programming error."""
    return ROLE_TABLE[area][action]


def history_entities(role: str) -> tuple[str, ...]:
    """The entities whose history entries `role` may read (those it may read the rows of)."""
    return tuple(entity for entity, area in HISTORY_AREAS.items() if role in roles_for(area, READ))
