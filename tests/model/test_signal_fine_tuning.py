"""Fine-tuned signal heads on a tiny fixture: the encoder learns with its heads, is cross-fitted for calibration,
and is served from the same plain files as the frozen model (onnxruntime, no torch)."""
from __future__ import annotations

import numpy as np
import pytest

from model.signals.learned import HEADS_FILE, LABELS, SignalModel, model_text
from tests.model.test_signal_model import AUC, auc


@pytest.fixture(scope="module")
def fine_tuned(tmp_path_factory, demo_catalogue):
    pytest.importorskip("torch")
    pytest.importorskip("onnxruntime")
    from tests.signal_factories import tiny_fine_tuned

    return tiny_fine_tuned(tmp_path_factory.getbasetemp(), demo_catalogue)


def test_the_fine_tuned_encoder_is_served_from_plain_files_and_matches_torch(fine_tuned):
    from training.signals.embed import BaseEmbedder

    _, directory, texts, base = fine_tuned
    assert {p.name for p in directory.iterdir()} == {"meta.json", HEADS_FILE, "encoder.onnx", "tokenizer.json"}
    model = SignalModel(directory)
    assert model.meta["parity"]["cosine_min"] > 0.9999
    assert model.meta["config"]["fine_tune"]["folds"] == 2 and set(model.meta["fine_tuned"]) == {"cross_fitting",
                                                                                                 "final"}
    served = model.embed([t.text for t in texts[:8]])
    untouched = BaseEmbedder(base, (2,), 64).encode([model_text(t.text) for t in texts[:8]])
    assert served.shape == untouched.shape and (served * untouched).sum(axis=1).min() < 0.99   # the encoder moved


def test_fine_tuned_heads_learn_their_labels_with_thresholds_from_out_of_fold_scores(fine_tuned):
    from training.signals.data import labels_of

    _, directory, texts, _ = fine_tuned
    model = SignalModel(directory)
    probabilities, truth = model.probabilities([t.text for t in texts]), labels_of(texts)
    assert ((probabilities >= 0) & (probabilities <= 1)).all()
    for j, label in enumerate(LABELS):
        assert auc(probabilities[:, j], truth[:, j]) > AUC, label
    report = model.meta["cross_validated"]
    assert report["立即办"]["recall"] >= 0.98 and report["立即办"]["support"] == int(truth[:, 0].sum())
    assert np.allclose(model.heads.thresholds, [report[label]["threshold"] for label in LABELS])


def test_fine_tuning_settings_are_checked():
    from training.signals.finetune import FineTuneConfig, folds_of
    from training.signals.train import SignalConfig

    with pytest.raises(ValueError, match="at least 2 folds"):
        FineTuneConfig(folds=1)
    with pytest.raises(ValueError, match="epochs must be at least 1"):
        FineTuneConfig(epochs=0)
    with pytest.raises(ValueError, match="only the base encoder"):
        SignalConfig(source="classifier", fine_tune=FineTuneConfig())
    labels = np.zeros((10, len(LABELS)), bool)
    labels[:2, 0] = True
    with pytest.raises(ValueError, match="3 folds need at least 3 texts with and without 立即办"):
        folds_of(labels, 3, seed=7)


def test_the_command_refuses_to_fine_tune_another_source(monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from serving.cli import app

    monkeypatch.setenv("JIESU_HOME", str(tmp_path))
    result = CliRunner().invoke(app, ["signals", "train", "--fine-tune", "--source", "classifier"])
    assert result.exit_code != 0 and "--source base" in result.output
