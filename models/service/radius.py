"""FreeRADIUS's rlm_sql tables, and what Provedor writes into them for each login.

The tables follow the PostgreSQL `schema.sql` Debian ships in `mods-config/sql/main/`
(FreeRADIUS 3.2), column for column, so a stock FreeRADIUS with rlm_sql on this database
enforces what Provedor decides.
Provedor adds unique indexes on (user or group, attribute) so rewriting a login is idempotent;
FreeRADIUS only reads these tables and does not mind them. FreeRADIUS writes `radacct` and
`radpostauth` itself.

A login's rows follow its subscription: active -> the plan's group; suspended -> the suspended
group (reject, or a blocked pool); cancelled or the login deleted -> no rows at all.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    BigInteger,
    Index,
    Integer,
    Select,
    String,
    Text,
    UniqueConstraint,
    literal,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.audit import Audited
from models.backend import BigKey, Inet, RadiusTime, partial
from models.clock import utcnow
from models.db import UTCDateTime, db, flush_or_conflict, insert_or_ignore, upsert
from models.errors import Conflict, Invalid
from models.settings import current

PASSWORD_ATTRIBUTE = "Cleartext-Password"  # noqa: S105 (an attribute name)
RATE_LIMIT_ATTRIBUTE = "Mikrotik-Rate-Limit"
ADDRESS_LIST_ATTRIBUTE = "Mikrotik-Address-List"
# The non-payment ladder's reduced speeds: one group per plan, named by the plan's id.
REDUCED_GROUP_PREFIX = "reduzido-"


@dataclass(frozen=True)
class RadiusPolicy:
    """How suspended logins are treated and where IPs come from (settings, see web/config.py)."""

    suspended_group: str = "suspenso"
    # None: a suspended login is rejected. A pool name: it is accepted into that pool (which
    # the NAS redirects to a payment page) instead.
    blocked_pool: str | None = None
    ip_pools: tuple[str, ...] = ("100.64.0.0/10", "2001:db8::/32")
    disconnect_attempts: int = 5
    disconnect_timeout_s: float = 2.0
    ghost_session_minutes: int = 30


def policy() -> RadiusPolicy:
    """The running app's RADIUS policy."""
    return current(RadiusPolicy)


class _AttributeRow:
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attribute: Mapped[str] = mapped_column(Text, default="")
    op: Mapped[str] = mapped_column(String(2))
    value: Mapped[str] = mapped_column(Text, default="")


class RadCheck(_AttributeRow, db.Model):
    """Per-user check attributes (the password)."""

    __tablename__ = "radcheck"
    __table_args__ = (
        Index("uq_radcheck_username_attribute", "username", "attribute", unique=True),
    )
    username: Mapped[str] = mapped_column(Text, default="")


class RadReply(_AttributeRow, db.Model):
    """Per-user reply attributes (the fixed IP)."""

    __tablename__ = "radreply"
    __table_args__ = (
        Index("uq_radreply_username_attribute", "username", "attribute", unique=True),
    )
    username: Mapped[str] = mapped_column(Text, default="")


class RadGroupCheck(_AttributeRow, db.Model):
    """Per-group check attributes (Auth-Type := Reject for the suspended group)."""

    __tablename__ = "radgroupcheck"
    __table_args__ = (
        Index("uq_radgroupcheck_groupname_attribute", "groupname", "attribute", unique=True),
    )
    groupname: Mapped[str] = mapped_column(Text, default="")


class RadGroupReply(_AttributeRow, db.Model):
    """Per-group reply attributes (a plan's rate limit, the blocked pool)."""

    __tablename__ = "radgroupreply"
    __table_args__ = (
        Index("uq_radgroupreply_groupname_attribute", "groupname", "attribute", unique=True),
    )
    groupname: Mapped[str] = mapped_column(Text, default="")


class RadUserGroup(db.Model):
    """Which group a login belongs to; Provedor keeps one per login."""

    __tablename__ = "radusergroup"
    __table_args__ = (Index("uq_radusergroup_username", "username", unique=True),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(Text, default="")
    groupname: Mapped[str] = mapped_column(Text, default="")
    priority: Mapped[int] = mapped_column(Integer, default=0)


_OPEN = partial("acctstoptime IS NULL")


class RadAcct(db.Model):
    """Accounting sessions, as FreeRADIUS writes them (open while `acctstoptime` is null).

    On PostgreSQL the table is partitioned by month of `acctstarttime` (migration k2a1b3c5d7e9,
    models/service/connection_records.py): its primary key is (radacctid, acctstarttime) and
    FreeRADIUS's session key is unique with the start time, since a partitioned table's unique
    keys must hold the partition key. SQLite keeps Debian's plain table, acctuniqueid unique.
    """

    __tablename__ = "radacct"
    __table_args__ = (
        UniqueConstraint("acctuniqueid", name="uq_radacct_acctuniqueid").ddl_if(dialect="sqlite"),
        UniqueConstraint(
            "acctuniqueid", "acctstarttime", name="uq_radacct_acctuniqueid_acctstarttime"
        ).ddl_if(dialect="postgresql"),
        Index("radacct_active_session_idx", "acctuniqueid", **_OPEN),
        Index("radacct_bulk_close", "nasipaddress", "acctstarttime"),
        Index("radacct_start_user_idx", "acctstarttime", "username"),
        # Provedor's: a login's open sessions (to disconnect it) and stale ones (ghosts).
        Index("ix_radacct_open_username", "username", **_OPEN),
        Index("ix_radacct_open_updated", "acctupdatetime", **_OPEN),
        # Provedor's: a login's sessions by period, the connection extract [6.6].
        Index("ix_radacct_username_start", "username", "acctstarttime"),
    )

    radacctid: Mapped[int] = mapped_column(BigKey, primary_key=True)
    acctsessionid: Mapped[str] = mapped_column(Text)
    acctuniqueid: Mapped[str] = mapped_column(Text)
    username: Mapped[str | None] = mapped_column(Text)
    realm: Mapped[str | None] = mapped_column(Text)
    nasipaddress: Mapped[str] = mapped_column(Inet)
    nasportid: Mapped[str | None] = mapped_column(Text)
    nasporttype: Mapped[str | None] = mapped_column(Text)
    # Not null: the partition key (FreeRADIUS's queries always write it).
    acctstarttime: Mapped[datetime] = mapped_column(RadiusTime, nullable=False)
    acctupdatetime: Mapped[datetime | None] = mapped_column(RadiusTime)
    acctstoptime: Mapped[datetime | None] = mapped_column(RadiusTime)
    acctinterval: Mapped[int | None] = mapped_column(BigInteger)
    acctsessiontime: Mapped[int | None] = mapped_column(BigInteger)
    acctauthentic: Mapped[str | None] = mapped_column(Text)
    connectinfo_start: Mapped[str | None] = mapped_column(Text)
    connectinfo_stop: Mapped[str | None] = mapped_column(Text)
    acctinputoctets: Mapped[int | None] = mapped_column(BigInteger)
    acctoutputoctets: Mapped[int | None] = mapped_column(BigInteger)
    calledstationid: Mapped[str | None] = mapped_column(Text)
    callingstationid: Mapped[str | None] = mapped_column(Text)
    acctterminatecause: Mapped[str | None] = mapped_column(Text)
    servicetype: Mapped[str | None] = mapped_column(Text)
    framedprotocol: Mapped[str | None] = mapped_column(Text)
    framedipaddress: Mapped[str | None] = mapped_column(Inet)
    framedipv6address: Mapped[str | None] = mapped_column(Inet)
    framedipv6prefix: Mapped[str | None] = mapped_column(Inet)
    framedinterfaceid: Mapped[str | None] = mapped_column(Text)
    delegatedipv6prefix: Mapped[str | None] = mapped_column(Inet)
    class_: Mapped[str | None] = mapped_column("class", Text)


class RadPostAuth(db.Model):
    """Authentication log, as FreeRADIUS writes it."""

    __tablename__ = "radpostauth"
    id: Mapped[int] = mapped_column(BigKey, primary_key=True)
    username: Mapped[str] = mapped_column(Text, index=True)
    pass_: Mapped[str | None] = mapped_column("pass", Text)
    reply: Mapped[str | None] = mapped_column(Text)
    calledstationid: Mapped[str | None] = mapped_column(Text)
    callingstationid: Mapped[str | None] = mapped_column(Text)
    authdate: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    class_: Mapped[str | None] = mapped_column("class", Text)


class Nas(Audited, db.Model):
    """A NAS (concentrator) FreeRADIUS answers, with the secret Disconnect-Requests are signed with.

    `coa_port` is Provedor's: where the NAS listens for RFC 5176 requests (3799 by default).
    FreeRADIUS reads only the columns it knows.
    """

    __audit_redact__ = frozenset({"secret"})

    __tablename__ = "nas"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nasname: Mapped[str] = mapped_column(Text, unique=True)
    shortname: Mapped[str] = mapped_column(Text)
    type: Mapped[str] = mapped_column(Text, default="other")
    ports: Mapped[int | None] = mapped_column(Integer)
    secret: Mapped[str] = mapped_column(Text)
    server: Mapped[str | None] = mapped_column(Text)
    community: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    coa_port: Mapped[int] = mapped_column(Integer, default=3799, server_default="3799")


def _replace(model, key_column: str, key: str, rows: list[dict]) -> None:
    """Make `rows` (attribute, op, value) the only rows of `model` for `key`."""
    column = getattr(model, key_column)
    db.session.execute(db.delete(model).where(column == key))
    if rows:
        db.session.execute(db.insert(model), [{key_column: key, **row} for row in rows])


def rate_limit(upload_kbps: int | None, download_kbps: int | None) -> str | None:
    """MikroTik's "rx/tx" rate limit as the NAS sees it: the customer's upload, then download."""
    if upload_kbps is None and download_kbps is None:
        return None
    return f"{upload_kbps or 0}k/{download_kbps or 0}k"


def write_plan_group(group: str, upload_kbps: int | None, download_kbps: int | None) -> None:
    """The rate limit a plan's group replies with (none when the plan has no speeds)."""
    limit = rate_limit(upload_kbps, download_kbps)
    rows = (
        [] if limit is None else [{"attribute": RATE_LIMIT_ATTRIBUTE, "op": ":=", "value": limit}]
    )
    _replace(RadGroupReply, "groupname", group, rows)


def rename_group(old: str, new: str) -> None:
    """Move the logins of group `old` to `new` (a plan's group was renamed) and drop `old`."""
    db.session.execute(
        db.update(RadUserGroup).where(RadUserGroup.groupname == old).values(groupname=new)
    )
    _replace(RadGroupReply, "groupname", old, [])


def _ensure_group_rows(group: str, wanted: dict) -> None:
    """Make `wanted` ({model: [attribute rows]}) the group's only rows, safely in parallel:
    rows that should not be there are deleted, the wanted ones inserted or ignored on the
    unique (group, attribute) indexes, so parallel writers agree."""
    for model, rows in wanted.items():
        keep = [(row["attribute"], row["value"]) for row in rows]
        stale = db.select(model.id).where(model.groupname == group)
        for attribute, value in keep:
            stale = stale.where(~((model.attribute == attribute) & (model.value == value)))
        db.session.execute(db.delete(model).where(model.id.in_(stale.scalar_subquery())))
        rows = [{"groupname": group, **row} for row in rows]
        insert_or_ignore(model.__table__, rows, ("groupname", "attribute"))


def group_reply(group: str, attribute: str) -> str | None:
    """The value a group replies with for `attribute`, if any."""
    return db.session.scalar(
        db.select(RadGroupReply.value).where(
            RadGroupReply.groupname == group, RadGroupReply.attribute == attribute
        )
    )


def reduced_group(plan_id: int) -> str:
    """The group of a plan's logins while the ladder keeps their speeds reduced."""
    return f"{REDUCED_GROUP_PREFIX}{plan_id}"


def reduced_rate_limit(
    upload_kbps: int | None, download_kbps: int | None, percent: int
) -> str | None:
    """The plan's rate limit cut to `percent` of its speeds (at least 1 kbps each way)."""

    def cut(kbps: int | None) -> int | None:
        return None if kbps is None else max(1, kbps * percent // 100)

    return rate_limit(cut(upload_kbps), cut(download_kbps))


def ensure_reduced_group(
    plan_id: int,
    upload_kbps: int | None,
    download_kbps: int | None,
    percent: int,
    address_list: str | None,
) -> str:
    """Make the plan's reduced group reply with its reduced rate limit (and the address list
    a router shows its payment-warning page to, if set); return the group's name."""
    group = reduced_group(plan_id)
    replies = []
    limit = reduced_rate_limit(upload_kbps, download_kbps, percent)
    if limit is not None:
        replies.append({"attribute": RATE_LIMIT_ATTRIBUTE, "op": ":=", "value": limit})
    if address_list:
        replies.append({"attribute": ADDRESS_LIST_ATTRIBUTE, "op": ":=", "value": address_list})
    _ensure_group_rows(group, {RadGroupCheck: [], RadGroupReply: replies})
    return group


def ensure_suspended_group() -> str:
    """Make the suspended group's rows what the settings say now, and return its name.

    Reject (`Auth-Type := Reject`) by default; with RADIUS_BLOCKED_POOL, accept into that pool
    (`Framed-Pool`) instead. A changed setting takes effect at the next suspension. Rows that
    should not be there are deleted, the wanted ones inserted or ignored on the unique
    (group, attribute) indexes, so parallel suspensions agree.
    """
    rules = policy()
    group = rules.suspended_group
    wanted = {RadGroupCheck: [], RadGroupReply: []}
    if rules.blocked_pool is None:
        wanted[RadGroupCheck].append({"attribute": "Auth-Type", "op": ":=", "value": "Reject"})
    else:
        wanted[RadGroupReply].append(
            {"attribute": "Framed-Pool", "op": ":=", "value": rules.blocked_pool}
        )
    _ensure_group_rows(group, wanted)
    return group


def write_login(username: str, password: str, group: str, ips: list[str]) -> None:
    """Make RADIUS authenticate `username` with `password` into `group`, with fixed `ips`."""
    _replace(
        RadCheck,
        "username",
        username,
        [{"attribute": PASSWORD_ATTRIBUTE, "op": ":=", "value": password}],
    )
    replies = []
    for ip in ips:
        attribute = "Framed-IPv6-Address" if ":" in ip else "Framed-IP-Address"
        replies.append({"attribute": attribute, "op": ":=", "value": ip})
    _replace(RadReply, "username", username, replies)
    _replace(RadUserGroup, "username", username, [{"groupname": group, "priority": 1}])


def remove_login(username: str) -> None:
    """Remove every row that lets `username` authenticate."""
    remove_logins([username])


def remove_logins(usernames: list[str]) -> None:
    """Remove every row that lets these logins authenticate (three statements for all)."""
    if usernames:
        for model in (RadCheck, RadReply, RadUserGroup):
            db.session.execute(db.delete(model).where(model.username.in_(usernames)))


def set_groups(groups: dict[str, str]) -> None:
    """Put each login (username -> group) in its group, in one statement.

    A status change moves logins between groups; their passwords and IPs stay as they are.
    """
    if not groups:
        return
    table = RadUserGroup.__table__
    rows = [{"username": user, "groupname": group, "priority": 1} for user, group in groups.items()]
    statement = upsert(table).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.username], set_={"groupname": statement.excluded.groupname}
    )
    db.session.execute(statement)


def move_logins(logins: Select, group: str) -> None:
    """Put every login `logins` selects (its first column, the username) in `group`, in one
    INSERT ... SELECT ... ON CONFLICT: set_groups for thousands without loading them."""
    table = RadUserGroup.__table__
    usernames = logins.subquery()
    rows = db.select(usernames.c[0], literal(group), literal(1)).where(usernames.c[0].is_not(None))
    statement = upsert(table).from_select(["username", "groupname", "priority"], rows)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.username], set_={"groupname": statement.excluded.groupname}
    )
    db.session.execute(statement)


def open_sessions(usernames: list[str]) -> list[RadAcct]:
    """The sessions of these logins that have not stopped."""
    if not usernames:
        return []
    query = db.select(RadAcct).where(
        RadAcct.username.in_(usernames), RadAcct.acctstoptime.is_(None)
    )
    return list(db.session.scalars(query))


def close_ghost_sessions(now: datetime | None = None) -> int:
    """Stop sessions whose NAS stopped sending interim updates: it lost them (a lost Stop).

    A session is a ghost once its last update is older than the policy's minutes and three of
    its own interim intervals. A session with no known interval (its NAS sends no interim
    updates) is never judged by time: nothing says it went quiet. Ghosts stop at their last
    update, with FreeRADIUS's own cause for it.
    """
    now = now or utcnow()
    floor = timedelta(minutes=policy().ghost_session_minutes)
    candidates = db.session.execute(
        db.select(RadAcct.radacctid, RadAcct.acctupdatetime, RadAcct.acctinterval).where(
            RadAcct.acctstoptime.is_(None),
            RadAcct.acctupdatetime < now - floor,
            RadAcct.acctinterval > 0,
        )
    ).all()
    ghosts = [
        key
        for key, updated, interval in candidates
        if updated < now - max(floor, timedelta(seconds=3 * interval))
    ]
    for start in range(0, len(ghosts), 500):
        db.session.execute(
            db.update(RadAcct)
            .where(RadAcct.radacctid.in_(ghosts[start : start + 500]))
            .values(acctstoptime=RadAcct.acctupdatetime, acctterminatecause="Stale-Session")
        )
    return len(ghosts)


def add_nas(data: dict) -> Nas:
    """Register a NAS: FreeRADIUS answers it, Provedor sends it Disconnect-Requests."""
    if getattr(data["nasname"], "scope_id", None):  # FreeRADIUS matches clients by address
        raise Invalid.field("nasname", "An address without a scope (%...).")
    nas = Nas(**{**data, "nasname": str(data["nasname"])})
    db.session.add(nas)
    taken = Conflict(f"NAS {nas.nasname} is already registered.", {"nasname": ["Already taken."]})
    flush_or_conflict("uq_nas_nasname", taken)
    return nas


def list_nas() -> list[Nas]:
    return list(db.session.scalars(db.select(Nas).order_by(Nas.shortname, Nas.id)))
