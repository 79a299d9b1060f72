"""Failures of SVRS on demand: what it does on a bad day.

`fail_next("NFComRecepcao", "timeout", times=2)` makes the next two calls of that service fail. The
services are "NFComRecepcao", "NFComConsulta", "NFComStatusServico", "NFComRecepcaoEvento". Kinds:

- "timeout": the request is processed, and its answer comes `slow_seconds` late (past the
  client's timeout): an NFCom may be authorized although the client gave up;
- "drop": the request is processed, then the connection is closed without an answer (a worker
  that never hears of its authorization: it must consult before sending again);
- "500": HTTP 500 with a SOAP Receiver fault, nothing processed;
- "108" / "109": the service answers "Serviço Paralisado Momentaneamente / sem Previsão"
  (MOC Visão Geral 4.1.3 B03/B04), nothing processed. `SvrsStandIn.paralyse()` does it for
  every call until `resume()`.
"""

import threading
from collections import defaultdict

KINDS = ("timeout", "drop", "500", "108", "109")


class Faults:
    def __init__(self, slow_seconds: float = 1.5):
        self.slow_seconds = slow_seconds
        self._pending: dict[str, list[str]] = defaultdict(list)
        self._lock = threading.Lock()
        self.injected: list[tuple[str, str]] = []  # (service, kind), for assertions

    def fail_next(self, service: str, kind: str, times: int = 1) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown fault {kind!r}: one of {KINDS}")
        with self._lock:
            self._pending[service].extend([kind] * times)

    def take(self, service: str) -> str | None:
        """The fault the next call of `service` suffers, if one is pending (consumed)."""
        with self._lock:
            pending = self._pending.get(service)
            if not pending:
                return None
            kind = pending.pop(0)
            self.injected.append((service, kind))
            return kind

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()
