"""Structured logs: personal data masked, one JSON line per request carrying its request id."""
import json
import logging

import pytest

from serving.logs import JsonFormatter, configure, mask_personal


@pytest.mark.parametrize("raw,masked", [
    ("来电人13812345678反映", "来电人138****5678反映"),
    ("身份证210102198001011234，电话024-23456789", "身份证2101**********1234，电话024-****6789"),
    ("证件号21010219800101123X", "证件号2101**********123X"),
    ("工单号20251001000123，房号3-2-401", "工单号20251001000123，房号3-2-401"),   # not personal: untouched
])
def test_personal_data_is_masked(raw, masked):
    assert mask_personal(raw) == masked


def test_json_lines_mask_messages_and_errors():
    try:
        raise ValueError("caller 13912345678 not found")
    except ValueError:
        record = logging.LogRecord("jiesu.test", logging.ERROR, __file__, 1, "lookup %s failed", ("13912345678",),
                                   exc_info=__import__("sys").exc_info())
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "lookup 139****5678 failed" and entry["level"] == "error"
    assert "13912345678" not in entry["error"] and "139****5678" in entry["error"]
    assert entry["ts"].endswith("+08:00")


def test_every_request_gets_an_id_and_one_log_line(svc, caplog):
    caplog.set_level(logging.INFO, logger="jiesu.http")
    response = svc.client.get("/api/v1/tickets", headers={"Authorization": f"Bearer {svc.keys['agent']}",
                                                          "X-Request-ID": "call-0042"})
    assert response.headers["X-Request-ID"] == "call-0042"
    assert len(svc.client.get("/healthz").headers["X-Request-ID"]) == 32
    lines = [r for r in caplog.records if r.name == "jiesu.http"]
    assert [(r.request_id, r.method, r.path, r.status) for r in lines][0] == ("call-0042", "GET", "/api/v1/tickets",
                                                                             200)
    assert json.loads(JsonFormatter().format(lines[0]))["request_id"] == "call-0042"


def test_unknown_log_format_is_refused():
    with pytest.raises(ValueError, match="json or text"):
        configure("xml")
