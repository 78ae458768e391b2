"""`jiesu data …`: the training corpus."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from serving.cli.common import EXIT_INVALID, echo_json, fail, open_catalogue

app = typer.Typer(help="The training corpus: hand-written texts, splits and reports.", no_args_is_help=True)


@app.command()
def texts(directory: Annotated[Optional[Path], typer.Option("--texts", help="Texts directory "
                                                            "(default: training/data/texts).")] = None,
          seed: Annotated[int, typer.Option(help="Seed of the held-out-text split.")] = 7,
          catalog: Annotated[Optional[Path], typer.Option("--catalog", help="Catalogue data directory.")] = None,
          as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Check the hand-written texts (exit 1 on any problem) and report coverage, voices and split leaks."""
    from training.corpus.report import texts_report
    from training.corpus.splits import SplitConfig, held_out_text_split
    from training.corpus.texts import DEFAULT_TEXTS_DIR, load_texts

    directory = directory or DEFAULT_TEXTS_DIR
    if not directory.is_dir():
        raise fail(f"texts directory {directory} does not exist")
    catalogue = open_catalogue(catalog)
    loaded, problems = load_texts(catalogue, directory)
    report = texts_report(catalogue, loaded, held_out_text_split(loaded, SplitConfig(seed=seed)))
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
