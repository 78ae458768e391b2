"""Benchmark: intake and dispatch latency (p50/p99) and throughput against a real `jiesu serve` process.

    .venv/bin/python eval/bench_intake.py [--tickets 300] [--workers 4] [--database-url URL] [--home DIR]
                                          [--suggester auto|classifier|keyword|none]

Starts the server on a free loopback port with a fresh SQLite database under a temporary $JIESU_HOME (or the
given database), sends the tickets from several client threads, and prints one JSON object. Every intake asks the
suggester (JIESU_SUGGESTER): with `--home` pointing at a $JIESU_HOME that holds a trained model and a case index,
`--suggester classifier` measures intake with the full dispatch advice; without one, `auto` uses the keyword
baseline."""
from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

import httpx

from catalog.deadlines import TZ
from serving.auth.service import create_principal
from serving.db import make_engine, session_factory
from serving.migrate import upgrade
from serving.tickets.states import Role


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(home: Path, port: int, url: str, suggester: str) -> subprocess.Popen:
    env = {**os.environ, "JIESU_HOME": str(home), "JIESU_DATABASE_URL": url, "JIESU_SUGGESTER": suggester}
    proc = subprocess.Popen([sys.executable, "-c", "from serving.cli import main; main()", "serve", "--port",
                             str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("server did not become ready")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=300)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--home", type=Path, default=None, help="a $JIESU_HOME with a model (default: empty)")
    parser.add_argument("--suggester", default="auto", choices=["auto", "classifier", "keyword", "none"])
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="jiesu-bench-"))
    home = args.home or scratch
    url = args.database_url or f"sqlite:///{scratch / 'jiesu.db'}"
    upgrade(url)
    with session_factory(make_engine(url))() as session:
        key = create_principal(session, name=f"bench-{time.time_ns()}", role=Role.AGENT, unit=None,
                               now=datetime.now(TZ))
        session.commit()
    port = _free_port()
    server = _serve(home, port, url, args.suggester)
    intake, dispatch, lock = [], [], threading.Lock()
    per_worker = args.tickets // args.workers

    def worker(n: int) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {key}"},
                          timeout=30) as client:
            for i in range(per_worker):
                body = {"channel": "phone", "district": "HP", "street": "HP01",
                        "text": f"市民来电反映：和平区太原街街道{n}号楼{i}单元暖气不热，室温只有14度，已经三天了。"}
                t0 = time.perf_counter()
                r = client.post("/api/v1/tickets", json=body)
                t1 = time.perf_counter()
                client.post(f"/api/v1/tickets/{r.json()['id']}/dispatch", json={"leaf": "09010101"})
                t2 = time.perf_counter()
                with lock:
                    intake.append(t1 - t0)
                    dispatch.append(t2 - t1)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(args.workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    server.terminate()
    server.wait(timeout=10)
    print(json.dumps({"database": url.split("://")[0], "suggester": args.suggester, "tickets": len(intake),
                      "workers": args.workers,
                      "intake_p50_ms": _percentile(intake, 0.5), "intake_p99_ms": _percentile(intake, 0.99),
                      "dispatch_p50_ms": _percentile(dispatch, 0.5), "dispatch_p99_ms": _percentile(dispatch, 0.99),
                      "tickets_per_s_with_dispatch": round(len(intake) / elapsed, 1),
                      "mean_intake_ms": round(statistics.mean(intake) * 1000, 1)}))


if __name__ == "__main__":
    main()
