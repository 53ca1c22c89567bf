"""The certification page in headless Chromium, as a visitor: it renders in both languages with no traceback,
shows the task and the funnel, and offers no edit control. Skipped where Debian's Chromium is not installed."""

from __future__ import annotations

import pytest

from tests.test_browser import (  # noqa: F401
    ARTIFACTS,
    CHROMIUM,
    browser,
    langs,
    server,
    wait_for_app,
    wait_for_count,
    writer_server,
)

pytestmark = pytest.mark.skipif(not __import__("pathlib").Path(CHROMIUM).exists(),
                                reason="Debian's chromium is not installed")
TEXT = {"zh": ("节约型机关 · 节水型单位 创建", "2024年任务", "保存阶段", "单位列表"),
        "en": ("Conservation-oriented agencies", "2024 task", "Save the stage", "Units")}


@pytest.mark.parametrize("lang", langs("certification"))  # one language in make test, the other deep
def test_certification_page_as_visitor(server, browser, lang):  # noqa: F811
    title, task, save, units = TEXT[lang]
    page = browser.new_page(viewport={"width": 1400, "height": 2400})
    page.goto(f"{server}/certification?lang={lang}")
    wait_for_app(page)
    wait_for_count(page, ".js-plotly-plot", 1)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"certification-{lang}.png"), full_page=True)
    assert page.locator('[data-testid="stException"]').count() == 0
    text = page.inner_text("body")
    assert title in text and task in text and units in text
    assert "18 / 25" in text  # 2024: 18 agencies named of the 25 of the task
    assert save not in text and page.locator('[data-testid="stFileUploaderDropzoneInput"]').count() == 0
    page.close()
