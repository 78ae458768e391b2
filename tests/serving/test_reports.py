"""The reports (daily, weekly, monthly) on the hand-worked history of test_indicators.py (SQLite and PostgreSQL): the
figures equal what is worked out by hand below, the workbook and the page hold them, bad periods are refused with
what to write instead, and the schedule writes each due report once.

October 2026 against September 2026 and October 2025 (see the history in test_indicators.py):
  volume 7 (T1 T2 T3 T4 T5 T8 T10), September 3 (T7 T9 T11), October 2025 1 (T12): +133.3 %, +600.0 %
  created on 10-01 T1, 10-03 T10, 10-04 T2, 10-05 T3, 10-09 T4, 10-20 T5, 10-30 T8; September 09-10 T9, 09-25 T11,
  09-28 T7
  channels phone 4 (T1 T3 T5 T8), web 1, app 1, grid 1; September phone 3
  大类 01 市容环境卫生 4 (T3 T4 T8 T10; September T11: 1), 09 城市供热 2 (T1 T2; September T7 T9: 2); T5 未分类
  visited T1 满意, T2 不满意 (its last visit), T4 基本满意, T9 满意 (its October visit), T10 不满意 (the empty visit
  record falls back to the ticket); September: T9 不满意
  overdue: due in October and replied late or not yet: T2 (due 10-07 09:00, replied 10-08 09:00: 24 h, heating_supply);
  September: T9 (due 09-30, replied 10-01 18:00)
  repeats: T2 (a repeat of T1), leaf 单户暖气不热
"""
from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from catalog.deadlines import TZ
from serving.analytics.flows import InputError
from serving.analytics.models import HotspotWarning
from serving.analytics.reports import charts, periods, store
from serving.analytics.reports.figures import gather
from serving.analytics.reports.periods import Kind, ReportPeriod
from serving.cli import app as cli
from tests.serving.test_indicators import CITY_OCTOBER, HEAT, RUBBISH, at, write_history

AFTER = datetime(2026, 11, 5, 10, 0, tzinfo=TZ)          # a Thursday after the month
MONDAY = datetime(2026, 11, 2, 10, 0, tzinfo=TZ)
REPORTS = "/api/v1/analytics/reports"
SHEETS = ["概览", "趋势", "分类", "排名", "超期", "满意度", "重复与热点"]
CHARTS = ["trend", "categories", "districts", "satisfaction", "overdue"]
runner = CliRunner()


@pytest.fixture
def history(svc):
    write_history(svc)
    with svc.app.state.sessions() as session:
        session.add(HotspotWarning(level="leaf", code=HEAT, district="HP", day="2026-10-04", count=9, expected=1.2,
                                   score=8.5, last_year=None, units=["heating_supply"], created_at=at(10, 4, 20)))
        session.add(HotspotWarning(level="sub", code=RUBBISH[:4], district="city", day="2026-09-30", count=7,
                                   expected=1.0, score=6.0, last_year=None, units=[], created_at=at(9, 30, 20)))
        session.commit()
    svc.clock.now = AFTER
    return svc


def figures_of(svc, kind: Kind, first: date):
    with svc.app.state.sessions() as session:
        return gather(session, catalogue=svc.app.state.catalogue, period=ReportPeriod(kind, first), now=AFTER)


def test_the_monthly_figures_are_the_hand_worked_ones(history):
    f = figures_of(history, Kind.MONTHLY, date(2026, 10, 1))
    assert (f.previous.key, f.year_ago.key, f.complete) == ("2026-09", "2025-10", True)
    for key, (value, numerator, denominator) in CITY_OCTOBER.items():
        figure = f.total.now[key]
        assert (figure.numerator, figure.denominator) == (numerator, denominator), key
        assert figure.value == pytest.approx(value, abs=1e-6), key
    assert f.total.before["volume"].value == 3 and f.total_year_ago["volume"].value == 1
    assert f.total.before["satisfaction_rate"].value == 0.0       # T9 不满意 in September
    assert [i + 1 for i, n in enumerate(f.trend.now) if n] == [1, 3, 4, 5, 9, 20, 30] and sum(f.trend.now) == 7
    assert len(f.trend.now) == 31 and len(f.trend.before) == 30 and f.trend.labels[0] == "10-1"
    assert [i + 1 for i, n in enumerate(f.trend.before) if n] == [10, 25, 28]
    assert [(r.code, r.value("volume"), r.before["volume"].value) for r in f.channels] == [
        ("phone", 4, 3), ("app", 1, 0), ("grid", 1, 0), ("web", 1, 0)]
    assert [(r.code, r.name, r.value("volume"), r.before["volume"].value) for r in f.categories] == [
        ("01", "市容环境卫生", 4, 1), ("09", "城市供热", 2, 2)]
    assert [(r.code, r.value("volume"), r.group) for r in f.leaves] == [(RUBBISH, 4, "市容环境卫生"),
                                                                        (HEAT, 2, "城市供热")]
    assert [(r.code, r.count("repeat_rate")) for r in f.repeats] == [(HEAT, 1)]
    assert f.satisfaction == {"满意": 2, "基本满意": 1, "不满意": 2, "未评价": 0}
    assert f.satisfaction_before == {"满意": 0, "基本满意": 0, "不满意": 1, "未评价": 0}
    [late] = f.overdue
    assert (late.leaf, late.district, late.unit, late.hours_over) == ("单户暖气不热", "和平区", "市热力集团", 24.0)
    assert late.due_at == at(10, 7) and late.replied_at == at(10, 8) and f.overdue_before == 1
    assert f.overdue_by_unit() == [("市热力集团", 1)]
    assert [(h.day, h.district, h.count) for h in f.hotspots] == [("2026-10-04", "和平区", 9)]


def test_rankings_carry_ranks_and_the_month_before(history):
    f = figures_of(history, Kind.MONTHLY, date(2026, 10, 1))
    districts = {r.code: r for r in f.districts}
    assert len(districts) == 13
    hp, sh = districts["HP"], districts["SH"]
    assert hp.value("satisfaction_rate") == pytest.approx(2 / 3) and hp.ranks["satisfaction_rate"] == 1
    assert sh.value("satisfaction_rate") == 0.5 and sh.ranks["satisfaction_rate"] == 2
    assert districts["DD"].ranks["satisfaction_rate"] is None
    # 万人诉求比: lower is better; the eleven quiet districts share first place
    assert (hp.ranks["per_10k"], sh.ranks["per_10k"], districts["DD"].ranks["per_10k"]) == (12, 13, 1)
    # HP in September: T7 T9 T11 created; T9's 不满意 visit
    assert (hp.before["volume"].value, hp.before["satisfaction_rate"].value) == (3, 0.0)
    units = {r.code: r for r in f.units}
    assert [(c, units[c].ranks["response_rate"]) for c in ("heating_supply", "urban_mgmt", "district:SH", "ecology")
            ] == [("heating_supply", 1), ("urban_mgmt", 2), ("district:SH", 3), ("ecology", 3)]
    assert units["heating_supply"].value("volume") == 2


def test_a_day_counts_by_hour_and_a_week_runs_monday_to_sunday(history):
    day = figures_of(history, Kind.DAILY, date(2026, 10, 4))
    assert day.previous.key == "2026-10-03" and day.year_ago is None
    assert day.total.now["volume"].value == 1 and day.total.before["volume"].value == 1     # T2; T10
    assert len(day.trend.now) == 24 and day.trend.now[9] == 1 and day.trend.labels[9] == "9时"
    week = figures_of(history, Kind.WEEKLY, date(2026, 9, 28))
    assert (week.period.key, week.previous.key) == ("2026-W40", "2026-W39")
    assert week.total.now["volume"].value == 4 and week.total.before["volume"].value == 1  # T7 T1 T10 T2; T11
    assert week.trend.now == [1, 0, 0, 1, 0, 1, 1] and week.trend.labels[0] == "9-28"
    assert [(h.day, h.district) for h in week.hotspots] == [("2026-10-04", "和平区"), ("2026-09-30", "全市")]


def test_the_monthly_bulletin_from_the_cli(history, database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("JIESU_DATABASE_URL", database_url)
    monkeypatch.setenv("JIESU_HOME", str(tmp_path / "home"))
    result = runner.invoke(cli, ["report", "monthly", "--month", "2026-10"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    folder = tmp_path / "home" / "reports" / "monthly" / "2026-10"
    assert summary["html"] == str(folder / "report.html") and summary["xlsx"] == str(folder / "report.xlsx")
    assert summary["complete"] is True and summary["seconds"] > 0 and summary["warnings"] == []

    book = load_workbook(folder / "report.xlsx")
    assert book.sheetnames == SHEETS
    overview = {row[0]: row for row in book["概览"].iter_rows(values_only=True) if row[0]}
    assert overview["诉求量"][1:4] == (7, 3, pytest.approx(4 / 3))
    assert overview["诉求量"][5:7] == (1, 6)                                    # a year earlier: 1, +600 %
    assert overview["满意率"][1:3] == (0.6, 0.0) and overview["满意率"][7:9] == (3, 5)
    assert overview["满意率"][3] == pytest.approx(60.0)                         # percentage points
    assert any("本月全市受理诉求 7 件，环比 +133.3%，同比 +600.0%" in (row[0] or "") for row in
               book["概览"].iter_rows(values_only=True))
    assert book["概览"].freeze_panes and book["趋势"].freeze_panes == "A2"
    trend = list(book["趋势"].iter_rows(min_row=2, values_only=True))
    assert trend[0] == ("10-1", 1, 0) and trend[-1] == ("合计", 7, 3)
    categories = list(book["分类"].iter_rows(min_row=2, max_row=3, values_only=True))
    assert [row[:6] for row in categories] == [(1, "市容环境卫生", 4, pytest.approx(4 / 7), 1, 3.0),
                                               (2, "城市供热", 2, pytest.approx(2 / 7), 2, 0.0)]
    ranking = {row[0]: row for row in book["排名"].iter_rows(min_row=2, max_row=14, values_only=True)}
    assert ranking["和平区"][1:6] == (3, None, 0.0, pytest.approx(0.046512, abs=1e-6), 12)   # volume: not ranked
    satisfaction = {row[0]: row[1] for row in book["满意度"].iter_rows(min_row=2, values_only=True)}
    assert satisfaction == {"满意": 2, "基本满意": 1, "不满意": 2, "未评价": 0, "合计": 5}
    [late] = list(book["超期"].iter_rows(min_row=2, values_only=True))
    assert late[1:7] == ("单户暖气不热", "和平区", "市热力集团", "2026-10-07 09:00", "2026-10-08 09:00", 24.0)
    assert all(len(book[name]._images) == 1 for name in ("趋势", "分类", "排名", "超期", "满意度"))
    assert book["分类"].column_dimensions["B"].width >= 14

    page = (folder / "report.html").read_text(encoding="utf-8")
    assert "<title>沈阳市12345热线2026年10月月度通报</title>" in page
    assert "本月全市受理诉求 7 件，环比 +133.3%，同比 +600.0%" in page
    assert '<div class="tile" data-key="volume"><span class="name">诉求量</span><strong class="big">7</strong>' in page
    assert '<strong class="big">60.0%</strong>' in page and "满意率（3/5）" in page
    assert [page.count(f'data-chart="{key}"') for key in CHARTS] == [1] * 5
    assert page.count("<svg") == 5 and "<script" not in page
    assert re.findall(r"<link[^>]*>", page) == ['<link rel="icon" href="data:,">']   # not even a favicon request
    assert not re.search(r'(?:src|href)="(?!#|data:)', page)    # nothing fetched: only links inside the SVGs
    assert '<strong data-key="overdue">1</strong>' in page and "单户暖气不热" in page and "市热力集团" in page

    daily = runner.invoke(cli, ["report", "daily", "--date", "2026-10-04", "--out", str(tmp_path / "day")])
    assert daily.exit_code == 0, daily.output
    assert (tmp_path / "day" / "report.html").is_file() and (tmp_path / "day" / "report.xlsx").is_file()


def tomorrow() -> str:
    return (datetime.now(TZ).date() + timedelta(days=1)).isoformat()


@pytest.mark.parametrize("args, message", [
    (["monthly", "--month", "2026-13"], "month: '2026-13' is not a month; write it as YYYY-MM, e.g. 2026-10"),
    (["weekly", "--week", "2026-W60"], "week: '2026-W60' is not an ISO week; 2026 has weeks W01–W53"),
    (["weekly", "--week", "2025-W53"], "week: '2025-W53' is not an ISO week; 2025 has weeks W01–W52"),
    (["weekly", "--week", "2026-43"], "write it as YYYY-Www, e.g. 2026-W42"),
    (["daily", "--date", "2026-02-30"], "date: '2026-02-30' is not a date; write it as YYYY-MM-DD"),
    (["daily", "--date", "TOMORROW"], "has not begun yet"),
    (["monthly", "--month", "2999-12"], "has not begun yet"),
    (["monthly", "--month", "1989-12"], "1990–2999"),
])
def test_bad_periods_exit_2_saying_how_to_write_them(args, message, tmp_path, monkeypatch):
    monkeypatch.setenv("JIESU_HOME", str(tmp_path))
    args = [a.replace("TOMORROW", tomorrow()) for a in args]
    result = runner.invoke(cli, ["report", *args])
    assert result.exit_code == 2 and message in result.output, result.output
    assert not (tmp_path / "reports").exists()


def test_periods_are_pure_functions_of_the_calendar():
    week = periods.parse(Kind.WEEKLY, "2026-W53", now=AFTER.replace(year=2027))
    assert (week.first, week.last, week.title) == (date(2026, 12, 28), date(2027, 1, 3),
                                                    "2026年第53周（12月28日—1月3日）")
    month = periods.parse(Kind.MONTHLY, "2026-01", now=AFTER)
    assert (month.previous().key, month.a_year_earlier().key, month.end) == ("2025-12", "2025-01",
                                                                             datetime(2026, 2, 1, tzinfo=TZ))
    day = periods.parse(Kind.DAILY, "2026-11-05", now=AFTER)              # today: allowed, and provisional
    assert not day.complete(AFTER) and day.complete(AFTER + timedelta(days=1)) and day.title == "2026年11月5日（星期四）"
    assert [p.key for p in periods.due(MONDAY)] == ["2026-11-01", "2026-W44", "2026-10"]
    assert [p.key for p in periods.due(datetime(2026, 11, 1, 0, 5, tzinfo=TZ))] == ["2026-10-31", "2026-W43",
                                                                                     "2026-10"]
    with pytest.raises(ValueError, match="no time zone"):
        periods.due(datetime(2026, 11, 2))
    with pytest.raises(InputError, match="kind: unknown report 'yearly'"):
        periods.kind_of("yearly")


def get(svc, who: str, path: str, status: int = 200):
    response = svc.client.get(f"{REPORTS}{path}", headers={"Authorization": f"Bearer {svc.keys[who]}"})
    assert response.status_code == status, response.text
    return response


def test_the_api_generates_once_then_serves_the_stored_report(history):
    page = get(history, "supervisor", "/monthly/2026-10.html")
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert "本月全市受理诉求 7 件" in page.text and page.text.count("<svg") == 5
    meta = json.loads((history.app.state.settings.home / "reports/monthly/2026-10/report.json").read_text())
    assert meta["generated_at"] == AFTER.isoformat() and meta["figures"]["volume"] == 7
    history.clock.advance(hours=1)
    workbook = get(history, "admin", "/monthly/2026-10.xlsx")
    assert workbook.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in workbook.headers["content-disposition"]
    again = json.loads((history.app.state.settings.home / "reports/monthly/2026-10/report.json").read_text())
    assert again["generated_at"] == AFTER.isoformat()                     # served from disk, not regenerated
    links = {(r["kind"], r["period"]): r for r in get(history, "supervisor", "").json()}
    assert links[("monthly", "2026-10")]["stored"] and links[("monthly", "2026-10")]["complete"]
    assert links[("weekly", "2026-W44")]["html"] == f"{REPORTS}/weekly/2026-W44.html"
    assert not links[("daily", "2026-11-04")]["stored"]


@pytest.mark.parametrize("path, parameter", [
    ("/monthly/2026-13.html", "period: '2026-13' is not a month"),
    ("/weekly/2026-W60.xlsx", "period: '2026-W60' is not an ISO week"),
    ("/daily/2026-11-06.html", "period: 2026-11-06 has not begun yet (today is 2026-11-05"),
    ("/yearly/2026.html", "kind: unknown report 'yearly'"),
    ("/monthly/2026-10.pdf", "format: 'pdf' is not a report format"),
])
def test_bad_report_requests_are_422(history, path, parameter):
    assert get(history, "supervisor", path, 422).json()["detail"].startswith(parameter)


def test_who_may_read_reports(history):
    for who in ("agent", "heating_supply"):
        get(history, who, "/monthly/2026-10.html", 403)
        get(history, who, "", 403)
    assert history.client.get(f"{REPORTS}/monthly/2026-10.html").status_code == 401


def test_the_schedule_writes_each_due_report_once(history, tmp_path):
    catalogue, home = history.app.state.catalogue, tmp_path / "scheduled"
    with history.app.state.sessions() as session:
        first = store.run_due(session, catalogue=catalogue, home=home, now=MONDAY)
        assert [(w.period.kind.value, w.period.key) for w in first] == [
            ("daily", "2026-11-01"), ("weekly", "2026-W44"), ("monthly", "2026-10")]
        assert store.run_due(session, catalogue=catalogue, home=home, now=MONDAY + timedelta(hours=1)) == []
        (home / "reports/weekly/2026-W44/report.xlsx").unlink()            # a crash halfway, say
        again = store.run_due(session, catalogue=catalogue, home=home, now=MONDAY + timedelta(hours=2))
        assert [w.period.key for w in again] == ["2026-W44"]
        tuesday = store.run_due(session, catalogue=catalogue, home=home, now=MONDAY + timedelta(days=1))
        assert [w.period.key for w in tuesday] == ["2026-11-02"]          # the week and month are on disk
    assert sorted(p.name for p in (home / "reports/monthly/2026-10").iterdir()) == ["report.html", "report.json",
                                                                                      "report.xlsx"]


def test_the_schedule_from_the_cli_is_idempotent(history, database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("JIESU_DATABASE_URL", database_url)
    monkeypatch.setenv("JIESU_HOME", str(tmp_path))
    first = runner.invoke(cli, ["report", "schedule"])
    assert first.exit_code == 0, first.output
    assert [g["kind"] for g in json.loads(first.stdout)["generated"]] == ["daily", "weekly", "monthly"]
    second = runner.invoke(cli, ["report", "schedule"])
    assert second.exit_code == 0 and json.loads(second.stdout)["generated"] == []


def test_without_a_cjk_font_the_charts_still_render_and_say_so(history, tmp_path, monkeypatch):
    monkeypatch.setattr(charts, "cjk_font", lambda: None)
    with history.app.state.sessions() as session:
        written = store.generate(session, catalogue=history.app.state.catalogue,
                                 period=ReportPeriod(Kind.DAILY, date(2026, 10, 4)), now=AFTER, out=tmp_path / "d")
    assert written.warnings == [charts.NO_FONT] and "fonts-wqy-microhei" in charts.NO_FONT
    assert (tmp_path / "d" / "report.html").read_text(encoding="utf-8").count("<svg") == 5
