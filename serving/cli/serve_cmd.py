"""`jiesu serve`: run the HTTP service."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from catalog import CatalogueError
from serving.cli.common import EXIT_INVALID, settings_for


def serve(host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
          port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
          catalog: Annotated[Optional[Path], typer.Option("--catalog", help="Catalogue data directory.")] = None,
          log_format: Annotated[str, typer.Option(help="json (one object per line) or text.")] = "json",
          log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info") -> None:
    """Serve the API and pages; refuses to start on an invalid catalogue."""
    import uvicorn

    from serving import logs
    from serving.app import create_app
    from serving.migrate import is_current, upgrade

    try:
        logs.configure(log_format, log_level)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    settings = settings_for(catalog)
    if settings.database.startswith("sqlite"):
        upgrade(settings.database)          # the embedded database keeps itself current
    elif not is_current(settings.database):
        typer.echo("error: the database is not at the latest migration; run `jiesu db upgrade` first", err=True)
        raise typer.Exit(EXIT_INVALID)
    try:
        app = create_app(settings)
    except CatalogueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(EXIT_INVALID) from exc
    typer.echo(f"接诉 Jiesu: catalogue {app.state.catalogue.version} on http://{host}:{port}/")
    uvicorn.run(app, host=host, port=port, log_config=None, access_log=False)   # logs: serving/logs.py
