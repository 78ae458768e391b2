"""Reload the served suggester when the registry changes (a promotion, rollback or shadow change made by the
API, the CLI or another process): one stat of the registry file per request."""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger("jiesu.models")


class ModelWatch:
    def __init__(self, registry_file: Path, build: Callable[[], object]):
        self.registry_file = registry_file
        self.build = build
        self.seen = self.stamp()
        self._lock = threading.Lock()

    def stamp(self) -> tuple[int, int] | None:
        try:
            stat = self.registry_file.stat()
        except FileNotFoundError:
            return None
        return stat.st_mtime_ns, stat.st_size

    def refresh(self, state) -> None:
        """Rebuild state.suggester when the registry file changed; a model that fails to load keeps the old one
        serving (and the failure is logged)."""
        stamp = self.stamp()
        if stamp == self.seen:
            return
        with self._lock:
            if stamp == self.seen:
                return
            self.seen = stamp
            try:
                state.suggester = self.build()
            except Exception:  # noqa: BLE001 — logged; the previous model keeps serving
                log.exception("the registry changed but the new model cannot be loaded; the previous one serves")
                return
            log.info("registry changed: now serving %s", getattr(state.suggester, "version", None))


def current_suggester(app) -> object | None:
    """The app's suggester, reloaded first if the registry changed."""
    watch = getattr(app.state, "model_watch", None)
    if watch is not None:
        watch.refresh(app.state)
    return app.state.suggester
