"""Login, bearer tokens and the lockout after repeated failed logins."""

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Integer, String, or_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.db import UTCDateTime, db, utcnow
from models.errors import AuthenticationFailed, TooManyAttempts
from models.users import User, burn_password_check, find_user, normalize_username

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


def _register_failure(username: str, max_failures: int, lockout: timedelta) -> None:
    now = utcnow()
    throttle = db.session.get(LoginThrottle, username, with_for_update=True)
    if throttle is None:
        throttle = LoginThrottle(username=username, failures=0, window_started_at=now)
        db.session.add(throttle)
    elif throttle.window_started_at < now - lockout:
        throttle.failures, throttle.window_started_at, throttle.locked_until = 0, now, None
    throttle.failures += 1
    if throttle.failures >= max_failures:
        throttle.locked_until = now + lockout


def login(
    username: str, password: str, ttl: timedelta, max_failures: int, lockout: timedelta
) -> tuple[str, AuthToken]:
    """Check credentials and issue a token; refuses while the username is locked out.

    Failures are flushed (the caller commits them even though it answers with an error).
    """
    username = normalize_username(username)
    throttle = db.session.get(LoginThrottle, username)
    now = utcnow()
    if throttle and throttle.locked_until and throttle.locked_until > now:
        wait = int((throttle.locked_until - now).total_seconds()) + 1
        raise TooManyAttempts("Too many failed logins; try again later.", wait)

    user = find_user(username)
    if user is None:
        burn_password_check(password)
    if user is None or not user.check_password(password) or not user.active:
        _register_failure(username, max_failures, lockout)
        db.session.flush()
        raise AuthenticationFailed(BAD_CREDENTIALS)

    if throttle is not None:
        db.session.delete(throttle)
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
