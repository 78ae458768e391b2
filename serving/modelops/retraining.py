"""One retraining run, as `jiesu retrain` and the maintainer page's jobs start it: gather the decisions, retrain
from the current model, then promote (gate passed), shadow, or only register; report to the job file as it goes.
A failure changes nothing in the registry: the current model keeps serving."""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from catalog import load_catalogue
from catalog.deadlines import TZ
from serving.modelops import jobs
from serving.settings import Settings

log = logging.getLogger("jiesu.retrain")


class RetrainFailed(RuntimeError):
    """The run stopped; the message says why and that the current model still serves."""


def training_config(current: Path, config: str | None, overrides: list[str]):
    """The named config, else the current model's own, with the overrides applied (strict schema either way)."""
    from model.classifier import read_meta
    from training.classifier.config import ConfigError, TrainConfig, apply_overrides, load_config

    if config is not None:
        return load_config(config, overrides)
    try:
        return TrainConfig.model_validate(apply_overrides(read_meta(current)["config"], overrides))
    except ValueError as exc:
        raise ConfigError(f"--set {' '.join(overrides)}: {exc}") from None


def gather_decisions(corrections: Path | None, since: datetime | None, read_db: Callable):
    """The agents' decisions from a corrections file, else from the service database."""
    from training.retrain.corrections import Decision, read_decisions

    if corrections is not None:
        found = read_decisions(corrections)
        return [d for d in found if since is None or d.decided_at >= since]
    from serving.corrections.service import decisions

    with read_db()() as session:
        rows = decisions(session, since=since)
    return [Decision(r.ticket_id, r.text, r.title, r.leaf, r.suggested, r.decided_at, r.catalogue_version)
            for r in rows]


def run(settings: Settings, *, config: str | None, overrides: list[str], corrections: Path | None,
        since: datetime | None, promote: bool, shadow: bool, by: str, job: str | None, read_db: Callable,
        now: datetime | None = None, texts=None) -> dict:
    """Retrain, then promote, shadow or only register; `texts` replaces the hand-written corpus (tests)."""
    from model.registry import Registry

    registry = Registry.under(settings.home)
    current = registry.current()
    report = _reporter(settings.home, job)
    if current is None:
        message = (f"no current model under {settings.home / 'models'} to continue from; train one with "
                   "`jiesu train --config quick.toml`")
        report(status="failed", stage="失败", error=message)
        raise RetrainFailed(message)
    report(status="running", stage="准备数据", progress=0.05)
    try:
        result = _retrain(settings, current, config, overrides, corrections, since, read_db, report, now, texts)
    except Exception as exc:  # noqa: BLE001 — recorded in the job and re-raised as RetrainFailed
        log.exception("retraining from %s failed", current.name)
        message = f"retraining failed: {type(exc).__name__}: {exc}; the current model {current.name} still serves"
        report(status="failed", stage="失败", error=message)
        raise RetrainFailed(message) from exc
    outcome = _decide(registry, result, promote=promote, shadow=shadow, by=by)
    summary = {"version": result.version, "model": str(result.directory), "from": current.name, **outcome,
               "gate": result.report["gate"], "sets": result.report["sets"],
               "report": str(result.directory / "retrain-report.md"),
               "training_seconds": result.report["training"]["seconds"]}
    report(status="succeeded", stage="完成", progress=1.0, result=summary)
    return summary


def _retrain(settings, current, config, overrides, corrections, since, read_db, report, now, texts):
    from training.retrain.run import retrain

    catalogue = load_catalogue(settings.catalogue_dir)
    cfg = training_config(current, config, overrides)
    decisions = gather_decisions(corrections, since, read_db)
    report(stage=f"训练（{len(decisions)} 条坐席决定）", progress=0.1)
    return retrain(home=settings.home, catalogue=catalogue, current=current, decisions=decisions, config=cfg,
                   now=now or datetime.now(TZ), texts=texts,
                   on_progress=lambda stage, fraction: report(stage=stage, progress=round(0.1 + 0.85 * fraction, 3)))


def _decide(registry, result, *, promote: bool, shadow: bool, by: str) -> dict:
    """Promote when asked and the gate passed, or shadow when asked; the registry records who and why."""
    at = datetime.now(TZ)
    verdict = "passed" if result.passed else "failed"
    if shadow:
        registry.set_shadow(result.version, by=by, reason=f"retrained; gate {verdict}", at=at)
        return {"promoted": False, "shadow": True}
    if promote and result.passed:
        registry.promote(result.version, by=by, reason="retrained; gate passed", at=at)
        return {"promoted": True, "shadow": False}
    return {"promoted": False, "shadow": False}


def _reporter(home: Path, job: str | None) -> Callable[..., None]:
    if job is None:
        return lambda **changes: None
    return lambda **changes: jobs.update_job(home, job, **changes)
