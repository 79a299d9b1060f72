"""Who may do what: the role table in one place (docs/DESIGN.md, "Roles").

Routes name an area and an action (`@requires("customers", WRITE)`); this table says which
roles that allows. New areas (plans, payment data, equipment, extracts) add a row here.
"""

from models.users import ADMIN, ATTENDANT, FINANCE, ROLES, TECHNICIAN

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
    "call_reprice": {WRITE: (ADMIN, FINANCE)},
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
    "holidays": {READ: ROLES, WRITE: (ADMIN,)},
    # Lifting a non-payment suspension for a while (trust unlock) or holding one.
    "suspension_holds": {READ: ROLES, WRITE: (ADMIN, ATTENDANT, FINANCE)},
    # Equipment [6.5]: technicians lend and collect it; a sale's billing is finance's too.
    "equipment": {READ: ROLES, WRITE: (ADMIN, TECHNICIAN)},
    "equipment_sale": {WRITE: (ADMIN, FINANCE, TECHNICIAN)},
}


def roles_for(area: str, action: str) -> tuple[str, ...]:
    """The roles allowed to do `action` in `area`; an unknown pair is a programming error."""
    return ROLE_TABLE[area][action]
