"""Which customer's voice terminal placed a call: matched by SIP user, else by calling number.

Every `voip_terminal` item ever created is loaded once per import (an ISP has thousands, not
millions), deleted ones too: an old call stays the customer's who had the terminal then.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from models.db import db
from models.service.items import VOIP_TERMINAL, Item

# "SIP/maria-0000002a", "PJSIP/maria-00000001", "IAX2/maria-1234": the peer, then the
# channel's own counter. Greedy: a user name may itself hold a dash.
_CHANNEL = re.compile(r"(?:SIP|PJSIP|IAX2)/(.+)-[0-9a-fA-F]+")


@dataclass(frozen=True)
class Terminal:
    item_id: int
    customer_code: int
    number: str
    deleted_at: datetime | None


class TerminalDirectory:
    """The terminals by SIP user and by number, each a list (a number can be given again)."""

    def __init__(self, terminals: list[tuple[Terminal, str | None]], home_area_code: str):
        self.home_area_code = home_area_code
        self.by_user: dict[str, list[Terminal]] = {}
        self.by_number: dict[str, list[Terminal]] = {}
        for terminal, username in terminals:
            self.by_number.setdefault(terminal.number, []).append(terminal)
            if username:
                self.by_user.setdefault(username, []).append(terminal)

    @classmethod
    def load(cls, home_area_code: str) -> "TerminalDirectory":
        query = db.select(
            Item.id, Item.customer_code, Item.number, Item.deleted_at, Item.username
        ).where(Item.kind == VOIP_TERMINAL)
        rows = db.session.execute(query)
        return cls([(Terminal(*row[:4]), row[4]) for row in rows], home_area_code)

    def find(self, channel: str, src: str, started_at: datetime) -> Terminal | None:
        """The terminal that placed a call, or None.

        The SIP user in the channel comes first: the switch authenticated it, while `src` is a
        caller ID the device may set (and on a call coming in, the outside caller's number).
        """
        match = _CHANNEL.fullmatch(channel)
        if match and (found := _at(self.by_user.get(match[1], []), started_at)):
            return found
        for number in self._numbers(src):
            if found := _at(self.by_number.get(number, []), started_at):
                return found
        return None

    def _numbers(self, src: str) -> list[str]:
        """How `src` may name a stored number (area code and number, 10-11 digits)."""
        digits = re.sub(r"\D", "", src)
        if len(digits) in (12, 13) and digits.startswith("55"):  # +55 (E.164)
            digits = digits[2:]
        elif len(digits) in (11, 12) and digits.startswith("0"):  # 0 + area code
            digits = digits[1:]
        elif len(digits) in (8, 9):  # without area code: the switch's own
            digits = self.home_area_code + digits
        return [digits] if digits else []


def _at(candidates: list[Terminal], started_at: datetime) -> Terminal | None:
    """The terminal that was not yet deleted when the call started; the earliest deleted wins
    (a number given again: the call belongs to whoever had it then)."""
    alive = [t for t in candidates if t.deleted_at is None or t.deleted_at > started_at]
    if not alive:
        return None
    return min(alive, key=lambda t: (t.deleted_at is None, t.deleted_at or started_at))
