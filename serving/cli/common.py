"""Helpers shared by CLI commands: load the active catalogue or exit with a clear message."""
from __future__ import annotations

import json
from pathlib import Path

import typer

from catalog import Catalogue, CatalogueError, load_catalogue
from serving.settings import Settings

EXIT_INVALID = 1   # the data is wrong
EXIT_USAGE = 2     # the request is wrong


def settings_for(catalogue_dir: Path | None) -> Settings:
    return Settings.from_env().with_catalogue(catalogue_dir)


def open_catalogue(catalogue_dir: Path | None) -> Catalogue:
    settings = settings_for(catalogue_dir)
    try:
        return load_catalogue(settings.catalogue_dir)
    except CatalogueError as exc:
        typer.echo(str(exc), err=True)
        typer.echo("Run `jiesu catalog validate` for the full list of problems.", err=True)
        raise typer.Exit(EXIT_INVALID) from exc


def fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def echo_json(data) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
