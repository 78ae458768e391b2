"""`jiesu data …`: the training corpus."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from serving.cli.common import EXIT_INVALID, echo_json, fail, open_catalogue, settings_for

app = typer.Typer(help="The training corpus: hand-written texts, splits and reports.", no_args_is_help=True)


@app.command()
def texts(directory: Annotated[Optional[Path], typer.Option("--texts", help="Texts directory "
                                                            "(default: training/data/texts).")] = None,
          seed: Annotated[int, typer.Option(help="Seed of the held-out-text split.")] = 7,
          catalog: Annotated[Optional[Path], typer.Option("--catalog", help="Catalogue data directory.")] = None,
          as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Check the hand-written texts (exit 1 on any problem) and report coverage, voices and split leaks."""
    from training.corpus.report import texts_report
    from training.corpus.splits import SplitConfig, held_out_text_split, pairs_of
    from training.corpus.texts import DEFAULT_TEXTS_DIR, load_texts

    directory = directory or DEFAULT_TEXTS_DIR
    if not directory.is_dir():
        raise fail(f"texts directory {directory} does not exist")
    catalogue = open_catalogue(catalog)
    loaded, problems = load_texts(catalogue, directory)
    pairs = pairs_of(loaded)
    report = texts_report(catalogue, loaded, held_out_text_split(loaded, SplitConfig(seed=seed), pairs), pairs)
    report["problems"] = len(problems)
    if as_json:
        echo_json({**report, "problem_list": [p.as_dict() for p in problems]})
    else:
        for problem in problems:
            typer.echo(str(problem), err=True)
        for key, value in report.items():
            typer.echo(f"{key:42} {value}")
    if problems:
        raise typer.Exit(EXIT_INVALID)


def _corpus_texts(catalogue, directory: Path | None, seed: int):
    """Hand-written texts and their held-out-text split, or exit with the texts' problems."""
    from training.corpus.splits import SplitConfig, held_out_text_split, pairs_of
    from training.corpus.texts import DEFAULT_TEXTS_DIR, load_texts

    loaded, problems = load_texts(catalogue, directory or DEFAULT_TEXTS_DIR)
    if problems:
        for problem in problems:
            typer.echo(str(problem), err=True)
        raise fail(f"{len(problems)} problem(s) in the hand-written texts; fix them first (jiesu data texts)",
                   EXIT_INVALID)
    pairs = pairs_of(loaded)
    return loaded, held_out_text_split(loaded, SplitConfig(seed=seed), pairs), pairs


@app.command()
def generate(tickets: Annotated[int, typer.Option(min=1, help="How many tickets.")] = 100_000,
             seed: Annotated[int, typer.Option(help="Seed: the same seed gives the same history.")] = 7,
             out: Annotated[Optional[Path], typer.Option(help="Output directory (default $JIESU_HOME/corpus).")]
             = None,
             directory: Annotated[Optional[Path], typer.Option("--texts", help="Texts directory.")] = None,
             catalog: Annotated[Optional[Path], typer.Option("--catalog", help="Catalogue data directory.")] = None
             ) -> None:
    """Compose a demo history of tickets from the hand-written texts and the demo city."""
    from training.generate.tickets import GeneratorConfig, HistoryGenerator
    from training.generate.write import write_history

    catalogue = open_catalogue(catalog)
    texts, splits, _ = _corpus_texts(catalogue, directory, seed)
    config = GeneratorConfig(tickets=tickets, seed=seed)
    rows = HistoryGenerator(catalogue, texts, {t.text_id: s for t, s in zip(texts, splits)}, config).generate()
    target = out or settings_for(catalog).home / "corpus"
    manifest = write_history(rows, target, catalogue, config)
    typer.echo(f"wrote {manifest['tickets']} tickets ({manifest['start']} – {manifest['end']}) to {target}")


@app.command()
def report(corpus: Annotated[Optional[Path], typer.Option(help="Generated history (default $JIESU_HOME/corpus).")]
           = None,
           directory: Annotated[Optional[Path], typer.Option("--texts", help="Texts directory.")] = None,
           seed: Annotated[int, typer.Option(help="Seed of the held-out-text split.")] = 7,
           catalog: Annotated[Optional[Path], typer.Option("--catalog", help="Catalogue data directory.")] = None,
           as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Report on the hand-written texts and, when generated, the history built from them."""
    import json

    from training.corpus.report import texts_report
    from training.generate.report import history_report

    catalogue = open_catalogue(catalog)
    texts, splits, pairs = _corpus_texts(catalogue, directory, seed)
    result = {"texts": texts_report(catalogue, texts, splits, pairs)}
    corpus = corpus or settings_for(catalog).home / "corpus"
    if (corpus / "tickets.jsonl").is_file():
        with (corpus / "tickets.jsonl").open(encoding="utf-8") as fh:
            rows = [json.loads(line) for line in fh]
        events = json.loads((corpus / "events.json").read_text(encoding="utf-8"))
        heating = {n.code for n in catalogue.leaves(under="09")}
        result["history"] = history_report(rows, events, heating)
    else:
        result["history"] = f"no generated history in {corpus}; run `jiesu data generate`"
    if as_json:
        echo_json(result)
        return
    for section, figures in result.items():
        typer.echo(f"== {section}")
        for key, value in (figures.items() if isinstance(figures, dict) else [("", figures)]):
            typer.echo(f"{key:42} {value}")


@app.command("import")
def import_(export: Annotated[Path, typer.Argument(help="The city's export (.csv or .xlsx).")],
            mapping: Annotated[Path, typer.Option(help="Mapping file: columns and categories (YAML).")],
            out: Annotated[Optional[Path], typer.Option(help="Output directory "
                                                        "(default $JIESU_HOME/imports/<file name>).")] = None,
            catalog: Annotated[Optional[Path], typer.Option("--catalog", help="Catalogue data directory.")] = None
            ) -> None:
    """Import a real city's work-order export: masked, normalised, mapped to leaves; every row accounted for."""
    from training.corpus.importer import ExportImportError, import_export

    catalogue = open_catalogue(catalog)
    target = out or settings_for(catalog).home / "imports" / export.stem
    try:
        report = import_export(export, mapping, target, catalogue)
    except ExportImportError as exc:
        raise fail(str(exc)) from exc
    typer.echo(f"imported {report['imported']} of {report['rows']} rows into {target}")
    typer.echo(f"  unmapped {report['unmapped']} (see unmapped.jsonl): {report['unmapped_categories']}")
    typer.echo(f"  rejected {report['rejected']} (see rejected.jsonl): {report['rejected_reasons']}")
    typer.echo(f"  masked {report['masked']}; traditional rows normalised {report['traditional_rows_normalised']}")


@app.command()
def load(tickets: Annotated[int, typer.Option(min=1, help="How many tickets of history to load.")] = 3000,
         seed: Annotated[int, typer.Option(help="Seed of the generated history.")] = 7,
         directory: Annotated[Optional[Path], typer.Option("--texts", help="Texts directory.")] = None) -> None:
    """Generate a demo history and load it into the service database (tickets already loaded are kept)."""
    from serving.db import make_engine, session_factory
    from serving.migrate import upgrade
    from serving.tickets.history import load_history
    from training.generate.tickets import GeneratorConfig, HistoryGenerator

    catalogue = open_catalogue(None)
    texts, splits, _ = _corpus_texts(catalogue, directory, seed)
    rows = HistoryGenerator(catalogue, texts, {t.text_id: s for t, s in zip(texts, splits)},
                            GeneratorConfig(tickets=tickets, seed=seed)).generate()
    url = settings_for(None).database
    if url.startswith("sqlite"):
        upgrade(url)
    with session_factory(make_engine(url))() as session:
        added = load_history(session, rows=rows, catalogue=catalogue)
    typer.echo(f"loaded {added} history tickets ({len(rows) - added} were there already)")
