"""The spike detector and the seasonal outlook on synthetic daily counts (fixed seeds)."""
from datetime import date, timedelta

import numpy as np

from serving.analytics.spikes import daily_matrix, detect, seasonal_outlook

START = date(2024, 11, 1)
DAYS = 760


def noise(rate: float, seed: int, days: int = DAYS) -> np.ndarray:
    return np.random.default_rng(seed).poisson(rate, days).astype(float)


def test_a_burst_is_found_on_its_first_day_and_warned_once_per_quiet_period():
    matrix = np.vstack([noise(0.3, 1), noise(2.0, 2), noise(0.05, 3)])
    matrix[0, 500:502] += 12                           # a water main breaks: two days of extra tickets
    spikes = detect([("a",), ("b",), ("c",)], matrix, START)
    assert [(s.key, s.day, s.count >= 12) for s in spikes] == [(("a",), START + timedelta(days=500), True)]
    assert spikes[0].expected < 1 and spikes[0].score > 6 and spikes[0].last_year is not None


def test_steady_noise_raises_no_warning():
    matrix = np.vstack([noise(rate, seed) for seed, rate in enumerate((0.1, 0.5, 1.0, 3.0, 8.0) * 20)])
    assert detect([(i,) for i in range(matrix.shape[0])], matrix, START) == []


def test_a_rise_that_happened_last_year_too_is_seasonal_not_a_spike():
    heating = noise(0.2, 7)
    heating[365:485] += noise(6.0, 8, 120)             # the heating season of November 2025 …
    heating[729:] += noise(6.0, 9, DAYS - 729)         # … comes back in November 2026
    assert detect([("heating",)], heating[None, :], START, days=range(720, DAYS)) == []
    fresh = noise(0.2, 7)
    fresh[729:] += noise(6.0, 9, DAYS - 729)           # the same rise with none last year: a spike
    assert [s.day for s in detect([("x",)], fresh[None, :], START, days=range(720, DAYS))][:1] == \
        [START + timedelta(days=729)]


def test_the_outlook_names_what_rose_at_this_time_last_year():
    heating, steady = noise(0.2, 11), noise(2.0, 12)
    heating[365:485] += noise(6.0, 13, 120)
    outlook = seasonal_outlook([("heating",), ("steady",)], np.vstack([heating, steady]), t=365 + 364 - 7)
    assert [o.key for o in outlook] == [("heating",)] and outlook[0].ratio > 5
    assert seasonal_outlook([("heating",)], heating[None, :], t=300) == []       # no year of history yet


def test_daily_matrix_counts_items_within_the_period():
    keys, matrix = daily_matrix([(("a",), START), (("a",), START), (("b",), START + timedelta(days=2)),
                                 (("b",), START + timedelta(days=9))], START, START + timedelta(days=3))
    assert keys == [("a",), ("b",)] and matrix.tolist() == [[2, 0, 0], [0, 0, 1]]
