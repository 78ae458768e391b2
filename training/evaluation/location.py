"""How well the location resolver finds where generated tickets happened: district and street accuracy of its best
candidate, overall, for tickets with an address field, and per address format. No timing here."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from model.location import Resolution


@dataclass
class _Tally:
    tickets: int = 0
    resolved: int = 0
    district: int = 0
    street: int = 0
    ambiguous: int = 0

    def add(self, row: dict, resolution: Resolution) -> None:
        best = resolution.best
        self.tickets += 1
        self.resolved += best is not None
        self.district += best is not None and best.district == row["district"]
        self.street += best is not None and best.district == row["district"] and best.street == row["street"]
        self.ambiguous += resolution.ambiguous

    def to_json(self) -> dict:
        share = lambda k: round(k / self.tickets, 4) if self.tickets else 0.0  # noqa: E731
        return {"tickets": self.tickets, "resolved_share": share(self.resolved),
                "district_accuracy": share(self.district), "street_accuracy": share(self.street),
                "ambiguous_share": share(self.ambiguous)}


def resolver_text(row: dict) -> str:
    """What the resolver reads besides the address: the title, then the body."""
    title, text = row.get("title") or "", row.get("text") or ""
    return f"{title}。{text}" if title and not text.startswith(title) else text or title


def evaluate_locations(rows: Iterable[dict], resolver) -> dict:
    """Accuracy of the best candidate (no candidate counts as wrong) over all rows, rows with an address, and per
    address_format; a street is right only with its district."""
    overall, with_address, by_format = _Tally(), _Tally(), {}
    for row in rows:
        address = row.get("address") or ""
        resolution = resolver.resolve(resolver_text(row), address)
        overall.add(row, resolution)
        if address.strip():
            with_address.add(row, resolution)
        by_format.setdefault(row.get("address_format") or "none", _Tally()).add(row, resolution)
    return {"all": overall.to_json(), "with_address": with_address.to_json(),
            "by_format": {key: by_format[key].to_json() for key in sorted(by_format)}}
