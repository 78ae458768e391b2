"""Benchmark: the TF-IDF baseline (jieba words + char 1-3-grams, linear SVM) on the held-out hand-written texts.

    .venv/bin/python eval/bench_tfidf_baseline.py [--seed 7] [--classifier svm|centroid] [--report DIR]

Trains on the train split (hand-written texts and catalogue examples dealt to train), fits the softmax
temperature on dev, and prints leaf and 大类 acc@1 / acc@3, ECE, the test coverage at 99 % precision and the fit
time. --report writes report.json / report.md / precision_coverage.png for the baseline alone."""
from __future__ import annotations

import argparse
import json
import os
import time

from catalog import load_catalogue
from training.corpus.splits import SplitConfig, held_out_text_split
from training.corpus.texts import load_texts
from training.evaluation import Predictions, TfidfBaseline, evaluate, write_report


def _round(value, digits: int = 4):
    return None if value is None else round(value, digits)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--classifier", choices=["svm", "centroid"], default="svm")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--report", help="directory to write the evaluation report into")
    args = parser.parse_args()

    catalogue = load_catalogue()
    texts, _ = load_texts(catalogue)
    splits = held_out_text_split(texts, SplitConfig(seed=args.seed))
    part = {name: [t for t, s in zip(texts, splits) if s == name] for name in ("train", "dev", "test")}

    model = TfidfBaseline(classifier=args.classifier, n_jobs=args.jobs)
    start = time.perf_counter()
    model.fit([t.text for t in part["train"]], [t.leaf for t in part["train"]],
              [t.text for t in part["dev"]], [t.leaf for t in part["dev"]])
    fit_s = time.perf_counter() - start

    def predictions(texts_):
        codes, probs = model.predict_topk([t.text for t in texts_], k=3)
        return Predictions([t.leaf for t in texts_], codes, probs)

    dev = predictions(part["dev"])
    start = time.perf_counter()
    test = predictions(part["test"])
    predict_s = time.perf_counter() - start
    result = evaluate(test, dev_preds=dev)

    t99 = result["precision_coverage"]["thresholds"]["0.99"]
    levels = result["levels"]
    summary = {
        "baseline": f"tfidf-{args.classifier}", "catalogue": catalogue.version, "seed": args.seed,
        "train_texts": len(part["train"]), "dev_texts": len(part["dev"]), "test_texts": len(part["test"]),
        "leaves_trained": len(model.classes_), "leaves": len(catalogue.leaves()),
        "top1_leaf": _round(levels["leaf"]["acc@1"]), "top3_leaf": _round(levels["leaf"]["acc@3"]),
        "top1_level1": _round(levels["level1"]["acc@1"]), "top3_level1": _round(levels["level1"]["acc@3"]),
        "macro_f1_leaf": _round(levels["leaf"]["macro_f1"]),
        "ece": _round(result["calibration"]["ece"]), "temperature": _round(model.temperature, 5),
        "p99_dev_threshold": _round(t99["dev_global"] and t99["dev_global"]["threshold"]),
        "p99_test_precision": _round(t99["dev_global"] and t99["dev_global"]["precision"]),
        "p99_test_coverage": _round(t99["dev_global"] and t99["dev_global"]["coverage"]),
        "p99_per_class_precision": _round(t99["dev_per_class"]["precision"]),
        "p99_per_class_coverage": _round(t99["dev_per_class"]["coverage"]),
        "p99_oracle_coverage": _round(t99["oracle"] and t99["oracle"]["coverage"]),
        "fit_s": round(fit_s, 1), "fit_breakdown_s": {k: round(v, 1) for k, v in model.timings.items()},
        "predict_ms_per_text": round(predict_s / len(part["test"]) * 1000, 2),
        "cpus": os.cpu_count(), "load_avg_1m": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(summary, ensure_ascii=False))
    if args.report:
        paths = write_report(args.report, {"baseline": result}, catalogue,
                             {"baseline": {"fit_s": fit_s, "predict_ms_per_text": summary["predict_ms_per_text"],
                                           "train_texts": len(part["train"]), "temperature": model.temperature}})
        print(json.dumps({k: str(v) for k, v in paths.items()}))


if __name__ == "__main__":
    main()
