"""The standard address table (city/addresses.csv): read, checked line by line against the gazetteer, and left out
of the catalogue's content hash (a new address table does not retire the models trained on the catalogue)."""
from catalog import DEFAULT_DATA_DIR, check_data_dir, load_catalogue
from tests.catalog.factory import write_catalogue

HEADER = "# 测试地址表\ndistrict,road,first,last,street\n"


def checked(tmp_path, rows: str):
    root = write_catalogue(tmp_path / "data")
    (root / "city" / "addresses.csv").write_text(HEADER + rows, encoding="utf-8")
    return check_data_dir(root)


def test_runs_are_read_and_looked_up_by_road_and_number(tmp_path):
    result = checked(tmp_path, "HP,中华路,1,99,HP01\nHP,中华路,100,180,HP02\nKP,康平大街,1,50,KP01\n")
    assert result.ok, [str(p) for p in result.problems]
    table = result.catalogue.city.addresses
    assert len(table) == 3 and [r.street for r in table.at("中华路", 100)] == ["HP02"]
    assert table.at("中华路", 181) == [] and table.at("南京街", 5) == []
    assert [r.road for r in table.of_street("HP01")] == ["中华路"]


def test_each_bad_row_is_reported_by_its_line_with_what_to_fix(tmp_path):
    result = checked(tmp_path, "\n".join([
        "XX,中华路,1,9,HP01",          # line 3: unknown district
        "HP,长江路,1,9,HP01",          # line 4: not a road of the district
        "HP,中华路,1,9,KP01",          # line 5: a street of another district
        "HP,中华路,9,1,HP01",          # line 6: first above last
        "HP,中华路,1,9",               # line 7: a column short
        "HP,南京街,1,50,HP01",
        "HP,南京街,40,90,HP02",        # line 9: overlaps line 8
    ]) + "\n")
    found = {(p.rule, p.location.row) for p in result.problems}
    assert found == {("bad-address", 3), ("bad-address", 4), ("bad-address", 5), ("bad-address", 6),
                     ("bad-address", 7), ("overlapping-addresses", 9)}
    messages = {p.location.row: p.message for p in result.problems}
    assert "'XX'" in messages[3] and "add it there first" in messages[4] and "KP01" in messages[5]
    assert "line 8" in messages[9] and result.catalogue is None
    assert all(str(p.location).endswith(f"addresses.csv:{p.location.row}") for p in result.problems)


def test_a_wrong_header_is_refused(tmp_path):
    root = write_catalogue(tmp_path / "data")
    (root / "city" / "addresses.csv").write_text("区县,道路,起,止,街道\nHP,中华路,1,9,HP01\n", encoding="utf-8")
    [problem] = check_data_dir(root).problems
    assert problem.rule == "bad-address-header" and problem.location.row == 1


def test_without_a_table_roads_have_no_runs_and_the_version_ignores_the_table(tmp_path):
    bare = check_data_dir(write_catalogue(tmp_path / "bare"))
    assert bare.ok and len(bare.catalogue.city.addresses) == 0
    with_table = checked(tmp_path, "HP,中华路,1,99,HP01\n")
    assert with_table.catalogue.version == bare.catalogue.version


def test_the_demo_table_puts_every_street_on_some_road():
    city = load_catalogue(DEFAULT_DATA_DIR).city
    assert len(city.addresses) > 300
    assert all(city.addresses.of_street(s.code) for s in city.streets())
