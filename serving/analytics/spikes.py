"""Spikes and seasonal outlooks from daily counts: pure functions over a (keys × days) matrix.

A key is what is counted (a leaf or a 小类, in a district or the whole city). A day's count is compared with what
the recent past predicts for that weekday, adjusted by how the same weeks moved last year (so the heating season's
start is not a spike, but a cold wave on top of it is); the score is the Poisson upper tail of the count."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from scipy.stats import poisson

YEAR = 364            # 52 weeks: the same weekday last year


@dataclass(frozen=True)
class SpikePolicy:
    history_days: int = 28      # the recent past the baseline is taken from
    weekday_weeks: int = 8      # the weeks the city-wide weekday profile is taken from
    prior: float = 0.5          # pseudo-count: a key never seen before is not infinitely surprising
    min_count: int = 5          # fewer tickets in a day never make a warning
    alpha: float = 1e-6         # the Poisson tail below which a count is a spike
    quiet_days: int = 3         # a key that warned is not warned again for this many days
    season_days: int = 7        # ± days around the same day last year


@dataclass(frozen=True)
class Spike:
    key: tuple
    day: date
    count: int
    expected: float
    score: float                # −log10 of the Poisson upper tail
    last_year: int | None       # the same day last year (None before a year of history)


def daily_matrix(items: list[tuple[tuple, date]], start: date, end: date) -> tuple[list[tuple], np.ndarray]:
    """Count (key, day) items into a keys × days matrix over [start, end)."""
    keys = sorted({k for k, _ in items})
    index = {k: i for i, k in enumerate(keys)}
    matrix = np.zeros((len(keys), (end - start).days), dtype=np.float64)
    for key, day in items:
        offset = (day - start).days
        if 0 <= offset < matrix.shape[1]:
            matrix[index[key], offset] += 1
    return keys, matrix


def _window_sum(cumulative: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Per key, the sum over days [lo, hi) (clipped to the matrix)."""
    lo, hi = max(lo, 0), max(min(hi, cumulative.shape[1] - 1), 0)
    return cumulative[:, hi] - cumulative[:, lo] if hi > lo else np.zeros(cumulative.shape[0])


def weekday_factor(totals: np.ndarray, t: int, weeks: int) -> float:
    """Day t's weekday against the average day, from the city-wide totals of the weeks before it (shrunk towards 1
    when those totals are small)."""
    same = [totals[t - 7 * w] for w in range(1, weeks + 1) if t - 7 * w >= 0]
    every = totals[max(0, t - 7 * weeks):t]
    if not same:
        return 1.0
    return float((np.mean(same) + 1) / (np.mean(every) + 1))


def expected_counts(cumulative: np.ndarray, totals: np.ndarray, t: int, policy: SpikePolicy) -> np.ndarray:
    """Per key, the count day t should have: recent daily mean × weekday factor × last year's movement."""
    recent = (_window_sum(cumulative, t - policy.history_days, t) + policy.prior) / policy.history_days
    if t - YEAR - policy.history_days >= 0:
        around = _window_sum(cumulative, t - YEAR - policy.season_days, t - YEAR + policy.season_days + 1)
        before = _window_sum(cumulative, t - YEAR - policy.history_days, t - YEAR)
        span = 2 * policy.season_days + 1
        season = ((around + policy.prior) / span) / ((before + policy.prior) / policy.history_days)
    else:
        season = np.ones(cumulative.shape[0])
    return recent * weekday_factor(totals, t, policy.weekday_weeks) * season


def detect(keys: list[tuple], matrix: np.ndarray, start: date, days: range | None = None,
           policy: SpikePolicy = SpikePolicy()) -> list[Spike]:
    """Spikes on the given day offsets (default: every day with a full history), at most one per key per
    quiet period, oldest first."""
    cumulative = np.concatenate([np.zeros((matrix.shape[0], 1)), np.cumsum(matrix, axis=1)], axis=1)
    totals = matrix.sum(axis=0)
    days = days if days is not None else range(policy.history_days, matrix.shape[1])
    quiet_until: dict[int, int] = {}
    found = []
    for t in days:
        counts = matrix[:, t]
        candidates = np.flatnonzero(counts >= policy.min_count)
        if candidates.size == 0:
            continue
        expected = expected_counts(cumulative[candidates], totals, t, policy)
        tails = poisson.sf(counts[candidates] - 1, expected)
        for i, tail, mu in zip(candidates, tails, expected):
            if tail > policy.alpha or quiet_until.get(i, -1) >= t:
                continue
            quiet_until[i] = t + policy.quiet_days
            last = int(matrix[i, t - YEAR]) if t - YEAR >= 0 else None
            found.append(Spike(keys[i], start + timedelta(days=t), int(counts[i]), round(float(mu), 3),
                               round(float(-np.log10(max(tail, 1e-300))), 2), last))
    return found


@dataclass(frozen=True)
class Outlook:
    """A problem that rose at this time last year: expect it again (未诉先办)."""

    key: tuple
    last_year_coming: int       # last year, the coming `ahead` days
    last_year_before: float     # last year, the daily mean of the `history_days` before them, × ahead
    ratio: float
    recent: int                 # this year, the last `history_days`


def seasonal_outlook(keys: list[tuple], matrix: np.ndarray, t: int, ahead: int = 14, min_count: int = 20,
                     min_ratio: float = 2.0, policy: SpikePolicy = SpikePolicy()) -> list[Outlook]:
    """Keys whose count in the `ahead` days from day t last year was at least `min_ratio` times the weeks before
    it, over at least `min_count` tickets: the seasonal problems about to come back, strongest first."""
    if t - YEAR - policy.history_days < 0:
        return []
    cumulative = np.concatenate([np.zeros((matrix.shape[0], 1)), np.cumsum(matrix, axis=1)], axis=1)
    coming = _window_sum(cumulative, t - YEAR, t - YEAR + ahead)
    before = _window_sum(cumulative, t - YEAR - policy.history_days, t - YEAR) * ahead / policy.history_days
    ratio = (coming + policy.prior) / (before + policy.prior)
    recent = _window_sum(cumulative, t - policy.history_days, t)
    chosen = np.flatnonzero((coming >= min_count) & (ratio >= min_ratio))
    out = [Outlook(keys[i], int(coming[i]), round(float(before[i]), 1), round(float(ratio[i]), 1), int(recent[i]))
           for i in chosen]
    return sorted(out, key=lambda o: -o.ratio)
