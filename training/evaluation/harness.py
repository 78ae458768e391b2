"""`jiesu eval`: score a model directory on a split of the held-out-text corpus beside the TF-IDF baseline
trained in the same run, measure latency and throughput, and write the report."""
from __future__ import annotations

import statistics
import time
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from catalog import Catalogue
from model.classifier import Classifier, ModelError
from training.classifier.config import DataSection
from training.classifier.data import Example, corpus_split, seen_in_training
from training.evaluation.metrics import Predictions, evaluate

K = 5


def classifier_predictions(classifier: Classifier, examples: list[Example], batch: int = 32,
                           desc: str = "classifying") -> Predictions:
    codes, probs = [], []
    for start in tqdm(range(0, len(examples), batch), desc=desc, unit="batch"):
        chunk = examples[start:start + batch]
        top, p = classifier.probabilities([e.text for e in chunk], [e.title for e in chunk], K)
        codes += [[classifier.leaves[i] for i in row] for row in top]
        probs.append(p)
    return Predictions([e.leaf for e in examples], codes, np.concatenate(probs))


def baseline_predictions(splits: dict[str, list[Example]], side: str) -> tuple[Predictions, Predictions, float]:
    from training.evaluation.baseline import TfidfBaseline

    train, dev, test = splits["train"], splits["dev"], splits[side]
    started = time.monotonic()
    baseline = TfidfBaseline().fit([_joined(e) for e in train], [e.leaf for e in train],
                                   [_joined(e) for e in dev], [e.leaf for e in dev])
    seconds = time.monotonic() - started
    preds = []
    for examples in (dev, test):
        codes, probs = baseline.predict_topk([_joined(e) for e in examples], K)
        preds.append(Predictions([e.leaf for e in examples], codes, probs))
    return preds[0], preds[1], seconds


def _joined(example: Example) -> str:
    return f"{example.title}。{example.text}" if example.title else example.text


def _percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {"p50_ms": round(statistics.median(ordered) * 1000, 2), "p95_ms": round(pick(0.95) * 1000, 2),
            "p99_ms": round(pick(0.99) * 1000, 2), "n": len(ordered)}


def latency(classifier: Classifier, examples: list[Example], n: int = 200, max_tokens: int = 96) -> dict:
    """One text at a time (texts of ≤ max_tokens tokens), and batches of 32 for throughput."""
    texts, tokens = [], []
    for e in examples:
        length = int(classifier.encode([e.text], [e.title])[1].sum())
        if length <= max_tokens:
            texts.append(e)
            tokens.append(length)
        if len(texts) == n:
            break
    single = []
    for e in texts:
        started = time.perf_counter()
        classifier.predict([e.text], [e.title])
        single.append(time.perf_counter() - started)
    started = time.perf_counter()
    for i in range(0, len(texts), 32):
        classifier.predict([e.text for e in texts[i:i + 32]], [e.title for e in texts[i:i + 32]])
    throughput = len(texts) / (time.perf_counter() - started)
    return {"single": _percentiles(single), "mean_tokens": round(statistics.mean(tokens), 1),
            "batch32_texts_per_s": round(throughput, 1), "model_file": classifier.model_file}


def torch_latency(directory: Path, classifier: Classifier, examples: list[Example], n: int = 100) -> dict | None:
    """The torch eager path on the same texts, for the ratio to onnxruntime."""
    try:
        import torch

        from training.classifier.export import load_torch_model
    except ImportError:
        return None
    model = load_torch_model(directory)
    single = []
    with torch.no_grad():
        for e in examples[:n]:
            ids, mask = classifier.encode([e.text], [e.title])
            started = time.perf_counter()
            model(torch.from_numpy(ids), torch.from_numpy(mask))
            single.append(time.perf_counter() - started)
    return _percentiles(single)


def run_eval(directory: Path, catalogue: Catalogue, out_dir: Path, *, side: str = "test",
             with_baseline: bool = True, latency_n: int = 200) -> dict:
    """Evaluate; returns {name: evaluate-output} and writes report.json/.md/.png into out_dir. "model" is what is
    served (the encoder mixed with its lexical leaf model where it has one), "encoder_only" the encoder alone."""
    from training.evaluation.report import write_report

    classifier = Classifier(directory, catalogue_version=catalogue.version)
    data = DataSection.model_validate(classifier.meta["config"]["data"])
    splits = corpus_split(catalogue, data)
    if not splits[side]:
        raise ValueError(f"split {side!r} is empty for this model's data settings")
    leaked = seen_in_training(directory, splits[side] + splits["dev"], classifier.meta["prefix"])
    if leaked:
        raise ModelError(f"{leaked} of the {side} and dev texts were in {classifier.version}'s training set: the texts "
                         "changed since it was trained, so its held-out split is no longer held out. Retrain it "
                         "(`jiesu train`), or evaluate it with the texts it was trained on")
    model_test = classifier_predictions(classifier, splits[side], desc=side)
    model_dev = classifier_predictions(classifier, splits["dev"], desc="dev")
    results = {"model": evaluate(model_test, model_dev)}
    if classifier.lexical is not None:
        encoder = Classifier(directory, catalogue_version=catalogue.version, lexical=False)
        results["encoder_only"] = evaluate(classifier_predictions(encoder, splits[side], desc=f"{side}, encoder only"),
                                           classifier_predictions(encoder, splits["dev"], desc="dev, encoder only"))
    extra = {"model_version": classifier.version, "split": side, "texts": len(splits[side]),
             "catalogue_version": catalogue.version, "training": classifier.meta["training"],
             "parity": classifier.meta.get("parity"), "config": classifier.meta["config"],
             "mixture": classifier.mixture,
             "held_out_checked": leaked is not None}   # False: an older model that does not record its texts
    if with_baseline:
        dev_b, test_b, fit_seconds = baseline_predictions(splits, side)
        results["tfidf_baseline"] = evaluate(test_b, dev_b)
        extra["baseline_fit_seconds"] = round(fit_seconds, 1)
    if latency_n:
        extra["latency_onnx_fp32"] = latency(classifier, splits[side], latency_n)
        int8 = Classifier(directory, int8=True)
        if int8.model_file != classifier.model_file:
            extra["latency_onnx_int8"] = latency(int8, splits[side], latency_n)
        eager = torch_latency(directory, classifier, splits[side])
        if eager:
            extra["latency_torch_eager"] = eager
            extra["onnx_speedup_vs_torch_p50"] = round(eager["p50_ms"] / extra["latency_onnx_fp32"]["single"]["p50_ms"], 2)
    write_report(out_dir, results, catalogue, extra)
    return {"results": results, "extra": extra}
