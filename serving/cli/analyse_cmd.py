"""`jiesu analyse topics|concentration|recurrences|monthly-problems` (JSON on stdout) and `jiesu analyse
eval-topics` (the topic detector on the generated history's weeks)."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Optional

import typer

from serving.cli.common import EXIT_INVALID, echo_json, fail, open_catalogue, settings_for

app = typer.Typer(help="Hot-spot insights: emerging topics, dense places, 屡治屡犯, 每月一题 candidates.",
                  no_args_is_help=True)

Month = Annotated[Optional[str], typer.Option(help="A month, YYYY-MM (default: see the command).")]
Limit = Annotated[int, typer.Option(help="How many to list.")]


def _now() -> datetime:
    from catalog.deadlines import TZ

    return datetime.now(TZ)


def _run(answer) -> None:
    """Open the catalogue and a session, run `answer(session, catalogue)` and print its JSON; a bad parameter exits
    with the usage code and the message."""
    from serving.analytics.flows import InputError
    from serving.db import make_engine, session_factory

    catalogue = open_catalogue(None)
    with session_factory(make_engine(settings_for(None).database))() as session:
        try:
            echo_json(answer(session, catalogue))
        except InputError as exc:
            raise fail(str(exc)) from None


def _embedder(vectors: str):
    """The current model's embedder for `auto` and `classifier` (None when there is none: TF-IDF is used)."""
    if vectors == "tfidf":
        return None
    from model.classifier import Classifier, ModelError
    from model.registry import Registry
    from model.retrieval.embed import ClassifierEmbedder

    settings = settings_for(None)
    catalogue = open_catalogue(None)
    current = Registry.under(settings.home).current()
    try:
        classifier = Classifier(current, catalogue_version=catalogue.version,
                                allowed_leaves={leaf.code for leaf in catalogue.leaves()}) if current else None
    except ModelError as exc:
        typer.echo(f"warning: {exc}; clustering with jieba TF-IDF", err=True)
        return None
    return ClassifierEmbedder(classifier) if classifier is not None and classifier.embeds else None


@app.command("topics")
def topics(days: Annotated[int, typer.Option(help="The window: the last DAYS days.")] = 7,
           baseline_weeks: Annotated[int, typer.Option(help="Weeks before the window to compare with.")] = 8,
           vectors: Annotated[str, typer.Option(help="auto (the model's embeddings when there is a current "
                                                     "model, else TF-IDF), tfidf or classifier.")] = "auto",
           limit: Limit = 30) -> None:
    """Emerging topics of the last days: clusters of similar texts, their words, leaf and representative tickets,
    flagged new when the weeks before had nothing like them or far fewer."""
    from serving.analytics import insights

    embedder = _embedder(vectors) if vectors in ("auto", "classifier") else None
    _run(lambda session, catalogue: insights.topics_json(catalogue, insights.emerging_topics(
        session, now=_now(), days=days, baseline_weeks=baseline_weeks, vectors=vectors, embedder=embedder,
        limit=limit)))


@app.command("concentration")
def concentration(month: Month = None,
                  days: Annotated[int, typer.Option(help="Without --month: the last DAYS days.")] = 30,
                  limit: Limit = 50) -> None:
    """Streets and communities where a leaf is far denser than its city-wide volume predicts."""
    from serving.analytics import insights

    _run(lambda session, catalogue: insights.density_json(catalogue, insights.dense_places(
        session, catalogue=catalogue, now=_now(), month=month, days=days, limit=limit)))


@app.command("recurrences")
def recurrences(days: Annotated[int, typer.Option(help="Lookback in days.")] = 180,
                times: Annotated[int, typer.Option(help="Returns after a closure that make a place listed.")] = 3,
                leaf: Annotated[Optional[str], typer.Option(help="Only this leaf code.")] = None,
                limit: Limit = 50) -> None:
    """屡治屡犯: one problem at one place filed again after closure, TIMES or more times, with the chains."""
    from serving.analytics import insights

    _run(lambda session, catalogue: insights.recurrences_json(catalogue, insights.recurring(
        session, catalogue=catalogue, now=_now(), days=days, times=times, leaf=leaf, limit=limit)))


@app.command("monthly-problems")
def monthly_problems(month: Month = None,
                     by: Annotated[str, typer.Option(help="leaf (city-wide) or district (leaf × district).")] = "leaf",
                     limit: Limit = 20,
                     min_volume: Annotated[int, typer.Option(help="Fewest tickets a candidate needs.")] = 10) -> None:
    """每月一题 candidates for a month (default: last month), each component with its evidence."""
    from serving.analytics import insights

    _run(lambda session, catalogue: insights.problems_json(catalogue, insights.monthly_problems(
        session, now=_now(), month=month, by=by, limit=limit, min_volume=min_volume)))


@app.command("eval-topics")
def eval_topics(corpus: Annotated[Optional[Path], typer.Option(help="Generated history (default "
                                                               "$JIESU_HOME/corpus).")] = None,
                out: Annotated[Optional[Path], typer.Option(help="Report file (default "
                                                            "$JIESU_HOME/eval/topics.json).")] = None,
                vectors: Annotated[str, typer.Option(help="tfidf, or classifier (the current model).")] = "tfidf",
                first: Annotated[Optional[str], typer.Option(help="First week's end, YYYY-MM-DD (default: 8 weeks "
                                                               "after the history starts).")] = None,
                weeks: Annotated[Optional[int], typer.Option(min=1, help="How many weeks (default: all).")] = None
                ) -> None:
    """Run the topic detector over every week of the generated history: do the injected bursts show up as new
    topics, in which week, and how many topics are flagged in the other weeks?"""
    from datetime import date

    from serving.analytics.topics import EmbeddedVectors, TfidfVectors
    from training.evaluation.topics import evaluate_topics

    if vectors not in ("tfidf", "classifier"):
        raise fail(f"--vectors {vectors!r}: choose tfidf or classifier")
    home = settings_for(None).home
    source = (corpus or home / "corpus") / "tickets.jsonl"
    if not source.is_file():
        raise fail(f"no generated history at {source}; run `jiesu data generate --tickets 100000 --seed 7`")
    embedder = _embedder("classifier") if vectors == "classifier" else None
    if vectors == "classifier" and embedder is None:
        raise fail("--vectors classifier: no current model with embeddings; run `jiesu train --config quick.toml`",
                   EXIT_INVALID)
    try:
        first_end = date.fromisoformat(first) if first else None
    except ValueError:
        raise fail(f"--first {first!r} is not a date; write it as YYYY-MM-DD") from None
    fields = ("ticket_id", "received_at", "leaf", "title", "text", "event")
    with source.open(encoding="utf-8") as fh:
        rows = [{k: r.get(k) for k in fields} for r in map(json.loads, fh)]
    report = evaluate_topics(rows, EmbeddedVectors(embedder) if embedder else TfidfVectors(), first_end=first_end,
                             weeks=weeks, names={leaf.code: leaf.name for leaf in open_catalogue(None).leaves()})
    target = out or home / "eval" / f"topics-{vectors}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    for name, found in report["events"].items():
        if not found["tickets"]:
            typer.echo(f"{name}: not in the weeks run")
            continue
        typer.echo(f"{name}: {'found' if found['detected'] else 'MISSED'} in the week ending {found['week_end']}, "
                   f"{found['topics']} new topics ({found['tickets_in_new']} of {found['tickets']} event tickets)")
    typer.echo(f"other weeks: {report['other_new_per_week']} new topics a week (median {report['other_new_median']}, "
               f"max {report['other_new_max']}); {report['seconds_per_run']} s a run; report: {target}")


@app.command("eval-insights")
def eval_insights(month: Annotated[str, typer.Option(help="The demo month, YYYY-MM.")] = "2025-08",
                  corpus: Annotated[Optional[Path], typer.Option(help="Generated history (default "
                                                                 "$JIESU_HOME/corpus).")] = None) -> None:
    """每月一题 candidates, dense places and 屡治屡犯 for one month of the generated history, through the service
    (a fresh SQLite database under $JIESU_HOME/eval), checked against the injected bursts and repeat links."""
    from serving.analytics.flows import InputError, month_period
    from training.evaluation.insights import evaluate_insights

    try:
        month_period(month)
    except InputError as exc:
        raise fail(str(exc)) from None
    home = settings_for(None).home
    source = (corpus or home / "corpus") / "tickets.jsonl"
    if not source.is_file():
        raise fail(f"no generated history at {source}; run `jiesu data generate --tickets 100000 --seed 7`")
    with source.open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    report = evaluate_insights(rows, open_catalogue(None), month=month, directory=home / "eval")
    target = home / "eval" / f"insights-{month}.json"
    target.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    for p in report["monthly_problems"]["problems"][:10]:
        c = p["components"]
        typer.echo(f"{p['rank']:>2} {p['score']:.3f} {p['leaf_name']}: {c['volume']['value']} tickets, repeats "
                   f"{c['repeat']['numerator']}, 不满意 {c['dissatisfaction']['numerator']}/"
                   f"{c['dissatisfaction']['denominator']}, {c['spread']['value']} units")
    cells = report["concentration"]["cells"]
    typer.echo(f"dense places: {len(cells)} ({sum(1 for c in cells if c['events'])} from injected bursts); "
               f"recurrences: {len(report['recurrences']['recurrences'])}; seconds {report['seconds']}; "
               f"report: {target}")
