"""Reports on disk: $JIESU_HOME/reports/<kind>/<period>/ holds report.html, report.xlsx and report.json (what was
generated, when, and whether its period was over), each written atomically. The schedule generates the reports that
are due and not yet on disk, so it is safe to stop, restart and run twice."""
from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from catalog import Catalogue
from serving.analytics.definitions import DEFAULT_RESPONSE_HOURS
from serving.analytics.flows import InputError
from serving.analytics.reports import charts, page, workbook
from serving.analytics.reports.figures import HEADLINE, gather
from serving.analytics.reports.periods import KIND_NAMES, Kind, ReportPeriod, due
from serving.analytics.reports.wording import title

FILES = {"html": "report.html", "xlsx": "report.xlsx"}
META = "report.json"
MEDIA_TYPES = {"html": "text/html; charset=utf-8",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def folder(home: Path, period: ReportPeriod) -> Path:
    """Where a report lives by default: $JIESU_HOME/reports/monthly/2026-10/."""
    return home / "reports" / period.kind.value / period.key


@dataclass(frozen=True)
class Written:
    period: ReportPeriod
    folder: Path
    complete: bool           # the period was over when it was generated (else it is regenerated when asked again)
    seconds: float
    warnings: list[str] = field(default_factory=list)

    def path(self, fmt: str) -> Path:
        return self.folder / FILES[fmt]

    def as_json(self) -> dict:
        return {"kind": self.period.kind.value, "period": self.period.key, "html": str(self.path("html")),
                "xlsx": str(self.path("xlsx")), "complete": self.complete, "seconds": round(self.seconds, 2),
                "warnings": self.warnings}


def _atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Write through a temporary file in the same folder, then rename: a reader never sees half a file."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    os.close(handle)
    try:
        write(Path(temporary))
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def generate(session: Session, *, catalogue: Catalogue, period: ReportPeriod, now: datetime, out: Path,
             response_hours: int = DEFAULT_RESPONSE_HOURS) -> Written:
    """Gather the figures, draw the charts, write report.html, report.xlsx and report.json into `out`."""
    started = time.perf_counter()
    figures = gather(session, catalogue=catalogue, period=period, now=now, response_hours=response_hours)
    drawn = charts.charts(figures)
    out.mkdir(parents=True, exist_ok=True)
    _atomic(out / FILES["html"], lambda p: p.write_text(page.render(figures, drawn), encoding="utf-8"))
    _atomic(out / FILES["xlsx"], lambda p: workbook.write(p, figures, drawn))
    warnings = [w for w in (charts.font_warning(),) if w]
    written = Written(period, out, figures.complete, time.perf_counter() - started, warnings)
    meta = {**written.as_json(), "title": title(figures), "kind_name": KIND_NAMES[period.kind],
            "start": period.start.isoformat(), "end": period.end.isoformat(), "generated_at": now.isoformat(),
            "response_hours": response_hours,
            "figures": {k: figures.total.now[k].value for k in HEADLINE} | {"overdue": len(figures.overdue)}}
    _atomic(out / META, lambda p: p.write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n",
                                               encoding="utf-8"))
    return written


def meta_of(out: Path) -> dict | None:
    """The report.json of a folder whose files are all there; None otherwise (or when it cannot be read)."""
    try:
        meta = json.loads((out / META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if all((out / name).is_file() for name in FILES.values()) else None


def is_final(out: Path) -> bool:
    """Whether the folder holds a whole report of a period that was over when it was generated."""
    meta = meta_of(out)
    return bool(meta and meta.get("complete"))


def run_due(session: Session, *, catalogue: Catalogue, home: Path, now: datetime) -> list[Written]:
    """Generate the reports due at `now` (yesterday's, last week's, last month's) that are not on disk yet."""
    return [generate(session, catalogue=catalogue, period=p, now=now, out=folder(home, p))
            for p in due(now) if not is_final(folder(home, p))]


def listed(home: Path, limit: int = 6) -> list[dict]:
    """The stored reports of each kind, newest period first, at most `limit` of each."""
    found = []
    for kind in Kind:
        base = home / "reports" / kind.value
        folders = sorted((p for p in base.iterdir() if p.is_dir()), reverse=True) if base.is_dir() else []
        metas = [m for m in (meta_of(f) for f in folders) if m]
        found += metas[:limit]
    return found


def format_of(value: str) -> str:
    if value not in FILES:
        raise InputError(f"format: {value!r} is not a report format; ask for .html (the page) or .xlsx (the workbook)")
    return value


def ensure(session: Session, *, catalogue: Catalogue, period: ReportPeriod, now: datetime, home: Path) -> Path:
    """The folder of the report under `home`: the stored one when its period was over when generated, else one
    generated now (a period still running is generated afresh each time it is asked for)."""
    out = folder(home, period)
    if not is_final(out):
        generate(session, catalogue=catalogue, period=period, now=now, out=out)
    return out


def links(home: Path, now: datetime) -> list[dict]:
    """The latest report of each kind (due now, stored or not) and the stored ones, newest first per kind."""
    rows, seen = [], set()
    for period in due(now):
        rows.append(_link(period.kind.value, period.key, period_title(period), meta_of(folder(home, period))))
        seen.add((period.kind.value, period.key))
    for meta in listed(home):
        if (meta["kind"], meta["period"]) not in seen:
            rows.append(_link(meta["kind"], meta["period"], meta.get("title", meta["period"]), meta))
    return rows


def _link(kind: str, key: str, heading: str, meta: dict | None) -> dict:
    base = f"/api/v1/analytics/reports/{kind}/{key}"
    return {"kind": kind, "kind_name": KIND_NAMES[Kind(kind)], "period": key, "title": heading,
            "html": f"{base}.html", "xlsx": f"{base}.xlsx", "stored": meta is not None,
            "complete": bool(meta and meta.get("complete")), "generated_at": meta.get("generated_at") if meta else None}


def period_title(period: ReportPeriod) -> str:
    return f"{period.title}{KIND_NAMES[period.kind]}"
