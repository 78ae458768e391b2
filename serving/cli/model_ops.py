"""`jiesu train`, `jiesu predict` and the registry commands (`jiesu model list|promote|rollback`)."""
from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Optional

import typer

from catalog.deadlines import TZ
from serving.cli.common import EXIT_INVALID, echo_json, fail, open_catalogue
from serving.settings import Settings

ModelOpt = Annotated[Optional[Path], typer.Option("--model", help="A model directory (default: the current one).")]


def resolve_model(model: Path | None, settings: Settings) -> Path:
    from model.registry import Registry

    if model is not None:
        return model
    current = Registry.under(settings.home).current()
    if current is None:
        raise fail(f"no current model under {settings.home / 'models'}; train one with "
                   "`jiesu train --config quick.toml` or pass --model DIR", EXIT_INVALID)
    return current


def train(config: Annotated[str, typer.Option("--config", help="A TOML file, or the name of one in "
                                               "training/configs (quick.toml, default.toml).")] = "quick.toml",
          overrides: Annotated[Optional[list[str]], typer.Option("--set", help="Override: section.key=value.")] = None,
          promote: Annotated[bool, typer.Option(help="Make the new model current.")] = True,
          catalog: Annotated[Optional[Path], typer.Option("--catalog")] = None) -> None:
    """Fine-tune the hierarchical classifier, calibrate it, export it to ONNX and register it."""
    from model.registry import Registry
    from training.classifier.config import ConfigError, load_config
    from training.classifier.train import train_model

    settings = Settings.from_env().with_catalogue(catalog)
    try:
        cfg = load_config(config, overrides or [])
    except ConfigError as exc:
        raise fail(str(exc)) from None
    catalogue = open_catalogue(catalog)
    try:
        directory = train_model(cfg, home=settings.home, catalogue=catalogue)
    except FileNotFoundError as exc:
        raise fail(str(exc), EXIT_INVALID) from None
    meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
    if promote:
        Registry.under(settings.home).promote(meta["version"], by="jiesu train", reason=f"trained with {config}",
                                              at=datetime.now(TZ))
    echo_json({"model": str(directory), "version": meta["version"], "promoted": promote,
               "dev_leaf_acc": meta["calibration"]["dev_leaf_acc"], "parity": meta["parity"],
               "training_seconds": meta["training"]["seconds"]})


def predict(input: Annotated[Path, typer.Option("--input", help="JSON Lines: {\"id\", \"text\", \"title\"?}.")],
            output: Annotated[Optional[Path], typer.Option("--output", help="Default: standard output.")] = None,
            top_k: Annotated[int, typer.Option("--top-k", min=1, max=20)] = 3,
            model: ModelOpt = None) -> None:
    """Classify each line's text: the top-k catalogue paths with probabilities, and whether to abstain."""
    from model.batch import LineError, chunks, read_requests
    from model.classifier import Classifier, ModelError

    settings = Settings.from_env()
    catalogue = open_catalogue(None)
    try:
        classifier = Classifier(resolve_model(model, settings), catalogue=catalogue)
    except ModelError as exc:
        raise fail(str(exc), EXIT_INVALID) from None
    if not input.exists():
        raise fail(f"--input {input}: no such file")
    errors = 0
    sink = output.open("w", encoding="utf-8") if output else sys.stdout
    with input.open(encoding="utf-8") as lines:
        for batch in chunks(read_requests(lines), 32):
            good = [r for r in batch if not isinstance(r, LineError)]
            predictions = iter(classifier.predict([r.text for r in good], [r.title for r in good], top_k))
            for item in batch:
                if isinstance(item, LineError):
                    errors += 1
                    typer.echo(f"{input}:{item.line}: {item.message}", err=True)
                    row = item.to_json()
                else:
                    row = {"id": item.id, **next(predictions).to_json()}
                sink.write(json.dumps(row, ensure_ascii=False) + "\n")
    if output:
        sink.close()
    if errors:
        typer.echo(f"{errors} line(s) could not be classified; the others were.", err=True)
        raise typer.Exit(EXIT_INVALID)


def list_models() -> None:
    """Every registered model version, which one is current, and the registry's history."""
    from model.registry import Registry

    registry = Registry.under(Settings.from_env().home)
    echo_json({"current": registry.current_version(), "versions": registry.versions(), "history": registry.history()})


def promote_model(version: Annotated[str, typer.Argument()],
                  reason: Annotated[str, typer.Option("--reason", help="Why (recorded).")],
                  by: Annotated[str, typer.Option("--by")] = "cli") -> None:
    """Make VERSION the current model (audited)."""
    from model.classifier import ModelError
    from model.registry import Registry

    try:
        echo_json(Registry.under(Settings.from_env().home).promote(version, by=by, reason=reason, at=datetime.now(TZ)))
    except ModelError as exc:
        raise fail(str(exc), EXIT_INVALID) from None


def rollback_model(reason: Annotated[str, typer.Option("--reason", help="Why (recorded).")],
                   by: Annotated[str, typer.Option("--by")] = "cli") -> None:
    """Return to the model that was current before the latest promotion (audited)."""
    from model.classifier import ModelError
    from model.registry import Registry

    try:
        echo_json(Registry.under(Settings.from_env().home).rollback(by=by, reason=reason, at=datetime.now(TZ)))
    except ModelError as exc:
        raise fail(str(exc), EXIT_INVALID) from None


def evaluate_model(model: ModelOpt = None,
                   split: Annotated[str, typer.Option("--split", help="test or dev (never the training texts).")] = "test",
                   out: Annotated[Optional[Path], typer.Option("--out", help="Report folder (default: "
                                                                "$JIESU_HOME/eval/<version>-<split>).")] = None,
                   baseline: Annotated[bool, typer.Option(help="Train and score the TF-IDF baseline too.")] = True,
                   latency_texts: Annotated[int, typer.Option("--latency-texts", min=0)] = 200) -> None:
    """Per-level accuracy, calibration, precision–coverage, confusions and latency, beside the TF-IDF baseline."""
    from model.classifier import ModelError
    from training.evaluation.harness import run_eval

    if split not in ("test", "dev"):
        raise fail(f"--split {split!r}: choose test or dev; the training split is never evaluated")
    settings = Settings.from_env()
    directory = resolve_model(model, settings)
    catalogue = open_catalogue(None)
    out = out or settings.home / "eval" / f"{directory.name}-{split}"
    try:
        summary = run_eval(directory, catalogue, out, side=split, with_baseline=baseline, latency_n=latency_texts)
    except ModelError as exc:
        raise fail(str(exc), EXIT_INVALID) from None
    headline = {name: {"leaf_acc1": r["levels"]["leaf"]["acc@1"], "leaf_acc3": r["levels"]["leaf"]["acc@3"],
                       "level1_acc1": r["levels"]["level1"]["acc@1"]} for name, r in summary["results"].items()}
    echo_json({"report": str(out), "headline": headline})


def current_model() -> None:
    """Print the current model's directory; exit 1 when there is none or it was built for another catalogue."""
    from catalog import CatalogueError
    from model.classifier import ModelError, read_meta
    from model.registry import Registry

    settings = Settings.from_env()
    directory = Registry.under(settings.home).current()
    if directory is None:
        raise fail(f"no current model under {settings.home / 'models'}", EXIT_INVALID)
    catalogue = open_catalogue(None)
    try:
        meta = read_meta(directory)
    except ModelError as exc:
        raise fail(str(exc), EXIT_INVALID) from None
    try:
        steps = catalogue.changes.chain(meta["catalogue_version"], catalogue.version)
    except CatalogueError:
        raise fail(f"current model {meta['version']} was built for catalogue {meta['catalogue_version']}, "
                   f"the active one is {catalogue.version}, and no change file links them", EXIT_INVALID) from None
    echo_json({"version": meta["version"], "path": str(directory), "catalogue_version": meta["catalogue_version"],
               "carried_through": [f"{s.from_version}→{s.to_version}" for s in steps]})
