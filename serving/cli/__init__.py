"""The `jiesu` command line: one sub-application per area."""
from __future__ import annotations

import typer

from serving.cli import (catalog_cmd, data_cmd, db_cmd, index_cmd, model_cmd, model_ops, outbox_cmd, serve_cmd,
                         supervise_cmd)
from serving.cli import analyse_cmd, autodispatch_cmd, hotspot_cmd, report_cmd
from serving.cli import retrain_cmd
from serving.cli import signals_cmd

app = typer.Typer(help="接诉 Jiesu — smart dispatch for 12345 government service hotlines.", no_args_is_help=True,
                  add_completion=False)
app.add_typer(catalog_cmd.app, name="catalog")
app.add_typer(data_cmd.app, name="data")
app.add_typer(db_cmd.app, name="db")
app.add_typer(db_cmd.users, name="users")
model_cmd.app.command("list")(model_ops.list_models)
model_cmd.app.command("current")(model_ops.current_model)
model_cmd.app.command("promote")(model_ops.promote_model)
model_cmd.app.command("rollback")(model_ops.rollback_model)
model_cmd.app.command("shadow")(retrain_cmd.shadow_model)
model_cmd.app.command("unshadow")(retrain_cmd.unshadow_model)
model_cmd.app.command("shadow-report")(retrain_cmd.shadow_report)
data_cmd.app.command("corrections")(retrain_cmd.export_corrections)
data_cmd.app.command("carry-catalogue")(retrain_cmd.carry_catalogue)
app.add_typer(model_cmd.app, name="model")
app.command("serve")(serve_cmd.serve)
app.command("supervise")(supervise_cmd.supervise)
app.command("deliver")(outbox_cmd.deliver)
app.command("train")(model_ops.train)
app.command("retrain")(retrain_cmd.retrain)
app.command("predict")(model_ops.predict)
app.command("eval")(model_ops.evaluate_model)
app.add_typer(outbox_cmd.webhooks, name="webhooks")
app.add_typer(index_cmd.app, name="index")
app.add_typer(report_cmd.app, name="report")
app.add_typer(autodispatch_cmd.app, name="autodispatch")
app.add_typer(signals_cmd.app, name="signals")
app.add_typer(analyse_cmd.app, name="analyse")
app.command("similar")(index_cmd.similar)
app.command("recommend")(index_cmd.recommend)
app.command("eval-dispatch")(index_cmd.eval_dispatch)
app.command("eval-location")(index_cmd.eval_location)
app.command("eval-spikes")(hotspot_cmd.eval_spikes)
app.command("hotspots")(hotspot_cmd.scan_hotspots)


def main() -> None:
    app()
