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
    assert [m["fine_tuned"] for m in model.meta["embedding"]["members"]] == [True, False]
    served = model.embed([t.text for t in texts[:8]]) * 2 ** 0.5           # the two members' rows, side by side
    untouched = BaseEmbedder(base, (2,), 64).encode([model_text(t.text) for t in texts[:8]])
    tuned, frozen = served[:, :32], served[:, 32:]
    assert served.shape == (8, 64) and np.allclose((frozen * untouched).sum(axis=1), 1, atol=1e-4)
    assert (tuned * untouched).sum(axis=1).min() < 0.99                   # the fine-tuned member moved


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


def test_the_joint_head_is_the_weighted_sum_of_the_fine_tuned_and_the_frozen_heads():
    from model.signals.learned import Heads
    from training.signals.joint import joint_heads

    rng = np.random.default_rng(7)
    n, d1, d2, r = 60, 4, 6, 3
    labels = rng.random((n, len(LABELS))) < 0.4
    hits = (rng.random((n, r)) < 0.3).astype(np.float32)
    x_tuned, x_frozen = rng.normal(size=(n, d1)), rng.normal(size=(n, d2))

    def heads(dimensions, mean, scale):
        arrays = {"mean": mean, "scale": scale, "weights": rng.normal(size=(len(LABELS), dimensions + r)),
                  "bias": rng.normal(size=len(LABELS)), "platt": np.ones((len(LABELS), 2)),
                  "thresholds": np.zeros(len(LABELS))}
        return arrays, Heads(arrays, LABELS)

    tuned, tuned_heads = heads(d1, np.zeros(d1 + r), np.r_[np.full(d1, 0.125), np.ones(r)])
    frozen, frozen_heads = heads(d2, rng.normal(size=d2 + r), rng.random(d2 + r) + 0.5)
    s_tuned, s_frozen = (tuned_heads.scores(np.hstack([x_tuned, hits])),
                         frozen_heads.scores(np.hstack([x_frozen, hits])))
    reports = [{label: {"oof_scores": s[:, j] + rng.normal(size=n)} for j, label in enumerate(LABELS)}
               for s in (s_tuned, s_frozen)]
    arrays, report = joint_heads((tuned, reports[0]), (frozen, reports[1]), labels, d1, r)
    joint = Heads(arrays, LABELS).scores(np.hstack([np.hstack([x_tuned, x_frozen]) / 2 ** 0.5, hits]))
    for j, label in enumerate(LABELS):
        share = report[label]["fine_tuned_share"]
        expected = (share * s_tuned[:, j] / reports[0][label]["oof_scores"].std()
                    + (1 - share) * s_frozen[:, j] / reports[1][label]["oof_scores"].std())
        assert np.allclose(joint[:, j], expected, atol=1e-4), label


def test_each_label_weighs_the_member_that_ranks_it_better():
    from training.signals.joint import _choose_weight

    rng = np.random.default_rng(7)
    y = np.r_[np.ones(50), np.zeros(150)].astype(int)
    informative, noise = y + rng.normal(scale=0.5, size=200), rng.normal(size=200)
    assert _choose_weight(informative, noise, y) == 1.0
    assert _choose_weight(noise, informative, y) == 0.0
    half = rng.normal(size=200)
    first, second = y + half, y - half                                 # each alone is noisy; their sum is exact
    assert _choose_weight(first, second, y) == 0.5


@pytest.fixture(scope="module")
def three_layer_base(tmp_path_factory, demo_catalogue):
    pytest.importorskip("torch")
    from tests.ml_factories import tiny_base
    from tests.signal_factories import few_texts

    texts = few_texts(demo_catalogue)
    base = tiny_base(tmp_path_factory.mktemp("three-layers"), [t.text for t in texts] + ["query: "], layers=3)
    return base, texts


def test_the_cached_frozen_layers_give_the_embedding_the_whole_encoder_gives(three_layer_base):
    from training.signals.bottom import bottom_states, top_pool
    from training.signals.embed import BaseEmbedder

    base, texts = three_layer_base
    embedder = BaseEmbedder(base, (2, 3), 64)
    inputs = [embedder.prefix + model_text(t.text) for t in texts[:12]]
    bottom = bottom_states(embedder, inputs, depth=2, progress=False)
    assert [s.shape[0] for s in bottom.states] == [len(embedder.tokenizer(t, truncation=True, max_length=64)
                                                       ["input_ids"]) for t in inputs]
    import torch

    with torch.inference_mode():
        cached = top_pool(embedder, bottom, np.arange(12)).numpy()
    assert np.allclose(cached, embedder.encode([model_text(t.text) for t in texts[:12]]), atol=1e-5)


def test_fine_tuning_the_top_layers_leaves_the_bottom_as_the_base_built_it(three_layer_base):
    import torch

    from training.signals.data import labels_of
    from training.signals.embed import BaseEmbedder
    from training.signals.finetune import FineTuneConfig, fine_tune, head_scores

    base, texts = three_layer_base
    embedder, untouched = BaseEmbedder(base, (3,), 64), BaseEmbedder(base, (3,), 64)
    words = [t.text for t in texts]
    hits = np.zeros((len(texts), 0), np.float32)
    config = FineTuneConfig(epochs=30, batch_size=8, lr_encoder=5e-3, lr_head=5e-2, folds=2, train_layers=1)
    head = fine_tune(embedder, words, labels_of(texts), hits, config, seed=7, progress=False)
    layers, before = embedder.model.encoder.layer, untouched.model.encoder.layer
    assert all(torch.equal(a, b) for a, b in zip(layers[:2].state_dict().values(), before[:2].state_dict().values()))
    assert all(torch.equal(a, b) for a, b in zip(embedder.model.embeddings.state_dict().values(),
                                                untouched.model.embeddings.state_dict().values()))
    assert not all(torch.equal(a, b) for a, b in zip(layers[2].state_dict().values(), before[2].state_dict().values()))
    scores = head_scores(embedder, head, words, hits, config)           # every layer run from the tokens
    assert scores.shape == (len(texts), len(LABELS))
    learned = [auc(scores[:, j], labels_of(texts)[:, j]) for j in range(len(LABELS))]
    assert min(learned) > 0.8 and np.mean(learned) > AUC, learned      # one random layer learning: 0.5 unlearnt


def test_the_top_layers_cannot_be_fine_tuned_under_a_frozen_pooled_layer(three_layer_base):
    from training.signals.bottom import frozen_depth
    from training.signals.embed import BaseEmbedder
    from training.signals.finetune import FineTuneConfig

    base, _ = three_layer_base
    with pytest.raises(ValueError, match="keeps layers 1–2 frozen, but the embedding pools layer 1"):
        frozen_depth(BaseEmbedder(base, (1, 3), 64), 1)
    assert frozen_depth(BaseEmbedder(base, (3,), 64), 1) == 2
    assert frozen_depth(BaseEmbedder(base, (3,), 64), 0) == 0 == frozen_depth(BaseEmbedder(base, (3,), 64), 3)
    with pytest.raises(ValueError, match="top 4 layers of an encoder with 3: give 1–3, or 0 for every layer"):
        frozen_depth(BaseEmbedder(base, (3,), 64), 4)
    with pytest.raises(ValueError, match="train_layers must be 0"):
        FineTuneConfig(train_layers=-1)


def test_the_command_refuses_top_layers_under_a_frozen_pooled_layer_before_training(monkeypatch, tmp_path,
                                                                                   three_layer_base):
    from typer.testing import CliRunner

    from serving.cli import app

    monkeypatch.setenv("JIESU_HOME", str(tmp_path))
    base, _ = three_layer_base
    result = CliRunner().invoke(app, ["signals", "train", "--fine-tune", "--train-layers", "1", "--layers", "2,3",
                                      "--base", str(base), "--no-lexical"])
    assert result.exit_code != 0 and "pool only layers above 2" in result.output
    assert not (tmp_path / "signals").exists() or not any((tmp_path / "signals").glob("signals-*"))
