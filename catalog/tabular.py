"""Export a catalogue to one flat table (CSV or XLSX, one node per row) and import a city's own table.

Headers are Chinese for the people who maintain the file; the English field names are accepted too.
Lists (keywords, aliases, co-handlers) are separated by '|', examples by line breaks within the cell."""
from __future__ import annotations

import csv
import shutil
from pathlib import Path

import yaml

from catalog.build import node_content, unit_content
from catalog.catalogue import Catalogue
from catalog.load import DEFAULT_DATA_DIR, build_catalogue, load_catalogue, write_manifest
from catalog.problems import CatalogueError, Location, Problem
from catalog.source import (CATALOGUE_DIR, GAZETTEER_FILE, UNITS_FILE, RawSource, Record, code_lines, load_yaml,
                            records_from_list)
from catalog.validate import validate_source

NODE_COLUMNS = {  # field -> header
    "code": "编码", "level": "层级", "parent": "上级编码", "name": "名称", "description": "描述",
    "keywords": "关键词", "aliases": "别名", "responsible": "责任单位规则", "co_handlers": "协办单位",
    "dispatch_mode": "派单方式", "closure_standard": "结案标准", "time_limit": "办理时限", "urgency": "紧急程度",
    "examples": "示例诉求",
}
UNIT_COLUMNS = {"code": "单位编码", "name": "单位名称", "kind": "类型", "hours": "服务时间", "phone": "电话",
                "active": "启用", "note": "说明"}
LIST_FIELDS = ("keywords", "aliases", "co_handlers")
LIST_SEP = "|"
NODE_SHEET, UNIT_SHEET, INFO_SHEET = "目录", "单位", "说明"
FORMATS = ("csv", "xlsx")
YES, NO = "是", "否"


# --- export -------------------------------------------------------------------------------------
def node_row(catalogue: Catalogue, code: str) -> list[str]:
    node = catalogue.get(code)
    data = node_content(node)
    data["level"] = str(node.level)
    data["parent"] = node.parent_code or ""
    cells = []
    for field in NODE_COLUMNS:
        value = data.get(field, "")
        if field in LIST_FIELDS:
            value = LIST_SEP.join(value)
        elif field == "examples":
            value = "\n".join(value)
        cells.append(value)
    return cells


def unit_row(unit) -> list[str]:
    data = unit_content(unit)
    data["active"] = YES if unit.active else NO
    return [str(data[f]) for f in UNIT_COLUMNS]


def export_table(catalogue: Catalogue, path: Path | str, fmt: str) -> list[Path]:
    """Write the catalogue (and its units) as CSV or XLSX; return the files written."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    nodes = [node_row(catalogue, n.code) for n in catalogue.nodes()]
    units = [unit_row(u) for u in catalogue.units(include_inactive=True) if u.kind not in ("district", "street")]
    if fmt == "csv":
        units_path = units_file_for(path)
        _write_csv(path, list(NODE_COLUMNS.values()), nodes)
        _write_csv(units_path, list(UNIT_COLUMNS.values()), units)
        return [path, units_path]
    _write_xlsx(path, catalogue, nodes, units)
    return [path]


def units_file_for(path: Path) -> Path:
    return path.with_name(f"{path.stem}_units{path.suffix}")


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:  # BOM: Excel opens it as UTF-8
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


def _write_xlsx(path: Path, catalogue: Catalogue, nodes: list[list[str]], units: list[list[str]]) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for title, header, rows in ((NODE_SHEET, list(NODE_COLUMNS.values()), nodes),
                                (UNIT_SHEET, list(UNIT_COLUMNS.values()), units)):
        sheet = book.create_sheet(title)
        sheet.append(header)
        for row in rows:
            sheet.append(row)
    info = book.create_sheet(INFO_SHEET)
    for row in (("清单名称", catalogue.manifest.name), ("版本", catalogue.version),
                ("说明", "每行一个节点；关键词、别名、协办单位以 | 分隔；示例诉求每行一条。")):
        info.append(list(row))
    book.save(path)


# --- import -------------------------------------------------------------------------------------
def _header_map(header: list, columns: dict[str, str], shown: str) -> tuple[dict[int, str], list[Problem]]:
    by_name = {h: f for f, h in columns.items()} | {f: f for f in columns}
    mapping, problems = {}, []
    for index, title in enumerate(header):
        title = "" if title is None else str(title).strip()
        if not title:
            continue
        if title not in by_name:
            problems.append(Problem("unknown-field", f"unknown column {title!r}; expected columns: "
                                    f"{', '.join(columns.values())}", Location(shown, 1)))
        else:
            mapping[index] = by_name[title]
    missing = [columns[f] for f in ("code", "name") if f not in mapping.values()]
    if missing:
        problems.append(Problem("missing-field", f"missing column(s) {', '.join(missing)}", Location(shown, 1)))
    return mapping, problems


def _cell(value) -> str:
    return "" if value is None else str(value).strip()


def _node_fields(cells: dict[str, str]) -> dict:
    fields: dict = {}
    for field, value in cells.items():
        if field in LIST_FIELDS:
            items = [v.strip() for v in value.split(LIST_SEP) if v.strip()]
            if items or field != "co_handlers":
                fields[field] = items
        elif field == "examples":
            if value:
                fields[field] = [line.strip() for line in value.splitlines() if line.strip()]
        elif value:
            fields[field] = value
    if "responsible" in fields and "co_handlers" not in fields:
        fields["co_handlers"] = []
    return fields


def _records(rows: list[list], columns: dict[str, str], shown: str, problems: list[Problem]) -> list[dict]:
    """Rows of a table as field dicts located at their row numbers (header = row 1)."""
    if not rows:
        problems.append(Problem("missing-field", "the table is empty: no header row", Location(shown)))
        return []
    mapping, header_problems = _header_map(rows[0], columns, shown)
    problems += header_problems
    out = []
    for number, row in enumerate(rows[1:], start=2):
        cells = {mapping[i]: _cell(v) for i, v in enumerate(row) if i in mapping}
        if any(cells.values()):
            out.append({"fields": cells, "location": Location(shown, number)})
    return out


def read_rows(path: Path, sheet: str | None = None) -> list[list] | None:
    """Rows of a CSV file, or of a sheet (default the first) of an XLSX workbook; None if the sheet is absent."""
    if path.suffix.lower() == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return list(csv.reader(fh))
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    if sheet is not None and sheet not in book.sheetnames:
        return None
    ws = book[sheet] if sheet else book.worksheets[0]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def _unit_records(path: Path, problems: list[Problem]) -> list[Record] | None:
    rows = read_rows(path, UNIT_SHEET if path.suffix.lower() == ".xlsx" else None)
    if rows is None:
        return None
    shown = f"{path}[{UNIT_SHEET}]" if path.suffix.lower() == ".xlsx" else str(path)
    records = []
    for item in _records(rows, UNIT_COLUMNS, shown, problems):
        fields = {k: v for k, v in item["fields"].items() if v != ""}
        if "active" in fields:
            fields["active"] = fields["active"] not in (NO, "false", "False", "0", "停用")
        records.append(Record(fields, item["location"]))
    return records


def read_table(path: Path | str, units: Path | str | None = None, base: Path | str = DEFAULT_DATA_DIR,
               name: str | None = None, version: str = "1.0.0") -> RawSource:
    """A raw source from a catalogue table; units from the workbook, a units file or the base catalogue."""
    path, base = Path(path), Path(base)
    src = RawSource(root=base)
    if not path.is_file() or path.suffix.lower() not in (".csv", ".xlsx"):
        src.problems.append(Problem("missing-file", "catalogue table must be an existing .csv or .xlsx file",
                                    Location(str(path))))
        return src
    shown = f"{path}[{NODE_SHEET}]" if path.suffix.lower() == ".xlsx" else str(path)
    rows = read_rows(path, NODE_SHEET if path.suffix.lower() == ".xlsx" else None) or []
    src.nodes = [Record(_node_fields(r["fields"]), r["location"])
                 for r in _records(rows, NODE_COLUMNS, shown, src.problems)]
    unit_source = Path(units) if units else (path if path.suffix.lower() == ".xlsx" else units_file_for(path))
    unit_records = _unit_records(unit_source, src.problems) if unit_source.is_file() else None
    base_units, text = load_yaml(base / UNITS_FILE, str(base / UNITS_FILE), src.problems)
    base_units = base_units or {}
    src.units_meta = {k: v for k, v in base_units.items() if k != "units"}
    src.units = unit_records if unit_records is not None else records_from_list(
        base_units.get("units", []), text, str(base / UNITS_FILE), "units", src.problems)
    gazetteer, text = load_yaml(base / GAZETTEER_FILE, str(base / GAZETTEER_FILE), src.problems)
    src.gazetteer, src.gazetteer_lines = gazetteer or {}, code_lines(text)
    src.manifest = {"name": name or f"导入的确责清单（{path.name}）", "version": version,
                    "expected_levels": _level_counts(src.nodes)}
    return src


def _level_counts(records: list[Record]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for rec in records:
        code = str(rec.fields.get("code", ""))
        if code.isdigit() and len(code) % 2 == 0:
            counts[len(code) // 2] = counts.get(len(code) // 2, 0) + 1
    return dict(sorted(counts.items()))


def import_table(path: Path | str, out_dir: Path | str, units: Path | str | None = None,
                 base: Path | str = DEFAULT_DATA_DIR, name: str | None = None, version: str = "1.0.0",
                 force: bool = False) -> Catalogue:
    """Validate a city's catalogue table and write it as a data directory; nothing is written if invalid."""
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()) and not force:
        raise FileExistsError(f"{out_dir} already holds files; choose an empty directory or pass --force "
                              "to replace it")
    src = read_table(path, units=units, base=base, name=name, version=version)
    problems = validate_source(src)
    if problems:
        raise CatalogueError(problems)
    catalogue, digest = build_catalogue(src)
    write_data_dir(out_dir, catalogue, src, digest)
    return load_catalogue(out_dir)


def write_data_dir(out_dir: Path, catalogue: Catalogue, src: RawSource, digest: str) -> None:
    staging = out_dir.with_name(out_dir.name + ".importing")
    shutil.rmtree(staging, ignore_errors=True)
    (staging / CATALOGUE_DIR).mkdir(parents=True)
    for root in catalogue.roots():
        nodes = [node_content(root)] + [node_content(n) for n in catalogue.nodes() if n.code[:2] == root.code
                                        and n.code != root.code]
        _dump(staging / CATALOGUE_DIR / f"{root.code}.yaml", nodes)
    units = [unit_content(u) for u in catalogue.units(include_inactive=True) if u.kind not in ("district", "street")]
    (staging / "city").mkdir()
    _dump(staging / UNITS_FILE, {**src.units_meta, "units": units})
    gazetteer = {k: v for k, v in src.gazetteer.items()}
    _dump(staging / GAZETTEER_FILE, gazetteer)
    write_manifest(staging, {**src.manifest, "content_hash": digest})
    if out_dir.exists():
        shutil.rmtree(out_dir)
    staging.rename(out_dir)


def _dump(path: Path, data) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000), encoding="utf-8")
