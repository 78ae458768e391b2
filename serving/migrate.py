"""Database migrations through Alembic, configured in code (no alembic.ini to keep in sync)."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head", *, rebuild_facts: bool = False) -> int | None:
    """Apply the migrations up to `revision`; at the head, also rebuild the derived indicator facts when the code
    derives them differently from how they were built (or when asked): the facts written, None if not rebuilt."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), revision)
    if revision != "head":
        return None
    from serving.analytics.facts import ensure_current
    from serving.db import make_engine

    engine = make_engine(url)
    try:
        return ensure_current(engine, force=rebuild_facts)
    finally:
        engine.dispose()


def is_current(url: str) -> bool:
    """Whether the database is at the latest migration, with its derived indicator facts built by this code."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from serving.analytics.facts import FACTS_VERSION, built_version
    from serving.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
            head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
            return current == head and built_version(connection) == FACTS_VERSION   # the table exists at the head
    finally:
        engine.dispose()


def autogenerate(url: str, message: str, rev_id: str) -> None:
    """Write a new migration from the difference between the models and the database (maintainers only)."""
    command.revision(alembic_config(url), message=message, autogenerate=True, rev_id=rev_id)
