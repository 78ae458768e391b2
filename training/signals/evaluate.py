"""`jiesu signals eval`: a signal model (served as in production, with onnxruntime) and the keyword rules, scored in
the same run on the held-out texts, beside the model's cross-validated figures on the training side; multi-issue
detection and the split items' leaves; latency. Writes report.json and report.md."""
from __future__ import annotations

import statistics
import time
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from catalog import Catalogue
from model.signals.detect import LearnedDetector, level
from model.signals.learned import LABELS, SignalModel
from model.signals.split import RULE_BOUNDARY, Splitter, SplitProposal, boundary_of, span_classifier
from training.corpus.signals import SignalText
from training.evaluation.signals import rule_detector, score
from training.signals.data import held_out_split, labels_of
from training.signals.train import leaf_suggester

BATCH = 32
LATENCY_TEXTS = 40


def held_out_scores(model: SignalModel, texts: list[SignalText], progress: bool = True) -> np.ndarray:
    """Calibrated probabilities [texts, labels] from batched passes."""
    rows = [model.probabilities([t.text for t in texts[start:start + BATCH]])
            for start in tqdm(range(0, len(texts), BATCH), desc="scoring", unit="batch", disable=not progress)]
    return np.concatenate(rows) if rows else np.zeros((0, len(model.labels)))


def learned_detector(model: SignalModel, texts: list[SignalText], probabilities: np.ndarray):
    """A detector (text → urgency, flags) answering from the probabilities of `texts`."""
    answers = {t.text: level(row, model.heads.thresholds) for t, row in zip(texts, probabilities)}
    return lambda text: answers[text]


def average_precision(texts: list[SignalText], probabilities: np.ndarray) -> dict:
    """Each label's average precision on these texts: how well the scores rank, whatever the threshold."""
    from sklearn.metrics import average_precision_score

    truth = labels_of(texts)
    return {label: round(float(average_precision_score(truth[:, j], probabilities[:, j])), 4)
            for j, label in enumerate(LABELS) if truth[:, j].any()}


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def leaves_right(proposal: SplitProposal, text: SignalText) -> bool:
    """Every labelled item is matched (most overlapping proposed span) by a proposed item with its leaf."""
    for item in text.items:
        start = text.body.find(item.span)
        gold = (start, start + len(item.span))
        best = max(proposal.items, key=lambda p: _overlap((p.start, p.end), gold))
        if _overlap((best.start, best.end), gold) == 0 or best.leaf != item.leaf:
            return False
    return True


def split_scores(texts: list[SignalText], splitter: Splitter, progress: bool = True) -> dict:
    """Detection precision, recall and F1 (a multi-issue text: two or more labelled items); for the detected ones,
    the share whose every item has the right leaf, and whose item count is right too."""
    tp = fp = fn = right = exact = 0
    for text in tqdm(texts, desc="splitting", unit="text", disable=not progress, mininterval=2):
        proposal = splitter.propose(text.body)
        if proposal is None:
            fn += text.multi_issue
            continue
        if not text.multi_issue:
            fp += 1
            continue
        tp += 1
        ok = leaves_right(proposal, text)
        right += ok
        exact += ok and len(proposal.items) == len(text.items)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"texts": len(texts), "multi_issue": tp + fn, "detected": tp + fp, "precision": round(precision, 4),
            "recall": round(recall, 4), "f1": round(f1, 4), "leaves_right": round(right / tp, 4) if tp else None,
            "leaves_right_and_count": round(exact / tp, 4) if tp else None}


def latency(detector: LearnedDetector, splitter: Splitter, texts: list[SignalText]) -> dict:
    """Milliseconds per text, one at a time: signals with their clause evidence, and the split proposal."""
    signals, split = [], []
    for text in texts[:LATENCY_TEXTS]:
        started = time.perf_counter()
        detector.detect(text.body, text.title)
        signals.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        splitter.propose(text.body)
        split.append((time.perf_counter() - started) * 1000)

    def summary(values: list[float]) -> dict:
        ordered = sorted(values)
        return {"p50": round(statistics.median(ordered), 1), "p95": round(ordered[int(0.95 * (len(ordered) - 1))], 1)}
    return {"texts": len(signals), "signals_ms": summary(signals), "split_ms": summary(split)} if signals else {}


def evaluate_signals(model_dir: Path, *, catalogue: Catalogue, texts: list[SignalText], classifier_dir: str = "",
                     progress: bool = True) -> dict:
    """The report: held-out learned vs keyword rules, cross-validated figures, multi-issue split, latency."""
    model = SignalModel(model_dir)
    split_config = model.meta["texts"]["split"]
    side = held_out_split(texts, split_config["test_share"], split_config["seed"])
    held = [t for t, s in zip(texts, side) if s == "test"]
    suggester = leaf_suggester(catalogue, classifier_dir)
    classify = span_classifier(suggester)
    learned = Splitter(catalogue, classify, boundary_of(model), embed=model.embed)
    rules = Splitter(catalogue, classify, RULE_BOUNDARY)
    multi_files = [t for t in held if t.origin.startswith("multi")]
    probabilities = held_out_scores(model, held, progress)
    return {
        "model": model.version, "embedding": {k: v for k, v in model.meta["embedding"].items() if k != "build"},
        "texts": {"version": model.meta["texts"]["version"], "held_out": len(held),
                  "train": model.meta["texts"]["train"]},
        "held_out": {"learned": score(held, learned_detector(model, held, probabilities)),
                     "rules": score(held, rule_detector), "average_precision": average_precision(held, probabilities)},
        "cross_validated": model.meta["cross_validated"],
        "split": {"span_classifier": getattr(suggester, "version", ""),
                  "learned": {"multi_files": split_scores(multi_files, learned, progress),
                              "all_held_out": split_scores(held, learned, progress)},
                  "rules": {"multi_files": split_scores(multi_files, rules, progress)}},
        "latency": latency(LearnedDetector(model), learned, held),
    }


def _cell(entry: dict | None) -> str:
    if not entry or entry.get("precision") is None:
        return "—"
    return f"{entry['precision'] * 100:.1f} % / {entry['recall'] * 100:.1f} %"


def markdown(report: dict) -> str:
    """The report as the tables of eval/RESULTS.md."""
    learned, rules = report["held_out"]["learned"]["labels"], report["held_out"]["rules"]["labels"]
    cv = report["cross_validated"]
    lines = [f"Model {report['model']}, embedding {report['embedding']['source']} "
             f"({report['embedding'].get('layers', '')} layers); texts {report['texts']['version']}: "
             f"{report['texts']['train']} training, {report['texts']['held_out']} held out.", "",
             "| label | support (held out) | learned: precision / recall | keyword rules | learned, average precision "
             "| learned, cross-validated on the training side | target |", "|---|---|---|---|---|---|---|"]
    for label, entry in learned.items():
        target = cv.get(label, {}).get("target")
        goal = f"recall ≥ {target[0]:.0%} at precision ≥ {target[1]:.0%}" if target else ""
        oof = cv.get(label)
        oof_cell = f"{oof['precision'] * 100:.1f} % / {oof['recall'] * 100:.1f} %" if oof else "—"
        ap = report["held_out"]["average_precision"].get(label)
        lines.append(f"| {label} | {entry['support']} | {_cell(entry)} | {_cell(rules.get(label))} | "
                     f"{'—' if ap is None else f'{ap:.3f}'} | {oof_cell} | {goal} |")
    split = report["split"]
    lines += ["", f"Multi-issue split (leaves of the spans: {split['span_classifier'] or 'keyword suggester'}):", "",
              "| boundary model | texts | detection precision / recall / F1 | detected splits with every leaf right "
              "(and the item count) |", "|---|---|---|---|"]
    for name, scored in (("learned, multi-issue files", split["learned"]["multi_files"]),
                         ("learned, all held-out texts", split["learned"]["all_held_out"]),
                         ("rules, multi-issue files", split["rules"]["multi_files"])):
        right = "—" if scored["leaves_right"] is None else \
            f"{scored['leaves_right'] * 100:.1f} % ({scored['leaves_right_and_count'] * 100:.1f} %)"
        detection = f"{scored['precision'] * 100:.1f} % / {scored['recall'] * 100:.1f} % / {scored['f1']:.3f}"
        lines.append(f"| {name} | {scored['texts']} ({scored['multi_issue']} multi) | {detection} | {right} |")
    if report.get("latency"):
        lat = report["latency"]
        lines += ["", f"Latency, one text at a time ({lat['texts']} texts): signals with clause evidence p50 "
                      f"{lat['signals_ms']['p50']} ms, p95 {lat['signals_ms']['p95']} ms; split proposal p50 "
                      f"{lat['split_ms']['p50']} ms, p95 {lat['split_ms']['p95']} ms."]
    return "\n".join(lines) + "\n"

