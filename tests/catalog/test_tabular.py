"""Export to a flat table and import it back: same content, same hash; bad tables rejected with row numbers."""
import csv

import pytest

from catalog import CatalogueError, check_data_dir, load_catalogue
from catalog.tabular import export_table, import_table, units_file_for


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_import_round_trip(tmp_path, catalogue_dir, fmt):
    original = load_catalogue(catalogue_dir)
    [table, *_] = export_table(original, tmp_path / f"city.{fmt}", fmt)
    imported = import_table(table, tmp_path / "imported", base=catalogue_dir, name="测试清单")
    assert check_data_dir(tmp_path / "imported").ok
    again = load_catalogue(tmp_path / "imported")
    assert again.manifest.content_hash == original.manifest.content_hash == imported.manifest.content_hash
    assert [(n.code, n.name, n.dispatch) for n in again.nodes()] == [(n.code, n.name, n.dispatch)
                                                                     for n in original.nodes()]
    assert {u.code for u in again.units(include_inactive=True)} == {u.code for u in
                                                                    original.units(include_inactive=True)}


def test_csv_has_chinese_headers_and_one_node_per_row(tmp_path, catalogue_dir):
    catalogue = load_catalogue(catalogue_dir)
    table, units = export_table(catalogue, tmp_path / "c.csv", "csv")
    assert units == units_file_for(table)
    with table.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(catalogue)
    leaf = next(r for r in rows if r["编码"] == "010101")
    assert leaf["层级"] == "3" and leaf["上级编码"] == "0101" and leaf["协办单位"] == "dept:urban_mgmt"
    assert len(leaf["示例诉求"].splitlines()) == 3


def _rewrite_csv(path, change):
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    change(rows)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)


def test_import_rejects_a_bad_table_naming_file_and_row(tmp_path, catalogue_dir):
    table, _ = export_table(load_catalogue(catalogue_dir), tmp_path / "c.csv", "csv")
    def break_time_limit(rows):
        row = next(r for r in rows if r[0] == "020101")
        row[rows[0].index("办理时限")] = "尽快办"

    _rewrite_csv(table, break_time_limit)
    with pytest.raises(CatalogueError) as info:
        import_table(table, tmp_path / "out", base=catalogue_dir)
    [problem] = info.value.problems
    assert problem.rule == "bad-time-limit" and problem.location.row == 12  # the header, then 10 nodes before 020101
    assert problem.location.file.endswith("c.csv")
    assert not (tmp_path / "out").exists()


def test_import_checks_level_and_parent_columns(tmp_path, catalogue_dir):
    table, _ = export_table(load_catalogue(catalogue_dir), tmp_path / "c.csv", "csv")
    _rewrite_csv(table, lambda rows: rows[3].__setitem__(rows[0].index("上级编码"), "02"))
    with pytest.raises(CatalogueError) as info:
        import_table(table, tmp_path / "out", base=catalogue_dir)
    assert [(p.rule, p.location.row) for p in info.value.problems] == [("level-mismatch", 4)]


def test_import_rejects_unknown_columns(tmp_path, catalogue_dir):
    table, _ = export_table(load_catalogue(catalogue_dir), tmp_path / "c.csv", "csv")
    _rewrite_csv(table, lambda rows: rows[0].__setitem__(1, "级别"))
    with pytest.raises(CatalogueError) as info:
        import_table(table, tmp_path / "out", base=catalogue_dir)
    assert info.value.problems[0].rule == "unknown-field" and "级别" in info.value.problems[0].message


def test_import_accepts_english_headers(tmp_path, catalogue_dir):
    table, _ = export_table(load_catalogue(catalogue_dir), tmp_path / "c.csv", "csv")
    from catalog.tabular import NODE_COLUMNS

    english = {v: k for k, v in NODE_COLUMNS.items()}
    _rewrite_csv(table, lambda rows: rows.__setitem__(0, [english[h] for h in rows[0]]))
    assert import_table(table, tmp_path / "out", base=catalogue_dir).get("020101").name == "室温不达标"


def test_import_never_overwrites_without_force(tmp_path, catalogue_dir):
    table, _ = export_table(load_catalogue(catalogue_dir), tmp_path / "c.csv", "csv")
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("已有数据", encoding="utf-8")
    with pytest.raises(FileExistsError, match="--force"):
        import_table(table, out, base=catalogue_dir)
    assert (out / "keep.txt").read_text(encoding="utf-8") == "已有数据"
    import_table(table, out, base=catalogue_dir, force=True)
    assert not (out / "keep.txt").exists() and check_data_dir(out).ok


def test_units_table_changes_units(tmp_path, catalogue_dir):
    table, units = export_table(load_catalogue(catalogue_dir), tmp_path / "c.csv", "csv")
    _rewrite_csv(units, lambda rows: rows[3].__setitem__(1, "市城市管理和综合执法局"))
    imported = import_table(table, tmp_path / "out", base=catalogue_dir)
    assert imported.unit("urban_mgmt").name == "市城市管理和综合执法局"
