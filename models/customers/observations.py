"""Observations on a customer, some of mandatory reading [5.5], and who has read them.

An observation is never deleted: what was said stays. Editing its text raises `text_version`;
a read (`ObservationRead`) counts only for the version it was made on, so an edited mandatory
observation must be read again. Versions, not timestamps: app servers' clocks may disagree.
"""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, and_, exists
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.audit import Audited, current_actor
from models.clock import utcnow
from models.customers.customers import get_customer
from models.db import UTCDateTime, db, get_row, paginate, upsert
from models.errors import Conflict, Invalid, NotFound
from models.staff.users import User

# Shown as the author when no staff user wrote it (an import, a system task).
SYSTEM_AUTHOR = "system"


class Observation(Audited, db.Model):
    """A note on a customer's record; `mandatory_reading` ones are shown until each user reads."""

    __tablename__ = "observations"
    __table_args__ = (
        Index("ix_observations_customer_code_created_at", "customer_code", "created_at"),
    )
    __audit_ignore__ = frozenset({"created_at", "updated_at", "text_version"})

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_code: Mapped[int] = mapped_column(ForeignKey("customers.code"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    type: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    mandatory_reading: Mapped[bool] = mapped_column(Boolean, default=False)
    # Raised on every change of `text`: reads of an earlier version no longer count.
    text_version: Mapped[int] = mapped_column(Integer, default=1)

    # Loaded in the same query as the observations (a list never loads authors row by row).
    author: Mapped[User | None] = relationship(lazy="joined")

    def audit_customer_code(self) -> int:
        return self.customer_code

    @property
    def user(self) -> str:
        """The author's username."""
        return self.author.username if self.author is not None else SYSTEM_AUTHOR


class ObservationRead(db.Model):
    """A user has read an observation (at `text_version`); one row per observation and user."""

    __tablename__ = "observation_reads"

    observation_id: Mapped[int] = mapped_column(
        ForeignKey("observations.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    read_at: Mapped[datetime] = mapped_column(UTCDateTime)
    text_version: Mapped[int] = mapped_column(Integer)


def _check_type(value: str, types: tuple[str, ...]) -> None:
    if value not in types:
        raise Invalid.field("type", f"Not one of the observation types: {', '.join(types)}.")


def get_observation(code: int, observation_id: int, for_update: bool = False) -> Observation:
    """The customer's observation, or NotFound (also when it belongs to another customer)."""
    get_customer(code)
    observation = get_row(Observation, observation_id, "Observation", for_update)
    if observation.customer_code != code:
        raise NotFound(f"Observation {observation_id} not found.")
    return observation


def list_observations(
    code: int, mandatory_reading: bool | None, page: int, per_page: int
) -> tuple[list[Observation], int]:
    """A customer's observations, newest first, one page and the total."""
    get_customer(code)
    query = db.select(Observation).where(Observation.customer_code == code)
    if mandatory_reading is not None:
        query = query.where(Observation.mandatory_reading.is_(mandatory_reading))
    query = query.order_by(Observation.created_at.desc(), Observation.id.desc())
    return paginate(query, page, per_page)


def create_observation(code: int, data: dict, types: tuple[str, ...]) -> Observation:
    """Write an observation on the customer's record as the session's actor."""
    get_customer(code)
    _check_type(data["type"], types)
    observation = Observation(
        customer_code=code,
        user_id=current_actor(db.session).user_id,
        text_version=1,
        **{"mandatory_reading": False, **data},
    )
    db.session.add(observation)
    db.session.flush()
    return observation


def update_observation(
    code: int, observation_id: int, changes: dict, types: tuple[str, ...]
) -> Observation:
    """Change type, text or the mandatory flag; a new text must be read again."""
    observation = get_observation(code, observation_id, for_update=True)
    if "type" in changes and changes["type"] != observation.type:
        _check_type(changes["type"], types)
    if "text" in changes and changes["text"] != observation.text:
        observation.text_version += 1
    for key, value in changes.items():
        setattr(observation, key, value)
    db.session.flush()
    return observation


def acknowledge(
    code: int, observation_id: int, user_id: int, seen_version: int | None = None
) -> None:
    """Record that `user_id` has read the observation as it reads now (idempotent).

    `seen_version`, when given, is the text the user was shown: if it has been edited since,
    nothing is recorded (Conflict). A second acknowledgement of the same text keeps the first
    read's time; one after an edit moves the read to the new text. Reading is not a change to
    the record: no history.
    """
    observation = get_observation(code, observation_id)
    if seen_version is not None and seen_version != observation.text_version:
        raise Conflict(
            "The text was changed after you read it: read it again.",
            {"text_version": [f"The text now reads as version {observation.text_version}."]},
        )
    table = ObservationRead.__table__
    row = {
        "observation_id": observation.id,
        "user_id": user_id,
        "read_at": utcnow(),
        "text_version": observation.text_version,
    }
    statement = upsert(table).values(row)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.observation_id, table.c.user_id],
        set_={
            "read_at": statement.excluded.read_at,
            "text_version": statement.excluded.text_version,
        },
        where=table.c.text_version < statement.excluded.text_version,
    )
    db.session.execute(statement)


def unread_mandatory(code: int, user_id: int | None) -> list[Observation]:
    """The customer's mandatory observations `user_id` has not read as they read now, oldest
    first: one query, authors joined, reads anti-joined, however many there are."""
    read = exists().where(
        and_(
            ObservationRead.observation_id == Observation.id,
            ObservationRead.user_id == user_id,
            ObservationRead.text_version == Observation.text_version,
        )
    )
    query = (
        db.select(Observation)
        .where(
            Observation.customer_code == code,
            Observation.mandatory_reading.is_(True),
            ~read,
        )
        .order_by(Observation.created_at, Observation.id)
    )
    return list(db.session.scalars(query))


def readers(observation_ids: list[int]) -> dict[int, list[tuple[str, datetime]]]:
    """Who has read each observation as its text reads now, and when, first reader first: one
    query however many observations (a read of an earlier text does not count)."""
    if not observation_ids:
        return {}
    query = (
        db.select(ObservationRead.observation_id, User.username, ObservationRead.read_at)
        .join(User, User.id == ObservationRead.user_id)
        .join(
            Observation,
            and_(
                Observation.id == ObservationRead.observation_id,
                Observation.text_version == ObservationRead.text_version,
            ),
        )
        .where(ObservationRead.observation_id.in_(observation_ids))
        .order_by(ObservationRead.read_at, User.username)
    )
    found: dict[int, list[tuple[str, datetime]]] = {}
    for observation_id, username, read_at in db.session.execute(query):
        found.setdefault(observation_id, []).append((username, read_at))
    return found
