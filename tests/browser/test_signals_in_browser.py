"""The workbench in headless Chromium shows a call's urgency and risk flags with their evidence and proposes splitting a
call that carries two problems; the agent accepts the split and two linked tickets are dispatched. The service runs
the keyword suggester and the keyword signal rules (no trained model), as on a fresh installation."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from tests.browser.conftest import PASSWORD, serving
from tests.browser.live import Browser, artifacts_dir

ADDRESS = "和平区太原街街道太原街社区12号楼"
TWO = ("市民来电反映：小区门口的路灯坏了半个月，晚上黑漆漆的，楼里八十多岁的独居老人都不敢出门；"
       "另外楼下垃圾三天没人拉，臭味很大。")


@pytest.fixture
def keyword_browser(tmp_path, clock, driver):
    with serving(tmp_path, clock, suggester="keyword") as (url, app):
        driver.delete_all_cookies()
        yield Browser(driver, url, artifacts_dir()), app
        driver.delete_all_cookies()


def test_the_agent_sees_flags_with_evidence_and_accepts_a_split(keyword_browser):
    browser, app = keyword_browser
    browser.login("agent", PASSWORD, "/workbench")
    browser.find("#address").send_keys(ADDRESS)
    browser.paste("#text", TWO)
    browser.text_in("#signals-source", "关键词规则")
    flag = browser.find('#flags li[data-flag="弱势群体"]')
    assert "独居" in flag.text and "八十多岁" in flag.text
    assert browser.find("#urgency").get_attribute("data-level") == "一般"
    proposal = browser.find('#split[data-items="2"]')
    assert "路灯坏了半个月" in proposal.text and "垃圾三天没人拉" in proposal.text and "主办" in proposal.text
    corrected = Select(browser.find("#split-leaf-1"))              # the agent picks the span's second-best leaf
    corrected.select_by_index(1)
    chosen = corrected.first_selected_option.get_attribute("value")
    assert chosen != browser.find('#split li[data-index="1"]').get_attribute("data-leaf")
    browser.shot("workbench-split-proposal")
    browser.find("#text").click()
    browser.keys(Keys.ALT, "s")                                    # Alt+S: accept the split
    outcome = browser.find('#outcome .success[data-children="2"]')
    assert "已拆分" in outcome.text and "已派单" in outcome.text
    assert not browser.find("#split-error").is_displayed() and browser.script_errors() == []
    browser.shot("workbench-split-accepted")
    from serving.tickets.models import Ticket

    with app.state.sessions() as session:
        parent = session.get(Ticket, int(outcome.get_attribute("data-id")))
        children = session.query(Ticket).filter(Ticket.parent_id == parent.id).order_by(Ticket.id).all()
        assert parent.status == "split" and [c.status for c in children] == ["dispatched", "dispatched"]
        assert "路灯" in children[0].text and "垃圾" in children[1].text and children[1].leaf == chosen
