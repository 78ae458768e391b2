"""API keys: issued once, stored only as a hash; a principal is looked up by its key's hash."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from serving.auth.models import Principal
from serving.tickets.states import Role


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_principal(session: Session, *, name: str, role: Role, unit: str | None, now: datetime) -> str:
    """Store a principal and return its API key (shown once, never stored)."""
    if (role is Role.UNIT) != (unit is not None):
        raise ValueError("a unit handler needs a unit (e.g. street:HP01), and only a unit handler has one")
    key = f"jsk_{secrets.token_urlsafe(24)}"
    session.add(Principal(name=name, role=role.value, unit=unit, key_hash=key_hash(key), created_at=now))
    session.flush()
    return key


def authenticate(session: Session, *, key: str) -> Principal | None:
    principal = session.scalar(select(Principal).where(Principal.key_hash == key_hash(key)))
    return principal if principal is not None and principal.active else None
