"""The `jiesu catalog` commands, run as a user runs them."""
import json

import pytest
from typer.testing import CliRunner

from serving.cli import app

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_validate_ok(catalogue_dir):
    result = run("catalog", "validate", "--catalog", catalogue_dir)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK 测试清单 1.0.0+") and "2/3/5/2 nodes, 6 leaves" in result.output


def test_validate_reports_problems_and_exits_1(catalogue_dir):
    path = catalogue_dir / "catalogue" / "02.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("time_limit: 24小时", "time_limit: 马上"),
                    encoding="utf-8")
    result = run("catalog", "validate", "--catalog", catalogue_dir)
    assert result.exit_code == 1
    assert "02.yaml:" in result.output and "[bad-time-limit]" in result.output and "1 problem(s)" in result.output
    as_json = json.loads(run("catalog", "validate", "--catalog", catalogue_dir, "--json").output)
    assert as_json["ok"] is False and as_json["problems"][0]["rule"] == "bad-time-limit"


def test_stats_json(catalogue_dir):
    data = json.loads(run("catalog", "stats", "--json", "--catalog", catalogue_dir).output)
    assert data["levels"] == {"1": 2, "2": 3, "3": 5, "4": 2} and data["leaves"] == 6


def test_show_leaf_and_unknown_code(catalogue_dir):
    result = run("catalog", "show", "020102", "--catalog", catalogue_dir)
    assert result.exit_code == 0
    assert "城市供热 > 供热质量 > 暖气漏水跑水" in result.output and "主办: 市热力集团" in result.output
    assert "时限: 3小时" in result.output
    missing = run("catalog", "show", "9999", "--catalog", catalogue_dir)
    assert missing.exit_code == 2 and "no catalogue node with code '9999'" in missing.output


def test_search(catalogue_dir):
    result = run("catalog", "search", "暖气", "漏水", "--catalog", catalogue_dir)
    assert result.exit_code == 0 and result.output.startswith("020102")
    assert "no match" in run("catalog", "search", "地铁", "--catalog", catalogue_dir).output


def test_export_import_and_stamp(tmp_path, catalogue_dir, monkeypatch):
    monkeypatch.setenv("JIESU_HOME", str(tmp_path / "home"))
    exported = run("catalog", "export", "--format", "xlsx", "--catalog", catalogue_dir)
    assert exported.exit_code == 0, exported.output
    workbook = tmp_path / "home" / "exports" / "catalogue-1.0.0.xlsx"
    assert workbook.is_file()
    imported = run("catalog", "import", workbook, "--out", tmp_path / "city")
    assert imported.exit_code == 0, imported.output
    assert run("catalog", "validate", "--catalog", tmp_path / "city").exit_code == 0
    again = run("catalog", "import", workbook, "--out", tmp_path / "city")
    assert again.exit_code == 2 and "--force" in again.output
    stamped = run("catalog", "stamp", "--bump", "minor", "--catalog", tmp_path / "city")
    assert stamped.exit_code == 0 and "1.1.0+" in stamped.output


@pytest.mark.parametrize("args,fragment", [
    (("catalog", "export", "--format", "pdf"), "--format must be one of csv, xlsx"),
    (("catalog", "stamp", "--bump", "huge"), "bump must be one of"),
])
def test_bad_options_explain_themselves(catalogue_dir, args, fragment):
    result = run(*args, "--catalog", catalogue_dir)
    assert result.exit_code == 2 and fragment in result.output


def test_commands_refuse_an_invalid_catalogue(catalogue_dir):
    (catalogue_dir / "city" / "units.yaml").write_text("units: [", encoding="utf-8")
    result = run("catalog", "stats", "--catalog", catalogue_dir)
    assert result.exit_code == 1 and "yaml-syntax" in result.output


def test_db_upgrade_and_users(tmp_path, monkeypatch):
    from serving.migrate import is_current

    monkeypatch.setenv("JIESU_HOME", str(tmp_path))
    url = f"sqlite:///{tmp_path / 'jiesu.db'}"
    assert run("db", "upgrade").exit_code == 0 and is_current(url)
    key = run("users", "add", "--name", "street-HP01", "--role", "unit", "--unit", "street:HP01")
    assert key.exit_code == 0 and key.output.startswith("jsk_")
    again = run("users", "add", "--name", "street-HP01", "--role", "unit", "--unit", "street:HP01")
    assert again.exit_code == 2 and "exists already" in again.output
    assert "role must be one of" in run("users", "add", "--name", "x", "--role", "boss").output
    assert "needs a unit" in run("users", "add", "--name", "y", "--role", "unit").output
