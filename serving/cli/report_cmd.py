"""`jiesu report …`: the indicators of the 12345 reform (一比三率 and more) from the service database, and the
leaders' reports built on them (daily, weekly, monthly, schedule: serving/cli/bulletin_cmd.py)."""
from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Annotated, Optional

import typer

from serving.cli import bulletin_cmd
from serving.cli.common import EXIT_INVALID, echo_json, fail, open_catalogue, settings_for

app = typer.Typer(help="Reports: the indicators of the 12345 reform (一比三率 and more), and the daily report, weekly "
                       "analysis and monthly bulletin as HTML and XLSX with charts.", no_args_is_help=True)
MISSING = "—"


@app.command()
def indicators(month: Annotated[Optional[str], typer.Option(help="The month, YYYY-MM.")] = None,
               start: Annotated[Optional[str], typer.Option(help="First day, YYYY-MM-DD (instead of --month).")]
               = None,
               end: Annotated[Optional[str], typer.Option(help="Day after the last, YYYY-MM-DD (excluded).")] = None,
               by: Annotated[str, typer.Option(help="Cut: none, district, street, unit, category, subcategory, "
                                                    "leaf or channel.")] = "none",
               response_hours: Annotated[int, typer.Option(help="Response limit of 响应率, in hours.")] = 24,
               catalog: Annotated[Optional[Path], typer.Option("--catalog", help="Catalogue data directory.")] = None,
               as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Every indicator over a month (or [start, end)) per code of the cut, as a table or JSON."""
    from serving.analytics import flows, service
    from serving.db import make_engine, session_factory
    from serving.migrate import is_current

    try:
        asked, chosen = flows.period(start=start, end=end, month=month), flows.cut(by)
        hours = flows.response_hours(response_hours)
    except flows.InputError as exc:
        raise fail(str(exc)) from exc
    catalogue = open_catalogue(catalog)
    url = settings_for(catalog).database
    if not is_current(url):
        raise fail(f"the database {url.split('://')[0]} is not at the latest migration; run `jiesu db upgrade`",
                   EXIT_INVALID)
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            rows = service.indicators(session, catalogue=catalogue, start=asked.start, end=asked.end, by=chosen,
                                      response_hours=hours)
    finally:
        engine.dispose()
    if as_json:
        echo_json(_as_json(asked, chosen, hours, rows))
    else:
        typer.echo(_table(asked, chosen, hours, rows))


@app.command("definitions")
def show_definitions(response_hours: Annotated[int, typer.Option(help="Response limit of 响应率, in hours.")] = 24,
                     as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """What each indicator counts (the same text as /api/v1/analytics/definitions)."""
    from serving.analytics import flows
    from serving.analytics.definitions import definitions

    try:
        described = definitions(flows.response_hours(response_hours))
    except flows.InputError as exc:
        raise fail(str(exc)) from exc
    if as_json:
        echo_json(described)
        return
    for item in described:
        typer.echo(f"{item['name']}（{item['key']}）：{item['formula']}")
        typer.echo(f"  分子：{item['numerator']}")
        typer.echo(f"  分母：{item['denominator']}")
        if item["note"]:
            typer.echo(f"  说明：{item['note']}")


def _as_json(asked, chosen, hours: int, rows) -> dict:
    from dataclasses import asdict

    return {"start": asked.start.isoformat(), "end": asked.end.isoformat(), "by": chosen.value,
            "response_hours": hours,
            "rows": [{"code": r.code, "name": r.name, "indicators": {k: asdict(f) for k, f in r.figures.items()}}
                     for r in rows]}


def _shown(indicator, figure) -> str:
    """A figure as a reader reads it: counts as integers, 万人诉求比 to 2 decimals, shares as percentages."""
    if figure.value is None:
        return MISSING
    if indicator.is_rate:
        return f"{figure.value * 100:.1f}%"
    return f"{figure.value:.2f}" if indicator.scale != 1 else str(figure.value)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _table(asked, chosen, hours: int, rows) -> str:
    """A plain-text table with Chinese headers, columns padded by display width."""
    from serving.analytics.definitions import CUT_NAMES, INDICATORS

    header = [CUT_NAMES[chosen], *(i.name for i in INDICATORS)]
    body = [[row.name, *(_shown(i, row.figures[i.key]) for i in INDICATORS)] for row in rows]
    widths = [max(_width(line[c]) for line in [header, *body]) for c in range(len(header))]

    def line(cells: list[str]) -> str:
        first = cells[0] + " " * (widths[0] - _width(cells[0]))
        rest = (" " * (w - _width(c)) + c for c, w in zip(cells[1:], widths[1:]))
        return "  ".join([first, *rest])

    title = f"统计期 {asked.label}；按{CUT_NAMES[chosen]}；响应时限 {hours} 小时"
    notes = f"{MISSING} 表示分母为0或无人口数据。各指标的定义：jiesu report definitions"
    return "\n".join([title, line(header), *(line(cells) for cells in body), notes])


app.command("daily")(bulletin_cmd.daily)
app.command("weekly")(bulletin_cmd.weekly)
app.command("monthly")(bulletin_cmd.monthly)
app.command("schedule")(bulletin_cmd.schedule)
