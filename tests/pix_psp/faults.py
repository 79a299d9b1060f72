"""Failures of the PSP on demand: what a real one does on a bad day.

`fail_next("PUT /cobv", "503", times=2)` makes the next two matching calls fail. An operation is the
method and the first segment of the path under the API base ("PUT /cobv", "GET /pix", "PUT /pix" for
a devolução, "POST /rec"), or "token" for the OAuth2 endpoint. Kinds:

- "timeout": the answer comes `slow_seconds` late (past the client's timeout), then is given as
  usual (so the operation may have happened although the client gave up: what idempotency is for);
- "503": the API's ServicoIndisponivel problem (declared by the document, so validated);
- "500" and "429": a problem body the document does not declare for the operation (not validated).
"""

import threading
from collections import defaultdict

KINDS = ("timeout", "503", "500", "429")


class Faults:
    def __init__(self, slow_seconds: float = 1.5):
        self.slow_seconds = slow_seconds
        self._pending: dict[str, list[str]] = defaultdict(list)
        self._lock = threading.Lock()
        self.injected: list[tuple[str, str]] = []  # (operation, kind), for assertions

    def fail_next(self, operation: str, kind: str, times: int = 1) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown fault {kind!r}: one of {KINDS}")
        with self._lock:
            self._pending[operation].extend([kind] * times)

    def take(self, operation: str) -> str | None:
        """The fault the next `operation` suffers, if one is pending (consumed)."""
        with self._lock:
            pending = self._pending.get(operation)
            if not pending:
                return None
            kind = pending.pop(0)
            self.injected.append((operation, kind))
            return kind

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()
