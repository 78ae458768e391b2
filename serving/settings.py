"""Runtime settings, read from the environment once: where data lives and which catalogue is active."""
from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from catalog import DEFAULT_DATA_DIR


@dataclass(frozen=True)
class Settings:
    home: Path            # $JIESU_HOME: databases, models, indexes, imported catalogues
    catalogue_dir: Path   # $JIESU_CATALOG: the active catalogue's data directory
    database_url: str = ""  # $JIESU_DATABASE_URL; default: SQLite under $JIESU_HOME
    suggester: str = "auto"  # $JIESU_SUGGESTER: auto | classifier | keyword | none

    @classmethod
    def from_env(cls) -> "Settings":
        home = Path(os.environ.get("JIESU_HOME") or "var").resolve()
        catalogue = Path(os.environ.get("JIESU_CATALOG") or DEFAULT_DATA_DIR).resolve()
        return cls(home=home, catalogue_dir=catalogue, database_url=os.environ.get("JIESU_DATABASE_URL", ""),
                   suggester=os.environ.get("JIESU_SUGGESTER", "auto"))

    @property
    def database(self) -> str:
        """The database URL: $JIESU_DATABASE_URL, else the embedded SQLite file under $JIESU_HOME."""
        return self.database_url or f"sqlite:///{self.home / 'jiesu.db'}"

    def with_catalogue(self, path: Path | None) -> "Settings":
        return self if path is None else replace(self, catalogue_dir=Path(path).resolve())
