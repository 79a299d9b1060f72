"""Extracts' and exports' settings (built by web/config.py, read via models/settings)."""

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ExtractSettings:
    """How far an extract reaches, the switch's own DDD, and where exports are written."""

    exports_dir: Path
    max_days: int = 366
    voip_home_area_code: str = "11"  # numbers dialled without a DDD are in this one
    exports_ttl_hours: int = 168
    exports_max_running: int = 2
