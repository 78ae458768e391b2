"""Decoding per-level scores into catalogue paths: only paths that exist, calibrated, masked."""
import numpy as np

from model.labels import NO_SUBCLASS, LabelSet, ancestors_of, path_scores, top_paths

PATHS = {
    "010101": [("01", "市容"), ("0101", "环卫"), ("010101", "垃圾清运")],
    "010102": [("01", "市容"), ("0101", "环卫"), ("010102", "道路保洁")],
    "02010101": [("02", "供水"), ("0201", "停水"), ("020101", "突发停水"), ("02010101", "爆管")],
    "02010102": [("02", "供水"), ("0201", "停水"), ("020101", "突发停水"), ("02010102", "计划停水")],
}


def labels() -> LabelSet:
    return LabelSet.from_paths(PATHS, "1.0.0+test")


def test_each_level_has_its_codes_and_level4_starts_with_no_subclass():
    ls = labels()
    assert ls.levels[0] == ("01", "02")
    assert ls.levels[3] == (NO_SUBCLASS, "02010101", "02010102")
    assert ls.targets("010102") == (0, 0, 1, 0)
    assert ls.targets("02010102") == (1, 1, 2, 2)
    assert ancestors_of("02010102") == ["02", "0201", "020101", "02010102"]


def test_decoding_only_returns_existing_paths_even_when_levels_disagree():
    ls = labels()
    # Level 1 prefers 02 but level 3 prefers 010101: a mixed path like 02/010101 does not exist.
    logits = [np.array([[0.0, 5.0]]), np.array([[0.0, 5.0]]), np.array([[9.0, 0.0, 0.0]]),
              np.array([[0.0, 3.0, 0.0]])]
    scores = path_scores(logits, ls.path_matrix(), [1, 1, 1, 1])
    top, probs = top_paths(scores, 1.0, 4)
    assert {ls.leaves[i] for i in top[0]} == set(PATHS)
    assert probs[0].sum() == np.float64(probs[0].sum()) and abs(probs[0].sum() - 1) < 1e-9
    assert list(probs[0]) == sorted(probs[0], reverse=True)


def test_temperature_flattens_and_mask_excludes_leaves():
    scores = np.array([[0.0, -1.0, -2.0, -3.0]])
    _, sharp = top_paths(scores, 0.5, 1)
    _, flat = top_paths(scores, 4.0, 1)
    assert sharp[0, 0] > flat[0, 0]
    allowed = np.array([False, True, True, True])
    top, probs = top_paths(scores, 1.0, 5, allowed)
    assert 0 not in top[0] and top.shape == (1, 3)
    assert abs(probs.sum() - 1) < 1e-9


def test_label_set_round_trips_through_json(tmp_path):
    ls = labels()
    ls.save(tmp_path / "labels.json")
    again = LabelSet.load(tmp_path / "labels.json")
    assert again.levels == ls.levels and again.leaves == ls.leaves and again.names == ls.names
    assert again.catalogue_version == "1.0.0+test"
    assert again.path_names("02010101") == ["供水", "停水", "突发停水", "爆管"]
