"""The classifier end to end on a tiny locally built encoder: training, calibration, export, ONNX parity,
decoding, abstain, the catalogue-version guard and the predict command."""
import json
import shutil

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("onnxruntime")

from typer.testing import CliRunner  # noqa: E402

from model.classifier import Classifier, ModelError  # noqa: E402
from model.labels import ancestors_of  # noqa: E402
from serving.cli import app  # noqa: E402
from tests.conftest import TINY_LEAVES  # noqa: E402
from training.classifier.calibration import fit_temperature, nll  # noqa: E402
from training.classifier.config import ConfigError, load_config  # noqa: E402

LEAVES = TINY_LEAVES


@pytest.fixture(scope="module")
def catalogue(demo_catalogue):
    return demo_catalogue


def meta_of(directory):
    return json.loads((directory / "meta.json").read_text(encoding="utf-8"))


def test_training_learns_and_records_its_config_metrics_and_catalogue(trained, catalogue):
    directory, _ = trained
    meta = meta_of(directory)
    history = meta["training"]["history"]
    assert history[-1]["loss"] < history[0]["loss"]
    assert meta["calibration"]["dev_leaf_acc"] > 2 / LEAVES          # chance is 1/6
    assert meta["catalogue_version"] == catalogue.version
    assert meta["config"]["data"]["limit_leaves"] == LEAVES and meta["leaves"] == LEAVES
    assert {"model.onnx", "model.int8.onnx", "tokenizer.json", "labels.json", "meta.json"} <= {
        p.name for p in directory.iterdir()}


def test_onnx_matches_torch_on_a_fixed_set(trained):
    parity = meta_of(trained[0])["parity"]
    assert parity["texts"] >= 10
    assert parity["fp32_same_top3"] == 1.0
    assert parity["fp32_max_prob_diff"] < 1e-3


def test_predictions_are_valid_catalogue_paths_with_sorted_probabilities(trained, catalogue):
    directory, texts = trained
    classifier = Classifier(directory, catalogue_version=catalogue.version)
    predictions = classifier.predict([t.body for t in texts[:20]], [t.title for t in texts[:20]], k=5)
    for prediction in predictions:
        scores = [p.score for p in prediction.paths]
        assert scores == sorted(scores, reverse=True) and 0 < sum(scores) <= 1 + 1e-9
        for path in prediction.paths:
            assert path.codes == tuple(ancestors_of(path.leaf)) and catalogue.get(path.leaf).is_leaf
            assert path.names == tuple(catalogue.get(c).name for c in path.codes)


def test_the_served_model_mixes_the_encoder_with_its_lexical_leaf_model_at_the_weight_chosen_on_dev(trained):
    from model.labels import log_softmax, path_scores, softmax
    from model.lexical import LexicalLeaves, mixed_log_probabilities

    directory, texts = trained
    mixture = meta_of(directory)["calibration"]["mixture"]
    assert 0 < mixture["weight"] < 1 and mixture["kept_weights"] > 0
    assert max(t["dev_leaf_acc"] for t in mixture["tried_on_dev"]) >= mixture["dev_leaf_acc_encoder"]
    served, encoder = Classifier(directory), Classifier(directory, lexical=False)
    bodies = [t.body for t in texts[:12]]
    logits, _ = encoder.forward(bodies)
    model_logp = log_softmax(path_scores(logits, encoder.paths, encoder.weights) / encoder.temperature)
    lexical = LexicalLeaves.load(directory / "lexical.npz")
    expected = softmax(mixed_log_probabilities(model_logp, lexical.log_probabilities(encoder.inputs(bodies)),
                                               mixture["weight"]) / mixture["temperature"])
    top, probs = served.probabilities(bodies, k=3)
    assert np.allclose(probs, np.take_along_axis(expected, top, axis=1), atol=1e-5)
    assert encoder.lexical is None and not np.allclose(encoder.probabilities(bodies, k=3)[1], probs)


def test_under_a_changed_catalogue_only_leaves_carried_one_to_one_keep_their_lexical_scores(trained, tmp_path):
    from catalog import load_catalogue
    from tests.catalog.changed import ADDED, MERGED_INTO, RENAMED, SPLIT, SPLIT_PART, write_changed_catalogue

    directory, texts = trained
    catalogue = load_catalogue(write_changed_catalogue(tmp_path / "v2"))
    served = Classifier(directory, catalogue=catalogue)
    columns = dict(zip(served.leaves, served.lexical_columns))
    assert columns[RENAMED] == served.lexical.leaves.index(RENAMED)
    assert all(columns[leaf] == -1 for leaf in (ADDED, SPLIT, SPLIT_PART, MERGED_INTO))   # the encoder's own
    prediction = served.predict([t.body for t in texts[:5]], k=len(served.leaves))
    assert all({p.leaf for p in row.paths} <= set(served.leaves) and sum(p.score for p in row.paths) <= 1 + 1e-6
               for row in prediction)


def test_a_model_directory_missing_its_lexical_file_is_refused_with_the_fix(trained, tmp_path):
    copy = tmp_path / "model"
    shutil.copytree(trained[0], copy)
    (copy / "lexical.npz").unlink()
    with pytest.raises(ModelError, match="lexical.npz is missing.*copy the whole model directory"):
        Classifier(copy)
    assert Classifier(copy, lexical=False).predict(["路灯不亮"])[0].paths


def test_many_texts_pass_the_encoder_a_bounded_batch_at_a_time_and_come_back_in_order(trained, monkeypatch):
    import model.classifier as module

    directory, texts = trained
    one_by_one = [Classifier(directory).predict([t.body])[0] for t in texts[:7]]
    classifier, rows = Classifier(directory), []
    run = classifier.run
    monkeypatch.setattr(module, "PASS_SIZE", 3)
    monkeypatch.setattr(classifier, "run", lambda ids, mask: rows.append(len(ids)) or run(ids, mask))
    together = classifier.predict([t.body for t in reversed(texts[:7])])[::-1]
    assert rows == [3, 3, 1]
    for alone, batched in zip(one_by_one, together):
        assert [p.leaf for p in alone.paths] == [p.leaf for p in batched.paths]
        assert np.allclose([p.score for p in alone.paths], [p.score for p in batched.paths], atol=1e-5)
    assert classifier.embed([t.body for t in texts[:7]]).shape[0] == 7


def test_traditional_characters_are_read_as_simplified(trained):
    classifier = Classifier(trained[0])
    simplified, traditional = classifier.predict(["小区里的垃圾没人清运，臭气熏天", "小區裡的垃圾沒人清運，臭氣熏天"])
    assert [p.leaf for p in simplified.paths] == [p.leaf for p in traditional.paths]
    assert np.allclose([p.score for p in simplified.paths], [p.score for p in traditional.paths])


def test_abstain_follows_the_calibrated_threshold(trained, tmp_path):
    directory = shutil.copytree(trained[0], tmp_path / "m")
    meta = meta_of(directory)
    text = ["小区门口垃圾堆了好几天没人清运"]
    top = Classifier(directory).predict(text)[0].paths[0].score
    for threshold, abstain in ((top + 0.01, True), (top - 0.01, False)):
        meta["calibration"]["thresholds"][str(meta["calibration"]["abstain_precision"])] = threshold
        (directory / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        assert Classifier(directory).predict(text)[0].abstain is abstain


def test_a_model_for_another_catalogue_version_is_refused(trained):
    with pytest.raises(ModelError, match="built for catalogue .* the active catalogue is 9.9.9"):
        Classifier(trained[0], catalogue_version="9.9.9")


def test_leaves_the_active_catalogue_lacks_are_never_returned(trained):
    classifier = Classifier(trained[0], allowed_leaves=set(list(Classifier(trained[0]).labels.leaves)[:2]))
    for prediction in classifier.predict(["垃圾没人清运", "路面脏"], k=5):
        assert len(prediction.paths) == 2
        assert {p.leaf for p in prediction.paths} <= set(classifier.labels.leaves[:2])


def test_predict_command_reports_bad_lines_and_classifies_the_rest(trained, tmp_path, monkeypatch):
    monkeypatch.setenv("JIESU_HOME", str(tmp_path))
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": "a", "text": "小区垃圾没人清运"}\n{"id": "b"\n{"id": "c", "text": "道路不干净", '
                      '"title": "保洁"}\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["predict", "--input", str(source), "--output", str(out),
                                      "--model", str(trained[0]), "--top-k", "2"])
    assert result.exit_code == 1
    assert f"{source}:2: not JSON" in result.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r.get("id") for r in rows] == ["a", None, "c"] and rows[1]["line"] == 2
    assert len(rows[0]["paths"]) == 2 and isinstance(rows[0]["abstain"], bool)
    assert rows[0]["paths"][0]["codes"][-1] in Classifier(trained[0]).labels.leaves


def test_predict_without_a_model_says_how_to_get_one(tmp_path, monkeypatch):
    monkeypatch.setenv("JIESU_HOME", str(tmp_path))
    (tmp_path / "in.jsonl").write_text('{"id": 1, "text": "路灯坏了"}\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["predict", "--input", str(tmp_path / "in.jsonl")])
    assert result.exit_code == 1 and "jiesu train --config quick.toml" in result.output


def test_temperature_scaling_lowers_dev_nll():
    rng = np.random.default_rng(3)
    gold = rng.integers(0, 5, 200)
    scores = rng.normal(size=(200, 5))
    scores[np.arange(200), gold] += 1.0
    overconfident = scores * 8
    temperature = fit_temperature(overconfident, gold)
    assert temperature > 2
    assert nll(overconfident, gold, temperature) < nll(overconfident, gold, 1.0)


def test_config_rejects_unknown_keys_and_bad_overrides():
    with pytest.raises(ConfigError, match="train.epoch: Extra inputs"):
        load_config("quick.toml", ["train.epoch=2"])
    with pytest.raises(ConfigError, match="section.key=value"):
        load_config("quick.toml", ["epochs"])
    with pytest.raises(ConfigError, match="level_weights"):
        load_config("quick.toml", ["train.level_weights=[1, 1]"])
    assert load_config("default.toml", ["train.epochs=1", "base.path=/x"]).train.epochs == 1
    with pytest.raises(ConfigError, match="no such config"):
        load_config("nope.toml")


def test_the_service_takes_the_current_model_and_falls_back_softly(trained, catalogue, tmp_path):
    from datetime import datetime

    from catalog.deadlines import TZ
    from model.keyword import KeywordSuggester
    from model.registry import Registry
    from model.suggester import ClassifierSuggester
    from serving.app import make_suggester

    assert isinstance(make_suggester("auto", catalogue, tmp_path), KeywordSuggester)   # no model yet
    with pytest.raises(ValueError, match="no current model"):
        make_suggester("classifier", catalogue, tmp_path)
    directory = shutil.copytree(trained[0], tmp_path / "models" / trained[0].name)
    Registry.under(tmp_path).promote(directory.name, by="test", reason="first", at=datetime.now(TZ))
    suggester = make_suggester("auto", catalogue, tmp_path)
    assert isinstance(suggester, ClassifierSuggester) and suggester.version.startswith("classifier:")
    candidates = suggester.suggest("小区垃圾好几天没人清运", k=2)
    assert len(candidates) == 2 and candidates[0].probability >= candidates[1].probability
    labels = json.loads((directory / "labels.json").read_text(encoding="utf-8"))
    labels["catalogue_version"] = "0.0.1+old"
    (directory / "labels.json").write_text(json.dumps(labels, ensure_ascii=False), encoding="utf-8")
    assert isinstance(make_suggester("auto", catalogue, tmp_path), KeywordSuggester)
    with pytest.raises(ModelError, match="built for catalogue 0.0.1"):
        make_suggester("classifier", catalogue, tmp_path)


def test_the_export_returns_the_normalised_pooled_text_beside_the_logits(trained):
    import torch

    from training.classifier.export import load_torch_model

    directory, texts = trained
    onnx = Classifier(directory)
    sample = [t.text for t in texts[:4]]
    vectors = onnx.embed(sample)
    assert onnx.embeds and vectors.shape[0] == 4
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    with torch.no_grad():
        ids, mask = onnx.encode(sample)
        pooled = load_torch_model(directory).pooled(torch.from_numpy(ids), torch.from_numpy(mask))
    assert np.allclose(vectors, torch.nn.functional.normalize(pooled, dim=-1).numpy(), atol=1e-4)
    predictions, again = onnx.analyse(sample, k=2)
    assert predictions == onnx.predict(sample, k=2) and np.allclose(again, vectors)


def test_the_model_records_its_training_texts_and_eval_refuses_a_split_it_has_seen(trained, catalogue, tmp_path):
    from training.classifier.config import DataSection
    from training.classifier.data import (TRAINING_TEXTS_FILE, corpus_split, input_digest, model_inputs,
                                          seen_in_training)
    from training.evaluation.harness import run_eval

    directory, texts = trained
    meta = meta_of(directory)
    splits = corpus_split(catalogue, DataSection.model_validate(meta["config"]["data"]), texts)
    held_out = splits["test"] + splits["dev"]
    assert seen_in_training(directory, splits["train"], meta["prefix"]) == len(splits["train"])
    assert held_out and seen_in_training(directory, held_out, meta["prefix"]) == 0
    summary = run_eval(directory, catalogue, tmp_path / "clean", with_baseline=False, latency_n=0)
    assert summary["extra"]["held_out_checked"] is True
    leaky = tmp_path / "leaky"
    shutil.copytree(directory, leaky)
    with (leaky / TRAINING_TEXTS_FILE).open("a", encoding="utf-8") as f:
        f.write(input_digest(model_inputs(splits["test"][:1], meta["prefix"])[0]) + "\n")
    with pytest.raises(ModelError, match=r"1 of the test and dev texts were in .* Retrain it"):
        run_eval(leaky, catalogue, tmp_path / "leaky-out", with_baseline=False, latency_n=0)


def test_a_retrained_model_records_its_parent_training_texts_too(tmp_path):
    from training.classifier.data import TRAINING_TEXTS_FILE, input_digest, write_training_texts

    parent, child = tmp_path / "parent", tmp_path / "child"
    parent.mkdir(), child.mkdir()
    write_training_texts(parent, ["query: 楼道灯坏了", "query: 路灯不亮"])
    write_training_texts(child, ["query: 垃圾没人清"], parent)
    recorded = set((child / TRAINING_TEXTS_FILE).read_text(encoding="utf-8").split())
    assert recorded == {input_digest(t) for t in ("query: 楼道灯坏了", "query: 路灯不亮", "query: 垃圾没人清")}


def test_the_dispatch_eval_refuses_a_history_whose_queries_the_model_was_trained_on(trained, catalogue):
    from training.classifier.config import DataSection
    from training.classifier.data import corpus_split
    from training.evaluation.dispatch import check_held_out

    directory, texts = trained
    classifier = Classifier(directory, catalogue_version=catalogue.version)
    splits = corpus_split(catalogue, DataSection.model_validate(meta_of(directory)["config"]["data"]), texts)
    rows = [{"title": e.title, "text": e.text} for e in splits["test"] + splits["dev"]]
    assert check_held_out(classifier, rows) is True
    leaked = rows + [{"title": e.title, "text": e.text} for e in splits["train"][:3]]
    with pytest.raises(ModelError, match=r"3 of the history's .* Generate the history again"):
        check_held_out(classifier, leaked)
