"""A real uvicorn server in a background thread on a loopback port, and a page driver for Selenium."""
from __future__ import annotations

import json
import os
import socket
import threading
import time
from pathlib import Path

import uvicorn
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parents[2]
WAIT = 15   # seconds an explicit wait may take before the test fails (a shared 2-core machine)


def artifacts_dir() -> Path:
    """Where screenshots and figures go: $JIESU_ARTIFACTS, else var/test-artifacts/ (git ignores var/)."""
    path = Path(os.environ.get("JIESU_ARTIFACTS") or ROOT / "var" / "test-artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


class LiveServer:
    """Serve an app on 127.0.0.1 on a port the OS picks (the socket is bound before the thread starts: no race)."""

    def __init__(self, app):
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + WAIT
        while not self.server.started:          # startup, not a test condition: bounded and polled
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError(f"the test server did not start on {self.url}")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(WAIT)
        self.socket.close()


class Browser:
    """The pages as a person uses them: log in, wait for what the page shows, press keys, take screenshots."""

    def __init__(self, driver, base_url: str, artifacts: Path):
        self.driver, self.base = driver, base_url
        self.artifacts = artifacts if driver.name == "chrome" else artifacts / driver.name   # Chromium's at the top
        self.artifacts.mkdir(parents=True, exist_ok=True)
        self.wait = WebDriverWait(driver, WAIT, poll_frequency=0.02)

    def open(self, path: str) -> None:
        """Go to a page (or where it sends a person) and wait until its script has wired the keys and buttons."""
        self.driver.get(self.base + path)
        self.wired()

    def wired(self) -> None:
        self.find("body[data-wired]")

    def find(self, css: str):
        return self.wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, css)))

    def visible(self, css: str):
        return self.wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, css)))

    def gone(self, css: str) -> None:
        self.wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, css))

    def text_in(self, css: str, text: str):
        try:
            self.wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, css), text))
        except TimeoutException as exc:
            raise TimeoutException(f"{text!r} not in {css} (it shows {self.text_of(css)!r}); "
                                   f"errors on the page: {self.errors_shown()}") from exc
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def text_of(self, css: str) -> str | None:
        found = self.driver.find_elements(By.CSS_SELECTOR, css)
        return found[0].text if found else None

    def errors_shown(self) -> list[str]:
        """The error messages the page shows (elements of class `error` with text), for a failed wait's message."""
        return [e.text for e in self.driver.find_elements(By.CSS_SELECTOR, ".error") if e.text.strip()]

    def until(self, condition, message: str = ""):
        return self.wait.until(lambda d: condition(), message)

    def login(self, name: str, password: str, lands_on: str) -> None:
        self.open("/login")
        self.find("#name").send_keys(name)
        self.find("#password").send_keys(password, Keys.ENTER)
        self.wait.until(EC.url_to_be(self.base + lands_on))
        self.wired()

    def logout(self) -> None:
        self.find("#logout").click()
        self.wait.until(EC.url_contains("/login"))

    def keys(self, *keys) -> None:
        """Keys to whatever has the focus, as a person presses them."""
        self.driver.switch_to.active_element.send_keys(*keys)

    def paste(self, css: str, text: str) -> None:
        """Click into a field and put text into it as a paste does."""
        field = self.find(css)
        field.click()
        self.driver.execute_script("arguments[0].focus();", field)   # Firefox may leave the focus where it was
        self.paste_here(text)

    def paste_here(self, text: str) -> None:
        """Paste into the focused field: its value, then one input event of type insertFromPaste."""
        self.driver.execute_script(
            "const f = document.activeElement; f.value = arguments[0];"
            "f.dispatchEvent(new InputEvent('input', {inputType: 'insertFromPaste', bubbles: true}));", text)

    def clear(self, css: str) -> None:
        field = self.find(css)
        self.driver.execute_script("arguments[0].value = ''; arguments[0].dispatchEvent(new InputEvent('input', "
                                   "{inputType: 'deleteContentBackward', bubbles: true}));", field)

    def shot(self, name: str) -> Path:
        """A screenshot of the 1366×768 window as the person sees it."""
        path = self.artifacts / f"{name}.png"
        self.driver.save_screenshot(str(path))
        return path

    def requests_leaving(self) -> list[str]:
        """Resources this page loaded from anywhere but the service."""
        urls = self.driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
        return [u for u in urls if not u.startswith(self.base) and not u.startswith("data:")]

    def script_errors(self) -> list[str]:
        """Script errors since the last call (Chromium: the console, besides the refusals the tests provoke on
        purpose; Firefox: uncaught errors, which is what WebDriver BiDi reports)."""
        if self.driver.name != "chrome":
            found, self.driver.jiesu_script_errors[:] = list(self.driver.jiesu_script_errors), []
            return found
        entries = self.driver.get_log("browser")
        return [e["message"] for e in entries if e["level"] == "SEVERE" and "Failed to load resource" not in e["message"]]

    def record(self, name: str, data: dict) -> Path:
        path = self.artifacts / name
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return path
