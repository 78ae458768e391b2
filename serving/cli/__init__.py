"""The `jiesu` command line: one sub-application per area."""
from __future__ import annotations

import typer

from serving.cli import catalog_cmd, data_cmd, db_cmd, model_ops, outbox_cmd, serve_cmd, supervise_cmd

app = typer.Typer(help="接诉 Jiesu — smart dispatch for 12345 government service hotlines.", no_args_is_help=True,
                  add_completion=False)
app.add_typer(catalog_cmd.app, name="catalog")
app.add_typer(data_cmd.app, name="data")
app.add_typer(db_cmd.app, name="db")
app.add_typer(db_cmd.users, name="users")
app.command("serve")(serve_cmd.serve)
app.command("supervise")(supervise_cmd.supervise)
app.command("deliver")(outbox_cmd.deliver)
app.command("train")(model_ops.train)
app.command("predict")(model_ops.predict)
app.add_typer(outbox_cmd.webhooks, name="webhooks")


def main() -> None:
    app()
