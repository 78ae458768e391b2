"""Benchmark: how long the catalogue takes to read, validate, build and search.

    .venv/bin/python eval/bench_catalogue.py [--catalog DIR] [--repeat 5]

Prints one JSON object: median seconds per step and queries per second for search."""
from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from catalog import DEFAULT_DATA_DIR, check_data_dir

QUERIES = ["暖气 不热", "垃圾", "拖欠工资", "违章停车", "燃气味", "物业", "噪音", "幼儿园", "路灯不亮", "退费"]


def median_seconds(step, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalog", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    result = check_data_dir(args.catalog)
    if not result.ok:
        raise SystemExit(f"catalogue invalid: {len(result.problems)} problem(s); run `jiesu catalog validate`")
    catalogue = result.catalogue
    load_s = median_seconds(lambda: check_data_dir(args.catalog), args.repeat)
    search_s = median_seconds(lambda: [catalogue.search(q) for q in QUERIES], args.repeat) / len(QUERIES)
    print(json.dumps({"catalogue": catalogue.version, "nodes": len(catalogue),
                      "load_and_validate_s": round(load_s, 3), "search_ms": round(search_s * 1000, 2),
                      "search_qps": round(1 / search_s, 1)}, ensure_ascii=False))


if __name__ == "__main__":
    main()
