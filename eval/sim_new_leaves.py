"""Simulation: 100 leaves new to the model, served zero-shot, then learned from replayed agents' corrections.

    .venv/bin/python eval/sim_new_leaves.py --home var/sim [--leaves 100] [--limit-leaves 0] [--seed 2026] [--train]
                                            [--set retrain.history_sample=0.5 …] [--zero-shot-only]
                                            [--out var/sim/result.json]

`--limit-leaves N` runs it on the catalogue's first N leaves (the 100 new ones among them), where a 2-core
machine cannot train on all 1,538 in the time it has.

1. The model A under $HOME/models was trained without 100 leaves at all (`data.exclude_leaves`: as if the
   catalogue did not have them); `--train` trains it first (quick.toml, one epoch, no time budget: a current
   model of the size this 2-core machine trains in about ten minutes).
2. A serves the full catalogue: the 100 leaves zero-shot, from prototypes of their catalogue descriptions and
   examples (model.space).
3. Agents' corrections are replayed: every training-side corpus text of the 100 leaves becomes a decision (with
   A's top leaf as the suggestion), spread over the 60 days before now.
4. `retrain` continues A on the corpus and those decisions (model B) and writes its own comparison report.
5. A and B are scored on the fixed held-out test texts: the 100 leaves (their hand-written texts only: the
   catalogue's own examples shape the zero-shot prototypes, so they are not scored) and the other leaves; A on
   the other leaves also without the zero-shot ones (what serving them costs the rest).
6. `--reference`: R, the same recipe trained with every leaf from the start, scored on the same texts: the trained
   accuracy the new leaves should reach.

Prints one JSON object (and writes it to --out): accuracies, the change on the other leaves (B against A before
the new leaves existed), and the retraining time on this machine."""
from __future__ import annotations

import argparse
import json
import random
import time
from datetime import datetime, timedelta
from pathlib import Path

from catalog import load_catalogue
from catalog.deadlines import TZ
from model.classifier import Classifier, read_meta
from training.classifier.config import TrainConfig, apply_overrides, load_config
from training.classifier.data import corpus_split, description_text
from training.evaluation.harness import classifier_predictions
from training.evaluation.metrics import level_metrics
from training.retrain.corrections import Decision
from training.retrain.run import retrain


def pick_leaves(catalogue, count: int, seed: int, limit: int = 0) -> list[str]:
    leaves = [leaf.code for leaf in catalogue.leaves()]
    return sorted(random.Random(seed).sample(leaves[:limit] if limit else leaves, count))


def train_a(home: Path, leaves: list[str], limit: int, name: str = "sim-a") -> Path:
    """Model A (without `leaves`), or with `leaves` empty the reference R: the same recipe with every leaf."""
    from training.classifier.train import train_model

    config = load_config("quick.toml", [f"name={name}", "train.max_minutes=0", "train.epochs=1",
                                        f"data.limit_leaves={limit}", f"data.exclude_leaves={json.dumps(leaves)}",
                                        f"base.path={home.parent / 'base' / 'multilingual-e5-small-zh'}"])
    return train_model(config, home=home, catalogue=load_catalogue())


def reference(home: Path, limit: int) -> Path:
    """R, trained on every leaf from the start (the trained accuracy the new leaves should reach); trained once."""
    found = sorted((home / "models").glob("sim-r-*"))
    return found[-1] if found else train_a(home, [], limit, name="sim-r")


def trained_a(home: Path) -> Path:
    """The latest model A under home/models (trained from scratch: not a retraining of it)."""
    found = [d for d in sorted((home / "models").glob("sim-a-*"))
             if "from_version" not in read_meta(d)["training"]]
    if not found:
        raise SystemExit(f"no model A under {home / 'models'}; pass --train")
    return found[-1]


def replayed_decisions(a: Classifier, examples, now: datetime) -> list[Decision]:
    """Each text becomes an agent's decision for its leaf; the suggestion is what A proposed."""
    out = []
    for start in range(0, len(examples), 64):
        chunk = examples[start:start + 64]
        for offset, (example, prediction) in enumerate(zip(chunk, a.predict([e.text for e in chunk],
                                                                             [e.title for e in chunk], 1))):
            i = start + offset
            out.append(Decision(100000 + i, example.text, example.title, example.leaf, prediction.paths[0].leaf,
                                now - timedelta(minutes=i * 60 * 24 * 60 // max(1, len(examples))), a.labels.catalogue_version))
    return out


def scores(classifier: Classifier, examples, desc: str) -> dict:
    levels = level_metrics(classifier_predictions(classifier, examples, desc=desc))
    return {"n": len(examples), "leaf_acc1": levels["leaf"]["acc@1"], "leaf_acc3": levels["leaf"]["acc@3"],
            "level1_acc1": levels["level1"]["acc@1"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=Path("var/sim"))
    parser.add_argument("--leaves", type=int, default=100)
    parser.add_argument("--limit-leaves", type=int, default=0, help="Only the catalogue's first N leaves.")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--train", action="store_true", help="Train model A first.")
    parser.add_argument("--set", dest="overrides", action="append", default=[], help="Retrain config override.")
    parser.add_argument("--zero-shot-only", action="store_true", help="Score model A with the zero-shot leaves, "
                        "then stop (no replay, no retraining).")
    parser.add_argument("--reference", action="store_true", help="Also score R: the same recipe trained with every "
                        "leaf from the start (trained first if $HOME/models has no sim-r-*).")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    home = args.home.resolve()
    catalogue = load_catalogue()
    new = pick_leaves(catalogue, args.leaves, args.seed, args.limit_leaves)
    a_dir = train_a(home, new, args.limit_leaves) if args.train else trained_a(home)
    meta = read_meta(a_dir)
    assert sorted(meta["config"]["data"]["exclude_leaves"]) == new, "model A was trained without other leaves"
    config = TrainConfig.model_validate(apply_overrides(meta["config"], args.overrides))
    a = Classifier(a_dir, catalogue=catalogue, new_leaves=set(new))
    splits = corpus_split(catalogue, config.data.model_copy(update={"exclude_leaves": []}))   # A's split, all its leaves
    examples_of_catalogue = {e for leaf in catalogue.leaves() for e in leaf.dispatch.examples}
    new_set = set(new)
    written = [e for e in splits["train"] if e.leaf in new_set and e.text != description_text(catalogue, e.leaf)]
    decisions = replayed_decisions(a, written, datetime.now(TZ))
    test_new = [e for e in splits["test"] if e.leaf in new_set and e.text not in examples_of_catalogue]
    test_rest = [e for e in splits["test"] if e.leaf not in new_set]
    before = {"new": scores(a, test_new, "A: new leaves"), "rest": scores(a, test_rest, "A: other leaves"),
              "rest_without_new_leaves": scores(Classifier(a_dir), test_rest, "A alone: other leaves")}
    if args.reference:
        r = Classifier(reference(home, args.limit_leaves), catalogue=catalogue)
        before["reference"] = {"model": r.version, "new": scores(r, test_new, "R: new leaves"),
                               "rest": scores(r, test_rest, "R: other leaves")}
    if args.zero_shot_only:
        print(json.dumps({"model_a": a_dir.name, "new_leaves": len(new), "before": before}, ensure_ascii=False, indent=2))
        return
    started = time.monotonic()
    result = retrain(home=home, catalogue=catalogue, current=a_dir, decisions=decisions, config=config,
                     out_root=home / "models")
    seconds = round(time.monotonic() - started, 1)
    b = Classifier(result.directory, catalogue=catalogue)
    after = {"new": scores(b, test_new, "B: new leaves"), "rest": scores(b, test_rest, "B: other leaves")}
    summary = {"model_a": a_dir.name, "model_b": result.version, "new_leaves": len(new), "decisions": len(decisions),
               "corrections": sum(d.correction for d in decisions), "before": before, "after": after,
               "rest_change_points": round(100 * (after["rest"]["leaf_acc1"]
                                                  - before["rest_without_new_leaves"]["leaf_acc1"]), 2),
               "retrain_seconds": seconds, "gate": result.report["gate"], "report": str(result.directory)}
    text = json.dumps(summary, ensure_ascii=False, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
