"""Catalogue change files: parsed, validated with the file and entry named, chained from version to version, and
the leaves carried through them (same, renamed, moved, merged, split, removed, added)."""
from __future__ import annotations

import pytest
import yaml

from catalog import CatalogueError, check_data_dir, load_catalogue
from catalog.changes import ChangeLog, ChangeStep, Entry, read_changes, version_matches
from model.space import carry_leaves
from tests.catalog.changed import ADDED, MERGED_AWAY, MERGED_INTO, RENAMED, SPLIT, SPLIT_PART, write_changed_catalogue


def write_change(root, name: str, doc) -> None:
    (root / "changes").mkdir(exist_ok=True)
    (root / "changes" / name).write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")


def step(entries, source="changes/a.yaml", frm="1.0.0", to="1.1.0") -> ChangeStep:
    return ChangeStep(frm, to, tuple(entries), source)


def test_the_changed_demo_catalogue_loads_with_its_change_file(tmp_path):
    catalogue = load_catalogue(write_changed_catalogue(tmp_path / "v2"))
    assert catalogue.version.startswith("1.1.0+")
    (only,) = catalogue.changes.steps
    assert [e.kind for e in only.entries] == ["split", "merge", "rename", "add"]
    assert only.leaves_added() == {SPLIT, SPLIT_PART, ADDED}


@pytest.mark.parametrize("entry, message", [
    ({"kind": "explode", "old": ["010101"], "new": []}, "kind 'explode' is not one of"),
    ({"kind": "split", "old": ["010101"], "new": []}, "(split): 'new' needs one or more codes"),
    ({"kind": "rename", "old": ["010101", "010102"], "new": ["010101"]}, "'old' needs exactly 1 code(s)"),
    ({"kind": "add", "old": ["010101"], "new": ["010108"]}, "'old' needs exactly 0 code(s)"),
    ({"kind": "merge", "old": "010101", "new": {"a": 1}}, "'new' must be a list of leaf codes"),
])
def test_a_bad_entry_is_named_with_its_file_and_number(tmp_path, entry, message):
    write_change(tmp_path, "1.0.0-to-1.1.0.yaml", {"from": "1.0.0", "to": "1.1.0", "changes": [entry]})
    with pytest.raises(CatalogueError) as raised:
        read_changes(tmp_path)
    (problem,) = raised.value.problems
    assert problem.location.file == "changes/1.0.0-to-1.1.0.yaml"
    assert "entry #1" in problem.message and message in problem.message


def test_a_leaf_named_twice_and_a_file_without_versions_are_refused(tmp_path):
    write_change(tmp_path, "a.yaml", {"from": "1.0.0", "to": "1.1.0", "changes": [
        {"kind": "remove", "old": ["010101"]}, {"kind": "move", "old": ["010101"], "new": ["010109"]}]})
    write_change(tmp_path, "b.yaml", {"changes": []})
    with pytest.raises(CatalogueError) as raised:
        read_changes(tmp_path)
    messages = [str(p) for p in raised.value.problems]
    assert any("a.yaml" in m and "old leaf 010101 is named by more than one entry" in m for m in messages)
    assert any("b.yaml" in m and "'from', 'to'" in m for m in messages)


def test_a_change_leading_to_a_code_the_catalogue_lacks_fails_validation(tmp_path):
    root = write_changed_catalogue(tmp_path / "v2")
    write_change(root, "1.0.0-to-1.1.0.yaml", {"from": "1.0.0", "to": "1.1.0", "changes": [
        {"kind": "add", "new": ["019999"]}]})
    result = check_data_dir(root)
    assert not result.ok
    assert [p.rule for p in result.problems] == ["change-target"]
    assert "019999, which is not a leaf of catalogue 1.1.0" in result.problems[0].message


def test_versions_chain_and_a_missing_link_says_which_file_to_add():
    log = ChangeLog([step([], "changes/a.yaml", "1.0.0", "1.1.0"), step([], "changes/b.yaml", "1.1.0", "1.2.0")])
    assert [s.source for s in log.chain("1.0.0+abc", "1.2.0+def")] == ["changes/a.yaml", "changes/b.yaml"]
    assert log.chain("1.2.0+def", "1.2.0+def") == []
    with pytest.raises(CatalogueError, match="no change file leads from catalogue 1.2.0 to 1.3.0"):
        log.chain("1.0.0+abc", "1.3.0+xyz")
    assert version_matches("1.0.0", "1.0.0+abc") and not version_matches("1.0.0+abd", "1.0.0+abc")


def test_leaves_are_carried_through_every_kind_of_change():
    first = step([Entry("split", (SPLIT,), (SPLIT, SPLIT_PART)), Entry("merge", (MERGED_INTO, MERGED_AWAY), (MERGED_INTO,)),
                  Entry("rename", (RENAMED,), (RENAMED,)), Entry("add", (), (ADDED,)),
                  Entry("remove", ("010105",), ())])
    second = step([Entry("move", (RENAMED,), ("020199",))], "changes/b.yaml", "1.1.0", "1.2.0")
    carried = carry_leaves((SPLIT, MERGED_AWAY, MERGED_INTO, RENAMED, "010105", "010106"), [first, second])
    assert carried == {SPLIT: ((SPLIT, SPLIT_PART), True), MERGED_AWAY: ((MERGED_INTO,), False),
                       MERGED_INTO: ((MERGED_INTO,), False), RENAMED: (("020199",), False), "010105": ((), False),
                       "010106": (("010106",), False)}
