"""Who watches which signal: $JIESU_WATCHERS lists accounts per flag (and 立即办), e.g.

    JIESU_WATCHERS="立即办=supervisor;涉诉涉访=zfw,supervisor;群体性=zfw,supervisor;人身安全=supervisor"

Flagged tickets are announced to them through the outbox (`ticket.flagged`, `ticket.urgent`)."""
from __future__ import annotations

import os

from model.signals.rules import FLAGS, URGENT_NOW

ENV = "JIESU_WATCHERS"
KEYS = (URGENT_NOW, *FLAGS)


def parse_watchers(value: str) -> dict[str, tuple[str, ...]]:
    """'flag=a,b;flag=c' → {flag: (a, b)}; ValueError naming a flag that does not exist or an empty list."""
    found: dict[str, tuple[str, ...]] = {}
    for part in filter(None, (p.strip() for p in value.replace("；", ";").split(";"))):
        key, sep, accounts = part.partition("=")
        names = tuple(dict.fromkeys(a.strip() for a in accounts.replace("，", ",").split(",") if a.strip()))
        if not sep or key.strip() not in KEYS or not names:
            raise ValueError(f"{ENV}: {part!r} must be <flag>=<account>[,<account>…] with a flag from "
                             f"{', '.join(KEYS)}")
        found[key.strip()] = names
    return found


def watchers_from_env() -> dict[str, tuple[str, ...]]:
    return parse_watchers(os.environ.get(ENV, ""))
