"""The stand-in's database: authorized NFCom by key and by number, registered events, its clock.

Protocol numbers follow MOC Visão Geral 7.4: 16 digits, the authorizer type (3 = SEFAZ Virtual
RS), the UF's IBGE code, the year's two digits, the site (0) and a 10-digit sequence in the year.
"""

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

BRASILIA = timezone(timedelta(hours=-3))  # SVRS writes its instants at -03:00


def xml_instant(instant: datetime) -> str:
    """TDateTimeUTC: AAAA-MM-DDThh:mm:ss-03:00, no fraction."""
    return instant.astimezone(BRASILIA).strftime("%Y-%m-%dT%H:%M:%S-03:00")


@dataclass
class Authorization:
    key: str
    protocol: str
    received_at: datetime
    protocol_xml: bytes  # the protNFCom as answered, kept for consultations
    cancel_protocol: str | None = None
    cancelled_at: datetime | None = None
    events: list = field(default_factory=list)  # (eventoNFCom, retEventoNFCom) registered


@dataclass
class Registry:
    by_key: dict[str, Authorization] = field(default_factory=dict)
    by_number: dict[tuple[str, str, str, str], str] = field(default_factory=dict)  # -> key
    events: dict[tuple[str, str, str], tuple[str, datetime]] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    _now: datetime | None = None
    _sequence: int = 0

    def now(self) -> datetime:
        """The stand-in's instant: set by tests (set_now/advance), else the real one."""
        with self.lock:
            chosen = self._now
        return (chosen or datetime.now(BRASILIA)).astimezone(BRASILIA).replace(microsecond=0)

    def set_now(self, instant: datetime | None) -> None:
        if instant is not None and instant.tzinfo is None:
            raise ValueError("the stand-in's clock takes aware datetimes")
        with self.lock:
            self._now = instant

    def advance(self, delta: timedelta) -> None:
        with self.lock:
            self._now = self.now() + delta

    def next_protocol(self, uf: str) -> str:
        with self.lock:
            self._sequence += 1
            return f"3{uf}{self.now():%y}0{self._sequence:010d}"
