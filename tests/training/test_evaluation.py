"""Evaluation: every metric against hand-computed values, the report writer, and the TF-IDF baseline."""
import json
import math

import numpy as np
import pytest

from catalog import load_catalogue
from training.evaluation import (
    DEFAULT_THRESHOLD_KEY,
    Predictions,
    TfidfBaseline,
    apply_class_thresholds,
    confused_pairs,
    evaluate,
    expected_calibration_error,
    level_metrics,
    macro_f1,
    per_class,
    precision_coverage,
    threshold_for_precision,
    threshold_for_precision_bound,
    tune_class_thresholds,
    write_report,
)
from training.classifier.calibration import fit_temperature, nll
from training.evaluation.metrics import wilson_lower_bound

A, B, D = "010101", "010102", "020101"      # level-3 leaves
C, E = "01020101", "01020102"                # level-4 leaves under 细类 010201

# gold, ranked top-3 leaves, their probabilities.
ROWS = [
    (A, [A, B, D], [0.9, 0.05, 0.05]),   # right
    (A, [B, A, C], [0.6, 0.3, 0.1]),     # wrong leaf, right 小类; gold second
    (B, [B, A, D], [0.8, 0.1, 0.1]),     # right
    (C, [C, E, A], [0.7, 0.2, 0.1]),     # right (level 4)
    (C, [E, C, D], [0.5, 0.4, 0.1]),     # wrong 子类, right 细类
    (D, [A, B, C], [0.4, 0.3, 0.3]),     # wrong 大类, gold nowhere
]


def fixture_preds() -> Predictions:
    return Predictions([g for g, _, _ in ROWS], [codes for _, codes, _ in ROWS], np.array([p for _, _, p in ROWS]))


def preds_of(rows) -> Predictions:
    """Predictions from (gold, top-1, confidence) rows; the rest of the top-3 is filler."""
    return Predictions([g for g, _, _ in rows], [[p, "99", "98"] for _, p, _ in rows],
                       np.array([[c, (1 - c) / 2, (1 - c) / 2] for _, _, c in rows]))


def test_accuracy_and_macro_f1_per_level_match_hand_computed_values():
    m = level_metrics(fixture_preds())
    expected = {  # n, acc@1, acc@3, macro-F1
        "level1": (6, 5 / 6, 5 / 6, (10 / 11 + 0) / 2),
        "level2": (6, 5 / 6, 5 / 6, (6 / 7 + 1 + 0) / 3),
        "level3": (6, 4 / 6, 5 / 6, (1 / 2 + 2 / 3 + 1 + 0) / 4),
        "level4": (2, 1 / 2, 1.0, (2 / 3 + 0) / 2),
        "leaf": (6, 3 / 6, 5 / 6, (1 / 2 + 2 / 3 + 2 / 3 + 0 + 0) / 5),
    }
    for key, (n, acc1, acc3, f1) in expected.items():
        got = m[key]
        assert (got["n"], got["acc@1"], got["acc@3"], got["macro_f1"]) == pytest.approx((n, acc1, acc3, f1)), key


def test_macro_f1_agrees_with_scikit_learn():
    from sklearn.metrics import f1_score

    gold = [A, A, B, C, C, D, D, D]
    pred = [A, B, B, C, E, A, D, D]
    assert macro_f1(gold, pred) == pytest.approx(f1_score(gold, pred, average="macro"))


def test_acc_at_3_deduplicates_prefixes_in_order_and_keeps_the_first_three():
    # Gold 020101 is ranked fifth: a leaf miss; at level 1 the distinct prefixes are [01, 02]: a hit; at level 3
    # the first three distinct prefixes are 010101, 010102, 010201: a miss.
    m = level_metrics(Predictions([D], [[A, B, C, E, D]], np.array([[0.3, 0.2, 0.2, 0.2, 0.1]])))
    assert (m["leaf"]["acc@3"], m["level1"]["acc@3"], m["level2"]["acc@3"], m["level3"]["acc@3"]) == (0, 1, 1, 0)
    assert m["level4"]["n"] == 0 and m["level4"]["acc@1"] is None


def test_per_class_precision_recall_support():
    pc = per_class(fixture_preds())
    assert pc[A] == {"precision": 0.5, "recall": 0.5, "support": 2, "predicted": 2}
    assert pc[B] == {"precision": 0.5, "recall": 1.0, "support": 1, "predicted": 2}
    assert pc[C] == {"precision": 1.0, "recall": 0.5, "support": 2, "predicted": 1}
    assert pc[D] == {"precision": None, "recall": 0.0, "support": 1, "predicted": 0}
    assert pc[E] == {"precision": 0.0, "recall": None, "support": 0, "predicted": 1}


def test_expected_calibration_error():
    p = fixture_preds()
    # 4 bins: (.75, 1] holds .9 .8 both right (gap .15); (.5, .75] holds .6 wrong .7 right (gap .15);
    # (.25, .5] holds .5 .4 both wrong (gap .45).
    assert expected_calibration_error(p.confidence, p.correct, bins=4) == pytest.approx((0.15 + 0.15 + 0.45) / 3)
    assert expected_calibration_error([1.0, 1.0], [True, True]) == pytest.approx(0.0)
    assert expected_calibration_error([1.0, 1.0, 0.0], [False, False, False]) == pytest.approx(2 / 3)


def test_precision_coverage_curve_and_threshold_for_a_target():
    p = fixture_preds()
    coverage, precision, threshold = precision_coverage(p.confidence, p.correct)
    assert threshold.tolist() == [0.9, 0.8, 0.7, 0.6, 0.5, 0.4]
    assert coverage.tolist() == pytest.approx([1 / 6, 2 / 6, 3 / 6, 4 / 6, 5 / 6, 1])
    assert precision.tolist() == pytest.approx([1, 1, 1, 3 / 4, 3 / 5, 1 / 2])
    assert threshold_for_precision(p.confidence, p.correct, 0.95) == pytest.approx((0.7, 0.5))
    assert threshold_for_precision(p.confidence, p.correct, 0.75) == pytest.approx((0.6, 4 / 6))
    assert threshold_for_precision(p.confidence, p.correct, 0.5) == pytest.approx((0.4, 1.0))
    assert threshold_for_precision([0.9, 0.8], [False, False], 0.5) is None


def test_threshold_keeps_ties_together_and_takes_the_lowest_reaching_the_target():
    assert threshold_for_precision([0.9, 0.9, 0.5], [True, False, True], 0.6) == pytest.approx((0.5, 1.0))
    assert threshold_for_precision([0.9, 0.9, 0.5], [True, False, True], 0.9) is None
    # Precision climbs again below the top text: the lowest threshold that reaches 70 % keeps everything.
    assert threshold_for_precision([0.9, 0.8, 0.7, 0.6], [False, True, True, True], 0.7) == pytest.approx((0.6, 1.0))



def test_wilson_lower_bound_matches_the_score_interval():
    # Wilson: (p + z²/2n - z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n); all right over n gives n / (n + z²).
    assert wilson_lower_bound(0.5, 100) == pytest.approx(0.41885, abs=1e-5)
    assert wilson_lower_bound(1.0, 300) == pytest.approx(300 / (300 + 1.6449 ** 2))
    assert wilson_lower_bound(1.0, 267) < 0.99 < wilson_lower_bound(1.0, 268)
    assert wilson_lower_bound(1.0, 0) == 0.0


def test_threshold_with_a_margin_stops_where_dev_precision_is_only_just_reached():
    # 300 sure and right, then 200 less sure with 2 wrong: 99.6 % over all 500 meets 99 % as a point but not as a
    # lower bound (98.8 %); the 300 alone bound it at 99.1 %.
    conf, ok = [0.9] * 300 + [0.5] * 200, [True] * 498 + [False] * 2
    assert threshold_for_precision(conf, ok, 0.99) == pytest.approx((0.5, 1.0))
    threshold, coverage, bound = threshold_for_precision_bound(conf, ok, list(range(500)), 0.99)
    assert (threshold, coverage) == pytest.approx((0.9, 0.6))
    assert bound == pytest.approx(300 / (300 + 1.6449 ** 2))


def test_threshold_with_a_margin_counts_tickets_of_one_text_as_one_sample():
    conf, ok = [0.9] * 300 + [0.5] * 200, [True] * 498 + [False] * 2
    # Ten tickets per text: the 300 sure tickets are 30 texts, too few to bound precision at 99 %.
    assert threshold_for_precision_bound(conf, ok, [i // 10 for i in range(500)], 0.99) is None
    # Unequal groups weigh by Kish's effective size: 1,000 tickets, 999 of one text and 1 of another, weigh ~1.
    assert threshold_for_precision_bound([0.9] * 1000, [True] * 1000, [0] * 999 + [1], 0.6) is None
    with pytest.raises(ValueError, match="must match"):
        threshold_for_precision_bound([0.9, 0.8], [True, True], ["a"], 0.9)

DEV = [  # gold, predicted top-1, confidence
    (A, A, 0.9), (A, A, 0.8), (C, A, 0.7), (A, A, 0.6), (A, A, 0.5),     # A: 95 % reached from 0.8
    (B, B, 0.6), (B, B, 0.5), (B, B, 0.4), (B, B, 0.3), (C, B, 0.2),     # B: 95 % reached from 0.3
    (D, D, 0.95), (C, D, 0.35),                                          # D: too few dev texts
]
TEST = [
    (A, A, 0.85),   # kept by A's 0.8, right
    (C, A, 0.75),   # below A's 0.8
    (B, B, 0.35),   # kept by B's 0.3, right
    (C, B, 0.25),   # below B's 0.3
    (C, D, 0.9),    # D falls back to the global 0.8: kept, wrong
    (E, E, 0.5),    # E never predicted on dev: global 0.8, not kept
]


def test_per_class_thresholds_are_tuned_on_dev_with_a_global_fallback():
    thresholds = tune_class_thresholds(preds_of(DEV), 0.95, min_support=3)
    # Global dev curve: .95 .9 .8 all right, then .7 wrong: the lowest threshold at >= 95 % is 0.8.
    assert thresholds == pytest.approx({DEFAULT_THRESHOLD_KEY: 0.8, A: 0.8, B: 0.3})
    result = apply_class_thresholds(preds_of(TEST), thresholds)
    assert result["kept"] == 3
    assert result["precision"] == pytest.approx(2 / 3) and result["coverage"] == pytest.approx(0.5)


def test_a_class_that_never_reaches_the_target_is_never_accepted():
    thresholds = tune_class_thresholds(preds_of([(B, A, 0.9), (B, A, 0.8), (B, A, 0.7)]), 0.95, min_support=3)
    assert thresholds == {DEFAULT_THRESHOLD_KEY: math.inf, A: math.inf}
    result = apply_class_thresholds(preds_of([(A, A, 0.99), (B, B, 0.99)]), thresholds)
    assert (result["kept"], result["precision"], result["coverage"]) == (0, None, 0.0)


def test_confused_pairs_by_count_then_code():
    p = preds_of([(A, B, 0.5), (A, B, 0.5), (A, A, 0.5), (C, B, 0.5), (B, A, 0.5)])
    assert confused_pairs(p) == [(A, B, 2), (B, A, 1), (C, B, 1)]
    assert confused_pairs(p, n=2) == [(A, B, 2), (B, A, 1)]
    assert confused_pairs(fixture_preds()) == [(A, B, 1), (C, E, 1), (D, A, 1)]


def test_evaluate_combines_everything_into_json():
    test, dev = preds_of(TEST), preds_of(DEV)
    result = evaluate(test, dev_preds=dev, min_support=3)
    json.dumps(result, allow_nan=False)
    assert result["n"] == 6 and result["levels"]["leaf"]["acc@1"] == pytest.approx(3 / 6)
    t95 = result["precision_coverage"]["thresholds"]["0.95"]
    # On test the most confident text (.9) is wrong and the next right (.85): 95 % is never reached.
    assert t95["oracle"] is None
    assert t95["dev_global"]["threshold"] == pytest.approx(0.8)
    assert (t95["dev_global"]["precision"], t95["dev_global"]["coverage"]) == pytest.approx((0.5, 2 / 6))
    assert t95["dev_per_class"]["precision"] == pytest.approx(2 / 3)
    assert set(result["precision_coverage"]["thresholds"]) == {"0.95", "0.99"}
    assert result["confused_pairs"][0] == [C, A, 1]
    no_dev = evaluate(fixture_preds())["precision_coverage"]["thresholds"]["0.95"]
    assert set(no_dev) == {"oracle"} and no_dev["oracle"] == pytest.approx({"threshold": 0.7, "coverage": 0.5})


def test_report_writes_json_markdown_and_png(tmp_path, catalogue_dir):
    catalogue = load_catalogue(catalogue_dir)
    results = {"model": evaluate(fixture_preds(), preds_of(DEV), min_support=3), "baseline": evaluate(preds_of(TEST))}
    paths = write_report(tmp_path / "out", results, catalogue, {"latency_ms": {"p50": 12.5}, "train_minutes": 3})
    assert {p.name for p in paths.values()} == {"report.json", "report.md", "precision_coverage.png"}
    assert paths["plot"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert data["models"]["model"]["levels"]["level1"]["acc@1"] == pytest.approx(5 / 6)
    assert data["extra"]["latency_ms"]["p50"] == 12.5
    md = paths["markdown"].read_text(encoding="utf-8")
    for heading in ("## Accuracy per level", "## Calibration", "## Precision–coverage", "## Most confused leaf pairs",
                    "## Leaves with the lowest recall", "## Extra", "### model", "### baseline"):
        assert heading in md, heading
    assert "| 大类 (level 1) | 6 | 83.3 % |" in md
    assert f"{D} 城市供热 > 供热质量 > 室温不达标" in md          # a confused pair, with its Chinese path
    assert "| latency_ms.p50 | 12.5000 |" in md
    assert "precision_coverage.png" in md


HANDS = {  # four leaves, six short texts each; the last one of each is held out
    "010101": ["小区垃圾三天没人清运了", "垃圾桶满了没人拉走", "楼下垃圾堆成山没人清运", "生活垃圾好几天没拉",
               "垃圾清运车一直不来", "门口垃圾桶满了好几天没人清运"],
    "020101": ["家里暖气不热室温太低", "暖气片冰凉屋里太冷", "供暖以后室温只有十五度", "暖气一点都不热",
               "屋里冷暖气温度不达标", "暖气不热家里冷得很"],
    "01020101": ["主干道积雪没有清除", "大马路上的雪没人扫", "主干道路面积雪很厚", "下雪后主干道一直没清雪",
                 "马路积雪影响通行没人清", "主干道上积雪好几天没人扫"],
    "190101": ["饭店卖的菜变质发臭", "餐馆食品不新鲜吃坏肚子", "饭店的凉菜馊了还在卖", "在餐馆吃饭后拉肚子食物变质",
               "外卖饭菜有异味变质了", "饭店卖变质的食品吃坏了肚子"],
}


@pytest.mark.parametrize("classifier, jobs", [("svm", 2), ("svm", 1), ("centroid", 1)])
def test_baseline_learns_a_small_separable_problem(classifier, jobs, capfd):
    train = [(text, leaf) for leaf, texts in HANDS.items() for text in texts[:5]]
    held = [(texts[5], leaf) for leaf, texts in HANDS.items()]
    model = TfidfBaseline(classifier=classifier, n_jobs=jobs)
    model.fit([t for t, _ in train], [leaf for _, leaf in train], [t for t, _ in held], [leaf for _, leaf in held])
    codes, probs = model.predict_topk([t for t, _ in held], k=3)
    assert [c[0] for c in codes] == [leaf for _, leaf in held]
    assert probs.shape == (4, 3) and len(codes[0]) == 3
    assert np.all(probs.sum(axis=1) <= 1 + 1e-9) and np.all(np.diff(probs, axis=1) <= 0)
    assert np.all(probs[:, 0] > 0.25)  # better than the uniform 1/4
    assert model.timings["fit_s"] > 0 and model.temperature > 0
    assert capfd.readouterr().out == ""  # jieba stays quiet


def test_baseline_svm_weights_do_not_depend_on_the_number_of_workers():
    texts = [t for leaf in HANDS for t in HANDS[leaf]]
    leaves = [leaf for leaf in HANDS for _ in HANDS[leaf]]
    one, two = (TfidfBaseline(n_jobs=jobs).fit(texts, leaves) for jobs in (1, 2))
    assert list(one.classes_) == sorted(HANDS)
    assert np.array_equal(one._weights, two._weights) and np.array_equal(one._bias, two._bias)


def test_baseline_with_two_leaves_scores_both():
    leaves = ["010101", "020101"]
    model = TfidfBaseline(n_jobs=1).fit([t for leaf in leaves for t in HANDS[leaf][:5]],
                                        [leaf for leaf in leaves for _ in range(5)])
    codes, probs = model.predict_topk([HANDS[leaf][5] for leaf in leaves], k=3)
    assert [c[0] for c in codes] == leaves and probs.shape == (2, 2)
    assert probs.sum(axis=1) == pytest.approx([1, 1])


def test_temperature_minimises_dev_nll():
    rng = np.random.default_rng(0)
    scores = rng.normal(size=(200, 5))
    gold = np.array([rng.choice(5, p=np.exp(2 * s) / np.exp(2 * s).sum()) for s in scores])
    t = fit_temperature(scores, gold)
    assert nll(scores, gold, t) <= min(nll(scores, gold, t * 0.9), nll(scores, gold, t * 1.1))
    assert 0.3 < t < 0.8  # the scores were generated with temperature 0.5


def test_threshold_counting_each_group_once():
    # Text "busy" has 100 tickets (99 right), texts a..j one right ticket each, all equally sure: over tickets
    # precision is 109/110, over texts (busy counted once at 0.99) (10 + 0.99) / 11.
    conf, ok = [0.9] * 110, [True] * 109 + [False]
    groups = [f"t{i}" for i in range(10)] + ["busy"] * 100
    assert threshold_for_precision_bound(conf, ok, groups, 0.999, z=0.0, count="groups") == pytest.approx(
        (0.9, 1.0, (10 + 0.99) / 11))
    assert threshold_for_precision_bound(conf, ok, groups, 0.9995, z=0.0, count="groups") is None
    # The busy text's wrong ticket is the least sure: over texts it counts for 1/100 of one text.
    conf = [0.9] * 109 + [0.5]
    assert threshold_for_precision_bound(conf, ok, groups, 0.999, z=0.0, count="groups")[0] == 0.5
    with pytest.raises(ValueError, match="count"):
        threshold_for_precision_bound(conf, ok, groups, 0.9, count="tickets")


def test_dispatch_eval_picks_the_unit_threshold_on_dev_per_text_and_reports_the_others():
    from training.evaluation.dispatch import dev_thresholds_on_test, swapped_threshold

    # Dev: 300 sure right tickets of 300 texts, then 200 less sure of 200 texts with 2 wrong (as above).
    dev = [{"title": "", "text": f"dev {i}"} for i in range(500)]
    dev_scores = (np.array([0.9] * 300 + [0.5] * 200), np.array([True] * 498 + [False] * 2))
    test_conf, test_ok = np.array([0.95, 0.9, 0.6, 0.5]), np.array([True, True, False, True])
    found = dev_thresholds_on_test(dev, dev_scores, test_conf, test_ok)
    assert found["dev_texts"] == 500 and found["dev_effective_texts"] == 500
    # One ticket per text: per text is per ticket, 99.6 % at 0.5.
    assert found["threshold_99"]["dev_threshold"] == 0.5 == found["threshold_99_point"]["dev_threshold"]
    assert found["threshold_99"]["test"] == {"threshold": 0.5, "precision": 0.75, "coverage": 1.0, "kept": 4}
    assert found["threshold_99_margin"]["dev_threshold"] == 0.9
    assert found["threshold_99_margin"]["test"]["precision"] == 1.0
    # The less sure 200: 196 right tickets of one text and 4 wrong ones of their own texts. Over tickets 99.2 % holds
    # at 0.5; over texts it is 301 / 305, so the threshold stays at 0.9.
    grouped = dev[:300] + [{"title": "", "text": "dev busy"}] * 196 + dev[300:304]
    scores = (dev_scores[0], np.array([True] * 496 + [False] * 4))
    found = dev_thresholds_on_test(grouped, scores, test_conf, test_ok)
    assert found["threshold_99"]["dev_threshold"] == 0.9 and found["dev_texts"] == 305
    assert found["threshold_99_point"]["dev_threshold"] == 0.5
    swapped = swapped_threshold(grouped, scores, (test_conf, test_ok))
    assert swapped["test_threshold"] == 0.9 and swapped["dev"]["kept"] == 2
    assert swapped_threshold([{"text": "t"}] * 4, (test_conf, test_ok), dev_scores)["test_threshold"] == 0.9
