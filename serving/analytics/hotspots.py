"""Daily hot-spot scan over the service's tickets: spikes per leaf and 小类, per district and city-wide, each
stored once, announced through the outbox to the responsible departments, and listed for supervisors."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import Catalogue
from catalog.deadlines import TZ
from serving.analytics.models import HotspotWarning
from serving.analytics.spikes import YEAR, Spike, SpikePolicy, daily_matrix, detect
from serving.outbox.service import emit
from serving.tickets.models import Ticket, split_parent
from serving.tickets.states import Status

CITY = "city"
LOOKBACK_DAYS = YEAR + 60      # enough for last year's same weeks and the 28 days before them


def keys_of(leaf: str, district: str | None) -> list[tuple[str, str, str]]:
    keys = [("leaf", leaf, CITY), ("sub", leaf[:4], CITY)]
    if district:
        keys += [("leaf", leaf, district), ("sub", leaf[:4], district)]
    return keys


def _counted(session: Session, since: datetime, until: datetime) -> list[tuple[tuple, date]]:
    query = select(Ticket.leaf, Ticket.district, Ticket.created_at).where(
        Ticket.created_at >= since, Ticket.created_at < until, Ticket.leaf.is_not(None),
        Ticket.status != Status.MERGED.value, ~split_parent())
    return [(key, created.astimezone(TZ).date()) for leaf, district, created in session.execute(query)
            for key in keys_of(leaf, district)]


def units_for(catalogue: Catalogue, level: str, code: str, district: str) -> list[str]:
    """The departments a warning goes to: the leaves' responsible departments, or the district for 属地 items."""
    leaves = [catalogue.get(code)] if level == "leaf" else [n for n in catalogue.leaves() if n.code.startswith(code)]
    units = []
    for leaf in leaves:
        rule = leaf.dispatch.responsible
        if not rule.is_territory:
            units.append(rule.target)
        elif district != CITY:
            units.append(f"district:{district}")
    return list(dict.fromkeys(units))


def scan(session: Session, *, catalogue: Catalogue, now: datetime, policy: SpikePolicy = SpikePolicy(),
         days: int = 2) -> list[HotspotWarning]:
    """Detect spikes on the last `days` days up to today (today so far counts), store and announce new ones."""
    today = now.astimezone(TZ).date()
    start = today - timedelta(days=LOOKBACK_DAYS)
    since = datetime.combine(start, datetime.min.time(), TZ)
    items = _counted(session, since, datetime.combine(today + timedelta(days=1), datetime.min.time(), TZ))
    keys, matrix = daily_matrix(items, start, today + timedelta(days=1))
    first = max(policy.history_days, matrix.shape[1] - days - policy.quiet_days)
    spikes = [s for s in detect(keys, matrix, start, range(first, matrix.shape[1]), policy)
              if s.day > today - timedelta(days=days)]
    return [w for w in (_store(session, catalogue, s, now, policy) for s in spikes) if w is not None]


def _store(session: Session, catalogue: Catalogue, spike: Spike, now: datetime,
           policy: SpikePolicy) -> HotspotWarning | None:
    level, code, district = spike.key
    recent = (spike.day - timedelta(days=policy.quiet_days)).isoformat()
    known = session.scalar(select(HotspotWarning.id).where(
        HotspotWarning.level == level, HotspotWarning.code == code, HotspotWarning.district == district,
        HotspotWarning.day >= recent, HotspotWarning.day <= spike.day.isoformat()))
    if known is not None or code not in catalogue:
        return None
    warning = HotspotWarning(level=level, code=code, district=district, day=spike.day.isoformat(), count=spike.count,
                             expected=spike.expected, score=spike.score, last_year=spike.last_year,
                             units=units_for(catalogue, level, code, district), created_at=now)
    session.add(warning)
    emit(session, kind="hotspot.spike", ticket_id=None, now=now,
         payload={"level": level, "code": code, "name": catalogue.path_name(code), "district": district,
                  "day": warning.day, "count": spike.count, "expected": spike.expected, "units": warning.units})
    return warning


def recent_warnings(session: Session, *, since: date) -> list[HotspotWarning]:
    return list(session.scalars(select(HotspotWarning).where(HotspotWarning.day >= since.isoformat())
                                .order_by(HotspotWarning.day.desc(), HotspotWarning.score.desc())))


def warnings_between(session: Session, *, first: date, last: date) -> list[HotspotWarning]:
    """The warnings raised for the days first … last (both included), strongest first."""
    return list(session.scalars(select(HotspotWarning).where(HotspotWarning.day >= first.isoformat(),
                                                             HotspotWarning.day <= last.isoformat())
                                .order_by(HotspotWarning.score.desc(), HotspotWarning.day)))
