"""Import a real city's exported work orders: mapped columns, categories mapped to catalogue leaves,
personal data masked, traditional characters normalised, and every row accounted for."""
from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from catalog import Catalogue
from catalog.tabular import read_rows
from training.corpus.masking import Masker, mask_phone, phone_hash
from training.corpus.normalise import normalise, to_simplified

REQUIRED = ("received_at", "text", "category")
OPTIONAL = ("ticket_id", "channel", "title", "address", "caller_phone", "caller_name", "unit", "reply_text",
            "satisfaction", "closed_at")


class ColumnMap(BaseModel):
    """Which column of the export holds each of our fields (the export's header text)."""

    model_config = ConfigDict(extra="forbid")
    received_at: str
    text: str
    category: str
    ticket_id: str | None = None
    channel: str | None = None
    title: str | None = None
    address: str | None = None
    caller_phone: str | None = None
    caller_name: str | None = None
    unit: str | None = None
    reply_text: str | None = None
    satisfaction: str | None = None
    closed_at: str | None = None


class ImportMapping(BaseModel):
    model_config = ConfigDict(extra="forbid")
    columns: ColumnMap
    categories: dict[str, str] = Field(description="export category (exact text) → catalogue leaf code")
    time_formats: list[str] = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
                               "%Y年%m月%d日 %H:%M"]
    timezone: str = "Asia/Shanghai"
    salt: str = Field(default="jiesu", description="key of the caller phone hash; keep it secret per city")
    sheet: str | None = None


class ExportImportError(ValueError):
    """A mapping or file that cannot be imported at all (as opposed to single rows that are reported)."""


def load_mapping(path: Path, catalogue: Catalogue) -> ImportMapping:
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        mapping = ImportMapping.model_validate(raw)
    except (OSError, yaml.YAMLError) as exc:
        raise ExportImportError(f"{path}: cannot read the mapping file: {exc}") from exc
    except ValidationError as exc:
        details = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise ExportImportError(f"{path}: the mapping is invalid: {details}. It needs 'columns' (received_at, text, "
                           "category, optional others) and 'categories' (export category → leaf code)") from exc
    bad = {k: v for k, v in mapping.categories.items() if v not in catalogue or not catalogue.get(v).is_leaf}
    if bad:
        sample = ", ".join(f"{k!r} → {v!r}" for k, v in list(bad.items())[:5])
        raise ExportImportError(f"{path}: {len(bad)} category mapping(s) point at codes that are not leaves of catalogue "
                           f"{catalogue.version}: {sample}")
    return mapping


def parse_time(value, mapping: ImportMapping) -> datetime:
    zone = ZoneInfo(mapping.timezone)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    text = str(value).strip()
    try:
        moment = datetime.fromisoformat(text)
        return moment if moment.tzinfo else moment.replace(tzinfo=zone)
    except ValueError:
        pass
    for fmt in mapping.time_formats:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=zone)
        except ValueError:
            continue
    raise ValueError(f"time {text!r} matches none of the formats {mapping.time_formats}")


class Importer:
    def __init__(self, catalogue: Catalogue, mapping: ImportMapping):
        self.catalogue, self.mapping = catalogue, mapping
        self.masker = Masker()
        self.traditional = 0
        self.categories = {to_simplified(k).strip(): v for k, v in mapping.categories.items()}

    def columns_for(self, header: list, source: str) -> dict[str, int]:
        names = [("" if h is None else str(h).strip()) for h in header]
        index = {}
        for field, column in self.mapping.columns.model_dump().items():
            if column is None:
                continue
            if column not in names:
                raise ExportImportError(f"{source}: column {column!r} (mapped to {field}) is not in the file's header "
                                   f"{names}; fix 'columns.{field}' in the mapping")
            index[field] = names.index(column)
        return index

    def _text(self, value) -> str:
        raw = "" if value is None else str(value)
        simplified = normalise(raw)
        self.traditional += to_simplified(raw) != raw
        return simplified

    def row(self, cells: dict) -> dict:
        """One exported row as a ticket; ValueError says why a row cannot be imported."""
        text = self._text(cells.get("text"))
        if len(text) < 5:
            raise ValueError("empty or too short complaint text")
        category = self._text(cells.get("category"))
        leaf = self.categories.get(category)
        if leaf is None:
            raise LookupError(category)
        name = str(cells.get("caller_name") or "").strip()
        names = (name,) if name else ()
        phone = str(cells.get("caller_phone") or "").strip()
        received = parse_time(cells["received_at"], self.mapping)
        closed = parse_time(cells["closed_at"], self.mapping) if cells.get("closed_at") else None
        return {
            "ticket_id": str(cells.get("ticket_id") or "").strip() or None,
            "received_at": received.isoformat(), "closed_at": closed.isoformat() if closed else None,
            "channel": self._text(cells.get("channel")) or None,
            "title": self.masker.mask(self._text(cells.get("title")), names),
            "text": self.masker.mask(text, names),
            "address": self.masker.mask(self._text(cells.get("address")), names) or None,
            "caller_phone_hash": phone_hash(phone, self.mapping.salt) if phone else None,
            "caller_phone_masked": mask_phone(phone) if phone else None,
            "source_category": category, "leaf": leaf, "path": self.catalogue.path_name(leaf),
            "source_unit": self._text(cells.get("unit")) or None,
            "reply_text": self.masker.mask(self._text(cells.get("reply_text")), names) or None,
            "satisfaction": self._text(cells.get("satisfaction")) or None,
        }


def import_export(path: Path, mapping_path: Path, out_dir: Path, catalogue: Catalogue) -> dict:
    """Import the export at `path`; write tickets, unmapped and rejected rows and a report; return the report."""
    mapping = load_mapping(mapping_path, catalogue)
    if not Path(path).is_file() or Path(path).suffix.lower() not in (".csv", ".xlsx"):
        raise ExportImportError(f"{path}: the export must be an existing .csv or .xlsx file")
    rows = read_rows(Path(path), mapping.sheet)
    if not rows:
        raise ExportImportError(f"{path}: no rows{' in sheet ' + mapping.sheet if mapping.sheet else ''}")
    importer = Importer(catalogue, mapping)
    columns = importer.columns_for(rows[0], str(path))
    tickets, unmapped, rejected = [], [], []
    for number, values in enumerate(rows[1:], start=2):
        cells = {f: values[i] if i < len(values) else None for f, i in columns.items()}
        if not any(v not in (None, "") for v in cells.values()):
            continue
        try:
            tickets.append(importer.row(cells) | {"source_row": number})
        except LookupError as exc:
            unmapped.append({"row": number, "category": exc.args[0], "text": str(cells.get("text") or "")[:60]})
        except ValueError as exc:
            rejected.append({"row": number, "reason": str(exc)})
    report = {
        "file": str(path), "catalogue": catalogue.version, "rows": len(rows) - 1, "imported": len(tickets),
        "unmapped": len(unmapped), "unmapped_categories": dict(Counter(u["category"] for u in unmapped).most_common()),
        "rejected": len(rejected), "rejected_reasons": dict(Counter(r["reason"].split(" matches")[0]
                                                                    for r in rejected).most_common()),
        "masked": dict(importer.masker.counts), "traditional_rows_normalised": importer.traditional,
    }
    _write(out_dir, tickets, unmapped, rejected, report)
    return report


def _write(out_dir: Path, tickets: list[dict], unmapped: list[dict], rejected: list[dict], report: dict) -> None:
    from datasets import Dataset

    out_dir.mkdir(parents=True, exist_ok=True)
    if tickets:
        Dataset.from_list(tickets).to_parquet(str(out_dir / "tickets.parquet"))
    for name, items in (("tickets", tickets), ("unmapped", unmapped), ("rejected", rejected)):
        with (out_dir / f"{name}.jsonl").open("w", encoding="utf-8") as fh:
            for item in items:
                fh.write(json.dumps(item, ensure_ascii=False) + "\n")
    (out_dir / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
