"""Items of a subscription [6.1.5.2]: extra mailboxes, RADIUS logins, fixed IPs, phone terminals.

One table, a `kind` per row and the columns that kind uses. Identifiers (mailbox address, login,
IP, phone number) are unique among the items not deleted; deleting is a soft delete that keeps
who and when [6.3]. A RADIUS login's rows in the rlm_sql tables follow it (`sync_login`).
"""

import ipaddress
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, Select, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.audit import Actor, Audited, current_actor
from models.backend import partial, prefix_index, trigram_index
from models.clock import utcnow
from models.db import UTCDateTime, db, flush_or_conflict, get_or_none, get_row, paginate
from models.errors import Conflict, Invalid, NotFound
from models.service import radius
from models.service.radius_disconnects import Disconnect, owe_disconnects
from models.service.subscriptions import ACTIVE, CANCELLED, Subscription, get_subscription
from models.staff.users import hash_password

EMAIL, RADIUS_LOGIN, IP, VOIP_TERMINAL = "email", "radius_login", "ip", "voip_terminal"
KINDS = (EMAIL, RADIUS_LOGIN, IP, VOIP_TERMINAL)
# Which plans may carry each kind (a mailbox comes with any plan).
PLAN_KINDS = {RADIUS_LOGIN: ("internet",), IP: ("internet",), VOIP_TERMINAL: ("voip",)}
_LIVE = partial("deleted_at IS NULL")
# What each kind's identifier is called, for messages and the unique index that keeps it.
IDENTIFIERS = {
    EMAIL: ("address", "uq_subscription_items_address"),
    RADIUS_LOGIN: ("username", "uq_subscription_items_kind"),
    IP: ("ip_address", "uq_subscription_items_ip_address"),
    VOIP_TERMINAL: ("number", "uq_subscription_items_number"),
}


class Item(Audited, db.Model):
    """One item of a subscription; the columns of its `kind` are filled, the others null."""

    __tablename__ = "subscription_items"
    __table_args__ = (
        CheckConstraint(f"kind IN {KINDS!r}", name="kind_known"),
        Index("uq_subscription_items_address", "address", unique=True, **_LIVE),
        # A SIP username and a PPPoE login live in different systems: unique per kind.
        Index("uq_subscription_items_kind", "kind", "username", unique=True, **_LIVE),
        Index("uq_subscription_items_ip_address", "ip_address", unique=True, **_LIVE),
        Index("uq_subscription_items_number", "number", unique=True, **_LIVE),
        prefix_index("ix_subscription_items_username_prefix", "username"),
        Index("ix_subscription_items_email_domain", "email_domain"),
        # Customer search by e-mail reads part of a mailbox's address
        # (models/customers/customer_search.py).
        trigram_index("ix_subscription_items_address_trgm", "address"),
        Index("ix_subscription_items_customer_deleted", "customer_code", "deleted_at"),
    )
    __audit_redact__ = frozenset({"password", "password_hash"})

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"), index=True)
    customer_code: Mapped[int] = mapped_column(Integer)  # kept here for search and [6.3]
    kind: Mapped[str] = mapped_column(String(15))
    address: Mapped[str | None] = mapped_column(String(254))
    email_domain: Mapped[str | None] = mapped_column(String(254))
    quota_mb: Mapped[int | None] = mapped_column(Integer)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    username: Mapped[str | None] = mapped_column(String(64))
    # RADIUS needs the clear password (CHAP, MS-CHAP): it is in radcheck anyway.
    password: Mapped[str | None] = mapped_column(String(128))
    mac: Mapped[str | None] = mapped_column(String(17))
    ip_address: Mapped[str | None] = mapped_column(String(45))
    login_item_id: Mapped[int | None] = mapped_column(ForeignKey("subscription_items.id"))
    number: Mapped[str | None] = mapped_column(String(13))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_by: Mapped[str | None] = mapped_column(String(80))
    deleted_by_user_id: Mapped[int | None] = mapped_column(Integer)

    subscription: Mapped[Subscription] = relationship()
    # An IP's login, loaded with a list of items in one more query (not one per IP).
    login_item: Mapped["Item | None"] = relationship(remote_side=[id], lazy="selectin")

    def audit_customer_code(self) -> int:
        return self.customer_code

    @property
    def identifier(self) -> str:
        """What names this item for people: its address, login, IP or number."""
        return getattr(self, IDENTIFIERS[self.kind][0])

    @property
    def login_username(self) -> str | None:
        """For an IP, the login it is tied to."""
        return self.login_item.username if self.login_item else None


def get_item(subscription_id: int, item_id: int, for_update: bool = False) -> Item:
    """A live item of the subscription, or NotFound."""
    item = get_row(Item, item_id, "Item", for_update)
    if item.subscription_id != subscription_id or item.deleted_at is not None:
        raise NotFound(f"Item {item_id} not found.")
    return item


def live_logins(subscription_ids: list[int]) -> list[Item]:
    """The live RADIUS logins of these subscriptions, in one query."""
    query = db.select(Item).where(
        Item.subscription_id.in_(subscription_ids),
        Item.kind == RADIUS_LOGIN,
        Item.deleted_at.is_(None),
    )
    return list(db.session.scalars(query))


def live_logins_of(subscriptions: Select) -> Select:
    """SELECT (username, subscription_id) of the live RADIUS logins of the subscriptions
    `subscriptions` selects (their ids): the set-based changes' logins, never loaded."""
    return db.select(Item.username, Item.subscription_id).where(
        Item.subscription_id.in_(subscriptions),
        Item.kind == RADIUS_LOGIN,
        Item.deleted_at.is_(None),
    )


def live_items(subscription_id: int, kind: str | None = None) -> list[Item]:
    """The items of a subscription that are not deleted, oldest first."""
    query = db.select(Item).where(
        Item.subscription_id == subscription_id, Item.deleted_at.is_(None)
    )
    if kind is not None:
        query = query.where(Item.kind == kind)
    return list(db.session.scalars(query.order_by(Item.id)))


def sync_login(login: Item) -> list[str]:
    """Write the login's RADIUS rows as its state says; return the usernames that lost access."""
    subscription = login.subscription
    if login.deleted_at is not None or subscription.status == CANCELLED:
        radius.remove_login(login.username)
        return [login.username]
    if subscription.status == ACTIVE and subscription.speed_reduced_at is not None:
        group = radius.reduced_group(subscription.plan_id)  # the ladder wrote its rows
    elif subscription.status == ACTIVE:
        group = subscription.plan.radius_group
    else:
        group = radius.ensure_suspended_group()
    ips = [
        item.ip_address
        for item in live_items(subscription.id, IP)
        if item.login_item_id == login.id
    ]
    radius.write_login(login.username, login.password, group, ips)
    return [] if subscription.status == ACTIVE else [login.username]


def disconnect(usernames: list[str], subscription_id: int, cause: str) -> list[int]:
    """Owe a Disconnect-Request for every open session of these logins; return the rows' ids."""
    owners = dict.fromkeys(usernames, (subscription_id, cause))
    return owe_disconnects(radius.open_sessions(usernames), owners)


STAFF_CAUSE = "staff"  # radius_disconnects.cause of a disconnect staff ask for


def disconnect_login(subscription_id: int, item_id: int) -> tuple[Item, list[Disconnect]]:
    """Staff end a login's open sessions now (a Disconnect-Request each, sent after the commit);
    the login and the requests owed (none when it is not online)."""
    login = get_item(subscription_id, item_id)
    if login.kind != RADIUS_LOGIN:
        raise Conflict("Only a RADIUS login has sessions.")
    owed = disconnect([login.username], subscription_id, STAFF_CAUSE)
    found = db.select(Disconnect).where(Disconnect.id.in_(owed)).order_by(Disconnect.id)
    return login, list(db.session.scalars(found))


def _ip_in_pool(raw: str) -> str:
    try:
        ip = ipaddress.ip_address(raw)
    except ValueError:
        raise Invalid.field("ip_address", "Not an IPv4 or IPv6 address.") from None
    if getattr(ip, "scope_id", None):  # "2001:db8::1%eth0" names a link, not an address
        raise Invalid.field("ip_address", "An address without a scope (%...).")
    pools = [ipaddress.ip_network(pool) for pool in radius.policy().ip_pools]
    if not any(ip.version == pool.version and ip in pool for pool in pools):
        allowed = ", ".join(str(pool) for pool in pools)
        raise Invalid.field("ip_address", f"Outside the ISP's pools ({allowed}).")
    return ip.compressed


def _tied_login(subscription_id: int, login_item_id: int) -> Item:
    login = get_or_none(Item, login_item_id)
    if (
        login is None
        or login.deleted_at is not None
        or login.kind != RADIUS_LOGIN
        or login.subscription_id != subscription_id
    ):
        raise Invalid.field("login_item_id", "Not a login of this subscription.")
    return login


def _fill(item: Item, data: dict) -> Item | None:
    """Set the kind's columns from input; return the login an IP is tied to."""
    if item.kind == EMAIL:
        item.address = data["address"].lower()
        item.email_domain = item.address.rpartition("@")[2]
        item.quota_mb = data.get("quota_mb")
        item.password_hash = hash_password(data["password"])
    elif item.kind == RADIUS_LOGIN:
        item.username, item.password, item.mac = data["username"], data["password"], data.get("mac")
    elif item.kind == IP:
        item.ip_address = _ip_in_pool(data["ip_address"])
        login = _tied_login(item.subscription.id, data["login_item_id"])
        item.login_item_id = login.id
        return login
    else:
        item.number, item.username = data["number"], data["username"]
    return None


def _save(item: Item) -> None:
    name, constraint = IDENTIFIERS[item.kind]
    taken = Conflict(f"{item.identifier} is already in use.", {name: ["Already in use."]})
    db.session.add(item)
    also = {}
    if item.kind == VOIP_TERMINAL:  # its SIP username is unique too
        sip = f"SIP user {item.username} is already in use."
        also[IDENTIFIERS[RADIUS_LOGIN][1]] = Conflict(sip, {"username": ["Already in use."]})
    flush_or_conflict(constraint, taken, also)


def add_item(subscription_id: int, data: dict) -> Item:
    """Add an item to a subscription in force; its RADIUS rows follow at once."""
    subscription = get_subscription(subscription_id, for_update=True)
    if subscription.status == CANCELLED:
        raise Conflict(f"Subscription {subscription_id} is cancelled: it takes no new items.")
    kind = data["kind"]
    plan_kinds = PLAN_KINDS.get(kind)
    if plan_kinds and subscription.plan.kind not in plan_kinds:
        raise Conflict(f"A {kind} item needs a {' or '.join(plan_kinds)} plan.")
    item = Item(subscription=subscription, customer_code=subscription.customer_code, kind=kind)
    login = _fill(item, data)
    _save(item)
    if kind == RADIUS_LOGIN:
        sync_login(item)
    elif login is not None:
        sync_login(login)
    return item


def update_item(subscription_id: int, item_id: int, changes: dict) -> Item:
    """Change a login's password or MAC, or a mailbox's password or quota."""
    subscription = get_subscription(subscription_id, for_update=True)
    item = get_item(subscription_id, item_id)
    allowed = {RADIUS_LOGIN: {"password", "mac"}, EMAIL: {"password", "quota_mb"}}.get(
        item.kind, set()
    )
    refused = sorted(set(changes) - allowed)
    if refused:
        # A valid change that this stored item's kind does not take: a conflict, not bad input.
        errors = {name: [f"Cannot be changed on a {item.kind} item."] for name in refused}
        raise Conflict(f"A {item.kind} item cannot change {', '.join(refused)}.", errors)
    if subscription.status == CANCELLED:
        raise Conflict(f"Subscription {subscription_id} is cancelled; its items cannot change.")
    for key, value in changes.items():
        if item.kind == EMAIL and key == "password":
            item.password_hash = hash_password(value)
        else:
            setattr(item, key, value)
    db.session.flush()
    if item.kind == RADIUS_LOGIN:
        sync_login(item)
    return item


def delete_item(subscription_id: int, item_id: int) -> list[int]:
    """Soft-delete an item: it leaves RADIUS at once and stays listed as deleted [6.3].

    Returns the Disconnect-Requests owed to a deleted login's open sessions (sent after commit).
    """
    get_subscription(subscription_id, for_update=True)
    item = get_item(subscription_id, item_id)
    if item.kind == RADIUS_LOGIN and any(
        ip.login_item_id == item.id for ip in live_items(subscription_id, IP)
    ):
        raise Conflict(f"Login {item.username} has a fixed IP; delete the IP first.")
    actor: Actor = current_actor(db.session)
    item.deleted_at, item.deleted_by, item.deleted_by_user_id = (
        utcnow(),
        actor.username,
        actor.user_id,
    )
    db.session.flush()
    if item.kind == RADIUS_LOGIN:
        return disconnect(sync_login(item), subscription_id, "deleted")
    if item.kind == IP:
        sync_login(item.login_item)
    return []


def list_items(subscription_id: int, kind: str | None) -> list[Item]:
    """A subscription's live items."""
    get_subscription(subscription_id)
    return live_items(subscription_id, kind)


def deleted_items(customer_code: int, page: int, per_page: int) -> tuple[list[Item], int]:
    """Items of a customer's subscriptions that were deleted, newest deletion first [6.3]."""
    query = (
        db.select(Item)
        .where(Item.customer_code == customer_code, Item.deleted_at.is_not(None))
        .order_by(Item.deleted_at.desc(), Item.id.desc())
    )
    return paginate(query, page, per_page)
