"""Retraining jobs started from the maintainer page: a separate `jiesu retrain --job ID` process (training never
runs inside the web server), its state in $JIESU_HOME/jobs/<id>.json, written by the job as it goes; a job
whose process died without finishing reads as interrupted, so the state survives restarts honestly."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

JOBS_DIR = "jobs"
FINISHED = ("succeeded", "failed")


class JobError(ValueError):
    """An unknown job, or a retraining already running."""


def job_dir(home: Path) -> Path:
    return Path(home) / JOBS_DIR


def job_file(home: Path, job_id: str) -> Path:
    if not job_id.replace("-", "").isalnum():
        raise JobError(f"job id {job_id!r}: letters, digits and '-' only")
    return job_dir(home) / f"{job_id}.json"


def write_job(home: Path, job: dict) -> dict:
    path = job_file(home, job["id"])
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_suffix(".tmp")
    staging.write_text(json.dumps(job, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(staging, path)
    return job


def update_job(home: Path, job_id: str, **changes) -> dict:
    return write_job(home, read_job(home, job_id, check_alive=False) | changes)


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_job(home: Path, job_id: str, check_alive: bool = True) -> dict:
    path = job_file(home, job_id)
    if not path.exists():
        raise JobError(f"no job {job_id}; start one with POST /api/v1/models/retrain or `jiesu retrain`")
    job = json.loads(path.read_text(encoding="utf-8"))
    if check_alive and job["status"] not in FINISHED and not _alive(job.get("pid")):
        job["status"] = "interrupted"
    return job


def jobs(home: Path, limit: int = 20) -> list[dict]:
    folder = job_dir(home)
    paths = sorted(folder.glob("*.json"), reverse=True)[:limit] if folder.exists() else []
    return [read_job(home, p.stem) for p in paths]


def running(home: Path) -> dict | None:
    return next((j for j in jobs(home) if j["status"] in ("queued", "running")), None)


def start_retrain(settings, *, by: str, now: datetime, args: list[str]) -> dict:
    """Start `jiesu retrain --job ID …` in its own process, on the service's home, catalogue and database;
    refuses while another retraining runs."""
    home = settings.home
    busy = running(home)
    if busy is not None:
        raise JobError(f"retraining {busy['id']} is still {busy['status']}; wait for it (GET /api/v1/models/jobs/"
                       f"{busy['id']})")
    job_id = f"retrain-{now:%Y%m%d-%H%M%S}"
    log = job_dir(home) / f"{job_id}.log"
    write_job(home, {"id": job_id, "kind": "retrain", "status": "queued", "by": by, "created_at": now.isoformat(),
                           "stage": "queued", "progress": 0.0, "args": args, "log": str(log), "pid": None,
                           "result": None, "error": None})
    with log.open("w", encoding="utf-8") as sink:
        process = subprocess.Popen([sys.executable, "-m", "serving.cli", "retrain", "--job", job_id, *args],
                                   stdout=sink, stderr=subprocess.STDOUT, start_new_session=True,
                                   env=os.environ | {"JIESU_HOME": str(home), "JIESU_CATALOG": str(settings.catalogue_dir),
                                                     "JIESU_DATABASE_URL": settings.database})
    return update_job(home, job_id, pid=process.pid)


def log_tail(job: dict, chars: int = 2000) -> str:
    path = Path(job.get("log") or "")
    if not path.is_file():
        return ""
    text = path.read_text(encoding="utf-8", errors="replace")
    return text[-chars:].split("\r")[-1] if "\r" in text[-chars:] else text[-chars:]
