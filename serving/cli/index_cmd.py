"""`jiesu index build|update|info`, `jiesu similar`, `jiesu recommend` and `jiesu eval-dispatch`."""
from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Annotated, Optional

import typer

from serving.cli.common import EXIT_INVALID, echo_json, fail, open_catalogue, settings_for
from serving.settings import Settings

app = typer.Typer(help="The index of similar past cases (closed tickets).", no_args_is_help=True)


def index_dir(settings: Settings) -> Path:
    from model.retrieval.cases import index_dir as under

    return under(settings.home)


def _classifier(settings: Settings, catalogue):
    from model.classifier import Classifier, ModelError
    from model.registry import Registry

    current = Registry.under(settings.home).current()
    if current is None:
        raise fail(f"no current model under {settings.home / 'models'}; the index embeds with it: "
                   "run `jiesu train --config quick.toml` first", EXIT_INVALID)
    try:
        classifier = Classifier(current, catalogue_version=catalogue.version,
                                allowed_leaves={leaf.code for leaf in catalogue.leaves()})
    except ModelError as exc:
        raise fail(str(exc), EXIT_INVALID) from None
    if not classifier.embeds:
        raise fail(f"model {classifier.version} has no embedding output; retrain it (`jiesu train`)", EXIT_INVALID)
    return classifier


@app.command("build")
def build() -> None:
    """Embed every closed ticket of the database into a fresh index under $JIESU_HOME/index/cases."""
    from catalog.deadlines import TZ
    from model.retrieval.embed import ClassifierEmbedder
    from serving.cases import flows
    from serving.db import make_engine, session_factory

    settings = settings_for(None)
    embedder = ClassifierEmbedder(_classifier(settings, open_catalogue(None)))
    with session_factory(make_engine(settings.database))() as session:
        echo_json(flows.build(session, embedder=embedder, directory=index_dir(settings), now=datetime.now(TZ)))


@app.command("update")
def update(every: Annotated[int, typer.Option(min=0, help="Seconds between updates; 0 runs once.")] = 0) -> None:
    """Add the tickets closed since the last build or update (safe to stop, restart or run twice)."""
    from catalog.deadlines import TZ
    from model.retrieval.cases import CaseIndexError
    from model.retrieval.embed import ClassifierEmbedder
    from serving.cases import flows
    from serving.db import make_engine, session_factory

    settings = settings_for(None)
    embedder = ClassifierEmbedder(_classifier(settings, open_catalogue(None)))
    sessions = session_factory(make_engine(settings.database))
    while True:
        with sessions() as session:
            try:
                result = flows.update(session, embedder=embedder, directory=index_dir(settings), now=datetime.now(TZ))
            except CaseIndexError as exc:
                raise fail(str(exc), EXIT_INVALID) from None
        typer.echo(f"{datetime.now(TZ):%Y-%m-%d %H:%M:%S} added {result['added']}, {result['cases']} cases")
        if not every:
            return
        time.sleep(every)


@app.command("info")
def info() -> None:
    """The index's encoder, kind (flat or HNSW), size and watermark."""
    from model.retrieval.cases import CaseIndexError, read_manifest

    try:
        echo_json(read_manifest(index_dir(settings_for(None))))
    except CaseIndexError as exc:
        raise fail(str(exc), EXIT_INVALID) from None


def advisor(mode: str = "fusion"):
    """The current model, the case index (when built) and the gazetteer, as the service uses them."""
    from model.dispatch import DispatchAdvisor
    from model.retrieval.cases import CaseIndex, CaseIndexError

    settings = settings_for(None)
    catalogue = open_catalogue(None)
    classifier = _classifier(settings, catalogue)
    try:
        index = CaseIndex.load(index_dir(settings), encoder=f"classifier:{classifier.version}")
    except CaseIndexError as exc:
        typer.echo(f"warning: {exc}; answering without similar cases", err=True)
        index = None
    return DispatchAdvisor(catalogue, classifier, lambda: index, mode=mode)


Mode = Annotated[str, typer.Option("--mode", help="fusion (default), dense or lexical.")]


def similar(text: Annotated[str, typer.Argument(help="The complaint text.")],
            k: Annotated[int, typer.Option("-k", min=1, max=100)] = 10, mode: Mode = "fusion") -> None:
    """The k closed cases most like TEXT, with how each was handled (JSON)."""
    from model.dispatch import LEAVES_FOR_UNITS
    from model.retrieval.cases import MODES

    if mode not in MODES:
        raise fail(f"--mode {mode!r}: choose one of {', '.join(MODES)}")
    if not text.strip():
        raise fail("TEXT is empty: pass the complaint text, e.g. jiesu similar '小区暖气不热'")
    found = advisor(mode)
    if found.cases() is None:
        raise fail("no case index; build it with `jiesu index build`", EXIT_INVALID)
    predictions, vectors = found.classifier.analyse([text], k=LEAVES_FOR_UNITS)
    leaves = {p.leaf: p.score for p in predictions[0].paths}
    echo_json([hit.to_json() for hit in found.similar(text, vector=vectors[0], k=k, leaves=leaves)])


def recommend(text: Annotated[str, typer.Argument(help="The complaint text.")],
              title: Annotated[str, typer.Option("--title")] = "",
              address: Annotated[str, typer.Option("--address", help="The channel's address field.")] = "",
              similar_k: Annotated[int, typer.Option("--similar", min=0, max=50)] = 5) -> None:
    """Leaves, place, responsible units (主办 / 协办, with reasons) and similar cases for TEXT (JSON)."""
    if not text.strip():
        raise fail("TEXT is empty: pass the complaint text, e.g. jiesu recommend '青年大街路灯不亮'")
    echo_json(advisor().advise(text, title=title, address=address).to_json(similar=similar_k))


def eval_dispatch(out: Annotated[Optional[Path], typer.Option("--out", help="Default: $JIESU_HOME/eval/dispatch.")] = None,
                  limit: Annotated[Optional[int], typer.Option("--limit", min=100, help="Queries per split.")] = None,
                  latency: Annotated[bool, typer.Option(help="Time queries over 100,000 cases.")] = True,
                  repeats: Annotated[bool, typer.Option(help="Replay the history for repeat detection.")] = True
                  ) -> None:
    """Similar-case recall, location and unit accuracy on the generated history (held-out texts as queries)."""
    from model.classifier import ModelError
    from training.evaluation.dispatch import run_dispatch_eval, write_dispatch_report

    settings = settings_for(None)
    catalogue = open_catalogue(None)
    rows = _history(settings)
    try:
        report = run_dispatch_eval(rows, catalogue, _classifier(settings, catalogue), limit=limit, latency=latency,
                                   repeats=repeats)
    except ModelError as exc:
        raise fail(str(exc), EXIT_INVALID) from None
    echo_json({"report": str(write_dispatch_report(report, out or settings.home / "eval" / "dispatch")), **report})


def eval_location(split: Annotated[str, typer.Option("--split", help="train, dev, test or all.")] = "test",
                  out: Annotated[Optional[Path], typer.Option("--out", help="Default: $JIESU_HOME/eval/location.json."
                                                              )] = None) -> None:
    """District and street accuracy of the location resolver on the generated history (no model needed)."""
    import json

    from model.location import LocationResolver
    from training.evaluation.location import evaluate_locations

    if split not in ("train", "dev", "test", "all"):
        raise fail(f"--split {split!r}: use train, dev, test or all", EXIT_INVALID)
    settings = settings_for(None)
    catalogue = open_catalogue(None)
    rows = [r for r in _history(settings) if split == "all" or r["split_text"] == split]
    report = {"split": split, "address_table_runs": len(catalogue.city.addresses),
              **evaluate_locations(rows, LocationResolver(catalogue.city))}
    path = out or settings.home / "eval" / "location.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    echo_json({"report": str(path), **report})


def _history(settings) -> list[dict]:
    """The generated history's rows ($JIESU_HOME/corpus/tickets.jsonl)."""
    import json

    corpus = settings.home / "corpus" / "tickets.jsonl"
    if not corpus.exists():
        raise fail(f"{corpus}: no generated history; run `jiesu data generate --tickets 100000`", EXIT_INVALID)
    with corpus.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]
