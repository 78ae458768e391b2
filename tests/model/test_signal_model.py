"""The learned signals on a tiny fixture: heads trained on a few dozen signal texts over a tiny local encoder,
exported as plain files, served with onnxruntime, calibrated, with evidence; the keyword rules when there is no
model or it cannot load."""
from __future__ import annotations

import numpy as np
import pytest

from model.signals.detect import LearnedDetector, RuleDetector, load_detector
from model.signals.learned import HEADS_FILE, LABELS, SignalModel, current_dir, make_current

AUC = 0.9


def auc(scores: np.ndarray, truth: np.ndarray) -> float:
    """The share of (positive, negative) pairs the scores order correctly."""
    pos, neg = scores[truth], scores[~truth]
    return float((pos[:, None] > neg[None, :]).mean())


@pytest.fixture(scope="module")
def tiny_signals(tmp_path_factory, demo_catalogue):
    """(home, model directory, the texts it learned): heads on a 2-layer random encoder."""
    pytest.importorskip("torch")
    pytest.importorskip("onnxruntime")
    from tests.signal_factories import tiny_signals as build

    return build(tmp_path_factory.getbasetemp(), demo_catalogue)


def test_the_model_is_plain_files_made_current_and_served_like_torch(tiny_signals):
    home, directory, texts = tiny_signals
    assert {p.name for p in directory.iterdir()} == {"meta.json", HEADS_FILE, "encoder.onnx", "tokenizer.json"}
    assert current_dir(home) == directory
    model = SignalModel(directory)
    assert model.meta["parity"]["cosine_min"] > 0.9999 and model.meta["texts"]["train"] == len(texts)
    assert model.meta["embedding"]["layers"] == [1, 2] and model.meta["embedding"]["dimensions"] == 64
    vectors = model.embed([t.text for t in texts[:4]])
    assert vectors.shape == (4, 64) and np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)


def test_heads_learn_their_labels_and_are_calibrated(tiny_signals):
    _, directory, texts = tiny_signals
    from training.signals.data import labels_of

    model = SignalModel(directory)
    probs = model.probabilities([t.text for t in texts])
    truth = labels_of(texts)
    assert ((probs >= 0) & (probs <= 1)).all()
    for j, label in enumerate(LABELS):       # on the texts it learned, every label ranks its own texts first
        assert auc(probs[:, j], truth[:, j]) > AUC, label
    report = model.meta["cross_validated"]
    assert set(report) == set(LABELS) and report["立即办"]["target"] == [0.98, 0.85]
    assert report["立即办"]["recall"] >= 0.98      # the threshold is chosen for the recall target


def test_a_learned_flag_names_its_best_clause_and_the_rules_matches(tiny_signals):
    home, directory, texts = tiny_signals
    detector = load_detector(home)
    assert isinstance(detector, LearnedDetector) and detector.version == f"learned:{directory.name}"
    found = [(t, detector.detect(t.body, t.title)) for t in texts if t.urgency == "立即办"]
    raised = [(t, s) for t, s in found if s.urgency == "立即办"]
    assert raised, "the tiny model should raise 立即办 on texts it learned as 立即办"
    text, signals = raised[0]
    assert signals.urgency_score >= detector.model.heads.threshold("立即办") and signals.fallback == ""
    assert signals.urgency_evidence and all(e in text.text for e in signals.urgency_evidence)
    assert set(signals.scores) == set(LABELS)


def test_a_raised_label_with_no_rule_match_and_one_clause_quotes_the_phrases_the_lexical_heads_weigh(
        tiny_signals, monkeypatch):
    from model.signals import detect as module
    from model.signals.rules import NORMAL, RuleSignals

    home, _, texts = tiny_signals
    detector = load_detector(home)
    monkeypatch.setattr(module.rules, "detect", lambda text: RuleSignals(NORMAL, {}, ()))
    monkeypatch.setattr(module, "clauses", lambda text: [])
    found = [(t, detector.detect(t.body)) for t in texts if t.urgency == "立即办"]
    raised = [(t, s) for t, s in found if s.urgency == "立即办"]
    assert raised
    for text, signals in raised:
        assert signals.urgency_evidence and all(e in text.body.lower() for e in signals.urgency_evidence)
        assert all(flag.evidence for flag in signals.flags)


def test_without_a_model_or_with_a_broken_one_the_rules_answer_and_say_why(tiny_signals, tmp_path):
    home, directory, _ = tiny_signals
    rules = load_detector(tmp_path)
    assert isinstance(rules, RuleDetector) and "jiesu signals train" in rules.fallback
    broken = tmp_path / "signals" / "signals-broken"
    broken.mkdir(parents=True)
    (broken / "meta.json").write_text((directory / "meta.json").read_text(encoding="utf-8"), encoding="utf-8")
    make_current(tmp_path, "signals-broken")
    fallback = load_detector(tmp_path)
    assert isinstance(fallback, RuleDetector) and "signals-broken" in fallback.fallback
    assert fallback.detect("楼道里煤气味很重，赶紧来人").urgency == "立即办"


def test_the_commands_show_the_current_model_and_refuse_to_score_on_texts_it_was_not_split_from(tiny_signals,
                                                                                                 monkeypatch):
    from typer.testing import CliRunner

    from serving.cli import app

    home, directory, _ = tiny_signals
    monkeypatch.setenv("JIESU_HOME", str(home))
    shown = CliRunner().invoke(app, ["signals", "current"])
    assert shown.exit_code == 0 and f'"current": "{directory.name}"' in shown.output
    refused = CliRunner().invoke(app, ["signals", "eval"])
    assert refused.exit_code == 1 and "retrain it" in refused.output
    monkeypatch.setenv("JIESU_HOME", str(home / "elsewhere"))
    assert '"detector": "rules"' in CliRunner().invoke(app, ["signals", "current"]).output


def test_the_heads_read_the_rules_pattern_hits_and_refuse_other_rules(tiny_signals, monkeypatch):
    from model.signals import learned, rules
    from model.signals.learned import SignalModelError

    _, directory, texts = tiny_signals
    model = SignalModel(directory)
    recorded = model.meta["rule_features"]
    assert recorded["version"] == rules.PATTERNS_VERSION and len(recorded["patterns"]) == len(rules.PATTERNS)
    gas = "楼道里煤气味很重，已经有人头晕了"
    hits = rules.pattern_hits([gas])[0]
    named = {name.split(":", 1)[0] for (name, _), hit in zip(rules.PATTERNS, hits) if hit}
    assert {"立即办", "安全隐患", "人身安全"} <= named
    features = model.features([gas, "请问办理居住证需要哪些材料"])
    assert features.shape == (2, model.meta["embedding"]["dimensions"] + len(rules.PATTERNS))
    assert features[0, -len(rules.PATTERNS):].tolist() == hits.tolist() and features[1, -len(rules.PATTERNS):].sum() == 0
    assert model.heads.mean.shape == (features.shape[1],)
    monkeypatch.setattr(learned, "PATTERNS_VERSION", "changed-rule")   # a rule edited since the model was trained
    with pytest.raises(SignalModelError, match="retrain it"):
        SignalModel(directory)
