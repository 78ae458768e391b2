"""Benchmark: the lexical keyword baseline on the held-out hand-written texts (test split).

    .venv/bin/python eval/bench_keyword_baseline.py [--seed 7]

Prints top-1 / top-3 leaf accuracy, 大类 accuracy, coverage (share with any suggestion) and latency."""
from __future__ import annotations

import argparse
import json
import statistics
import time

from catalog import load_catalogue
from model.keyword import KeywordSuggester
from training.corpus.splits import SplitConfig, held_out_text_split
from training.corpus.texts import load_texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    catalogue = load_catalogue()
    texts, _ = load_texts(catalogue)
    splits = held_out_text_split(texts, SplitConfig(seed=args.seed))
    test = [t for t, s in zip(texts, splits) if s == "test"]
    suggester = KeywordSuggester(catalogue)
    top1 = top3 = level1 = covered = 0
    times = []
    for t in test:
        start = time.perf_counter()
        candidates = suggester.suggest(t.text, k=3)
        times.append(time.perf_counter() - start)
        codes = [c.leaf for c in candidates]
        covered += bool(codes)
        top1 += bool(codes) and codes[0] == t.leaf
        top3 += t.leaf in codes
        level1 += bool(codes) and codes[0][:2] == t.leaf[:2]
    n = len(test)
    print(json.dumps({"suggester": suggester.version, "catalogue": catalogue.version, "test_texts": n,
                      "leaves": len(catalogue.leaves()), "top1_leaf": round(top1 / n, 4),
                      "top3_leaf": round(top3 / n, 4), "top1_level1": round(level1 / n, 4),
                      "coverage": round(covered / n, 4),
                      "latency_ms_p50": round(statistics.median(times) * 1000, 2)}, ensure_ascii=False))


if __name__ == "__main__":
    main()
