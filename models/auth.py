"""Login, and the lockouts after repeated failed logins.

Failures are counted per (username, client IP) and per client IP, never per username alone:
an attacker elsewhere cannot lock a user out, and one address cannot spray many usernames.

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

from models.db import UTCDateTime, db, dialect_insert, get_for_update, utcnow
from models.errors import AuthenticationFailed, TooManyAttempts
from models.tokens import AuthToken, issue_token, purge_expired_tokens
from models.users import DUMMY_HASH, USERNAME_PATTERN, User, find_user, normalize_username

BAD_CREDENTIALS = "Invalid username or password."
LOCKED = "Too many failed logins; try again later."
BUSY = "Too many logins from your address at once; try again in a moment."
ANY_USERNAME = ""  # the username of an IP's own row: no real username is empty
UNKNOWN_IP = "unknown"


@dataclass(frozen=True)
class LoginPolicy:
    """How many failures lock, and for how long (from the settings)."""

    max_failures: int  # per (username, IP)
    max_failures_per_ip: int  # per IP, across usernames
    lockout: timedelta
    token_ttl: timedelta


@dataclass(frozen=True)
class LoginAttempt:
    """What `start_login` learned: whom to check, against which hash."""

    username: str
    ip: str
    user_id: int | None
    password_hash: str  # the user's, or a dummy one, so an unknown user costs the same


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
        dialect_insert(table)
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
    (username, IP) every attempt counts; per IP the attempt is in flight until finish_login.
    The caller commits, even when this raises.
    """
    ip = ip or UNKNOWN_IP
    username = normalize_username(username)
    _enter(ip, policy)
    if not re.fullmatch(USERNAME_PATTERN, username):  # cannot exist: check, but store nothing
        return LoginAttempt(username, ip, None, DUMMY_HASH)
    try:
        _count_attempt(ip, username, policy)
    except TooManyAttempts:
        _leave(ip)
        raise
    user = find_user(username)
    if user is None or not user.active:
        return LoginAttempt(username, ip, None, DUMMY_HASH)
    return LoginAttempt(username, ip, user.id, user.password_hash)


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
    if new_hash is not None:
        user.password_hash = new_hash
    return issue_token(user, policy.token_ttl)


def purge_expired(now: datetime | None = None) -> int:
    """Delete expired or revoked tokens and stale throttle rows; returns tokens deleted."""
    now = now or utcnow()
    deleted = purge_expired_tokens(now)
    db.session.execute(
        db.delete(LoginThrottle).where(
            LoginThrottle.window_started_at < now - timedelta(days=1),
            or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until < now),
        )
    )
    return deleted
