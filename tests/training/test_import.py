"""Importing a city's export: another column layout, traditional characters, unmapped rows, masking."""
import csv
import json
from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook
from typer.testing import CliRunner

from catalog import load_catalogue
from serving.cli import app
from training.corpus.importer import ExportImportError, import_export, load_mapping

EXAMPLE = Path(__file__).resolve().parents[2] / "training" / "data" / "import-mapping.example.yaml"
HEADER = ["序号", "诉求内容", "问题分类", "来电人姓名", "受理时间", "来电号码", "事发地址", "备注"]
ROWS = [
    ["1", "我叫王建國，家住鐵西區興華街道3號樓2單元502室，暖氣不熱只有14度，電話13812345678", "城鄉建設/供熱/室內溫度不達標",
     "王建國", "2025-12-03 08:15:00", "13812345678", "铁西区兴华街道3号楼2单元502室", "繁体"],
    ["2", "小区物业不清雪，门口全是冰，老人摔了两回，物业电话024-23456789打不通", "城乡建设/物业管理/物业服务质量",
     "李梅", "2025/12/05 09:30", "", "浑南区五三街道", ""],
    ["3", "工地老板欠我们11个人三个月工资，身份证210102198001011234可查", "劳动保障/工资待遇/拖欠农民工工资",
     "", "2026-01-10 14:00:00", "13900001111", "", ""],
    ["4", "楼下饭店油烟太大，窗户都不敢开", "环境保护/油烟污染", "", "2026-01-11 10:00:00", "13900002222", "", "未映射"],
    ["5", "路灯不亮好几天了", "城乡建设/路灯", "", "2026-01-12 19:00:00", "", "", "未映射"],
    ["6", "暖气漏水", "城乡建设/供热/室内温度不达标", "", "昨天晚上", "", "", "时间坏"],
    ["7", "", "城乡建设/供热/室内温度不达标", "", "2026-01-12 19:00:00", "", "", "空内容"],
]


@pytest.fixture(scope="module")
def demo():
    return load_catalogue()


def mapping_file(tmp_path, **changes):
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["columns"] = {"text": "诉求内容", "category": "问题分类", "caller_name": "来电人姓名", "received_at": "受理时间",
                       "caller_phone": "来电号码", "address": "事发地址"}
    data.update(changes)
    path = tmp_path / "mapping.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def export_csv(tmp_path, rows=ROWS):
    path = tmp_path / "export.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([HEADER, *rows])
    return path


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_the_example_mapping_is_valid_for_the_demo_catalogue(demo):
    assert load_mapping(EXAMPLE, demo).categories["城乡建设/物业管理/物业服务质量"] == "10010101"


def test_import_maps_masks_normalises_and_accounts_for_every_row(tmp_path, demo):
    report = import_export(export_csv(tmp_path), mapping_file(tmp_path), tmp_path / "out", demo)
    assert (report["rows"], report["imported"], report["unmapped"], report["rejected"]) == (7, 3, 2, 2)
    assert report["unmapped_categories"] == {"环境保护/油烟污染": 1, "城乡建设/路灯": 1}
    assert report["traditional_rows_normalised"] >= 1
    assert report["masked"]["phones"] == 2 and report["masked"]["id_numbers"] == 1
    tickets = read_jsonl(tmp_path / "out" / "tickets.jsonl")
    first = tickets[0]
    assert first["leaf"] == "09010101" and first["source_row"] == 2
    assert "暖气不热" in first["text"] and "鐵西" not in first["text"]
    assert "王建国" not in first["text"] and "13812345678" not in first["text"] and "502" not in first["text"]
    assert first["caller_phone_masked"] == "138****5678" and len(first["caller_phone_hash"]) == 64
    assert first["received_at"] == "2025-12-03T08:15:00+08:00"
    assert "024-23456789" not in tickets[1]["text"] and tickets[1]["received_at"].startswith("2025-12-05T09:30")
    assert "210102198001011234" not in tickets[2]["text"]
    assert [u["row"] for u in read_jsonl(tmp_path / "out" / "unmapped.jsonl")] == [5, 6]
    rejected = read_jsonl(tmp_path / "out" / "rejected.jsonl")
    assert [(r["row"], "昨天晚上" in r["reason"] or "text" in r["reason"]) for r in rejected] == [(7, True), (8, True)]
    assert (tmp_path / "out" / "tickets.parquet").is_file()


def test_import_reads_xlsx_with_its_own_sheet(tmp_path, demo):
    book = Workbook()
    sheet = book.active
    sheet.title = "工单"
    for row in [HEADER, *ROWS[:3]]:
        sheet.append(row)
    path = tmp_path / "export.xlsx"
    book.save(path)
    report = import_export(path, mapping_file(tmp_path, sheet="工单"), tmp_path / "out", demo)
    assert report["imported"] == 3


@pytest.mark.parametrize("changes,fragment", [
    ({"colour": "red"}, "colour"),
    ({"categories": {"城乡建设/路灯": "04"}}, "not leaves"),
    ({"columns": {"text": "内容", "category": "问题分类", "received_at": "受理时间"}}, "column '内容'"),
])
def test_bad_mappings_are_explained(tmp_path, demo, changes, fragment):
    with pytest.raises(ExportImportError, match=fragment):
        import_export(export_csv(tmp_path), mapping_file(tmp_path, **changes), tmp_path / "out", demo)


def test_data_import_command(tmp_path, monkeypatch):
    monkeypatch.setenv("JIESU_HOME", str(tmp_path / "home"))
    runner = CliRunner()
    result = runner.invoke(app, ["data", "import", str(export_csv(tmp_path)), "--mapping", str(mapping_file(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "imported 3 of 7 rows" in result.output and "unmapped 2" in result.output
    assert (tmp_path / "home" / "imports" / "export" / "report.json").is_file()
    bad = runner.invoke(app, ["data", "import", str(tmp_path / "nope.csv"), "--mapping", str(mapping_file(tmp_path))])
    assert bad.exit_code == 2 and "existing .csv or .xlsx" in bad.output
