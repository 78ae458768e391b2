"""Benchmark: one similar-cases query over 100,000 cases with the encoder excluded — dense (exact and HNSW), BM25
and their fusion — without a trained model.

    .venv/bin/python eval/bench_retrieval.py [--cases 100000] [--queries 500] [--dim 384]

The documents are the hand-written corpus texts drawn with replacement; the dense side uses random unit vectors of
the encoder's width (384 for multilingual-e5-small), since search time depends on the index's size and kind, not on
what the vectors mean. It reuses the measurement `jiesu eval-dispatch` makes with a model's vectors
(training/evaluation/dispatch.py `query_latency`). Prints p50 / p95 in milliseconds, build seconds and sizes."""
from __future__ import annotations

import argparse
import json

import numpy as np

from catalog import load_catalogue
from training.corpus.texts import load_texts
from training.evaluation.dispatch import query_latency


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--dim", type=int, default=384)
    args = parser.parse_args()
    texts, problems = load_texts(load_catalogue())
    if problems:
        raise SystemExit(f"{len(problems)} problem(s) in the hand-written texts; run `jiesu data texts`")
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(len(texts), args.dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    report = query_latency(vectors, [t.text for t in texts], size=args.cases, queries=args.queries,
                           leaves=[t.leaf for t in texts])
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
