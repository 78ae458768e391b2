"""`jiesu retrain`: continue from the current model on the corpus and the agents' decisions, calibrate, export a
new version, compare it with the current one on the same held-out sets, and let the gate decide.

Nothing here touches the registry: a failed retraining leaves the current model serving, and promotion is the
caller's decision after reading the gate."""
from __future__ import annotations

import json
import logging
import math
import random
import shutil
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from catalog import Catalogue
from catalog.deadlines import TZ
from model.classifier import LABELS_FILE, TOKENIZER_FILE, Classifier, read_meta
from model.labels import LabelSet
from model.space import carry_leaves, prototype_texts
from training.classifier import data as cdata
from training.classifier.config import TrainConfig, torch_threads
from training.classifier.export import export_model, load_torch_model, write_meta
from training.classifier.modeling import HierarchicalClassifier
from training.classifier.train import Prepared, calibrate, model_version, pooled_embeddings, run_epochs
from training.evaluation.harness import classifier_predictions
from training.evaluation.metrics import Predictions, tune_class_thresholds
from training.retrain import compare, gate
from training.retrain.corrections import Decision, as_examples, carry, held_out

log = logging.getLogger(__name__)
REPORT_JSON, REPORT_MD = "retrain-report.json", "retrain-report.md"


@dataclass
class RetrainResult:
    directory: Path
    report: dict

    @property
    def passed(self) -> bool:
        return self.report["gate"]["passed"]

    @property
    def version(self) -> str:
        return self.report["new_version"]


def retrain_config(current: Path, overrides: TrainConfig | None) -> TrainConfig:
    """The current model's own config (it is continued), unless one is given."""
    return overrides or TrainConfig.model_validate(read_meta(current)["config"])


def continued_config(config: TrainConfig) -> TrainConfig:
    """[train] as retraining runs it: its epochs, learning rates scaled down, no head initialisation."""
    r = config.retrain
    train = config.train.model_copy(update={"epochs": r.epochs, "lr_encoder": config.train.lr_encoder * r.lr_scale,
                                            "lr_heads": config.train.lr_heads * r.lr_scale,
                                            "patience": max(r.epochs, 1)})
    return config.model_copy(update={"train": train})


def served_leaves(current: Classifier) -> list[str]:
    return sorted(current.leaves)


def grown_model(current_dir: Path, labels: LabelSet, catalogue: Catalogue, config: TrainConfig, tokenizer,
                pad_id: int) -> HierarchicalClassifier:
    """The current model with heads for the new label set: known classes keep their rows, a leaf carried under a
    new code keeps its source's row, and new classes start at the embedding of their description and examples."""
    old = load_torch_model(current_dir)
    old_labels = LabelSet.load(current_dir / LABELS_FILE)
    steps = catalogue.changes.chain(old_labels.catalogue_version, catalogue.version)
    source = {codes[0]: leaf for leaf, (codes, split) in carry_leaves(old_labels.leaves, steps).items()
              if len(codes) == 1 and not split}
    model = HierarchicalClassifier(old.encoder, labels.sizes(), config.train.cosine_scale, config.train.dropout,
                                   config.base.pooling)
    fresh: list[tuple[int, int, str]] = []
    with torch.no_grad():
        for level, codes in enumerate(labels.levels):
            old_index = old_labels._index[level]
            for row, code in enumerate(codes):
                origin = code if code in old_index else source.get(code) if level == len(code) // 2 - 1 else None
                if origin is not None and origin in old_index:
                    model.heads[level].weight[row] = old.heads[level].weight[old_index[origin]]
                    model.heads[level].bias[row] = old.heads[level].bias[old_index[origin]]
                else:
                    fresh.append((level, row, code))
                    model.heads[level].bias[row] = old.heads[level].bias.mean()
        if fresh:
            texts = [" ".join(prototype_texts(catalogue, code))[:500] for _, _, code in fresh]
            vectors = pooled_embeddings(model, tokenizer, [config.base.prefix + t for t in texts], pad_id)
            for (level, row, _), vector in zip(fresh, vectors):
                model.heads[level].weight[row] = vector
    if config.train.freeze_embeddings:
        model.encoder.embeddings.word_embeddings.weight.requires_grad_(False)
    return model


def prepare_data(config: TrainConfig, catalogue: Catalogue, leaves: list[str], train_decisions: list[Decision],
                 now: datetime, texts=None) -> dict[str, list[cdata.Example]]:
    """The corpus split over the served leaves (training side less the config's withheld leaves) and the agents'
    decisions, weighted, added to the training side."""
    splits = cdata.corpus_split(catalogue, config.data, texts, leaves=set(leaves))
    withheld = set(config.data.exclude_leaves)
    splits["train"] = [e for e in splits["train"]   # a withheld leaf keeps its catalogue description only
                       if e.leaf not in withheld or e.text == cdata.description_text(catalogue, e.leaf)]
    splits["dev"] = [e for e in splits["dev"] if e.leaf not in withheld]
    splits["train"] = rehearsal(splits["train"], config.retrain.history_sample, config.train.seed)
    splits["train"] += as_examples(train_decisions, config.retrain, now)
    return splits


def rehearsal(examples: list[cdata.Example], share: float, seed: int) -> list[cdata.Example]:
    """A seeded share of each leaf's examples (at least one per leaf), in their original order."""
    if share >= 1.0:
        return examples
    by_leaf: dict[str, list[int]] = {}
    for i, example in enumerate(examples):
        by_leaf.setdefault(example.leaf, []).append(i)
    rng, kept = random.Random(seed), set()
    for leaf in sorted(by_leaf):
        indices = by_leaf[leaf]
        kept.update(rng.sample(indices, max(1, math.ceil(share * len(indices)))))
    return [e for i, e in enumerate(examples) if i in kept]


def predictions(classifier: Classifier, examples: list[cdata.Example], desc: str) -> Predictions:
    if not examples:
        return Predictions([], [], np.zeros((0, 1)))
    return classifier_predictions(classifier, examples, desc=desc)


def compare_models(old: Classifier, new: Classifier, test: list[cdata.Example], holdout: list[Decision],
                   trained_before: set[str], catalogue: Catalogue) -> tuple[dict, dict]:
    """Old and new headline figures on the fixed held-out set (all leaves, the ones the old model knew, the new
    ones) and on the held-out corrections; and the per-leaf changes on the fixed held-out set."""
    corrections = as_examples(holdout)
    old_test, new_test = predictions(old, test, "test: current"), predictions(new, test, "test: new")
    known = np.array([e.leaf in trained_before for e in test], dtype=bool)
    sets = {"test": compare.compare_set(old_test, new_test),
            "test_known": compare.compare_set(old_test.subset(known), new_test.subset(known)),
            "test_new": compare.compare_set(old_test.subset(~known), new_test.subset(~known)),
            "corrections": compare.compare_set(predictions(old, corrections, "corrections: current"),
                                               predictions(new, corrections, "corrections: new"))}
    return sets, compare.leaf_changes(old_test, new_test, catalogue) if len(old_test) else {}


def leaf_thresholds(classifier: Classifier, dev: list[cdata.Example], config: TrainConfig) -> dict[str, float]:
    """Per predicted leaf, the lowest dev threshold reaching the precision target (finite ones only)."""
    tuned = tune_class_thresholds(predictions(classifier, dev, "dev thresholds"), config.retrain.precision_target,
                                  config.retrain.min_support)
    return {code: float(t) for code, t in tuned.items() if np.isfinite(t)}


def retrain(*, home: Path, catalogue: Catalogue, current: Path, decisions: list[Decision],
            config: TrainConfig | None = None, now: datetime | None = None, out_root: Path | None = None,
            progress: bool = True, texts=None,
            on_progress: Callable[[str, float], None] = lambda stage, fraction: None) -> RetrainResult:
    """Train a new version from `current`; returns its directory and the comparison report (not promoted)."""
    now = now or datetime.now(TZ)
    config = retrain_config(current, config)
    torch.set_num_threads(torch_threads(config))
    started = time.monotonic()
    decisions, dropped = carry(decisions, catalogue)
    new_leaves = {d.leaf for d in decisions}
    old = Classifier(current, catalogue=catalogue, new_leaves=new_leaves)
    trained_before = {leaf for leaf, ok in zip(old.leaves, old.trained) if ok}
    leaves = served_leaves(old)
    train_decisions, holdout = held_out(decisions, config.retrain.holdout)
    splits = prepare_data(config, catalogue, leaves, train_decisions, now, texts)
    meta = read_meta(current)
    tokenizer = cdata.load_tokenizer(current / TOKENIZER_FILE, config.data.max_length)
    labels = cdata.label_set_for(catalogue, leaves)
    run = continued_config(config)
    model = grown_model(current, labels, catalogue, run, tokenizer, meta["pad_id"])
    datasets = {side: cdata.to_dataset(examples, labels, tokenizer, config.base.prefix)
                for side, examples in splits.items() if examples}
    prep = Prepared(model, tokenizer, meta["pad_id"], labels, datasets, meta.get("base", {}))
    loop = run_epochs(prep, run, progress, on_step=lambda done, total: on_progress("训练", 0.8 * done / total))
    on_progress("校准与导出", 0.82)
    calibration, lexical = calibrate(prep, run)
    version = model_version(config, now)
    directory = (out_root or home / "models") / version
    training = {"seconds": round(time.monotonic() - started, 1), "epochs_run": loop.epochs_run,
                "stopped": loop.stopped, "history": loop.history, "from_version": old.version,
                "examples": {side: len(ds) for side, ds in datasets.items()}}
    try:
        export_model(prep, config, directory, version=version, calibration=calibration, training=training,
                     created_at=now, lexical=lexical, parent=current)
        new = Classifier(directory, catalogue=catalogue)
        new.meta["calibration"]["leaf_thresholds"] = _record_thresholds(directory, leaf_thresholds(new, splits["dev"],
                                                                                                   config))
        on_progress("新旧模型对比评估", 0.9)
        sets, leaves_report = compare_models(old, new, splits["test"], holdout, trained_before, catalogue)
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        shutil.rmtree(directory.with_name(directory.name + ".partial"), ignore_errors=True)
        raise
    report = {"old_version": old.version, "new_version": version, "catalogue_version": catalogue.version,
              "created_at": now.isoformat(), "training": {**training, "seconds": round(time.monotonic() - started, 1)},
              "decisions": {"train": len(train_decisions), "held_out": len(holdout),
                            "dropped": dict(dropped), "new_leaves_trained": sorted(set(leaves) - trained_before)},
              "sets": sets, "leaves": leaves_report, "gate": gate.decide(sets, config.retrain)}
    (directory / REPORT_JSON).write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    (directory / REPORT_MD).write_text(compare.markdown(report), encoding="utf-8")
    return RetrainResult(directory, report)


def _record_thresholds(directory: Path, thresholds: dict[str, float]) -> dict[str, float]:
    meta = read_meta(directory)
    meta["calibration"]["leaf_thresholds"] = thresholds
    write_meta(directory, meta)
    return thresholds
