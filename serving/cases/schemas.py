"""What a caller sends to ask for dispatch advice."""
from __future__ import annotations

from pydantic import Field

from serving.tickets.schemas import MAX_TEXT, Strict


class AdviceIn(Strict):
    text: str = Field(min_length=2, max_length=MAX_TEXT)
    title: str = Field(default="", max_length=200)
    address: str = Field(default="", max_length=300)
    district: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    street: str | None = Field(default=None, pattern=r"^[A-Z]{2}\d{2}$")
    similar: int = Field(default=5, ge=0, le=50)
