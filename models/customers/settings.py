"""The customer record's settings (built by web/config.py, read via models/settings)."""

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class CustomerSettings:
    """A new customer's options, where uploaded documents live, the keys that encrypt cards."""

    documents_dir: Path
    default_options: tuple[str, ...] = ()  # option flags switched on for a new customer
    # Fernet keys, newest first (rotation: prepend a new one); a secret, never logged.
    card_keys: tuple[str, ...] = field(default=(), repr=False)
