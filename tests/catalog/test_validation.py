"""Every validation rule: a fixture broken in one place is rejected with the rule, the file, the row and a hint."""
from __future__ import annotations

import pytest

from catalog import CatalogueError, check_data_dir, load_catalogue
from tests.catalog.factory import fresh, line_of, node, write_catalogue


def _set(target, **fields):
    def mutate(parts):
        node(parts, target).update(fields)
    return mutate


def _drop(code, field):
    def mutate(parts):
        node(parts, code).pop(field)
    return mutate


def _add(item):
    def mutate(parts):
        parts["nodes"].append(item)
    return mutate


def _remove(code):
    def mutate(parts):
        parts["nodes"] = [n for n in parts["nodes"] if n["code"] != code]
    return mutate


def _copy_leaf(src_code, **fields):
    def mutate(parts):
        item = dict(node(parts, src_code))
        item.update(fields)
        parts["nodes"].append(item)
    return mutate


def _duplicate_first_example(src_code, dst_code):
    def mutate(parts):
        node(parts, dst_code)["examples"][0] = node(parts, src_code)["examples"][0]
    return mutate


# (id, mutation, rule, message fragment, file the problem points to, code whose line it points to)
NODE_CASES = [
    ("bad-code-format", _set("010102", code="01012"), "bad-code", "2, 4, 6 or 8 digits", "01.yaml", "01012"),
    ("bad-code-00", _copy_leaf("010102", code="010100", name="零号事项"), "bad-code", "may not be 00", "01.yaml",
     "010100"),
    ("duplicate-code", _copy_leaf("010102", name="垃圾站蚊蝇"), "duplicate-code", "already used at", "01.yaml",
     None),
    ("orphan", _copy_leaf("010102", code="010301", name="孤儿事项"), "orphan", "parent 0103 does not exist",
     "01.yaml", "010301"),
    ("unknown-unit", _set("010102", responsible="dept:no_such_bureau"), "unknown-unit", "no_such_bureau",
     "01.yaml", "010102"),
    ("inactive-unit", _set("020101", co_handlers=["dept:old_heat"]), "inactive-unit", "inactive", "02.yaml",
     "020101"),
    ("unknown-co-handler", _set("020101", co_handlers=["dept:ghost"]), "unknown-unit", "ghost", "02.yaml",
     "020101"),
    ("bad-unit-rule", _set("020101", responsible="热力集团"), "bad-unit-rule", "dept:<unit code>", "02.yaml",
     "020101"),
    ("bad-time-limit", _set("020101", time_limit="尽快"), "bad-time-limit", "即办, N小时, N个工作日", "02.yaml",
     "020101"),
    ("time-limit-out-of-range", _set("020101", time_limit="200小时"), "bad-time-limit", "hours must be",
     "02.yaml", "020101"),
    ("immediate-in-working-days", _set("020102", time_limit="1个工作日"), "bad-time-limit", "立即办 leaf must",
     "02.yaml", "020102"),
    ("leaf-without-rule", _drop("020101", "responsible"), "leaf-without-rule", "responsible unit rule", "02.yaml",
     "020101"),
    ("leaf-without-examples", _set("020101", examples=["市民来电反映：暖气不热，屋里只有十五度。"]),
     "leaf-without-examples", "at least 3", "02.yaml", "020101"),
    ("example-too-short", _set("020101", examples=["室温不达标", "暖气不热啊啊啊啊啊啊啊啊啊", "屋里冰凉冰凉的十二度"]),
     "example-too-short", "restates", "02.yaml", "020101"),
    ("duplicate-sibling-name", _set("010102", name="垃圾清运不及时"), "duplicate-sibling-name", "sibling 010101",
     "01.yaml", "010102"),
    ("name-repeats-parent", _set("010101", name="生活垃圾收运"), "duplicate-sibling-name", "parent's name",
     "01.yaml", "010101"),
    ("duplicate-leaf-name", _set("020102", name="垃圾站脏乱"), "duplicate-leaf-name", "unique in the whole",
     "02.yaml", "020102"),
    ("unknown-field", _set("020101", owner="热力"), "unknown-field", "'owner'", "02.yaml", "020101"),
    ("missing-description", _set("0201", description=""), "missing-field", "description is empty", "02.yaml",
     "0201"),
    ("missing-keywords", _set("0201", keywords=[]), "missing-field", "keywords", "02.yaml", "0201"),
    ("missing-closure", _drop("020101", "closure_standard"), "missing-field", "closure_standard", "02.yaml",
     "020101"),
    ("branch-with-leaf-fields", _set("010201", time_limit="3个工作日"), "branch-with-leaf-fields", "time_limit",
     "01.yaml", "010201"),
    ("bad-dispatch-mode", _set("020101", dispatch_mode="快派"), "bad-dispatch-mode", "直派, 逐级转派, 双派",
     "02.yaml", "020101"),
    ("parallel-needs-both", _set("020101", dispatch_mode="双派"), "bad-dispatch-mode", "one territory rule",
     "02.yaml", "020101"),
    ("bad-urgency", _set("020101", urgency="特急"), "bad-urgency", "一般, 紧急, 立即办", "02.yaml", "020101"),
    ("copied-text", _duplicate_first_example("010101", "010102"), "copied-text", "copied from node 010101",
     "01.yaml", "010102"),
    ("copied-description", _set("020102", description="供暖期内室温与设施问题。"), "copied-text", "0201",
     "02.yaml", "020102"),
    ("childless-branch", _add({"code": "03", "name": "燃气", "description": "燃气问题。", "keywords": ["燃气"],
                               "aliases": ["燃气味"]}), "childless-branch", "大类 has no 小类", "03.yaml", "03"),
    ("level-mismatch", _set("020101", level=2), "level-mismatch", "level 3", "02.yaml", "020101"),
    ("parent-mismatch", _set("020101", parent="0101"), "level-mismatch", "parent 0201", "02.yaml", "020101"),
]


@pytest.mark.parametrize("mutate,rule,fragment,filename,code", [c[1:] for c in NODE_CASES],
                         ids=[c[0] for c in NODE_CASES])
def test_broken_node_is_rejected_with_rule_file_and_row(tmp_path, mutate, rule, fragment, filename, code):
    parts = fresh()
    mutate(parts)
    root = write_catalogue(tmp_path / "c", parts, stamp=False)
    problems = [p for p in check_data_dir(root).problems if p.rule == rule]
    assert problems, f"expected a {rule} problem, got {check_data_dir(root).problems}"
    problem = problems[0]
    assert fragment in problem.message
    assert problem.location.file.endswith(f"catalogue/{filename}")
    if code is not None:
        assert problem.location.row == line_of(root / "catalogue" / filename, code)
    assert str(problem).startswith(f"{problem.location.file}:")
    assert f"[{rule}]" in str(problem)


def test_duplicate_code_points_at_second_occurrence(tmp_path):
    parts = fresh()
    _copy_leaf("010102", name="垃圾站蚊蝇")(parts)
    root = write_catalogue(tmp_path / "c", parts, stamp=False)
    [problem] = [p for p in check_data_dir(root).problems if p.rule == "duplicate-code"]
    text = (root / "catalogue" / "01.yaml").read_text(encoding="utf-8").splitlines()
    rows = [i for i, line in enumerate(text, start=1) if "code: '010102'" in line]
    assert problem.location.row == rows[1]
    assert f"01.yaml:{rows[0]}" in problem.message


def test_wrong_count_names_level_and_expected_number(tmp_path):
    parts = fresh()
    _remove("020102")(parts)
    root = write_catalogue(tmp_path / "c", parts, stamp=False)
    [problem] = [p for p in check_data_dir(root).problems if p.rule == "wrong-count"]
    assert problem.location.file.endswith("manifest.yaml")
    assert "level 3 has 4 nodes, the manifest expects 5" in problem.message


def test_unquoted_code_is_a_bad_code(tmp_path):
    parts = fresh()
    node(parts, "010101")["code"] = 10101
    root = write_catalogue(tmp_path / "c", parts, stamp=False)
    assert any(p.rule == "bad-code" and "quoted string" in p.message for p in check_data_dir(root).problems)


def test_yaml_syntax_error_points_at_line(tmp_path):
    root = write_catalogue(tmp_path / "c")
    path = root / "catalogue" / "02.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] = "  description: 暖气: 不热: [坏的"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    [problem] = check_data_dir(root).problems
    assert problem.rule == "yaml-syntax"
    assert problem.location.file.endswith("02.yaml") and problem.location.row is not None
    assert "quot" in problem.message


def test_content_change_without_stamp_is_rejected(tmp_path):
    root = write_catalogue(tmp_path / "c")
    path = root / "catalogue" / "02.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("暖气片呲水了", "暖气片滋水了"), encoding="utf-8")
    [problem] = check_data_dir(root).problems
    assert problem.rule == "manifest-hash"
    assert "jiesu catalog stamp" in problem.message


def test_formatting_change_keeps_the_hash(tmp_path):
    root = write_catalogue(tmp_path / "c")
    path = root / "catalogue" / "02.yaml"
    path.write_text("# 供热大类\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    assert check_data_dir(root).ok


def test_bad_manifest_version(tmp_path):
    parts = fresh()
    parts["manifest"]["version"] = "v1"
    root = write_catalogue(tmp_path / "c", parts, stamp=False)
    assert any(p.rule == "manifest" and "MAJOR.MINOR.PATCH" in p.message for p in check_data_dir(root).problems)


@pytest.mark.parametrize("mutate,fragment", [
    (lambda p: p["gazetteer"]["districts"][0].update(code="hp1"), "2 uppercase letters"),
    (lambda p: p["gazetteer"]["districts"][1].update(code="HP"), "used twice"),
    (lambda p: p["gazetteer"]["districts"][0]["streets"][1].update(code="KP09"), "district code HP"),
    (lambda p: p["gazetteer"]["districts"][0]["streets"][1].update(name="太原街街道"), "unique in its district"),
    (lambda p: p["gazetteer"]["districts"][0].update(population=0), "positive integer population"),
], ids=["district-code", "duplicate-district", "street-code", "street-name", "population"])
def test_broken_gazetteer(tmp_path, mutate, fragment):
    parts = fresh()
    mutate(parts)
    root = write_catalogue(tmp_path / "c", parts, stamp=False)
    problems = [p for p in check_data_dir(root).problems if p.rule == "bad-gazetteer"]
    assert problems and fragment in problems[0].message
    assert problems[0].location.file.endswith("city/gazetteer.yaml")


def test_duplicate_and_unknown_units(tmp_path):
    parts = fresh()
    parts["units"]["units"].append(dict(parts["units"]["units"][2]))
    parts["units"]["fallback_unit"] = "nobody"
    root = write_catalogue(tmp_path / "c", parts, stamp=False)
    rules = {p.rule for p in check_data_dir(root).problems}
    assert {"duplicate-unit", "unknown-unit"} <= rules


def test_missing_files_are_named(tmp_path):
    root = write_catalogue(tmp_path / "c")
    (root / "city" / "gazetteer.yaml").unlink()
    problems = check_data_dir(root).problems
    assert [p.rule for p in problems] == ["missing-file"]
    assert problems[0].location.file.endswith("gazetteer.yaml")


def test_load_raises_with_every_problem(tmp_path):
    parts = fresh()
    _set("020101", urgency="特急")(parts)
    _set("010102", responsible="dept:ghost")(parts)
    root = write_catalogue(tmp_path / "c", parts, stamp=False)
    with pytest.raises(CatalogueError) as info:
        load_catalogue(root)
    rules = {p.rule for p in info.value.problems}
    assert {"bad-urgency", "unknown-unit"} <= rules
    assert "bad-urgency" in str(info.value)
