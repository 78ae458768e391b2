"""Kill the real server mid-load: every ticket it acknowledged, and every event of an acknowledged dispatch, survive."""
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime

import httpx
import sqlalchemy as sa

from catalog.deadlines import TZ
from serving.auth.service import create_principal
from serving.db import make_engine, session_factory
from serving.migrate import upgrade
from serving.tickets.states import Role

LOAD_SECONDS = 3.0      # the load runs at most this long before the kill
MAX_REQUESTS = 400      # and sends at most this many tickets per worker


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(home, port) -> subprocess.Popen:
    env = {**os.environ, "JIESU_HOME": str(home)}
    process = subprocess.Popen([sys.executable, "-c", "from serving.cli import main; main()", "serve", "--port",
                                str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError("the server did not become ready within 60 s")


def test_kill_mid_load_loses_nothing_acknowledged(tmp_path):
    url = f"sqlite:///{tmp_path / 'jiesu.db'}"
    upgrade(url)
    engine = make_engine(url)
    with session_factory(engine)() as session:
        key = create_principal(session, name="agent", role=Role.AGENT, unit=None, now=datetime.now(TZ))
        session.commit()
    port = free_port()
    server = start_server(tmp_path, port)
    acknowledged, dispatched, lock = [], [], threading.Lock()
    stop = threading.Event()

    def worker(n: int) -> None:
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=5) as client:
            for i in range(MAX_REQUESTS):
                if stop.is_set():
                    return
                try:
                    r = client.post("/api/v1/tickets", json={"channel": "phone", "district": "HP", "street": "HP01",
                                              "text": f"市民来电反映：和平区太原街街道{n}号楼{i}单元暖气不热，室温只有14度。"},
                                    headers={"Idempotency-Key": f"load-{n}-{i:04d}"})
                    if r.status_code != 201:
                        continue
                    with lock:
                        acknowledged.append(r.json()["id"])
                    d = client.post(f"/api/v1/tickets/{r.json()['id']}/dispatch", json={"leaf": "09010101"})
                    if d.status_code == 200:
                        with lock:
                            dispatched.append(r.json()["id"])
                except httpx.HTTPError:
                    return   # the server is gone

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + LOAD_SECONDS
    while time.monotonic() < deadline and len(dispatched) < 60:
        time.sleep(0.05)
    server.send_signal(signal.SIGKILL)
    server.wait(timeout=10)
    stop.set()
    for t in threads:
        t.join(timeout=10)
    assert len(acknowledged) >= 5, "the load never got going"
    with engine.connect() as conn:
        stored = {row[0] for row in conn.execute(sa.text("SELECT id FROM tickets"))}
        events = {row[0] for row in conn.execute(sa.text("SELECT ticket_id FROM outbox WHERE kind='ticket.dispatched'"))}
        statuses = dict(conn.execute(sa.text("SELECT id, status FROM tickets")).all())
    assert set(acknowledged) <= stored
    assert set(dispatched) <= events
    assert all(statuses[i] == "dispatched" for i in dispatched)
    engine.dispose()
    restarted = start_server(tmp_path, port)          # and the service comes back on the same data
    try:
        total = httpx.get(f"http://127.0.0.1:{port}/api/v1/tickets", headers={"Authorization": f"Bearer {key}"},
                          timeout=5).json()["total"]
        assert total == len(stored)
    finally:
        restarted.terminate()
        restarted.wait(timeout=10)
