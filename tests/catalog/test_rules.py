import pytest

from catalog.rules import RuleKind, TimeLimit, TimeLimitKind, parse_time_limit, parse_unit_rule


@pytest.mark.parametrize("text,expected", [
    ("即办", TimeLimit(TimeLimitKind.ON_THE_SPOT)),
    ("3小时", TimeLimit(TimeLimitKind.HOURS, 3)),
    ("24h", TimeLimit(TimeLimitKind.HOURS, 24)),
    ("7个工作日", TimeLimit(TimeLimitKind.WORKING_DAYS, 7)),
    (" 11 工作日 ", TimeLimit(TimeLimitKind.WORKING_DAYS, 11)),
    ("9wd", TimeLimit(TimeLimitKind.WORKING_DAYS, 9)),
])
def test_time_limits_parse(text, expected):
    assert parse_time_limit(text) == expected


def test_time_limit_prints_canonically():
    assert [str(parse_time_limit(t)) for t in ("即办", "3h", "5wd")] == ["即办", "3小时", "5个工作日"]


@pytest.mark.parametrize("text,fragment", [
    ("尽快", "即办, N小时"), ("3天", "即办, N小时"), ("0小时", "hours must be"), ("100小时", "hours must be"),
    ("0个工作日", "working days must be"), ("", "即办, N小时"),
])
def test_bad_time_limits_explain_the_format(text, fragment):
    with pytest.raises(ValueError, match=fragment):
        parse_time_limit(text)


def test_unit_rules():
    rule = parse_unit_rule("dept:heating_supply")
    assert (rule.kind, rule.target, rule.is_territory) == (RuleKind.DEPARTMENT, "heating_supply", False)
    assert parse_unit_rule("territory:street").is_territory
    assert str(parse_unit_rule(" territory:district ")) == "territory:district"


@pytest.mark.parametrize("text", ["heating_supply", "dept:", "territory:city", "unit:x", ""])
def test_bad_unit_rules(text):
    with pytest.raises(ValueError, match="dept:<unit code>"):
        parse_unit_rule(text)
