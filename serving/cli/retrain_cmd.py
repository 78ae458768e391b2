"""`jiesu retrain`, `jiesu data corrections`, `jiesu data carry-catalogue` and the shadow commands
(`jiesu model shadow|unshadow|shadow-report`)."""
from __future__ import annotations

import json
from datetime import date, datetime, time
from pathlib import Path
from typing import Annotated, Optional

import typer

from catalog.deadlines import TZ
from serving.cli.common import EXIT_INVALID, echo_json, fail, open_catalogue, settings_for
from serving.settings import Settings

SinceOpt = Annotated[Optional[str], typer.Option("--since", help="From this day (YYYY-MM-DD), Asia/Shanghai.")]


def day_start(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.combine(date.fromisoformat(value), time(0), TZ)
    except ValueError:
        raise fail(f"{option} {value!r}: write a day as YYYY-MM-DD, e.g. 2026-10-01") from None


def _sessions():
    from serving.db import make_engine, session_factory

    return session_factory(make_engine(settings_for(None).database))


def export_corrections(since: SinceOpt = None,
                       until: Annotated[Optional[str], typer.Option("--until", help="Before this day.")] = None,
                       out: Annotated[Optional[Path], typer.Option("--out", help="JSON Lines file (default: "
                                                                   "standard output).")] = None,
                       only_corrections: Annotated[bool, typer.Option("--only-corrections", help="Only the "
                                                   "decisions that overrode the model.")] = False) -> None:
    """Every agent decision as a labelled example (JSON Lines), maintainers' 'agent error' verdicts left out."""
    from serving.corrections.service import decisions

    start, end = day_start(since, "--since"), day_start(until, "--until")
    with _sessions()() as session:
        rows = decisions(session, since=start, until=end)
    rows = [r for r in rows if r.correction or not only_corrections]
    lines = "".join(json.dumps(r.to_json(), ensure_ascii=False) + "\n" for r in rows)
    if out is None:
        typer.echo(lines, nl=False)
    else:
        out.write_text(lines, encoding="utf-8")
        typer.echo(f"{len(rows)} decisions ({sum(r.correction for r in rows)} corrections) written to {out}", err=True)


def carry_catalogue(by: Annotated[str, typer.Option("--by", help="Recorded as the actor.")] = "jiesu data carry-catalogue") -> None:
    """Relabel the history (tickets, suggestions, reviews) of earlier catalogue versions through the change files."""
    from serving.app import make_suggester
    from serving.corrections.carry import carry_history

    settings = Settings.from_env()
    catalogue = open_catalogue(None)
    suggester = make_suggester("auto", catalogue, settings.home)

    def choose(ticket, parts: tuple[str, ...]) -> str | None:
        text = f"{ticket.title}\n{ticket.text}" if ticket.title else ticket.text
        ranked = [c.leaf for c in suggester.suggest(text, k=50)] if suggester else []
        return next((leaf for leaf in ranked if leaf in parts), None)

    with _sessions()() as session:
        counts = carry_history(session, catalogue=catalogue, choose=choose, actor=by, now=datetime.now(TZ))
        session.commit()
    echo_json({"catalogue_version": catalogue.version, "suggester": getattr(suggester, "version", None),
               "tickets": counts})


def retrain(config: Annotated[Optional[str], typer.Option("--config", help="A TOML file or a shipped config name; "
                                                          "default: the current model's own config.")] = None,
            overrides: Annotated[Optional[list[str]], typer.Option("--set", help="Override: section.key=value.")] = None,
            corrections: Annotated[Optional[Path], typer.Option("--corrections", help="JSON Lines from `jiesu data "
                                                                "corrections` (default: read the database).")] = None,
            since: SinceOpt = None,
            promote: Annotated[bool, typer.Option(help="Promote the new model when the gate passes.")] = True,
            shadow: Annotated[bool, typer.Option("--shadow", help="Put the new model in shadow instead of promoting "
                                                 "it (its agreement with agents is reported first).")] = False,
            by: Annotated[str, typer.Option("--by")] = "jiesu retrain",
            job: Annotated[Optional[str], typer.Option("--job", help="The job id this run reports to.")] = None) -> None:
    """Continue the current model on the corpus and the agents' decisions, compare, gate, then promote or shadow."""
    from serving.modelops import retraining

    settings = Settings.from_env()
    try:
        result = retraining.run(settings, config=config, overrides=overrides or [], corrections=corrections,
                                since=day_start(since, "--since"), promote=promote and not shadow, shadow=shadow,
                                by=by, job=job, read_db=_sessions)
    except retraining.RetrainFailed as exc:
        raise fail(str(exc), EXIT_INVALID) from None
    echo_json(result)


def shadow_model(version: Annotated[str, typer.Argument()],
                 reason: Annotated[str, typer.Option("--reason", help="Why (recorded).")],
                 by: Annotated[str, typer.Option("--by")] = "cli") -> None:
    """Let VERSION predict beside the current model on live intake (audited)."""
    _registry_call(lambda r: r.set_shadow(version, by=by, reason=reason, at=datetime.now(TZ)))


def unshadow_model(reason: Annotated[str, typer.Option("--reason", help="Why (recorded).")],
                   by: Annotated[str, typer.Option("--by")] = "cli") -> None:
    """Stop the shadow model's predictions (audited)."""
    _registry_call(lambda r: r.set_shadow(None, by=by, reason=reason, at=datetime.now(TZ)))


def _registry_call(action) -> None:
    from model.classifier import ModelError
    from model.registry import Registry

    try:
        echo_json(action(Registry.under(Settings.from_env().home)))
    except ModelError as exc:
        raise fail(str(exc), EXIT_INVALID) from None


def shadow_report(version: Annotated[Optional[str], typer.Option("--version", help="Default: the shadow model.")] = None,
                  since: SinceOpt = None) -> None:
    """How often the shadow's and the current model's top leaf matched the agents' choices, on the same tickets."""
    from model.registry import Registry
    from serving.corrections.service import shadow_agreement

    version = version or Registry.under(Settings.from_env().home).shadow_version()
    if version is None:
        raise fail("no shadow model; start one with `jiesu model shadow VERSION --reason …` or pass --version")
    with _sessions()() as session:
        echo_json(shadow_agreement(session, version=version, since=day_start(since, "--since")))
