"""The urgency / risk / multi-issue texts: the committed files are valid, and every broken rule is reported."""
import numpy as np
import pytest

from training.corpus.signals import SignalsError, load_signals, summary
from training.signals.fit import RECALL_CONFIDENCE, choose_threshold, recall_lower_bound

GOOD = """
- id: t-1
  style: phone
  text: 市民来电反映：和平区太原街街道某小区3号楼2单元楼道里一股很浓的煤气味，邻居敲门没人应。诉求：马上派人来查。
  leaf: "08010102"
  urgency: 立即办
  flags: [安全隐患]
  evidence: [一股很浓的煤气味]
- id: t-2
  style: app
  text: 小区门口路灯坏了半个月，楼下垃圾三天没人拉，都没人管。
  urgency: 一般
  flags: []
  evidence: []
  items:
    - {span: 小区门口路灯坏了半个月, leaf: "040501"}
    - {span: 楼下垃圾三天没人拉, leaf: "010101"}
"""


def write(tmp_path, text: str, name: str = "a.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file_loads_with_its_labels(tmp_path, demo_catalogue):
    texts = load_signals(demo_catalogue, [write(tmp_path, GOOD)])
    assert [(t.id, t.urgency, t.flags, t.multi_issue) for t in texts] == [("t-1", "立即办", ("安全隐患",), False),
                                                                          ("t-2", "一般", (), True)]
    assert summary(texts)["multi_issue"] == 1 and texts[1].items[1].leaf == "010101"


@pytest.mark.parametrize("change,fragment", [
    (("一股很浓的煤气味]", "煤气泄漏爆炸]"), "is not an exact substring"),
    (("urgency: 立即办", "urgency: 特急"), "urgency '特急'"),
    (("flags: [安全隐患]", "flags: [危险]"), "flags must be"),
    (('leaf: "08010102"', 'leaf: "0801"'), "not a leaf"),
    (("{span: 楼下垃圾三天没人拉, leaf: \"010101\"}", "{span: 楼下垃圾三天没人拉, leaf: \"040501\"}"),
     "two different leaves"),
    (("  evidence: [一股很浓的煤气味]\n", "  evidence: []\n"), "need evidence"),
    (("- id: t-2", "- id: t-1"), "used 2 times"),
    (("  style: app", "  style: fax"), "style 'fax'"),
    (("{span: 楼下垃圾三天没人拉, leaf: \"010101\"}", "{span: 半个月，楼下垃圾三天没人拉, leaf: \"010101\"}"),
     "overlap; cut them"),
])
def test_every_broken_rule_is_reported_with_file_and_id(tmp_path, demo_catalogue, change, fragment):
    with pytest.raises(SignalsError) as error:
        load_signals(demo_catalogue, [write(tmp_path, GOOD.replace(*change))])
    assert fragment in str(error.value) and ("a.yaml" in str(error.value) or "used 2 times" in fragment)


def test_the_committed_signal_texts_are_valid(demo_catalogue):
    load_signals(demo_catalogue)


def test_pattern_hit_columns_are_boosted_and_a_pattern_never_seen_cannot_explode():
    import numpy as np

    from training.signals.fit import standardiser

    embedding = np.array([[0.1, 0.3], [0.3, 0.1], [0.2, 0.2], [0.4, 0.0]])
    hits = np.array([[1.0, 0.0], [0.0, 0.0], [1.0, 0.0], [0.0, 0.0]])   # the second pattern never fired
    mean, scale = standardiser(np.hstack([embedding, hits]), rule_columns=2, boost=4.0)
    assert np.allclose(scale[:2], embedding.std(axis=0) + 1e-6)          # the embedding: plain standardisation
    assert np.isclose(scale[2], (0.5 + 1e-6) / 4.0)                      # a hit counts 4 standardised units
    assert scale[3] == 1 / 4.0 and mean[3] == 0                          # a hit in serving: 4, not 4 million
    unboosted = standardiser(np.hstack([embedding, hits]), rule_columns=0, boost=4.0)[1]
    assert unboosted[3] == 1e-6                                          # without rule columns nothing changes


def _text(id_: str, body: str):
    from training.corpus.signals import SignalText
    return SignalText(id=id_, style="phone", title="", body=body, leaf=None, urgency="一般", flags=(), evidence=(),
                      origin=id_.split("-")[0])


def _texts(ids: range, prefix: str = "a") -> list:
    """Distinct texts: seeded draws of common characters, no two near-duplicates."""
    import random
    rng = random.Random(f"{prefix}{ids.start}")
    return [_text(f"{prefix}-{i:04d}", "".join(chr(rng.randrange(0x4E00, 0x9000)) for _ in range(30))) for i in ids]


def test_the_signal_split_moves_no_text_when_texts_are_added_and_keeps_near_duplicates_together():
    from training.signals.data import held_out_split

    base = _texts(range(200))
    twin = _text("a-0300", base[5].text + "。")   # a near-duplicate of a-0005, added later with other new texts
    before = held_out_split(base)
    after = held_out_split(base + _texts(range(200, 300)) + [twin])
    assert after[:200] == before
    assert after[-1] == after[5]
    assert 0.15 < before.count("test") / len(before) < 0.35
    assert held_out_split(base, seed=8) != before


def test_the_signal_split_refuses_a_share_outside_zero_to_one():
    from training.signals.data import held_out_split

    with pytest.raises(ValueError, match="share"):
        held_out_split(_texts(range(3)), share=1.0)


def _scored(positives: int, negatives: int) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities where positives and negatives interleave evenly: every lower threshold adds both."""
    y = np.r_[np.ones(positives, dtype=int), np.zeros(negatives, dtype=int)]
    order = np.argsort(np.r_[np.linspace(0, 1, positives), np.linspace(0, 1, negatives)], kind="stable")
    probabilities = np.empty(len(y))
    probabilities[order] = np.linspace(1, 0, len(y))
    return probabilities, y


def test_a_threshold_keeps_the_recall_target_with_confidence_not_just_on_the_texts_it_was_chosen_on():
    probabilities, y = _scored(250, 750)
    bare = choose_threshold(probabilities, y, (0.90, 0.80), confidence=0.5)
    sure = choose_threshold(probabilities, y, (0.90, 0.80))
    assert bare["recall"] == pytest.approx(0.90, abs=0.005) and bare["recall_lower_bound"] == bare["recall"]
    assert sure["threshold"] < bare["threshold"]
    assert sure["recall_lower_bound"] >= 0.90 > float(recall_lower_bound(np.array([sure["recall"] - 0.004]), 250,
                                                                          RECALL_CONFIDENCE)[0])
    assert 0.91 < sure["recall"] < 0.94


def test_with_too_few_positives_for_the_confidence_the_lowest_threshold_flags_everything():
    probabilities, y = _scored(5, 20)
    chosen = choose_threshold(probabilities, y, (0.98, 0.85))
    assert chosen["threshold"] == probabilities.min() and chosen["recall"] == 1.0


def test_the_boundary_threshold_is_chosen_for_detecting_multi_issue_texts():
    from training.signals.boundary import detection_threshold

    # Texts 0-1 are multi-issue (best boundaries 0.15 and 0.6), texts 2-3 single (0.1 and 0.4), text 4 has one clause.
    probabilities = np.array([0.05, 0.15, 0.6, 0.1, 0.4, 0.02])
    text_of = np.array([0, 0, 1, 2, 3, 3])
    multi = np.array([True, True, False, False, False])
    # 0.6 finds one of two (F1 2/3); 0.4 adds a false one (1/2); 0.15 finds both with that false one (4/5); 0.1 adds
    # the other single text (2/3). Single boundaries alone would call 0.6 best.
    assert detection_threshold(probabilities, text_of, multi) == {"threshold": 0.15, "f1": 0.8, "precision": 0.6667,
                                                                  "recall": 1.0}
    assert detection_threshold(np.array([0.3]), np.array([0]), np.array([False, False]))["f1"] == 0.0
