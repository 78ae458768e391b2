"""The lexical leaf model served beside the encoder: numpy features equal to the TF-IDF baseline's, pruned weights,
a pickle-free file, and the mixture with the encoder's log-probabilities."""
from __future__ import annotations

import numpy as np
import pytest

from model.lexical import LexicalLeaves, aligned, mixed_log_probabilities

LEAVES = {
    "A": ["小区门口路灯不亮了，晚上出门很黑", "我们楼下的路灯坏了一个多月没人修", "路灯晚上不亮，请尽快维修",
          "幸福路上三盏路灯都不亮", "小区里的路灯一直闪，晚上看不清路"],
    "B": ["楼上装修噪音太大，中午也在电钻", "隔壁工地夜里施工噪音扰民", "晚上十一点还有装修噪音",
          "广场舞音响声音太大，吵得睡不着", "楼下烧烤店排风机噪音很大"],
    "C": ["小区里有很浓的煤气味，担心泄漏", "单元楼道闻到燃气味，请燃气公司来查", "厨房燃气表附近有煤气味",
          "楼道里有股液化气的味道", "燃气管道接口好像漏气了"],
    "D": ["孩子上学的校车超载，请交通部门查处", "学校门口早上接送孩子的车乱停", "幼儿园门口车辆拥堵严重",
          "学校附近的斑马线没有了，孩子过马路危险", "校门口有人摆摊卖三无食品"],
}
TEXTS = [t for texts in LEAVES.values() for t in texts]
GOLD = [leaf for leaf, texts in LEAVES.items() for _ in texts]
DEV = ["路灯又坏了", "夜里施工太吵", "楼道有煤气味", "校门口车太多"]
DEV_GOLD = ["A", "B", "C", "D"]


@pytest.fixture(scope="module")
def fitted():
    pytest.importorskip("sklearn")
    from training.classifier.config import LexicalSection
    from training.classifier.lexical import fit_lexical
    from training.evaluation.baseline import TfidfBaseline

    baseline = TfidfBaseline(n_jobs=1, progress=False).fit(TEXTS, GOLD)
    full = fit_lexical(TEXTS, GOLD, DEV, DEV_GOLD, LexicalSection(per_leaf=10**6))
    return baseline, full


def test_numpy_features_and_scores_equal_the_scikit_learn_baseline_it_was_fitted_from(fitted):
    baseline, lexical = fitted
    texts = DEV + ["ＡＢＣ路口　路灯不亮", "完全无关的一句话xyz", ""]
    assert lexical.leaves == tuple(baseline.classes_)
    assert np.allclose(lexical.features(texts).toarray(), baseline._features(texts).toarray(), atol=1e-6)
    assert np.allclose(lexical.scores(texts), baseline.decision_scores(texts), atol=1e-5)
    assert (lexical.scores(DEV).argmax(1) == [0, 1, 2, 3]).all()
    assert lexical.temperature != 1.0      # fitted on the dev texts


def test_pruning_keeps_each_leafs_largest_weights_by_magnitude():
    from training.classifier.lexical import pruned

    weights = np.array([[0.1, -5.0], [-3.0, 0.2], [2.0, 0.3], [0.0, -0.4]], dtype=np.float32)
    kept = pruned(weights, 2).toarray()
    assert np.allclose(kept, [[0.0, -5.0], [-3.0, 0.0], [2.0, 0.0], [0.0, -0.4]])
    assert np.array_equal(pruned(weights, 9).toarray(), weights)


def test_a_saved_model_loads_without_pickle_and_scores_the_same(fitted, tmp_path):
    _, lexical = fitted
    path = tmp_path / "lexical.npz"
    lexical.save(path)
    loaded = LexicalLeaves.load(path)
    assert loaded.leaves == lexical.leaves and loaded.temperature == pytest.approx(lexical.temperature)
    assert np.allclose(loaded.log_probabilities(DEV), lexical.log_probabilities(DEV), atol=1e-6)
    np.load(path, allow_pickle=False).close()


def test_weights_that_do_not_fit_the_vocabulary_are_refused(fitted):
    _, lexical = fitted
    with pytest.raises(ValueError, match="do not fit"):
        LexicalLeaves(lexical.leaves[:3], lexical.words, lexical.chars, lexical.weights, lexical.bias, 1.0)


def test_leaves_the_lexical_model_does_not_know_take_the_encoders_own_log_probability():
    lexical = np.log(np.array([[0.7, 0.3]]))
    encoder = np.log(np.array([[0.2, 0.5, 0.3]]))
    out = aligned(lexical, np.array([1, -1, 0]), encoder)
    assert np.allclose(out, np.log([[0.3, 0.5, 0.7]]))


def test_the_mixture_weighs_log_probabilities_keeps_impossible_leaves_out_and_refuses_a_bad_weight():
    encoder = np.array([[np.log(0.6), np.log(0.4), -np.inf]])
    lexical = np.log(np.array([[0.1, 0.8, 0.1]]))
    mix = mixed_log_probabilities(encoder, lexical, 0.5)
    assert mix[0, 1] > mix[0, 0] and mix[0, 2] == -np.inf
    assert np.allclose(mixed_log_probabilities(encoder, lexical, 1.0), encoder)
    for weight in (0.0, 1.2):
        with pytest.raises(ValueError, match=r"within \(0, 1\]"):
            mixed_log_probabilities(encoder, lexical, weight)


def test_the_mixture_weight_is_chosen_on_dev_and_its_temperature_fitted():
    from training.classifier.lexical import choose_mixture, mixture_probabilities

    # The encoder is sure and right on two texts, unsure and wrong on two; the lexical model the other way round.
    encoder = np.log(np.array([[0.9, 0.1], [0.1, 0.9], [0.55, 0.45], [0.45, 0.55]]))
    lexical = np.log(np.array([[0.4, 0.6], [0.6, 0.4], [0.1, 0.9], [0.9, 0.1]]))
    gold = np.array([0, 1, 1, 0])
    mixture = choose_mixture(encoder, lexical, gold)
    assert 0 < mixture["weight"] < 1 and mixture["dev_leaf_acc_encoder"] == 0.5
    assert max(t["dev_leaf_acc"] for t in mixture["tried_on_dev"]) == 1.0
    probs = mixture_probabilities(encoder, lexical, mixture)
    assert (probs.argmax(1) == gold).all() and np.allclose(probs.sum(1), 1)


def test_a_heavier_training_text_pulls_the_svms_towards_its_leaf():
    pytest.importorskip("sklearn")
    from training.evaluation.baseline import TfidfBaseline

    texts, gold = TEXTS + ["路灯下面广场舞太吵"], GOLD + ["B"]
    margins = []
    for weight in (1.0, 20.0):
        baseline = TfidfBaseline(n_jobs=1, progress=False).fit(texts, gold, weights=[1.0] * len(TEXTS) + [weight])
        scores = baseline.decision_scores(["路灯下面广场舞太吵"])[0]
        margins.append(scores[list(baseline.classes_).index("B")] - scores[list(baseline.classes_).index("A")])
    assert margins[1] > margins[0]
