"""`jiesu autodispatch …`: per-leaf auto-dispatch thresholds, and the thresholds the agents' decisions support."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime
from typing import Annotated

import typer

from serving.cli.common import fail, open_catalogue, settings_for

app = typer.Typer(help="Per-leaf auto-dispatch rules.", no_args_is_help=True)


@contextmanager
def _session():
    from serving.db import make_engine, session_factory

    with session_factory(make_engine(settings_for(None).database))() as session:
        yield session


@app.command("list")
def list_rules() -> None:
    """Every rule: leaf, threshold, enabled, who set it."""
    from serving.autodispatch.service import rules

    catalogue = open_catalogue(None)
    with _session() as session:
        for r in rules(session):
            name = catalogue.path_name(r.leaf) if r.leaf in catalogue else "(not in the active catalogue)"
            state = "on" if r.enabled else "off"
            typer.echo(f"{r.leaf}\t{r.min_probability:.3f}\t{state}\t{r.updated_by}\t{name}")


@app.command("set")
def set_(leaf: Annotated[str, typer.Argument(help="A catalogue leaf code, e.g. 09010101.")],
         threshold: Annotated[float, typer.Option(min=0.01, max=1.0, help="The top suggestion's probability "
                                                  "must reach this.")],
         off: Annotated[bool, typer.Option("--off", help="Keep the rule but do not apply it.")] = False,
         note: Annotated[str, typer.Option(help="Why (shown to other maintainers).")] = "",
         by: Annotated[str, typer.Option(help="Who sets it (recorded).")] = "cli") -> None:
    """Create or change a leaf's rule."""
    from catalog.deadlines import TZ
    from serving.autodispatch.service import set_rule

    catalogue = open_catalogue(None)
    if leaf not in catalogue or not catalogue.get(leaf).is_leaf:
        raise fail(f"{leaf} is not a leaf of catalogue {catalogue.version}; see `jiesu catalog search`")
    with _session() as session:
        set_rule(session, leaf=leaf, min_probability=threshold, enabled=not off, note=note, by=by,
                 now=datetime.now(TZ))
        session.commit()
    typer.echo(f"{leaf} {catalogue.path_name(leaf)}: auto-dispatch at ≥ {threshold:.3f}{' (off)' if off else ''}")


@app.command("remove")
def remove(leaf: Annotated[str, typer.Argument(help="The leaf whose rule goes.")]) -> None:
    from serving.autodispatch.service import remove_rule

    with _session() as session:
        if not remove_rule(session, leaf=leaf):
            raise fail(f"no auto-dispatch rule for {leaf}; `jiesu autodispatch list` shows them")
        session.commit()
    typer.echo(f"removed the rule for {leaf}")


@app.command("propose")
def propose(precision: Annotated[float, typer.Option(min=0.5, max=1.0)] = 0.99,
            min_support: Annotated[int, typer.Option(min=1)] = 30) -> None:
    """Thresholds the agents' decisions support: per leaf, the lowest at which they agreed with the model at least
    PRECISION of the time over at least MIN_SUPPORT tickets."""
    from serving.autodispatch.service import propose as run

    catalogue = open_catalogue(None)
    with _session() as session:
        found = run(session, precision=precision, min_support=min_support)
    for p in found:
        typer.echo(f"{p.leaf}\t≥ {p.min_probability:.3f}\t{p.covered}/{p.decided} tickets\tprecision "
                   f"{p.precision:.1%} (95% lower {p.precision_lower:.1%})\t{catalogue.path_name(p.leaf)}")
    typer.echo(f"{len(found)} leaves qualify; apply one with `jiesu autodispatch set LEAF --threshold T`")
