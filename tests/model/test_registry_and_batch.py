"""The model registry (promote, rollback, audit) and the batch-request reader."""
import json
from datetime import datetime

import pytest

from catalog.deadlines import TZ
from model.batch import LineError, Request, read_requests
from model.classifier import ModelError
from model.registry import Registry

AT = datetime(2026, 11, 2, 9, 30, tzinfo=TZ)


def fake_model(root, version, created):
    directory = root / version
    directory.mkdir(parents=True)
    (directory / "meta.json").write_text(json.dumps({
        "version": version, "created_at": created, "catalogue_version": "1.0.0+x",
        "calibration": {"dev_leaf_acc": 0.5}}), encoding="utf-8")


def test_promote_and_rollback_are_recorded(tmp_path):
    registry = Registry(tmp_path)
    fake_model(tmp_path, "quick-1", "2026-11-01T10:00:00+08:00")
    fake_model(tmp_path, "quick-2", "2026-11-02T10:00:00+08:00")
    assert registry.current() is None
    registry.promote("quick-1", by="maint", reason="first", at=AT)
    registry.promote("quick-2", by="maint", reason="better", at=AT)
    assert registry.current_version() == "quick-2"
    entry = registry.rollback(by="maint", reason="regressed on 供水", at=AT)
    assert entry["version"] == "quick-1" and entry["previous"] == "quick-2"
    assert registry.current() == tmp_path / "quick-1"
    assert [h["action"] for h in registry.history()] == ["promote", "promote", "rollback"]
    assert registry.history()[-1]["reason"] == "regressed on 供水" and registry.history()[-1]["by"] == "maint"
    assert [v["version"] for v in registry.versions()] == ["quick-1", "quick-2"]


def test_unknown_version_and_nothing_to_roll_back_are_clear_errors(tmp_path):
    registry = Registry(tmp_path)
    fake_model(tmp_path, "quick-1", "2026-11-01T10:00:00+08:00")
    with pytest.raises(ModelError, match="no model 'nope'.*quick-1"):
        registry.promote("nope", by="m", reason="r", at=AT)
    registry.promote("quick-1", by="m", reason="r", at=AT)
    with pytest.raises(ModelError, match="nothing to roll back"):
        registry.rollback(by="m", reason="r", at=AT)
    assert registry.current_version() == "quick-1"


def test_bad_lines_are_reported_with_their_numbers_and_the_rest_kept():
    lines = ['{"id": 1, "text": "路灯不亮"}', "", "not json", '[1, 2]', '{"id": 2}', '{"text": "没有编号"}',
             '{"id": 3, "text": "噪音扰民", "title": "晚上施工"}', '{"id": 4, "text": "x", "colour": 1}',
             '{"id": 5, "text": "   "}', '{"id": 6, "text": "水", "title": 7}']
    items = list(read_requests(lines))
    good = [i for i in items if isinstance(i, Request)]
    bad = {i.line: i.message for i in items if isinstance(i, LineError)}
    assert [(r.line, r.id, r.title) for r in good] == [(1, 1, ""), (7, 3, "晚上施工")]
    assert sorted(bad) == [3, 4, 5, 6, 8, 9, 10]
    assert "not JSON" in bad[3] and "object" in bad[4] and '"text"' in bad[5] and 'missing "id"' in bad[6]
    assert "colour" in bad[8] and "non-empty" in bad[9] and '"title"' in bad[10]
