"""Compose the demo history: tickets drawn from hand-written texts over two years of the demo city."""
from __future__ import annotations

import bisect
import hashlib
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import accumulate

from tqdm import tqdm

from catalog import Catalogue, Node
from catalog.deadlines import TZ, is_working_day
from catalog.rules import TimeLimitKind, UnitRule
from training.corpus.texts import HandText, Style
from training.generate.events import EVENTS, Event, event_leaves, event_street
from training.generate.places import Gazetteer, Place
from training.generate.profiles import CHANNELS, HOLIDAY, HOURS, STYLE_SHARE, WEEKDAY, leaf_profiles
from training.generate.timeline import handle

HISTORY_START = date(2024, 11, 1)
HISTORY_DAYS = 730            # two years, to 2026-10-31
MISDISPATCH_RATE = 0.05
REPEAT_RATE = 0.06            # share of tickets that are repeats of an earlier one
DISTINCT_WITHIN = timedelta(days=90)   # two problems should not share a text in one street, or a caller, or a
                                        # leaf at one spot (building, house number), this close
DRAWS = 6                     # draws of a first complaint before one that clashes is kept (a leaf has few texts)
FREQUENT_CALLER_RATE = 0.22
FREQUENT_CALLER_SCALE = 50    # the busiest caller makes about 0.5 % of the calls (a few hundred a year), not 9 %


@dataclass(frozen=True)
class GeneratorConfig:
    tickets: int
    seed: int = 7
    start: date = HISTORY_START
    days: int = HISTORY_DAYS

    def __post_init__(self):
        if self.tickets < 1:
            raise ValueError(f"--tickets must be at least 1, got {self.tickets}")
        if self.days < 30:
            raise ValueError(f"the history must cover at least 30 days, got {self.days}")

    @property
    def time_split_at(self) -> datetime:
        """Tickets received from here on are the time-based test split: the last 4 of 24 months."""
        months = self.start.month - 1 + round(self.days * 20 / 24 / 30.44)
        return datetime(self.start.year + months // 12, months % 12 + 1, 1, tzinfo=TZ)

    @property
    def end(self) -> datetime:
        """The moment the export is taken: the end of the last day."""
        return datetime.combine(self.start + timedelta(days=self.days), datetime.min.time(), tzinfo=TZ)


def _stable_hash(*parts) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode("utf-8")).hexdigest()


class HistoryGenerator:
    def __init__(self, catalogue: Catalogue, texts: list[HandText], text_splits: dict[str, str],
                 config: GeneratorConfig):
        self.catalogue, self.config = catalogue, config
        self.rng = random.Random(config.seed)
        self.gazetteer = Gazetteer(catalogue.city)
        self.text_splits = text_splits
        self.texts_by_leaf: dict[str, dict[Style, list[HandText]]] = {}
        for text in texts:
            self.texts_by_leaf.setdefault(text.leaf, {}).setdefault(text.style, []).append(text)
        missing = [leaf.code for leaf in catalogue.leaves() if leaf.code not in self.texts_by_leaf]
        if missing:
            raise ValueError(f"{len(missing)} leaves have no hand-written text (e.g. {missing[:5]}); "
                             "run `jiesu data texts` to see coverage")
        self._prepare_days()
        self._prepare_leaves()
        self.callers = 0
        self.origins: dict[tuple[str, str], tuple[Place, HandText]] = {}   # (received_at, caller) → place, text

    # --- volume ---------------------------------------------------------------------------------
    def _prepare_days(self) -> None:
        self.days = [self.config.start + timedelta(days=i) for i in range(self.config.days)]
        weights = []
        for day in self.days:
            w = WEEKDAY[day.weekday()]
            if not is_working_day(day) and day.weekday() < 5:
                w *= HOLIDAY
            weights.append(w)
        self.day_cum = list(accumulate(weights))
        self.hour_cum = list(accumulate(HOURS))

    def _prepare_leaves(self) -> None:
        profiles = leaf_profiles(self.catalogue, self.config.seed)
        self.leaf_codes = [p.code for p in profiles]
        self.month_cum = [list(accumulate(p.weight * p.season[m] for p in profiles)) for m in range(12)]

    def _pick(self, cum: list[float]) -> int:
        return bisect.bisect(cum, self.rng.random() * cum[-1])

    def _moment(self, day: date, style: Style) -> datetime:
        if style is Style.GRID:
            hour = self.rng.randint(8, 17)
        else:
            hour = min(23, self._pick(self.hour_cum))
        return datetime(day.year, day.month, day.day, hour, self.rng.randint(0, 59), self.rng.randint(0, 59),
                        tzinfo=TZ)

    # --- one ticket -----------------------------------------------------------------------------
    def _text(self, leaf: str) -> HandText:
        by_style = self.texts_by_leaf[leaf]
        styles = list(by_style)
        style = self.rng.choices(styles, weights=[STYLE_SHARE[s] for s in styles])[0]
        return self.rng.choice(by_style[style])

    def _caller(self, style: Style) -> tuple[str, str, str]:
        """(pseudonymous id, phone hash, masked phone); frequent callers come back."""
        if style is Style.GRID:
            index = f"grid-{self.rng.randint(1, 400)}"
        elif self.callers and self.rng.random() < FREQUENT_CALLER_RATE:
            index = str(min(self.callers, int(FREQUENT_CALLER_SCALE * self.rng.paretovariate(1.2))))
        else:
            self.callers += 1
            index = str(self.callers)
        digest = _stable_hash(self.config.seed, "caller", index)
        phone = "1" + str(3 + int(digest[0], 16) % 7) + str(int(digest[1:12], 16))[-9:].zfill(9)
        return f"U{digest[:12]}", _stable_hash("phone", phone), f"{phone[:3]}****{phone[-4:]}"

    def _unit(self, rule: UnitRule, place: Place) -> str:
        if not rule.is_territory:
            return rule.target
        return place.district.unit_code if rule.target == "district" else place.street.unit_code

    def _wrong_unit(self, leaf: Node, place: Place, right: str) -> str | None:
        if self.rng.random() >= MISDISPATCH_RATE:
            return None
        siblings = [n for n in self.catalogue.leaves(under=leaf.code[:4]) if n.code != leaf.code]
        for other in self.rng.sample(siblings, len(siblings)):
            unit = self._unit(other.dispatch.responsible, place)
            if unit != right:
                return unit
        return None

    def ticket(self, leaf_code: str, day: date, place: Place | None = None, text: HandText | None = None,
               received: datetime | None = None, caller: tuple | None = None) -> dict:
        leaf = self.catalogue.get(leaf_code)
        text = text or self._text(leaf_code)
        place = place or self.gazetteer.place_for(text.text, self.rng)
        received = received or self._moment(day, text.style)
        caller = caller or self._caller(text.style)
        d = leaf.dispatch
        lead = self._unit(d.responsible, place)
        co = [self._unit(r, place) for r in d.co_handlers]
        lead_unit = self.catalogue.unit(lead)
        h = handle(leaf, received, lead, lead_unit.name, self._wrong_unit(leaf, place, lead),
                   lead_unit.hours == "24h", self.config.end, self.rng)
        channel = self.rng.choices(*zip(*CHANNELS[text.style]))[0]
        path = self.catalogue.path(leaf_code)
        iso = lambda m: m.replace(microsecond=0).isoformat() if m else None  # noqa: E731
        address, address_format = place.address(self.rng, self.catalogue.city.name)
        self.origins[(iso(received), caller[0])] = (place, text)
        return {
            "received_at": iso(received), "channel": channel, "style": text.style.value,
            "caller_id": caller[0], "caller_phone_hash": caller[1], "caller_phone_masked": caller[2],
            "title": text.title, "text": text.body, "text_id": text.text_id, "text_origin": text.origin,
            "leaf": leaf_code, "leaf_name": leaf.name, "path": " > ".join(n.name for n in path),
            **{f"level{i}": (path[i - 1].code if len(path) >= i else None) for i in range(1, 5)},
            "district": place.district.code, "district_name": place.district.name, "street": place.street.code,
            "street_name": place.street.name, "community": place.community, "address": address,
            "address_format": address_format, "spot": place.spot_key,
            "urgency": d.urgency.value, "time_limit": str(d.time_limit),
            "dispatch_mode": "即办" if d.time_limit.kind is TimeLimitKind.ON_THE_SPOT else d.mode.value,
            "lead_unit": lead, "co_units": co,
            "first_unit": h.first_unit, "returned": h.returned, "return_reason": h.return_reason,
            "accepted_at": iso(h.accepted_at), "dispatched_at": iso(h.dispatched_at), "signed_at": iso(h.signed_at),
            "due_at": iso(h.due_at), "extended_days": h.extended_days, "extension_reason": h.extension_reason,
            "replied_at": iso(h.replied_at), "reply_text": h.reply_text, "overdue": h.overdue,
            "visited_at": iso(h.visited_at), "satisfaction": h.satisfaction, "rehandled": h.rehandled,
            "final_satisfaction": h.final_satisfaction, "closed_at": iso(h.closed_at), "status": h.status,
            "repeat_of": None, "event": None, "split_text": self.text_splits.get(text.text_id, "train"),
        }

    # --- the whole history ----------------------------------------------------------------------
    def _event_tickets(self, event: Event) -> list[dict]:
        leaves = event_leaves(self.catalogue, event)
        street = event_street(self.catalogue, event)
        districts = [d for d in self.catalogue.city.districts if d.name in event.districts]
        rows = []
        for _ in range(max(1, round(event.share * self.config.tickets))):
            received = event.start + timedelta(hours=self.rng.triangular(0, event.hours, event.hours * 0.25))
            if street is not None:
                place = self.gazetteer.in_street(street, self.rng)
            else:
                district = self.rng.choice(districts) if districts else self.rng.choices(
                    self.gazetteer.districts, weights=self.gazetteer.weights)[0]
                place = self.gazetteer.in_street(self.rng.choice(district.streets), self.rng)
            row = self.ticket(self.rng.choice(leaves), received.date(), place=place, received=received)
            row["event"] = event.name
            rows.append(row)
        return rows

    def _text_at(self, leaf: str, place: Place, tries: int = 8) -> HandText:
        """A text of the leaf that names no other district or street than the place's (a repeat is about it)."""
        text = self._text(leaf)
        for _ in range(tries):
            district, street = self.gazetteer.mentioned(text.text)
            if (district is None or district.code == place.district.code) and \
                    (street is None or street.code == place.street.code):
                return text
            text = self._text(leaf)
        return text

    def _place_bound(self, leaf: str) -> bool:
        """A problem at a place (the territory handles it), which a neighbour can report again; a caller's own
        matter (a department's: pension, credit, tax) is repeated only by that caller, in the same words."""
        return self.catalogue.get(leaf).dispatch.responsible.is_territory

    def _base_ticket(self, leaf: str, day: date, taken: dict[tuple, list[date]]) -> dict:
        """A first complaint whose text no other problem in its street, or from its caller, used within
        DISTINCT_WITHIN, and whose leaf no other problem at its spot had, when one of DRAWS draws finds it: a finite
        pool of texts and of building numbers must not make two problems read as one (in the demo data, not in a
        real city's, two complaints share a text, or a leaf at one building, only when they are one problem)."""
        best = None
        for _ in range(DRAWS):
            row = self.ticket(leaf, day)
            keys = [(row["text_id"], "street", row["street"]), (row["text_id"], "caller", row["caller_id"]),
                    *((row["leaf"], "spot", named) for named in self.origins[(row["received_at"], row["caller_id"])][0]
                      .named_spots)]
            clashes = sum(abs(day - other) < DISTINCT_WITHIN for key in keys for other in taken.get(key, ()))
            if best is None or clashes < best[0]:
                best = clashes, row, keys
            if not clashes:
                break
        _, row, keys = best
        for key in keys:
            taken.setdefault(key, []).append(day)
        return row

    def _one_problem(self, rows: list[dict]) -> None:
        """A first complaint a reader could not tell from an earlier complaint is about the same problem: within
        DISTINCT_WITHIN, the same text about the street it names (a road, a shop on it), or, about a place (the
        territory's leaf), the same leaf at a spot their addresses name alike. It repeats the latest of them (this
        happens when no redraw avoids the clash: a leaf whose few texts all name one street)."""
        latest: dict[tuple, tuple[str, str]] = {}
        for row in sorted(rows, key=lambda r: (r["received_at"], r["caller_id"])):
            place, text = self.origins[(row["received_at"], row["caller_id"])]
            keys = [(row["leaf"], "spot", s) for s in place.named_spots] if self._place_bound(row["leaf"]) else []
            if self.gazetteer.mentioned(text.text)[1] is not None:
                keys.append((row["text_id"], "street", row["street"]))     # the text itself names the place
            now = datetime.fromisoformat(row["received_at"])
            earlier = [latest[k] for k in keys if k in latest
                       and now - datetime.fromisoformat(latest[k][0]) < DISTINCT_WITHIN]
            if earlier and not row["repeat_of"]:
                row["repeat_of"] = "|".join(max(earlier))
            for key in keys:
                latest[key] = (row["received_at"], row["caller_id"])

    def _repeats(self, originals: list[dict], count: int) -> list[dict]:
        rows = []
        while len(rows) < count:
            first = self.rng.choice(originals)
            for n in range(1, min(count - len(rows), 1 + int(self.rng.expovariate(0.8))) + 1):
                received = datetime.fromisoformat(first["received_at"]) + timedelta(days=self.rng.uniform(1, 30) * n)
                if received >= self.config.end:
                    break
                place, original_text = self.origins[(first["received_at"], first["caller_id"])]
                same_caller = not self._place_bound(first["leaf"]) or self.rng.random() < 0.5
                caller = (first["caller_id"], first["caller_phone_hash"], first["caller_phone_masked"]) \
                    if same_caller else None
                text = original_text if same_caller else self._text_at(first["leaf"], place)
                row = self.ticket(first["leaf"], received.date(), place=place, received=received, caller=caller,
                                  text=text)
                row["repeat_of"] = first["received_at"] + "|" + first["caller_id"]
                rows.append(row)
        return rows

    def generate(self) -> list[dict]:
        n = self.config.tickets
        events = [row for event in EVENTS for row in self._event_tickets(event)]
        n_repeats = round(n * REPEAT_RATE)
        n_base = max(1, n - len(events) - n_repeats)
        base, taken = [], {}
        for _ in tqdm(range(n_base), desc="tickets", unit="ticket", mininterval=2, disable=n_base < 20000):
            day = self.days[self._pick(self.day_cum)]
            leaf = self.leaf_codes[self._pick(self.month_cum[day.month - 1])]
            base.append(self._base_ticket(leaf, day, taken))
        repeats = self._repeats(base, max(0, n - n_base - len(events)))
        self._one_problem(base + repeats)
        rows = base + events + repeats
        return self._number(rows[:n])

    def _number(self, rows: list[dict]) -> list[dict]:
        """Ticket ids in time order (SY + date + sequence); repeats point at their original's id."""
        rows.sort(key=lambda r: (r["received_at"], r["caller_id"]))
        ids: dict[str, str] = {}
        per_day: dict[str, int] = {}
        for row in rows:
            day = row["received_at"][:10].replace("-", "")
            per_day[day] = per_day.get(day, 0) + 1
            row["ticket_id"] = f"SY{day}{per_day[day]:05d}"
            ids[row["received_at"] + "|" + row["caller_id"]] = row["ticket_id"]
        cutoff = self.config.time_split_at.isoformat()
        for row in rows:
            if row["repeat_of"]:
                row["repeat_of"] = ids.get(row["repeat_of"])
            row["split_time"] = "test" if row["received_at"] >= cutoff else "train"
        return rows
