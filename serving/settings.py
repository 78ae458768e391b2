"""Runtime settings, read from the environment once: where data lives and which catalogue is active."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from catalog import DEFAULT_DATA_DIR


@dataclass(frozen=True)
class Settings:
    home: Path            # $JIESU_HOME: databases, models, indexes, imported catalogues
    catalogue_dir: Path   # $JIESU_CATALOG: the active catalogue's data directory

    @classmethod
    def from_env(cls) -> "Settings":
        home = Path(os.environ.get("JIESU_HOME") or "var").resolve()
        catalogue = Path(os.environ.get("JIESU_CATALOG") or DEFAULT_DATA_DIR).resolve()
        return cls(home=home, catalogue_dir=catalogue)

    def with_catalogue(self, path: Path | None) -> "Settings":
        return self if path is None else Settings(home=self.home, catalogue_dir=Path(path).resolve())
