"""Linking a ticket to the earlier one about the same problem (model.repeats), with the place resolved once."""
from __future__ import annotations

from functools import lru_cache

from sqlalchemy.orm import Session

from catalog import City
from model.recommend import place_of
from model.location import LocationResolver
from model.repeats import Complaint, RepeatDetector, RepeatLink, spot_of
from serving.supervision import service
from serving.tickets.models import Ticket


@lru_cache(maxsize=4)
def resolver_for(city: City) -> LocationResolver:
    """One resolver per gazetteer for the life of the process (building one takes about a second)."""
    return LocationResolver(city)


class Complaints:
    """Tickets as the detector sees them, each resolved once per sweep (candidates recur across tickets)."""

    def __init__(self, city: City):
        self.city = city
        self._seen: dict[int, Complaint] = {}

    def __call__(self, ticket: Ticket) -> Complaint:
        if ticket.id not in self._seen:
            self._seen[ticket.id] = complaint(ticket, resolver_for(self.city))
        return self._seen[ticket.id]


def complaint(ticket: Ticket, resolver: LocationResolver) -> Complaint:
    """The ticket as the detector sees it; street and district given at intake or dispatch win over the text."""
    text = f"{ticket.title} {ticket.text}"
    place = place_of(resolver.resolve(text, ticket.address), ticket.district, ticket.street)
    grid = ticket.channel == "grid"                                      # a patrol is not a caller
    return Complaint(str(ticket.id), ticket.created_at, ticket.leaf, None if grid else ticket.caller_phone_hash,
                     place.street, place.community, spot_of(ticket.address, place.community), text,
                     text_street=place_of(resolver.resolve(text)).street,
                     patrol=ticket.caller_phone_hash if grid else None)


def find_repeat(session: Session, *, ticket: Ticket, complaints: Complaints,
                detector: RepeatDetector = RepeatDetector()) -> tuple[Ticket, RepeatLink] | None:
    """The earlier ticket this one repeats, and why; None when there is none."""
    earlier = service.repeat_candidates(session, ticket=ticket, window=detector.window)
    if not earlier:
        return None
    link = detector.match(complaints(ticket), [complaints(t) for t in earlier])
    if link is None:
        return None
    return next(t for t in earlier if str(t.id) == link.earlier), link
