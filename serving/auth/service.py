"""API keys and logins: keys and session tokens are stored only as hashes, passwords only as scrypt hashes."""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from serving.auth.models import LoginSession, Principal
from serving.tickets.states import Role

KEY_PREFIX, SESSION_PREFIX = "jsk_", "jss_"
SESSION_TTL = timedelta(hours=12)       # one working shift
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD = 8
_SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1}


class LoginError(Exception):
    """A refused login (401); `locked` when too many failures lock the account for a while (429)."""

    def __init__(self, message: str, locked: bool = False):
        super().__init__(message)
        self.locked = locked


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, **_SCRYPT)
    return "scrypt$" + "$".join(base64.b64encode(part).decode() for part in (salt, digest))


def password_matches(password: str, stored: str) -> bool:
    _, salt, digest = stored.split("$")
    candidate = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), **_SCRYPT)
    return hmac.compare_digest(candidate, base64.b64decode(digest))


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"a password needs at least {MIN_PASSWORD} characters")
    if password.isdigit() or password.isalpha():
        raise ValueError("a password needs both letters and digits (or other characters)")


def create_principal(session: Session, *, name: str, role: Role, unit: str | None, now: datetime,
                     password: str | None = None) -> str:
    """Store a principal (with a login password when given) and return its API key (shown once, never stored)."""
    if (role is Role.UNIT) != (unit is not None):
        raise ValueError("a unit handler needs a unit (e.g. street:HP01), and only a unit handler has one")
    if password is not None:
        check_password_rules(password)
    key = f"{KEY_PREFIX}{secrets.token_urlsafe(24)}"
    session.add(Principal(name=name, role=role.value, unit=unit, key_hash=key_hash(key), created_at=now,
                          password_hash=hash_password(password) if password is not None else None))
    session.flush()
    return key


def set_password(session: Session, *, name: str, password: str) -> None:
    """Give a principal a (new) login password; its open sessions end and any lockout is lifted."""
    principal = session.scalar(select(Principal).where(Principal.name == name))
    if principal is None:
        raise ValueError(f"no principal named {name!r}; see `jiesu users list`")
    check_password_rules(password)
    principal.password_hash = hash_password(password)
    principal.failed_logins, principal.locked_until = 0, None
    _revoke_all(session, principal)


def _revoke_all(session: Session, principal: Principal) -> None:
    for row in session.scalars(select(LoginSession).where(LoginSession.principal_id == principal.id)):
        row.revoked = True


def login(session: Session, *, name: str, password: str, now: datetime,
          ttl: timedelta = SESSION_TTL) -> tuple[str, Principal, datetime]:
    """Check the password and open a session: (token shown once, principal, expiry). Five failures lock the
    account for 15 minutes; the message never says whether the name exists."""
    principal = session.scalar(select(Principal).where(Principal.name == name))
    if principal is not None and principal.locked_until is not None and principal.locked_until > now:
        raise LoginError(f"too many failed logins: try again after {principal.locked_until:%H:%M}", locked=True)
    if principal is None or not principal.active or principal.password_hash is None \
            or not password_matches(password, principal.password_hash):
        if principal is not None:
            _count_failure(principal, now)
        raise LoginError("unknown name or wrong password")
    principal.failed_logins, principal.locked_until = 0, None
    token = f"{SESSION_PREFIX}{secrets.token_urlsafe(32)}"
    expires = now + ttl
    session.add(LoginSession(principal_id=principal.id, token_hash=key_hash(token), created_at=now, expires_at=expires))
    return token, principal, expires


def _count_failure(principal: Principal, now: datetime) -> None:
    principal.failed_logins += 1
    if principal.failed_logins >= MAX_FAILED_LOGINS:
        principal.failed_logins, principal.locked_until = 0, now + LOCKOUT


def logout(session: Session, *, token: str) -> bool:
    row = session.scalar(select(LoginSession).where(LoginSession.token_hash == key_hash(token)))
    if row is None or row.revoked:
        return False
    row.revoked = True
    return True


def authenticate(session: Session, *, key: str, now: datetime) -> Principal | None:
    """The active principal holding this API key or this unexpired, unrevoked session token."""
    if key.startswith(SESSION_PREFIX):
        row = session.scalar(select(LoginSession).where(LoginSession.token_hash == key_hash(key)))
        if row is None or row.revoked or row.expires_at <= now:
            return None
        principal = session.get(Principal, row.principal_id)
    else:
        principal = session.scalar(select(Principal).where(Principal.key_hash == key_hash(key)))
    return principal if principal is not None and principal.active else None
