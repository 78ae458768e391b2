"""Database work of the hot-spot insights: emerging topics, dense places, 屡治屡犯 and the 每月一题 candidates.

Each reads the tickets of its period in one or two queries, hands them to the pure functions (topics,
concentration, recurrences, problems) and shapes the answer as JSON with names and evidence, for the API and the
command line alike. Parameters are checked here: a bad one raises flows.InputError naming it and the fix."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog import Catalogue
from catalog.deadlines import TZ
from model.recommend import place_of
from model.repeats import spot_of
from serving.analytics import concentration, problems, recurrences, topics
from serving.analytics.flows import InputError, Period, month_period
from serving.suggestions import service as suggestion_service
from serving.supervision.repeats import resolver_for
from serving.tickets.models import Assignment, AuditEntry, Ticket, split_parent
from serving.tickets.states import Action, Status

MAX_TOPIC_DAYS = 31
MAX_BASELINE_WEEKS = 26
MAX_LOOKBACK_DAYS = 366
MAX_LIMIT = 200
VECTORS = ("auto", "tfidf", "classifier")
BY = ("leaf", "district")
UNSATISFIED = "不满意"
CHUNK = 500          # ids per IN (…) list
EXCERPT = 120        # characters of a ticket's text shown as evidence


# --- parameters ------------------------------------------------------------------------------------------------
def whole(value: int, parameter: str, lowest: int, highest: int, example: str) -> int:
    """An integer parameter within its range, else an InputError saying the range."""
    if not lowest <= value <= highest:
        raise InputError(f"{parameter}: {value} is out of range; give a whole number from {lowest} to {highest}, "
                         f"e.g. {parameter}={example}")
    return value


def aware(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime (Asia/Shanghai), not a naive one")
    return now.astimezone(TZ)


def last_days(now: datetime, days: int) -> Period:
    """The `days` × 24 hours up to now."""
    now = aware(now)
    return Period(now - timedelta(days=days), now)


def window(now: datetime, *, month: str | None, days: int, most: int) -> Period:
    """A month (YYYY-MM), or the last `days` days up to now."""
    if month is not None:
        return month_period(month)
    return last_days(now, whole(days, "days", 1, most, "30"))


def previous_month(now: datetime) -> Period:
    first = aware(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return month_period(f"{first - timedelta(days=1):%Y-%m}")


def _vectoriser(vectors: str, embedder, stored=lambda: {}) -> topics.Vectoriser:
    """The vectors asked for; the embeddings start from those kept at intake (`stored()`, loaded only if used)."""
    if vectors not in VECTORS:
        raise InputError(f"vectors: {vectors!r} is not one of {', '.join(VECTORS)} (auto: the classifier's "
                         "embeddings when a model is loaded, else jieba TF-IDF)")
    if vectors == "classifier" and embedder is None:
        raise InputError("vectors: classifier asked for, but no trained model with embeddings is loaded; use "
                         "vectors=tfidf or auto, or train and promote a model (`jiesu train`)")
    return topics.EmbeddedVectors(embedder, stored=stored()) if embedder is not None and vectors != "tfidf" else \
        topics.TfidfVectors()


def embedder_of(suggester) -> object | None:
    """The classifier's embedder when the service's suggester is the trained model and it embeds, else None."""
    classifier = getattr(suggester, "classifier", None)
    if classifier is None or not getattr(classifier, "embeds", False):
        return None
    from model.retrieval.embed import ClassifierEmbedder

    return ClassifierEmbedder(classifier)


# --- names -----------------------------------------------------------------------------------------------------
def leaf_name(catalogue: Catalogue, code: str | None) -> str:
    if code is None:
        return "未分类"
    return catalogue.path_name(code) if code in catalogue else f"{code}（不在当前清单中）"


def _short_name(catalogue: Catalogue, code: str | None) -> str:
    if code is None:
        return "未分类"
    return catalogue.get(code).name if code in catalogue else code


def place_names(catalogue: Catalogue) -> dict[str, str]:
    """District and street codes → names."""
    names = {d.code: d.name for d in catalogue.city.districts}
    names |= {s.code: s.name for s in catalogue.city.streets()}
    return names


def unit_name(catalogue: Catalogue, code: str) -> str:
    try:
        return catalogue.unit(code).name
    except KeyError:
        return code


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(TZ).isoformat() if moment else None


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def _live(query):
    """Tickets that count: merged duplicates left out, a split call counted by its items."""
    return query.where(Ticket.status != Status.MERGED.value, ~split_parent())


def _created_in(query, start: datetime, end: datetime):
    return _live(query.where(Ticket.created_at >= start, Ticket.created_at < end))


# --- emerging topics -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TopicReport:
    period: Period
    baseline: Period
    vectors: str
    distance: float
    docs: dict[int, topics.Doc]
    window_tickets: int
    baseline_tickets: int
    flagged: int                     # topics flagged new, also those beyond the limit
    topics: list[topics.Topic]
    embedded: tuple[int, int] = (0, 0)   # embeddings (kept at intake, computed for this run)


def topic_docs(session: Session, *, start: datetime, end: datetime) -> list[topics.Doc]:
    """The tickets filed in [start, end), oldest first, as the topic detector reads them."""
    query = _created_in(select(Ticket.id, Ticket.number, Ticket.created_at, Ticket.leaf, Ticket.title, Ticket.text),
                        start, end).order_by(Ticket.created_at, Ticket.id)
    return [topics.Doc(i, number, at, leaf, title or "", text or "")
            for i, number, at, leaf, title, text in session.execute(query)]


def emerging_topics(session: Session, *, now: datetime, days: int = 7, baseline_weeks: int = 8,
                    vectors: str = "auto", embedder=None, limit: int = 30,
                    policy: topics.TopicPolicy = topics.TopicPolicy()) -> TopicReport:
    """Topics of the last `days` days against the `baseline_weeks` weeks before them, flagged ones first."""
    period = last_days(now, whole(days, "days", 1, MAX_TOPIC_DAYS, "7"))
    weeks = whole(baseline_weeks, "baseline_weeks", 1, MAX_BASELINE_WEEKS, "8")
    limit = whole(limit, "limit", 1, MAX_LIMIT, "30")
    baseline = Period(period.start - timedelta(weeks=weeks), period.start)
    vectoriser = _vectoriser(vectors, embedder, lambda: suggestion_service.stored_vectors(
        session, source=embedder.version, start=baseline.start, end=period.end))
    recent = topic_docs(session, start=period.start, end=period.end)
    before = topic_docs(session, start=baseline.start, end=baseline.end)
    try:
        found = topics.emerging_topics(recent, before, vectoriser=vectoriser, window_days=days,
                                       baseline_days=7 * weeks, policy=policy)
    except ValueError as exc:
        raise InputError(f"days: {exc}") from None
    distance = policy.distance if policy.distance is not None else vectoriser.distance
    embedded = (len(vectoriser.stored), vectoriser.embedded_now) if isinstance(vectoriser, topics.EmbeddedVectors) \
        else (0, 0)
    return TopicReport(period, baseline, vectoriser.name, distance, {d.id: d for d in recent}, len(recent),
                       len(before), sum(t.new for t in found), found[:limit], embedded)


def _excerpt(doc: topics.Doc) -> dict:
    text = doc.text if len(doc.text) <= EXCERPT else doc.text[:EXCERPT] + "…"
    return {"id": doc.id, "number": doc.number, "created_at": _iso(doc.at), "leaf": doc.leaf, "title": doc.title,
            "text": text}


def topic_label(catalogue: Catalogue, topic: topics.Topic) -> str:
    """Its top three words and its dominant leaf: 停水、供水、水压（突发停水无水）."""
    leaf = _short_name(catalogue, topic.leaf)
    return f"{'、'.join(topic.keywords[:3])}（{leaf}）" if topic.keywords else leaf


def topic_json(catalogue: Catalogue, report: TopicReport, topic: topics.Topic) -> dict:
    return {"label": topic_label(catalogue, topic), "keywords": list(topic.keywords), "leaf": topic.leaf,
            "leaf_name": leaf_name(catalogue, topic.leaf), "size": topic.size, "new": topic.new, "why": topic.why,
            "reach": topic.reach, "baseline": topic.baseline, "expected": topic.expected, "score": topic.score,
            "leaves": [{"code": code, "name": _short_name(catalogue, code), "count": n} for code, n in topic.leaves],
            "representatives": [_excerpt(report.docs[i]) for i in topic.representatives],
            "ticket_ids": list(topic.members)}


def topics_json(catalogue: Catalogue, report: TopicReport) -> dict:
    vectors = "分类模型的文本向量" if report.vectors != topics.TFIDF else "jieba 分词 TF-IDF（未加载分类模型）"
    return {"start": _iso(report.period.start), "end": _iso(report.period.end),
            "baseline_start": _iso(report.baseline.start), "vectors": report.vectors, "vectors_name": vectors,
            "distance": report.distance, "tickets": report.window_tickets, "baseline_tickets": report.baseline_tickets,
            "new": report.flagged, "embeddings": {"stored": report.embedded[0], "computed": report.embedded[1]},
            "topics": [topic_json(catalogue, report, t) for t in report.topics]}


# --- places ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    """The columns the place-based insights read."""
    id: int
    number: str | None
    leaf: str
    district: str | None
    street: str | None
    title: str
    text: str
    address: str
    created_at: datetime
    closed_at: datetime | None


def place_rows(session: Session, *, start: datetime, end: datetime, leaf: str | None = None) -> list[Row]:
    """Classified tickets filed in [start, end), oldest first."""
    query = _created_in(select(Ticket.id, Ticket.number, Ticket.leaf, Ticket.district, Ticket.street, Ticket.title,
                               Ticket.text, Ticket.address, Ticket.created_at, Ticket.closed_at), start, end)
    query = query.where(Ticket.leaf == leaf if leaf else Ticket.leaf.is_not(None))
    return [Row(*r) for r in session.execute(query.order_by(Ticket.created_at, Ticket.id))]


def _resolved(catalogue: Catalogue, row: Row):
    """The row's place: district and street from the ticket win; the community from its address field, else from
    the address and the text together (four times slower)."""
    resolver = resolver_for(catalogue.city)
    place = place_of(resolver.resolve("", row.address), row.district, row.street)
    if place.community is None:
        place = place_of(resolver.resolve(f"{row.title} {row.text}", row.address), row.district, row.street)
    return place


@dataclass(frozen=True)
class DensityReport:
    period: Period
    tickets: int
    placed: int
    cells: list[concentration.DenseCell]
    numbers: dict[int, str | None]


def dense_places(session: Session, *, catalogue: Catalogue, now: datetime, month: str | None = None,
                 days: int = 30, limit: int = 50,
                 policy: concentration.DensityPolicy = concentration.DensityPolicy()) -> DensityReport:
    """Leaf × street and leaf × community cells of the month (or last `days` days) denser than expected."""
    period = window(now, month=month, days=days, most=MAX_LOOKBACK_DAYS)
    limit = whole(limit, "limit", 1, MAX_LIMIT, "50")
    rows = place_rows(session, start=period.start, end=period.end)
    placed = [concentration.Placed(r.id, r.number, r.leaf, r.district, r.street) for r in rows if r.street]
    crowded = concentration.crowded(placed, policy.min_count)
    by_id = {r.id: r for r in rows}
    placed = [concentration.Placed(p.id, p.number, p.leaf, p.district, p.street,
                                   _resolved(catalogue, by_id[p.id]).community if (p.leaf, p.street) in crowded
                                   else None) for p in placed]
    split = {s.code: len(s.communities) for s in catalogue.city.streets()}
    cells = concentration.dense_cells(placed, communities_per_street=split, policy=policy)
    return DensityReport(period, len(rows), len(placed), cells[:limit], {r.id: r.number for r in rows})


def density_json(catalogue: Catalogue, report: DensityReport) -> dict:
    names = place_names(catalogue)

    def cell(c: concentration.DenseCell) -> dict:
        where = names.get(c.street, c.street) + (c.community or "")
        return {"level": c.level, "leaf": c.leaf, "leaf_name": leaf_name(catalogue, c.leaf), "district": c.district,
                "district_name": names.get(c.district or "", "—"), "street": c.street,
                "street_name": names.get(c.street, c.street), "community": c.community, "place": where,
                "count": c.count, "expected": c.expected, "ratio": c.ratio, "score": c.score,
                "leaf_total": c.leaf_total, "share": c.share,
                "communities": [{"community": name, "count": n} for name, n in c.communities],
                "tickets": [{"id": i, "number": report.numbers.get(i)} for i in c.tickets]}

    return {"start": _iso(report.period.start), "end": _iso(report.period.end), "tickets": report.tickets,
            "placed": report.placed, "cells": [cell(c) for c in report.cells]}


# --- 屡治屡犯 ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RecurrenceReport:
    period: Period
    times: int
    candidates: int                  # tickets of a leaf and street with more than `times` tickets
    without_spot: int                # … whose address names no building or house number: left out
    recurrences: list[recurrences.Recurrence]
    addresses: dict[int, str]        # each chained ticket's address field, as written


def first_closures(session: Session, ids: list[int]) -> dict[int, datetime]:
    """When each ticket was first closed (or answered on the spot), from its audit log: a reopened ticket keeps
    the closure it came back after."""
    found: dict[int, datetime] = {}
    actions = [Action.CLOSE.value, Action.ANSWER.value]
    for chunk in _chunks(ids):
        query = select(AuditEntry.ticket_id, func.min(AuditEntry.at)).where(
            AuditEntry.ticket_id.in_(chunk), AuditEntry.action.in_(actions)).group_by(AuditEntry.ticket_id)
        found.update(session.execute(query).all())
    return found


def _candidates(rows: list[Row], times: int) -> list[Row]:
    """Rows of a leaf and street (district where the street is unknown) with more than `times` tickets: the only
    ones that can recur, and the only ones worth placing precisely."""
    counts = Counter((r.leaf, r.district, r.street) for r in rows)
    return [r for r in rows if counts[(r.leaf, r.district, r.street)] > times]


def _case(catalogue: Catalogue, row: Row, first_closed: datetime | None, end: datetime) -> recurrences.Case | None:
    """The row at its spot (community and building, or road and house number); None when its address names none."""
    place = _resolved(catalogue, row)
    spot = spot_of(row.address, place.community)
    if spot is None:
        return None
    closed = first_closed or row.closed_at
    return recurrences.Case(row.id, row.number, row.leaf, place.district, place.street, spot, row.created_at,
                            closed if closed and closed <= end else None)


def recurring(session: Session, *, catalogue: Catalogue, now: datetime, days: int = 180, times: int = 3,
              leaf: str | None = None, limit: int = 50) -> RecurrenceReport:
    """Spots where one problem came back after closure at least `times` times in the last `days` days."""
    period = last_days(now, whole(days, "days", 1, MAX_LOOKBACK_DAYS, "180"))
    times = whole(times, "times", 1, 50, "3")
    limit = whole(limit, "limit", 1, MAX_LIMIT, "50")
    if leaf is not None and (leaf not in catalogue or not catalogue.get(leaf).is_leaf):
        raise InputError(f"leaf: {leaf!r} is not a leaf of catalogue {catalogue.version}; give a leaf code such as "
                         "050101 (jiesu catalog search …)")
    rows = _candidates(place_rows(session, start=period.start, end=period.end, leaf=leaf), times)
    closed = first_closures(session, [r.id for r in rows])
    cases = [_case(catalogue, r, closed.get(r.id), period.end) for r in rows]
    found = recurrences.recurrences([c for c in cases if c is not None], times=times)
    return RecurrenceReport(period, times, len(rows), sum(c is None for c in cases), found[:limit],
                            {r.id: r.address for r in rows})


def recurrences_json(catalogue: Catalogue, report: RecurrenceReport) -> dict:
    names = place_names(catalogue)

    def link(item: recurrences.Link) -> dict:
        c = item.case
        return {"id": c.id, "number": c.number, "created_at": _iso(c.created_at), "closed_at": _iso(c.closed_at),
                "returned": item.returned, "address": report.addresses.get(c.id, "")}

    return {"start": _iso(report.period.start), "end": _iso(report.period.end), "times": report.times,
            "candidates": report.candidates, "without_spot": report.without_spot,
            "recurrences": [{"leaf": r.leaf, "leaf_name": leaf_name(catalogue, r.leaf), "district": r.district,
                             "district_name": names.get(r.district or "", "—"), "street": r.street,
                             "street_name": names.get(r.street or "", "—"), "place": r.place.replace("|", ""),
                             "returns": r.returns, "tickets": len(r.chain), "first_at": _iso(r.first_at),
                             "last_at": _iso(r.last_at), "chain": [link(item) for item in r.chain]}
                            for r in report.recurrences]}


# --- 每月一题 ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProblemReport:
    period: Period
    by: str
    tickets: int
    candidates: int
    problems: list[problems.Problem]
    policy: problems.ProblemPolicy
    numbers: dict[int, str | None]


def _visits(session: Session, start: datetime, end: datetime) -> tuple[set[int], set[int]]:
    """(visited, unsatisfied at some visit) among the tickets filed in [start, end), from the return visits' audit
    entries; history imported without them is judged by what the ticket says."""
    said = AuditEntry.details["satisfaction"].as_string()
    query = _created_in(select(Ticket.id, said).join(AuditEntry, AuditEntry.ticket_id == Ticket.id)
                        .where(AuditEntry.action == Action.VISIT.value), start, end)
    visited, unsatisfied = set(), set()
    for ticket_id, satisfaction in session.execute(query):
        visited.add(ticket_id)
        if satisfaction == UNSATISFIED:
            unsatisfied.add(ticket_id)
    return visited, unsatisfied


def _units(session: Session, start: datetime, end: datetime) -> dict[int, set[str]]:
    """Every unit that had a part in each ticket filed in [start, end): leads, co-handlers, leads returned from."""
    query = _created_in(select(Ticket.id, Assignment.unit).join(Assignment, Assignment.ticket_id == Ticket.id),
                        start, end)
    units: dict[int, set[str]] = {}
    for ticket_id, unit in session.execute(query):
        units.setdefault(ticket_id, set()).add(unit)
    return units


def problem_tickets(session: Session, *, start: datetime, end: datetime) -> list[problems.ProblemTicket]:
    query = _created_in(select(Ticket.id, Ticket.number, Ticket.leaf, Ticket.district, Ticket.repeat_of,
                               Ticket.satisfaction), start, end).where(Ticket.leaf.is_not(None))
    visited, unsatisfied = _visits(session, start, end)
    units = _units(session, start, end)
    return [problems.ProblemTicket(i, number, leaf, district, repeat_of is not None,
                                   i in visited or satisfaction is not None,
                                   i in unsatisfied or satisfaction == UNSATISFIED, tuple(sorted(units.get(i, ()))))
            for i, number, leaf, district, repeat_of, satisfaction in session.execute(query.order_by(Ticket.id))]


def monthly_problems(session: Session, *, now: datetime, month: str | None = None, by: str = "leaf",
                     limit: int = 20, min_volume: int = 10) -> ProblemReport:
    """The month's (default: last month's) problems ranked by the composite, top `limit`."""
    period = month_period(month) if month is not None else previous_month(now)
    if by not in BY:
        raise InputError(f"by: {by!r} is not one of {', '.join(BY)} (leaf: city-wide; district: leaf × district)")
    limit = whole(limit, "limit", 1, MAX_LIMIT, "20")
    policy = problems.ProblemPolicy(min_volume=whole(min_volume, "min_volume", 1, 10_000, "10"))
    tickets = problem_tickets(session, start=period.start, end=period.end)
    ranked = problems.monthly_problems(tickets, by_district=by == "district", limit=limit, policy=policy)
    sizes = Counter((t.leaf, t.district if by == "district" else None) for t in tickets)
    candidates = sum(1 for n in sizes.values() if n >= policy.min_volume)
    return ProblemReport(period, by, len(tickets), candidates, ranked, policy, {t.id: t.number for t in tickets})


def problems_json(catalogue: Catalogue, report: ProblemReport) -> dict:
    names = place_names(catalogue)

    def component(name: str, c: problems.Component) -> dict:
        return {"name": problems.NAMES[name], "value": c.value, "percentile": c.percentile, "weight": c.weight,
                "numerator": c.numerator, "denominator": c.denominator,
                "examples": [{"id": i, "number": report.numbers.get(i)} for i in c.examples]}

    return {"month": f"{report.period.start:%Y-%m}", "start": _iso(report.period.start),
            "end": _iso(report.period.end), "by": report.by, "tickets": report.tickets,
            "candidates": report.candidates, "min_volume": report.policy.min_volume,
            "weights": report.policy.weights,
            "method": "每项取该问题高于其他候选问题的比例（0–1），按权重加总；当月诉求量不少于 min_volume 件才列为候选",
            "problems": [{"rank": p.rank, "leaf": p.leaf, "leaf_name": leaf_name(catalogue, p.leaf),
                          "district": p.district, "district_name": names.get(p.district, "全市") if p.district
                          else "全市", "score": p.score,
                          "components": {k: component(k, c) for k, c in p.components.items()},
                          "units": [{"code": u, "name": unit_name(catalogue, u)} for u in p.units]}
                         for p in report.problems]}
