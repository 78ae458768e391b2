"""The case index as a running service sees it: loaded once, reloaded when `jiesu index update` rewrites it."""
from __future__ import annotations

import logging
from pathlib import Path

from model.retrieval.cases import MANIFEST, CaseIndex, CaseIndexError

log = logging.getLogger("jiesu.retrieval")


class LiveIndex:
    """Calling it returns the latest saved index for this encoder, or None while there is none that fits."""

    def __init__(self, directory: Path, encoder: str):
        self.directory, self.encoder = Path(directory), encoder
        self._index: CaseIndex | None = None
        self._stamp: float | None = None

    def __call__(self) -> CaseIndex | None:
        try:
            stamp = (self.directory / MANIFEST).stat().st_mtime
        except FileNotFoundError:
            self._index, self._stamp = None, None
            return None
        if stamp != self._stamp:
            self._stamp = stamp
            try:
                self._index = CaseIndex.load(self.directory, encoder=self.encoder)
            except (CaseIndexError, FileNotFoundError) as exc:
                log.warning("case index unusable, serving without similar cases: %s", exc)
                self._index = None
        return self._index
