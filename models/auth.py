"""Login, bearer tokens and the lockout after repeated failed logins."""

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Integer, String, case, or_
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.db import UTCDateTime, db, utcnow
from models.errors import AuthenticationFailed, TooManyAttempts
from models.users import (
    USERNAME_MAX_LENGTH,
    User,
    burn_password_check,
    find_user,
    normalize_username,
)

BAD_CREDENTIALS = "Invalid username or password."


class AuthToken(db.Model):
    """A bearer token; only its SHA-256 is stored, so a database leak leaks no session."""

    __tablename__ = "auth_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")


class LoginThrottle(db.Model):
    """Failed logins per username within a window, and the lock they may have caused."""

    __tablename__ = "login_throttle"

    username: Mapped[str] = mapped_column(String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, ttl: timedelta) -> tuple[str, AuthToken]:
    """A new bearer token for `user`; the plain token is returned once and never stored."""
    plain = secrets.token_urlsafe(32)
    token = AuthToken(token_hash=_digest(plain), user=user, expires_at=utcnow() + ttl)
    db.session.add(token)
    db.session.flush()
    return plain, token


def _count_attempt(username: str, lockout: timedelta) -> tuple[int, datetime | None]:
    """Count one login attempt atomically; returns attempts in the window and any lock.

    One upsert, so parallel attempts can neither lose a count nor collide on the first row.
    A window (and its count) starts over once it is older than the lockout and not locked.
    """
    now = utcnow()
    table = LoginThrottle.__table__
    stale = (table.c.window_started_at < now - lockout) & (
        table.c.locked_until.is_(None) | (table.c.locked_until <= now)
    )
    insert = sqlite_insert if db.engine.dialect.name == "sqlite" else postgresql_insert
    statement = (
        insert(table)
        .values(username=username, failures=1, window_started_at=now, locked_until=None)
        .on_conflict_do_update(
            index_elements=[table.c.username],
            set_={
                "failures": case((stale, 1), else_=table.c.failures + 1),
                "window_started_at": case((stale, now), else_=table.c.window_started_at),
                "locked_until": case((stale, None), else_=table.c.locked_until),
            },
        )
        .returning(table.c.failures, table.c.locked_until)
    )
    attempts, locked_until = db.session.execute(statement).one()  # typed: aware datetimes
    return attempts, locked_until


def _lock(username: str, until: datetime) -> None:
    db.session.execute(
        db.update(LoginThrottle)
        .where(LoginThrottle.username == username)
        .values(locked_until=until)
    )


def login(
    username: str, password: str, ttl: timedelta, max_failures: int, lockout: timedelta
) -> tuple[str, AuthToken]:
    """Check credentials and issue a token; at most `max_failures` tries per lockout window.

    The attempt is counted before the password is checked, so a burst of parallel guesses gets
    no more tries than a sequence. The caller commits even when this raises: the count must stay.
    """
    username = normalize_username(username)
    if len(username) > USERNAME_MAX_LENGTH:  # cannot exist; don't store it either
        burn_password_check(password)
        raise AuthenticationFailed(BAD_CREDENTIALS)
    attempts, locked_until = _count_attempt(username, lockout)
    now = utcnow()
    if locked_until is None and attempts > max_failures:
        locked_until = now + lockout
        _lock(username, locked_until)
    if locked_until is not None and locked_until > now:
        wait = int((locked_until - now).total_seconds()) + 1
        raise TooManyAttempts("Too many failed logins; try again later.", wait)

    user = find_user(username)
    if user is None:
        burn_password_check(password)
    if user is None or not user.check_password(password) or not user.active:
        raise AuthenticationFailed(BAD_CREDENTIALS)
    db.session.execute(db.delete(LoginThrottle).where(LoginThrottle.username == username))
    return issue_token(user, ttl)


def authenticate(plain_token: str) -> AuthToken:
    """The live token for a bearer string: not expired, not revoked, its user active."""
    token = db.session.scalar(
        db.select(AuthToken).where(AuthToken.token_hash == _digest(plain_token))
    )
    if (
        token is None
        or token.revoked_at is not None
        or token.expires_at <= utcnow()
        or not token.user.active
    ):
        raise AuthenticationFailed("Missing, expired or revoked token.")
    return token


def revoke(token: AuthToken) -> None:
    token.revoked_at = utcnow()
    db.session.flush()


def revoke_all(user: User, keep: AuthToken | None = None) -> None:
    """End every session of `user` but `keep` (the caller's own, when it is theirs)."""
    query = db.update(AuthToken).where(AuthToken.user_id == user.id, AuthToken.revoked_at.is_(None))
    if keep is not None:
        query = query.where(AuthToken.id != keep.id)
    db.session.execute(query.values(revoked_at=utcnow()))


def change_password(user: User, password: str, keep: AuthToken | None = None) -> None:
    """Set a new password and end every other session of the user."""
    user.set_password(password)
    revoke_all(user, keep=keep)
    db.session.flush()


def purge_expired(now: datetime | None = None) -> int:
    """Delete expired or revoked tokens and stale throttle rows; returns tokens deleted."""
    now = now or utcnow()
    result = db.session.execute(
        db.delete(AuthToken).where(
            or_(AuthToken.expires_at <= now, AuthToken.revoked_at.is_not(None))
        )
    )
    db.session.execute(
        db.delete(LoginThrottle).where(
            LoginThrottle.window_started_at < now - timedelta(days=1),
            or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until < now),
        )
    )
    return result.rowcount
