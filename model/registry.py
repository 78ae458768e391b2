"""The model registry under $JIESU_HOME/models: every trained version kept, one marked current, at most one
predicting in the shadow of it, and every promotion, rollback and shadow change recorded (who, when, why)."""
from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

from model.classifier import META_FILE, ModelError, read_meta

REGISTRY_FILE = "registry.json"


class Registry:
    def __init__(self, root: Path):
        self.root = Path(root)

    @classmethod
    def under(cls, home: Path) -> "Registry":
        return cls(Path(home) / "models")

    def _read(self) -> dict:
        path = self.root / REGISTRY_FILE
        if not path.exists():
            return {"current": None, "shadow": None, "history": []}
        return {"shadow": None} | json.loads(path.read_text(encoding="utf-8"))

    def _write(self, state: dict) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        staging = self.root / (REGISTRY_FILE + ".tmp")
        staging.write_text(json.dumps(state, ensure_ascii=False, indent=2), encoding="utf-8")
        os.replace(staging, self.root / REGISTRY_FILE)

    def versions(self) -> list[dict]:
        """Every complete model directory, oldest first, with its headline metrics."""
        if not self.root.exists():
            return []
        out = []
        for directory in sorted(p for p in self.root.iterdir() if (p / META_FILE).exists()):
            meta = read_meta(directory)
            out.append({"version": meta["version"], "created_at": meta["created_at"],
                        "catalogue_version": meta["catalogue_version"], "path": str(directory),
                        "dev_leaf_acc": meta["calibration"].get("dev_leaf_acc"),
                        "current": directory.name == self.current_version(),
                        "shadow": directory.name == self.shadow_version()})
        return sorted(out, key=lambda v: v["created_at"])

    def current_version(self) -> str | None:
        return self._read()["current"]

    def current(self) -> Path | None:
        version = self.current_version()
        return None if version is None else self.root / version

    def shadow_version(self) -> str | None:
        return self._read()["shadow"]

    def shadow(self) -> Path | None:
        version = self.shadow_version()
        return None if version is None else self.root / version

    def path(self, version: str) -> Path:
        directory = self.root / version
        if not (directory / META_FILE).exists():
            known = ", ".join(v["version"] for v in self.versions()) or "none"
            raise ModelError(f"no model {version!r} under {self.root}; known versions: {known}")
        return directory

    def promote(self, version: str, *, by: str, reason: str, at: datetime) -> dict:
        self.path(version)
        return self._switch(self._read(), "promote", version, by=by, reason=reason, at=at)

    def rollback(self, *, by: str, reason: str, at: datetime) -> dict:
        """Back to the model that was current before the latest promotion."""
        state = self._read()
        previous = next((h["previous"] for h in reversed(state["history"])
                         if h["action"] == "promote" and h["version"] == state["current"] and h["previous"]), None)
        if previous is None:
            raise ModelError("nothing to roll back to: the current model was the first one promoted")
        self.path(previous)
        return self._switch(state, "rollback", previous, by=by, reason=reason, at=at)

    def set_shadow(self, version: str | None, *, by: str, reason: str, at: datetime) -> dict:
        """Let `version` predict beside the current model on live intake (None: stop shadowing)."""
        state = self._read()
        if version is not None:
            self.path(version)
            if version == state["current"]:
                raise ModelError(f"{version} is the current model; a shadow must be another version")
        entry = {"action": "shadow" if version else "unshadow", "version": version or state["shadow"],
                 "previous": state["shadow"], "by": by, "reason": reason, "at": at.isoformat()}
        state["shadow"] = version
        return self._append(state, entry)

    def _switch(self, state: dict, action: str, version: str, *, by: str, reason: str, at: datetime) -> dict:
        """Make `version` current and record who did it, when and why (a promoted shadow stops shadowing)."""
        entry = {"action": action, "version": version, "previous": state["current"], "by": by,
                 "reason": reason, "at": at.isoformat()}
        state["current"] = version
        if state["shadow"] == version:
            state["shadow"] = None
        return self._append(state, entry)

    def _append(self, state: dict, entry: dict) -> dict:
        state["history"].append(entry)
        self._write(state)
        return entry

    def history(self) -> list[dict]:
        return self._read()["history"]
