"""The real app in headless Chromium: start it the README's way on a free port, open each page in
both languages, check for tracebacks and keep screenshots in test-artifacts/.

Skipped only where Debian's Chromium is not installed (`make browser-deps`); CI installs it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
PAGES = ["overview", "energy"]
# a page whose first run is long (cold caches) says it is done when this selector appears
READY = {"energy": "text=/异常提示|Anomalies/"}

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(demo_db):
    port = _free_port()
    env = {**os.environ, "ENERGY_DB": str(demo_db)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.headless=true",
         "--server.address=127.0.0.1", f"--server.port={port}"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("the app did not answer /_stcore/health within 60 s")
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


def wait_for_app(page, ready: str | None = None) -> None:
    """Wait until the script has finished running (no running indicator, content present)."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=30000)
    page.wait_for_selector('[data-testid="stMainBlockContainer"] h1', timeout=60000)
    if ready:
        page.wait_for_selector(ready, timeout=120000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60000)
    page.wait_for_timeout(1500)


def wait_for_count(page, selector: str, n: int, timeout_ms: int = 60000) -> None:
    """Wait until at least n elements match (the browser renders some elements lazily)."""
    page.wait_for_function("([s, n]) => document.querySelectorAll(s).length >= n", arg=[selector, n],
                           timeout=timeout_ms)
    page.wait_for_timeout(500)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page_path", PAGES)
def test_page_in_browser(server, browser, page_path, lang):
    page = browser.new_page(viewport={"width": 1400, "height": 1600})
    page.goto(f"{server}/{page_path}?lang={lang}")
    wait_for_app(page, READY.get(page_path))
    if page_path == "energy":  # widgets, metrics and charts load lazily in the browser: wait for them
        wait_for_count(page, '[data-testid="stMetric"]', 8)
        wait_for_count(page, ".js-plotly-plot", 3)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{page_path}-{lang}.png"), full_page=True)
    assert page.locator('[data-testid="stException"]').count() == 0
    text = page.inner_text("body")
    assert ("演示数据" if lang == "zh" else "Demo data") in text
    if page_path == "overview":
        assert page.locator('[data-testid="stMetric"]').count() == 7
        assert page.locator(".js-plotly-plot").count() >= 1
        assert ("年度概览" if lang == "zh" else "Year overview") in text
    if page_path == "energy":
        assert page.locator('[data-testid="stMetric"]').count() == 8
        assert page.locator(".js-plotly-plot").count() >= 3
        assert ("能源资源节约" if lang == "zh" else "Energy and water savings") in text
    page.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_energy_meter_link_in_browser(server, browser, lang):
    """A shared link straight to a meter: its monthly chart and the hourly heat map render."""
    page = browser.new_page(viewport={"width": 1400, "height": 1600})
    page.goto(f"{server}/energy?meter=E-I001&year=2024&lang={lang}")
    wait_for_app(page, READY["energy"])
    wait_for_count(page, ".js-plotly-plot", 2)
    page.screenshot(path=str(ARTIFACTS / f"energy-meter-{lang}.png"), full_page=True)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator(".js-plotly-plot").count() == 2
    assert "E-I001" in page.inner_text("body")
    assert "meter=E-I001" in page.url
    page.close()
