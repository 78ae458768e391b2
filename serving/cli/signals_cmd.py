"""`jiesu signals train|eval|current`: the learned urgency and risk flags and the multi-issue boundary model."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from serving.cli.common import EXIT_INVALID, echo_json, fail, open_catalogue, settings_for

app = typer.Typer(help="Urgency, risk flags and multi-issue splits: train and evaluate the learned model.",
                  no_args_is_help=True)
SOURCES = ("base", "classifier")


def _classifier_dir(settings, given: Optional[Path]) -> str:
    """The classifier that gives split spans their leaves: the one given, else the registry's current one, else ''
    (the keyword suggester, as the service without a model)."""
    if given is not None:
        return str(given)
    from model.registry import Registry

    current = Registry.under(settings.home).current()
    return str(current) if current is not None else ""


@app.command("train")
def train(source: Annotated[str, typer.Option(help="Embedding: base (the base encoder, exported to ONNX) or "
                                              "classifier (the current classifier's embedding output).")] = "base",
          layers: Annotated[Optional[str], typer.Option(help="Base encoder layers whose mean-pooled outputs, "
                                                        "concatenated, make the embedding (default 6,12 frozen, "
                                                        "12 fine-tuned).")] = None,
          c: Annotated[float, typer.Option("--c", min=1e-6, help="Inverse regularisation of the heads.")] = 0.01,
          seed: Annotated[int, typer.Option(help="Seed of the held-out split and the folds.")] = 7,
          rule_features: Annotated[bool, typer.Option("--rule-features/--no-rule-features", help="The heads also "
                                                      "read which keyword rules' patterns occur.")] = True,
          rule_boost: Annotated[float, typer.Option(min=0.01, help="Weight of a pattern hit against a standardised "
                                                    "embedding number.")] = 3.0,
          lexical: Annotated[bool, typer.Option("--lexical/--no-lexical", help="Stack character n-gram TF-IDF "
                                                "heads on the embedding heads.")] = True,
          classifier: Annotated[Optional[Path], typer.Option(help="A classifier directory (default: the current "
                                                             "model; without one, the keyword suggester).")] = None,
          base: Annotated[Optional[Path], typer.Option(help="Base encoder directory (default: "
                                                       "$JIESU_HOME/base/multilingual-e5-small-zh).")] = None,
          fine_tune: Annotated[bool, typer.Option("--fine-tune/--frozen", help="Fine-tune the base encoder with "
                                                  "the heads (cross-fitted for calibration), or fit the heads on it "
                                                  "frozen.")] = False,
          epochs: Annotated[int, typer.Option(min=1, help="Fine-tuning epochs.")] = 4,
          folds: Annotated[int, typer.Option(min=2, help="Fine-tuning: cross-fitted models whose out-of-fold "
                                             "scores calibrate the served one.")] = 3,
          train_layers: Annotated[int, typer.Option(min=0, help="Fine-tuning: only the top N encoder layers learn; "
                                                    "the layers below are run once per text (0: all learn).")] = 0,
          lr_encoder: Annotated[float, typer.Option(min=1e-7, max=1e-2, help="Fine-tuning: the encoder's "
                                                    "learning rate.")] = 4e-5,
          current: Annotated[bool, typer.Option("--current/--no-current", help="Make the new model current.")] = True,
          catalog: Annotated[Optional[Path], typer.Option("--catalog")] = None) -> None:
    """Fit calibrated heads on the training side of the signal texts, export them under $JIESU_HOME/signals."""
    from training.signals.finetune import FineTuneConfig
    from training.signals.train import SignalConfig, train_signals

    if source not in SOURCES:
        raise fail(f"--source must be one of {', '.join(SOURCES)}, not {source!r}")
    if fine_tune and source != "base":
        raise fail("--fine-tune fine-tunes the base encoder: use it with --source base")
    layers = layers or ("12" if fine_tune else "6,12")
    try:
        pooled = tuple(int(n) for n in layers.split(","))
    except ValueError:
        raise fail(f"--layers is a comma-separated list of layer numbers (e.g. 6,12), not {layers!r}") from None
    settings = settings_for(catalog)
    config = SignalConfig(source=source, base_path=str(base or ""), classifier=_classifier_dir(settings, classifier),
                          layers=pooled, c=c, seed=seed, rule_features=rule_features, rule_boost=rule_boost,
                          lexical=lexical,
                          fine_tune=FineTuneConfig(epochs=epochs, folds=folds, train_layers=train_layers,
                                                    lr_encoder=lr_encoder)
                          if fine_tune else None)
    try:
        directory = train_signals(config, home=settings.home, catalogue=open_catalogue(catalog),
                                  make_it_current=current)
    except (FileNotFoundError, ValueError) as exc:      # no base or classifier; settings the texts cannot take
        raise fail(str(exc), EXIT_INVALID) from None
    meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
    echo_json({"model": str(directory), "version": meta["version"], "current": current,
               "embedding": meta["embedding"]["source"], "texts": meta["texts"], "parity": meta["parity"],
               "cross_validated": {k: {"precision": v["precision"], "recall": v["recall"], "meets": v["meets"]}
                                   for k, v in meta["cross_validated"].items()},
               "seconds": meta["seconds"]})


@app.command("eval")
def evaluate(model: Annotated[Optional[str], typer.Option(help="A version under $JIESU_HOME/signals (default: "
                                                          "the current one).")] = None,
             classifier: Annotated[Optional[Path], typer.Option(help="The classifier for split spans (default: the "
                                                                "current model, else the keyword suggester).")] = None,
             out: Annotated[Optional[Path], typer.Option(help="Report directory (default: "
                                                         "$JIESU_HOME/eval/signals).")] = None,
             catalog: Annotated[Optional[Path], typer.Option("--catalog")] = None) -> None:
    """Score the model and the keyword rules on the held-out signal texts; write report.json and report.md."""
    from model.signals.learned import current_dir, signals_root
    from training.corpus.signals import load_signals
    from training.signals.data import texts_version
    from training.signals.evaluate import evaluate_signals, markdown

    settings = settings_for(catalog)
    directory = signals_root(settings.home) / model if model else current_dir(settings.home)
    if directory is None or not (directory / "meta.json").is_file():
        raise fail(f"no signal model {model or '(current)'} under {signals_root(settings.home)}; run "
                   "`jiesu signals train`", EXIT_INVALID)
    trained_on = json.loads((directory / "meta.json").read_text(encoding="utf-8"))["texts"]["version"]
    if trained_on != texts_version():
        raise fail(f"{directory.name} was trained on signal texts {trained_on}, the files are now {texts_version()}: "
                   "its held-out side would not be held out; retrain it (`jiesu signals train`)", EXIT_INVALID)
    catalogue = open_catalogue(catalog)
    report = evaluate_signals(directory, catalogue=catalogue, texts=load_signals(catalogue),
                              classifier_dir=_classifier_dir(settings, classifier))
    target = out or settings.home / "eval" / "signals"
    target.mkdir(parents=True, exist_ok=True)
    (target / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    (target / "report.md").write_text(markdown(report), encoding="utf-8")
    typer.echo(markdown(report))
    typer.echo(f"written to {target}", err=True)


@app.command("current")
def show_current() -> None:
    """The signal model in use (or that the keyword rules answer, and why)."""
    from model.signals.learned import current_dir, read_meta

    directory = current_dir(settings_for(None).home)
    if directory is None:
        echo_json({"current": None, "detector": "rules", "why": "no learned model: run `jiesu signals train`"})
        return
    meta = read_meta(directory)
    echo_json({"current": meta["version"], "path": str(directory), "embedding": meta["embedding"]["source"],
               "texts": meta["texts"], "created_at": meta["created_at"]})
