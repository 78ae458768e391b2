"""The monthly bulletin in headless Chromium: the supervisor finds it on the board, opens it, and it renders — headline
figures, five charts of real size, tables — with nothing fetched from elsewhere and no script. The whole page goes to
$JIESU_ARTIFACTS/monthly-bulletin.png (default var/test-artifacts/)."""
from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

from selenium.webdriver.common.by import By

from catalog.deadlines import TZ
from tests.browser.conftest import PASSWORD
from tests.serving.test_indicators import write_history

CHARTS = ["trend", "categories", "districts", "satisfaction", "overdue"]
WINDOW = (1366, 768)


def full_page_shot(browser, name: str):
    """A screenshot of the whole page (the window stretched to the page's height, then put back)."""
    height = browser.driver.execute_script("return document.documentElement.scrollHeight")
    browser.driver.set_window_size(1200, height + 140)
    try:
        return browser.shot(name)
    finally:
        browser.driver.set_window_size(*WINDOW)


def test_the_supervisor_opens_the_monthly_bulletin_from_the_board(browser, live_without_model, clock):
    url, app = live_without_model
    clock.now = datetime(2026, 11, 5, 10, 0, tzinfo=TZ)
    write_history(SimpleNamespace(app=app))
    browser.login("supervisor", PASSWORD, "/board")
    row = browser.find('#reports tr[data-kind="monthly"][data-period="2026-10"]')
    assert "2026年10月月度通报" in row.text and "打开时生成" in row.text
    link = row.find_element(By.CSS_SELECTOR, "a.report-html").get_attribute("href")
    assert link == f"{url}/api/v1/analytics/reports/monthly/2026-10.html"
    assert browser.script_errors() == []

    browser.driver.get(link)
    browser.find('main.report[data-kind="monthly"][data-period="2026-10"]')
    assert browser.driver.title == "沈阳市12345热线2026年10月月度通报"
    assert browser.find('.tile[data-key="volume"] .big').text == "7"
    assert browser.find('.tile[data-key="satisfaction_rate"] .big').text == "60.0%"
    assert "本月全市受理诉求 7 件，环比 +133.3%，同比 +600.0%" in browser.find(".summary").text
    sizes = browser.driver.execute_script(
        "return [...document.querySelectorAll('svg.chart')].map(s => {const r = s.getBoundingClientRect();"
        " return [s.dataset.chart, r.width, r.height, s.querySelectorAll('path').length]})")
    assert [s[0] for s in sizes] == CHARTS
    assert all(width > 600 and height > 100 and paths > 20 for _, width, height, paths in sizes), sizes
    assert len(browser.driver.find_elements(By.CSS_SELECTOR, "main.report table")) >= 8
    assert browser.requests_leaving() == []
    assert browser.driver.execute_script("return document.scripts.length") == 0
    path = full_page_shot(browser, "monthly-bulletin")
    assert path.stat().st_size > 50_000
    assert browser.script_errors() == []
