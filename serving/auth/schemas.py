"""Bodies of the login API."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class MeOut(BaseModel):
    name: str
    role: str
    role_name: str
    unit: str | None
    unit_name: str | None


class LoginOut(MeOut):
    token: str
    expires_at: datetime
