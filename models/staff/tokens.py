"""Bearer tokens: issued at login, looked up by their SHA-256, revoked at logout or for good."""

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, or_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.clock import utcnow
from models.db import UTCDateTime, db
from models.errors import AuthenticationFailed

# token_urlsafe(32) makes 43 characters; anything much longer is not one of ours.
MAX_TOKEN_LENGTH = 256


class AuthToken(db.Model):
    """A bearer token; only its SHA-256 is stored, so a database leak leaks no session."""

    __tablename__ = "auth_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped["User"] = relationship(lazy="joined")  # noqa: F821 (models.staff.users)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user, ttl: timedelta) -> tuple[str, AuthToken]:
    """A new bearer token for `user`; the plain token is returned once and never stored."""
    plain = secrets.token_urlsafe(32)
    token = AuthToken(token_hash=_digest(plain), user=user, expires_at=utcnow() + ttl)
    db.session.add(token)
    db.session.flush()
    return plain, token


def authenticate(plain_token: str) -> AuthToken:
    """The live token for a bearer string: not expired, not revoked, its user active."""
    token = None
    if len(plain_token) <= MAX_TOKEN_LENGTH:
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
    """End one session (logout)."""
    token.revoked_at = utcnow()
    db.session.flush()


def revoke_all(user_id: int, keep: AuthToken | None = None) -> None:
    """End every session of the user but `keep` (the caller's own, when it is theirs)."""
    query = db.update(AuthToken).where(AuthToken.user_id == user_id, AuthToken.revoked_at.is_(None))
    if keep is not None:
        query = query.where(AuthToken.id != keep.id)
    db.session.execute(query.values(revoked_at=utcnow()))


def purge_expired_tokens(now: datetime) -> int:
    """Delete expired or revoked tokens; returns how many."""
    result = db.session.execute(
        db.delete(AuthToken).where(
            or_(AuthToken.expires_at <= now, AuthToken.revoked_at.is_not(None))
        )
    )
    return result.rowcount
