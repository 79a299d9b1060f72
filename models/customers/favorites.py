"""Each staff user's shortcuts [5.9]: a label and a relative API path, seen by their owner only."""

import re
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.clock import utcnow
from models.db import UTCDateTime, db, flush_or_conflict, get_for_update, get_or_none
from models.errors import Conflict, Invalid, NotFound
from models.staff.users import User

MAX_PER_USER = 100
MAX_TARGET = 200
# Path segments of letters, digits, _ ~ - and single inner dots (so never "." or ".."),
# an optional query: no scheme, no host, no leading slash, no way up.
_SEGMENT = r"[A-Za-z0-9_~-]+(?:\.[A-Za-z0-9_~-]+)*"
TARGET_PATTERN = rf"{_SEGMENT}(?:/{_SEGMENT})*/?(?:\?[A-Za-z0-9._~=&%+,-]*)?"


class Favorite(db.Model):
    """One shortcut of one user (not customer data: kept out of the change history)."""

    __tablename__ = "favorites"
    __table_args__ = (UniqueConstraint("user_id", "target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(80))
    target: Mapped[str] = mapped_column(String(MAX_TARGET))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def list_favorites(user_id: int) -> list[Favorite]:
    """The user's own favorites, oldest first (at most MAX_PER_USER)."""
    query = db.select(Favorite).where(Favorite.user_id == user_id).order_by(Favorite.id)
    return list(db.session.scalars(query))


def add_favorite(user_id: int, data: dict) -> Favorite:
    """Add a shortcut; a target already saved, or one past the cap, is a conflict."""
    target = data["target"]
    if len(target) > MAX_TARGET or not re.fullmatch(TARGET_PATTERN, target):
        raise Invalid.field("target", "A relative API path such as customers/1234/contacts.")
    get_for_update(User, user_id)  # one adder at a time per user: the cap holds
    count = db.session.scalar(
        db.select(db.func.count(Favorite.id)).where(Favorite.user_id == user_id)
    )
    if count >= MAX_PER_USER:
        raise Conflict(f"At most {MAX_PER_USER} favorites; remove one first.")
    favorite = Favorite(user_id=user_id, label=data["label"], target=target)
    db.session.add(favorite)
    taken = Conflict(f"{target} is already a favorite.", {"target": ["Already a favorite."]})
    flush_or_conflict("uq_favorites_user_id", taken)
    return favorite


def remove_favorite(user_id: int, favorite_id: int) -> None:
    """Remove one of the user's favorites; someone else's is not found, as a missing one."""
    favorite = get_or_none(Favorite, favorite_id)
    if favorite is None or favorite.user_id != user_id:
        raise NotFound(f"Favorite {favorite_id} not found.")
    db.session.delete(favorite)
    db.session.flush()
