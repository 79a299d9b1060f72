"""Staff users, their roles and passwords (argon2id)."""

import os
import re
import threading
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Boolean, CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from models.audit import Actor, Audited
from models.clock import utcnow
from models.db import UTCDateTime, db, flush_or_conflict, get_row, paginate
from models.errors import Conflict, Forbidden, Invalid
from models.staff.tokens import AuthToken, revoke_all

ADMIN, ATTENDANT, FINANCE, TECHNICIAN = "admin", "attendant", "finance", "technician"
ROLES = (ADMIN, ATTENDANT, FINANCE, TECHNICIAN)
MIN_PASSWORD_LENGTH = 10
USERNAME_MAX_LENGTH = 80
# ASCII on purpose: lower() of some letters grows them ("İ" -> "i̇"), and logins are typed.
USERNAME_PATTERN = r"^[a-z0-9._-]{2,80}$"

# argon2id at OWASP's recommended minimum (19 MiB, 2 passes, 1 lane): about 30 ms a hash on
# this project's 2-core machines. Hashes made with other parameters are upgraded at login.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Hashing is CPU- and memory-bound (and releases the GIL): at most one hash per core at a time,
# so a login storm queues here instead of starving every other request of CPU and memory.
_hashing_slots = threading.BoundedSemaphore(os.cpu_count() or 1)
# Verified against when the username is unknown, so a wrong username costs as long as a
# wrong password and timing tells nothing.
DUMMY_HASH = _hasher.hash("not-a-real-password")


class User(Audited, db.Model):
    """A staff member who logs in to the API."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(f"role IN {ROLES!r}", name="role_known"),)
    __audit_redact__ = frozenset({"password_hash"})

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(USERNAME_MAX_LENGTH), unique=True)
    full_name: Mapped[str] = mapped_column(String(150), default="")
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    # When an admin last lifted the user's failed-login locks (models.staff.auth.unlock_user).
    logins_unlocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def audit_field_name(self, key: str) -> str:
        return "password" if key == "password_hash" else key

    def set_password(self, password: str) -> None:
        if len(password) < MIN_PASSWORD_LENGTH:
            raise Invalid.field(
                "password", f"Must be at least {MIN_PASSWORD_LENGTH} characters long."
            )
        self.password_hash = hash_password(password)


def hash_password(password: str) -> str:
    """An argon2id hash of `password` (also for mailboxes: Dovecot reads {ARGON2ID} hashes)."""
    with _hashing_slots:
        return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> tuple[bool, str | None]:
    """Whether `password` matches the hash, and a new hash when its parameters are outdated.

    Touches no database: callers end their transaction first, so no connection is held for
    the tens of milliseconds a hash takes.
    """
    with _hashing_slots:
        try:
            _hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False, None
        if _hasher.check_needs_rehash(password_hash):
            return True, _hasher.hash(password)
    return True, None


def system_actor_for(user_id: int) -> Actor:
    """The actor for work a task does on behalf of the user who asked for it."""
    user = get_user(user_id)
    return Actor(username=user.username, user_id=user.id, by_system=True)


def normalize_username(username: str) -> str:
    return username.strip().lower()


def get_user(user_id: int, for_update: bool = False) -> User:
    """The user with `user_id`; `for_update` locks the row until commit."""
    return get_row(User, user_id, "User", for_update)


def find_user(username: str) -> User | None:
    return db.session.scalar(db.select(User).where(User.username == normalize_username(username)))


def create_user(
    username: str, role: str, password: str, full_name: str = "", active: bool = True
) -> User:
    """Create a staff user; the username must be free."""
    username = normalize_username(username)
    if not re.fullmatch(USERNAME_PATTERN, username):
        raise Invalid.field("username", "2-80 letters, digits, dots, dashes or underscores.")
    if role not in ROLES:
        raise Invalid.field("role", f"Must be one of: {', '.join(ROLES)}.")
    taken = Conflict(f"Username {username!r} is taken.", {"username": ["Already taken."]})
    if find_user(username) is not None:
        raise taken
    user = User(username=username, role=role, full_name=full_name, active=active)
    user.set_password(password)
    db.session.add(user)
    flush_or_conflict("uq_users_username", taken)
    return user


def update_user(
    user_id: int, changes: dict, acting_user: User, acting_token: AuthToken | None = None
) -> User:
    """Change role, name, password or active flag; an admin cannot lock themself out.

    Deactivation ends the user's sessions for good (reactivating does not revive them); a new
    password ends all but `acting_token`, the caller's own.
    """
    # Locked: a login finishing meanwhile sees the new hash or active flag, or its token is
    # in place before revoke_all below runs.
    user = get_user(user_id, for_update=True)
    if user.id == acting_user.id:
        if changes.get("active") is False:
            raise Forbidden("You cannot deactivate your own account.")
        if changes.get("role", ADMIN) != ADMIN:
            raise Forbidden("You cannot demote your own account.")
    if "role" in changes and changes["role"] not in ROLES:
        raise Invalid.field("role", f"Must be one of: {', '.join(ROLES)}.")
    for key in ("full_name", "role", "active"):
        if key in changes:
            setattr(user, key, changes[key])
    if changes.get("active") is False:
        revoke_all(user.id)
    if changes.get("password") is not None:
        user.set_password(changes["password"])
        revoke_all(user.id, keep=acting_token)
    db.session.flush()
    return user


def list_users(page: int, per_page: int) -> tuple[list[User], int]:
    return paginate(db.select(User).order_by(User.username), page, per_page)
