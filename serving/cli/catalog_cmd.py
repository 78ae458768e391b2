"""`jiesu catalog …`: validate, inspect, search, export, import and stamp the responsibility catalogue."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from catalog import CatalogueError, check_data_dir, stamp_data_dir
from catalog.tabular import FORMATS, export_table, import_table
from serving.catalogue import service
from serving.cli.common import EXIT_INVALID, echo_json, fail, open_catalogue, settings_for

app = typer.Typer(help="The responsibility catalogue (确责清单).", no_args_is_help=True)
CatalogueOpt = Annotated[Optional[Path], typer.Option("--catalog", help="Catalogue data directory "
                                                      "(default: $JIESU_CATALOG, else the demo city's).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@app.command()
def validate(catalog: CatalogueOpt = None, as_json: JsonOpt = False) -> None:
    """Check every rule; print each problem with its file, row and rule; exit 1 if any."""
    directory = settings_for(catalog).catalogue_dir
    result = check_data_dir(directory)
    if as_json:
        echo_json({"ok": result.ok, "problems": [p.as_dict() for p in result.problems],
                   "version": result.catalogue.version if result.catalogue else None})
    elif result.ok:
        s = result.catalogue.stats()
        levels = "/".join(str(v) for v in s["levels"].values())
        typer.echo(f"OK {s['name']} {s['version']}: {levels} nodes, {s['leaves']} leaves, {s['units']} units")
    else:
        for problem in result.problems:
            typer.echo(str(problem), err=True)
        typer.echo(f"{len(result.problems)} problem(s) in {directory}", err=True)
    if not result.ok:
        raise typer.Exit(EXIT_INVALID)


@app.command()
def stats(catalog: CatalogueOpt = None, as_json: JsonOpt = False) -> None:
    """Node counts per level, leaves, units and the catalogue version."""
    data = open_catalogue(catalog).stats()
    if as_json:
        echo_json(data)
        return
    for key, value in data.items():
        typer.echo(f"{key:12} {value}")


@app.command()
def show(code: str, catalog: CatalogueOpt = None, as_json: JsonOpt = False) -> None:
    """One node: its path, description, children, and for a leaf its dispatch rule and examples."""
    catalogue = open_catalogue(catalog)
    try:
        detail = service.node_detail(catalogue=catalogue, code=code.strip())
    except KeyError as exc:
        raise fail(exc.args[0]) from exc
    if as_json:
        echo_json(detail.model_dump())
        return
    typer.echo(f"{detail.code}  {detail.path}  [{detail.level_name}]")
    typer.echo(f"  {detail.description}")
    typer.echo(f"  关键词: {'、'.join(detail.keywords)}    群众说法: {'、'.join(detail.aliases)}")
    if detail.dispatch:
        d = detail.dispatch
        typer.echo(f"  主办: {d.responsible_name}    协办: {'、'.join(d.co_handler_names) or '无'}")
        typer.echo(f"  派单: {d.dispatch_mode}    时限: {d.time_limit}    紧急程度: {d.urgency}")
        typer.echo(f"  结案标准: {d.closure_standard}")
        for example in d.examples:
            typer.echo(f"  · {example}")
    for child in detail.children:
        typer.echo(f"  └ {child.code} {child.name}")


@app.command()
def search(words: Annotated[list[str], typer.Argument(help="Words, all of which must match.")],
           limit: Annotated[int, typer.Option(min=1, max=500)] = 20,
           leaves: Annotated[bool, typer.Option("--leaves", help="Only dispatchable leaves.")] = False,
           catalog: CatalogueOpt = None, as_json: JsonOpt = False) -> None:
    """Find nodes by name, keyword, colloquial alias or description."""
    catalogue = open_catalogue(catalog)
    try:
        hits = service.search(catalogue=catalogue, words=" ".join(words), limit=limit, leaves_only=leaves)
    except ValueError as exc:
        raise fail(str(exc)) from exc
    if as_json:
        echo_json([h.model_dump() for h in hits])
        return
    if not hits:
        typer.echo("no match; try fewer or other words")
    for hit in hits:
        typer.echo(f"{hit.node.code:10} {hit.path}  ({hit.score:g}: {', '.join(hit.matched)})")


@app.command("export")
def export(fmt: Annotated[str, typer.Option("--format", help=f"One of {', '.join(FORMATS)}.")] = "xlsx",
           out: Annotated[Optional[Path], typer.Option(help="Output file (default under $JIESU_HOME/exports).")]
           = None, catalog: CatalogueOpt = None) -> None:
    """Write the catalogue as one table (a node per row), the format `jiesu catalog import` reads."""
    if fmt not in FORMATS:
        raise fail(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    catalogue = open_catalogue(catalog)
    target = out or settings_for(catalog).home / "exports" / f"catalogue-{catalogue.manifest.version}.{fmt}"
    for path in export_table(catalogue, target, fmt):
        typer.echo(f"wrote {path}")


@app.command("import")
def import_(table: Annotated[Path, typer.Argument(help="A city's catalogue table (.csv or .xlsx).")],
            out: Annotated[Optional[Path], typer.Option(help="Data directory to create "
                                                        "(default $JIESU_HOME/catalogs/<file name>).")] = None,
            units: Annotated[Optional[Path], typer.Option(help="Units table, if not in the workbook.")] = None,
            name: Annotated[Optional[str], typer.Option(help="Catalogue name for the manifest.")] = None,
            version: Annotated[str, typer.Option(help="Semantic version to record.")] = "1.0.0",
            force: Annotated[bool, typer.Option(help="Replace an existing directory.")] = False) -> None:
    """Validate a city's own catalogue table and write it as a catalogue data directory."""
    target = out or settings_for(None).home / "catalogs" / table.stem
    try:
        catalogue = import_table(table, target, units=units, name=name, version=version, force=force)
    except CatalogueError as exc:
        for problem in exc.problems:
            typer.echo(str(problem), err=True)
        raise fail(f"{len(exc.problems)} problem(s); nothing was written", EXIT_INVALID) from exc
    except FileExistsError as exc:
        raise fail(str(exc)) from exc
    typer.echo(f"imported {catalogue.version} into {target}; serve it with JIESU_CATALOG={target}")


@app.command()
def stamp(bump: Annotated[Optional[str], typer.Option(help="major, minor or patch.")] = None,
          catalog: CatalogueOpt = None) -> None:
    """Record the content hash (and bump the version) in the manifest after a reviewed change."""
    directory = settings_for(catalog).catalogue_dir
    try:
        version = stamp_data_dir(directory, bump)
    except CatalogueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(EXIT_INVALID) from exc
    except ValueError as exc:
        raise fail(str(exc)) from exc
    typer.echo(f"stamped {directory} as {version}")
