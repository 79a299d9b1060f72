"""Login, and the lockouts after repeated failed logins.

Failures are counted per (username, client IP) and per client IP: an attacker elsewhere
cannot lock a user out there, and one address cannot spray many usernames. Attempts at one
account from addresses it never logged in from are counted too, across addresses, and lock
those addresses out of it (guessing from many addresses is slowed down): the addresses its user
logged in from before are spared, so the owner keeps working where they did.

A login runs in two transactions with the password check between them, so no database
connection is held while argon2 works (tens of milliseconds, more under a storm):
`start_login` counts the attempt and checks the locks (the caller commits), `verify_password`
checks the password without the database, and `finish_login` issues the token or records the
failure (the caller commits either way).
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Integer, String, case, or_
from sqlalchemy.orm import Mapped, mapped_column

from models.clock import utcnow
from models.db import UTCDateTime, db, get_for_update, upsert
from models.errors import AuthenticationFailed, TooManyAttempts
from models.staff.tokens import AuthToken, issue_token, purge_expired_tokens
from models.staff.users import (
    DUMMY_HASH,
    USERNAME_PATTERN,
    User,
    find_user,
    get_user,
    normalize_username,
)

BAD_CREDENTIALS = "Invalid username or password."
LOCKED = "Too many failed logins; try again later."
BUSY = "Too many logins from your address at once; try again in a moment."
ANY_USERNAME = ""  # the username of an IP's own row: no real username is empty
ANY_IP = ""  # the IP of an account's own row (attempts from new addresses): no IP is empty
UNKNOWN_IP = "unknown"
# An address not logged in from for this long is a new one again: dynamic and shared addresses
# change hands, and a quarter spans holidays and leave.
KNOWN_ADDRESS_DAYS = 90


@dataclass(frozen=True)
class LoginPolicy:
    """How many failures lock, and for how long (from the settings)."""

    max_failures: int  # per (username, IP)
    max_failures_per_ip: int  # per IP, across usernames
    max_failures_per_account: int  # per username, across the addresses it never logged in from
    lockout: timedelta
    token_ttl: timedelta


@dataclass(frozen=True)
class LoginAttempt:
    """What `start_login` learned: whom to check, against which hash."""

    username: str
    ip: str
    user_id: int | None
    password_hash: str  # the user's, or a dummy one, so an unknown user costs the same
    on_account: bool = False  # counted on the account's own row (a new address)


class LoginThrottle(db.Model):
    """Failed logins of one (IP, username), or of one IP (username ''), and any lock."""

    __tablename__ = "login_throttle"

    ip: Mapped[str] = mapped_column(String(45), primary_key=True)
    username: Mapped[str] = mapped_column(String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    # Per IP only: logins started and not yet finished, so a parallel burst cannot get more
    # password checks than the IP has failures left.
    in_flight: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class KnownAddress(db.Model):
    """An address a user logged in from successfully, and when last."""

    __tablename__ = "login_addresses"

    username: Mapped[str] = mapped_column(String(80), primary_key=True)
    ip: Mapped[str] = mapped_column(String(45), primary_key=True)
    last_login_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def _count(
    ip: str, username: str, column: str, lockout: timedelta, lock_above: int | None = None
) -> tuple[int, int, datetime | None]:
    """Add one to `failures` or `in_flight` atomically; returns both counts and any lock.

    One upsert, so parallel attempts can neither lose a count nor collide on the first row.
    A window (and its counts) starts over once it is older than the lockout and not locked.
    The row is locked once `failures` passes `lock_above`.
    """
    now = utcnow()
    table = LoginThrottle.__table__
    stale = (table.c.window_started_at < now - lockout) & (
        table.c.locked_until.is_(None) | (table.c.locked_until <= now)
    )
    added = {"failures": 0, "in_flight": 0, column: 1}
    statement = (
        upsert(table)
        .values(ip=ip, username=username, window_started_at=now, locked_until=None, **added)
        .on_conflict_do_update(
            index_elements=[table.c.ip, table.c.username],
            set_={
                **{name: case((stale, n), else_=table.c[name] + n) for name, n in added.items()},
                "window_started_at": case((stale, now), else_=table.c.window_started_at),
                "locked_until": case((stale, None), else_=table.c.locked_until),
            },
        )
        .returning(table.c.failures, table.c.in_flight, table.c.locked_until)
    )
    failures, in_flight, locked_until = db.session.execute(statement).one()
    if locked_until is None and lock_above is not None and failures > lock_above:
        locked_until = _lock(ip, username, lockout)
    return failures, in_flight, locked_until


def _lock(ip: str, username: str, lockout: timedelta) -> datetime:
    locked_until = utcnow() + lockout
    db.session.execute(
        db.update(LoginThrottle)
        .where(LoginThrottle.ip == ip, LoginThrottle.username == username)
        .values(locked_until=locked_until)
    )
    return locked_until


def _leave(ip: str) -> None:
    """This login from `ip` is no longer in flight."""
    db.session.execute(
        db.update(LoginThrottle)
        .where(
            LoginThrottle.ip == ip,
            LoginThrottle.username == ANY_USERNAME,
            LoginThrottle.in_flight > 0,
        )
        .values(in_flight=LoginThrottle.in_flight - 1)
    )


def _count_attempt(ip: str, username: str, policy: LoginPolicy) -> None:
    """Count an attempt at one user from one IP before its check; lock past the limit."""
    limit = policy.max_failures
    _raise_if_locked(_count(ip, username, "failures", policy.lockout, limit)[2])


def _is_known(ip: str, username: str) -> bool:
    """Whether `username` logged in from `ip` within KNOWN_ADDRESS_DAYS."""
    since = utcnow() - timedelta(days=KNOWN_ADDRESS_DAYS)
    query = db.select(KnownAddress.ip).where(
        KnownAddress.username == username, KnownAddress.ip == ip, KnownAddress.last_login_at > since
    )
    return db.session.scalar(query) is not None


def _count_on_account(ip: str, username: str, policy: LoginPolicy) -> bool:
    """Count an attempt from a new address on the account's own row; whether it was counted.

    Counted before the check, as per (username, IP), and taken back after a success.
    """
    if _is_known(ip, username):
        return False  # the owner's address: its own (username, IP) lock is enough there
    limit = policy.max_failures_per_account
    _raise_if_locked(_count(ANY_IP, username, "failures", policy.lockout, limit)[2])
    return True


def _remember(attempt: LoginAttempt) -> None:
    """After a success: the address is known, and the attempt no failure of the account."""
    if attempt.on_account:
        db.session.execute(
            db.update(LoginThrottle)
            .where(
                LoginThrottle.ip == ANY_IP,
                LoginThrottle.username == attempt.username,
                LoginThrottle.failures > 0,
            )
            .values(failures=LoginThrottle.failures - 1)
        )
    table = KnownAddress.__table__
    now = utcnow()
    db.session.execute(
        upsert(table)
        .values(username=attempt.username, ip=attempt.ip, last_login_at=now)
        .on_conflict_do_update(
            index_elements=[table.c.username, table.c.ip], set_={"last_login_at": now}
        )
    )


def _enter(ip: str, policy: LoginPolicy) -> None:
    """Let a login from `ip` in while its failures and the logins in flight stay in budget."""
    failures, in_flight, locked_until = _count(ip, ANY_USERNAME, "in_flight", policy.lockout)
    _raise_if_locked(locked_until)
    if failures + in_flight > policy.max_failures_per_ip:
        _leave(ip)
        raise TooManyAttempts(BUSY, 1)


def _raise_if_locked(locked_until: datetime | None) -> None:
    now = utcnow()
    if locked_until is not None and locked_until > now:
        raise TooManyAttempts(LOCKED, int((locked_until - now).total_seconds()) + 1)


def start_login(username: str, ip: str | None, policy: LoginPolicy) -> LoginAttempt:
    """Check the locks and count this attempt, before the password is checked.

    Counted first, so a burst of parallel guesses gets no more checks than a sequence: per
    (username, IP) every attempt counts, and per username too from an address it never logged
    in from; per IP the attempt is in flight until finish_login.
    The caller commits, even when this raises.
    """
    ip = ip or UNKNOWN_IP
    username = normalize_username(username)
    _enter(ip, policy)
    if not re.fullmatch(USERNAME_PATTERN, username):  # cannot exist: check, but store nothing
        return LoginAttempt(username, ip, None, DUMMY_HASH)
    try:
        _count_attempt(ip, username, policy)
        on_account = _count_on_account(ip, username, policy)
    except TooManyAttempts:
        _leave(ip)
        raise
    user = find_user(username)
    if user is None or not user.active:
        return LoginAttempt(username, ip, None, DUMMY_HASH, on_account)
    return LoginAttempt(username, ip, user.id, user.password_hash, on_account)


def finish_login(
    attempt: LoginAttempt, matched: bool, new_hash: str | None, policy: LoginPolicy
) -> tuple[str, AuthToken]:
    """Issue a token after a matching password, or count the failure for the IP and raise.

    The user's row is locked and must still hold the hash that was checked: a password
    changed or an account deactivated meanwhile wins. `new_hash` (from verify_password)
    upgrades a hash made with older parameters. The caller commits either way.
    """
    _leave(attempt.ip)
    user = get_for_update(User, attempt.user_id) if attempt.user_id is not None else None
    if not (matched and user and user.active and user.password_hash == attempt.password_hash):
        # Counted after the failure: the IP's next attempt is refused once it has failed
        # max_failures_per_ip times (per user the attempt itself is counted, hence the - 1).
        limit = policy.max_failures_per_ip - 1
        _count(attempt.ip, ANY_USERNAME, "failures", policy.lockout, limit)
        raise AuthenticationFailed(BAD_CREDENTIALS)
    db.session.execute(
        db.delete(LoginThrottle).where(
            LoginThrottle.ip == attempt.ip, LoginThrottle.username == attempt.username
        )
    )
    _remember(attempt)
    if new_hash is not None:
        user.password_hash = new_hash
    return issue_token(user, policy.token_ttl)


def unlock_user(user_id: int) -> User:
    """Lift every failed-login lock of the user's account (each address's and the account's);
    the user's history records when (`logins_unlocked_at`) and by whom."""
    user = get_user(user_id)
    db.session.execute(db.delete(LoginThrottle).where(LoginThrottle.username == user.username))
    user.logins_unlocked_at = utcnow()
    db.session.flush()
    return user


def purge_expired(now: datetime | None = None) -> int:
    """Delete expired or revoked tokens, stale throttle rows and addresses no longer known;
    returns tokens deleted."""
    now = now or utcnow()
    deleted = purge_expired_tokens(now)
    db.session.execute(
        db.delete(LoginThrottle).where(
            LoginThrottle.window_started_at < now - timedelta(days=1),
            or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until < now),
        )
    )
    forgotten = now - timedelta(days=KNOWN_ADDRESS_DAYS)
    db.session.execute(db.delete(KnownAddress).where(KnownAddress.last_login_at < forgotten))
    return deleted
