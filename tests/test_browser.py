"""The real app in headless Chromium: start it the README's way on a free port, open each page in
both languages, check for tracebacks and keep screenshots in test-artifacts/.

Skipped only where Debian's Chromium is not installed (`make browser-deps`); CI installs it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unicodedata
import urllib.request
from pathlib import Path

import pytest

from tests.texts import problems

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
PAGES = ["overview", "energy", "pv", "kpi", "fleet"]
# a page whose first run is long (cold caches) says it is done when this selector appears
READY = {"energy": "text=/异常提示|Anomalies/"}
# (metric cards, plotly charts) each page shows at least
EXPECTED = {"overview": (8, 1), "energy": (8, 3), "pv": (9, 3), "kpi": (30, 2), "fleet": (13, 4)}

# Every page in both languages; `make test` opens each page in one of them (the languages alternate, so each is
# seen in the browser) and the deep tier (`make test-deep`) the other. AppTest renders every page in both.
QUICK_LANG = {"overview": "en", "energy": "zh", "pv": "en", "kpi": "zh", "fleet": "en", "meter": "en",
              "upload": "zh", "certification": "en"}


def in_both(page_path: str, lang: str):
    """(page, lang) as a parameter: in make test when it is the page's quick language, else in the deep tier."""
    return pytest.param(page_path, lang, id=f"{page_path}-{lang}",
                        marks=() if QUICK_LANG[page_path] == lang else pytest.mark.deep)


def langs(page_path: str) -> list:
    """The two languages of one page as parameters, the one not in QUICK_LANG marked deep."""
    return [pytest.param(lang, id=lang, marks=() if QUICK_LANG[page_path] == lang else pytest.mark.deep)
            for lang in ("zh", "en")]


# In CI (CI=true) a missing Chromium fails the run instead of skipping it silently.
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
pytestmark = pytest.mark.skipif(not IN_CI and not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")


def test_chromium_is_there_in_ci():
    if IN_CI:
        assert Path(CHROMIUM).exists(), "CI=true but Chromium is missing: run `make browser-deps`"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_app(db):
    """`streamlit run serve.py` (what `make run` serves) on a free port with ENERGY_DB=db, until the block ends."""
    port = _free_port()
    log = tempfile.TemporaryFile()  # a pipe nobody reads could fill up and stall the app
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.headless=true",
         "--server.address=127.0.0.1", f"--server.port={port}"],
        cwd=ROOT, env={**os.environ, "ENERGY_DB": str(db)}, stdout=log, stderr=subprocess.STDOUT)
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
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def server(writer_server):
    """The app the pages are opened in: one started app per module, the writer's (a copy of the demo with an
    officer account; the upload test undoes what it writes)."""
    url, _ = writer_server
    return url


@pytest.fixture(scope="module")
def browser():
    if IN_CI:  # in CI a missing playwright fails too
        import importlib

        playwright = importlib.import_module("playwright.sync_api")
    else:
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


@pytest.mark.parametrize(("page_path", "lang"), [in_both(p, lang) for p in PAGES for lang in ("zh", "en")])
def test_page_in_browser(server, browser, page_path, lang, tmp_path, demo_db):
    page = browser.new_page(viewport={"width": 1400, "height": 1600}, accept_downloads=True)
    page.goto(f"{server}/{page_path}?lang={lang}")
    wait_for_app(page, READY.get(page_path))
    # metrics and charts render lazily in the browser: wait for what each page must show
    metrics_n, charts_n = EXPECTED[page_path]
    wait_for_count(page, '[data-testid="stMetric"]', metrics_n)
    wait_for_count(page, ".js-plotly-plot", charts_n)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{page_path}-{lang}.png"), full_page=True)
    assert page.locator('[data-testid="stException"]').count() == 0
    text = page.inner_text("body")
    assert ("演示数据" if lang == "zh" else "Demo data") in text
    # what the browser rendered: no internal text (icons are font ligatures such as "solar_power": not words)
    page.add_style_tag(content='[data-testid="stIconMaterial"] { display: none !important; }')
    found = problems(page.inner_text("body").split("\n"))
    assert not found, "\n".join(dict.fromkeys(found))
    if page_path == "overview":
        assert page.locator('[data-testid="stMetric"]').count() == 8  # 7 figures and the fleet's share
        assert page.locator(".js-plotly-plot").count() >= 1
        assert ("年度概览" if lang == "zh" else "Year overview") in text
    if page_path == "pv":
        assert ("屋顶光伏项目" if lang == "zh" else "Rooftop PV project") in text
        assert page.locator(".js-plotly-plot").count() >= 3  # map, heat map, daily chart
        assert "PV12" in text and ("13.1%" in text)
        assert page.locator('[data-testid="stMetric"]').count() == 9
    if page_path == "kpi":
        assert page.locator('[data-testid="stMetric"]').count() == 30
        assert ("年度关键指标" if lang == "zh" else "Key figures of") in text
        check_kpi_print_and_download(page, lang, tmp_path, demo_db)
    if page_path == "energy":
        assert page.locator('[data-testid="stMetric"]').count() == 8
        assert page.locator(".js-plotly-plot").count() >= 3
        assert ("能源资源节约" if lang == "zh" else "Energy and water savings") in text
    page.close()


@pytest.mark.parametrize("lang", langs("meter"))
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


# ------------------------------------------------------------------ upload, as an officer, through the real UI

MEETINGS = "会议编号,会议日期,会议室,会议名称,参会人数\nHY-BROWSER-1,2024-03-02,九楼大会议室,浏览器测试会议,35\n" \
           "HY-BROWSER-2,2024-03-03,三楼小会议室,浏览器测试会议二,12\n"
UPLOAD_TEXT = {
    "zh": {"login": "工作人员登录", "name": "用户名", "password": "密码", "button": "登录", "upload": "数据上传",
           "rows": "将写入行数", "commit": "提交写入", "done": "已写入", "history": "上传记录与撤销",
           "confirm": "确认撤销", "undo": "撤销", "undone": "已撤销", "title": "上传计量与业务数据",
           "rejected": "未写入任何数据"},
    "en": {"login": "Staff login", "name": "User name", "password": "Password", "button": "Log in",
           "upload": "Upload data", "rows": "Rows to write", "commit": "Commit", "done": "Written as batch",
           "history": "Upload history & undo", "confirm": "Confirm", "undo": "Undo", "undone": "undone",
           "title": "Upload meter and activity data", "rejected": "nothing of it will be written"},
}


@pytest.fixture(scope="module")
def writer_server(demo_db, tmp_path_factory):
    """The app on a copy of the demo database with an officer account (the shared demo stays untouched)."""
    from etl.store import users
    from etl.store.db import connect

    db = tmp_path_factory.mktemp("browser") / "energy.duckdb"
    shutil.copy(demo_db, db)
    with connect(db) as con:
        users.add_user(con, "officer1", "officer", "browser-pass-1")
    with running_app(db) as url:
        yield url, db


def test_visitor_cannot_open_the_upload_page(writer_server, browser):
    url, _ = writer_server
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{url}/upload?lang=en")
    wait_for_app(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "upload-as-visitor.png"), full_page=True)
    assert page.locator('[data-testid="stFileUploaderDropzoneInput"]').count() == 0
    assert page.get_by_role("link", name="Upload data").count() == 0
    assert "Upload meter and activity data" not in page.inner_text("body")
    page.close()


@pytest.mark.parametrize("lang", langs("upload"))
def test_officer_uploads_commits_and_undoes(writer_server, browser, tmp_path, lang):
    url, db = writer_server
    txt = UPLOAD_TEXT[lang]
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1400})
    page.goto(f"{url}/?lang={lang}")
    wait_for_app(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text(txt["login"]).click()
    sidebar.get_by_label(txt["name"], exact=True).fill("officer1")
    sidebar.get_by_label(txt["password"], exact=True).fill("browser-pass-1")
    sidebar.get_by_role("button", name=txt["button"]).click()
    sidebar.get_by_role("link", name=txt["upload"]).click()
    page.get_by_role("heading", name=txt["title"]).wait_for(timeout=30000)
    if lang == "zh":  # the uploader's own English texts are replaced (ui/uploader.py)
        shown = page.locator('[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p'
                             ).evaluate("e => getComputedStyle(e, '::after').content")
        assert "选择文件" in shown
    csv = tmp_path / f"meetings-{lang}.csv"
    csv.write_text(MEETINGS, encoding="gb18030")
    bad = tmp_path / f"bad-{lang}.csv"
    bad.write_text("会议编号,会议日期,参会人数\nHY-BROWSER-3,2024-02-30,十人\n", encoding="utf-8")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files([str(csv), str(bad)])
    page.get_by_text(txt["rows"]).first.wait_for(timeout=30000)
    page.get_by_text(txt["rejected"]).wait_for(timeout=30000)  # the broken file: its problems, no commit
    wait_for_app(page)
    page.screenshot(path=str(ARTIFACTS / f"upload-preview-{lang}.png"), full_page=True)
    metric = page.locator('[data-testid="stMetric"]').first.inner_text()
    assert "2" in metric
    page.get_by_role("button", name=txt["commit"]).click()
    page.get_by_text(txt["done"]).first.wait_for(timeout=30000)
    wait_for_app(page)
    page.screenshot(path=str(ARTIFACTS / f"upload-committed-{lang}.png"), full_page=True)
    assert page.locator('[data-testid="stException"]').count() == 0
    from etl.store.db import connect

    with connect(db) as con:
        who, batch = con.execute("SELECT loaded_by, batch_id FROM load_batches ORDER BY batch_id DESC LIMIT 1"
                                 ).fetchall()[0]
        assert who == "officer1"
        assert con.execute("SELECT count(*) FROM meetings WHERE meeting_id LIKE 'HY-BROWSER-%'").fetchall()[0][0] == 2
    sidebar.get_by_role("link", name=txt["history"]).click()
    wait_for_app(page)
    page.screenshot(path=str(ARTIFACTS / f"batches-{lang}.png"), full_page=True)
    chosen = page.locator('[data-testid="stSelectbox"]').last
    shown = chosen.inner_text() + " ".join(chosen.locator("input").evaluate_all("els => els.map(e => e.value)"))
    assert f"{batch} · {csv.name}" in shown  # the newest batch is preselected
    page.screenshot(path=str(ARTIFACTS / f"batches-{lang}.png"), full_page=True)
    page.get_by_text(txt["confirm"]).click()
    page.get_by_role("button", name=txt["undo"], exact=True).click()
    page.get_by_text(txt["undone"]).first.wait_for(timeout=30000)
    with connect(db) as con:
        assert con.execute("SELECT count(*) FROM meetings WHERE meeting_id LIKE 'HY-BROWSER-%'").fetchall()[0][0] == 0
        assert con.execute("SELECT status FROM load_batches WHERE batch_id = ?", [batch]).fetchall()[0][0] == "undone"
    page.close()


def check_kpi_print_and_download(page, lang: str, tmp_path: Path, db: Path) -> None:
    """The Word draft downloads and opens; the print layout drops sidebar, header and buttons."""
    with page.expect_download(timeout=60000) as info:
        page.get_by_role("button", name="总结初稿 Word" if lang == "zh" else "Summary draft (Word)").click()
    target = tmp_path / "summary.docx"
    info.value.save_as(target)
    from docx import Document

    text = "\n".join(p.text for p in Document(str(target)).paragraphs)
    assert "（二）后勤保障工作" in text and "维修" in text
    assert page.locator('[data-testid="stSidebar"]').is_visible()
    page.emulate_media(media="print")
    page.wait_for_timeout(500)
    assert not page.locator('[data-testid="stSidebar"]').is_visible()
    assert not page.locator('[data-testid="stDownloadButton"]').first.is_visible()
    assert page.locator('[data-testid="stMetricValue"]').first.is_visible()
    page.screenshot(path=str(ARTIFACTS / f"kpi-{lang}-print.png"), full_page=True)
    check_print_layout(page, lang)
    pdf = page.pdf(path=str(ARTIFACTS / f"kpi-{lang}.pdf"), format="A4", print_background=True,
                   prefer_css_page_size=True)
    assert pdf[:4] == b"%PDF" and len(pdf) > 50_000
    check_pdf(ARTIFACTS / f"kpi-{lang}.pdf", lang, db)
    page.emulate_media(media="screen")


PRINT_WIDTH_PX = 186 * 96 / 25.4  # A4 less the page's two 12 mm margins


def check_print_layout(page, lang: str) -> None:
    """In print, the content is the printable width of A4 and nothing visible sticks out of it: every chart
    is zoomed to fit, cards and tables wrap; the header names county, year, date and that the data is demo."""
    page.wait_for_timeout(800)
    main = page.locator('[data-testid="stMainBlockContainer"]').bounding_box()
    assert main["width"] <= PRINT_WIDTH_PX + 1, main
    wide = page.evaluate("""([left, right]) => {
        const out = [];
        for (const el of document.querySelectorAll('[data-testid="stMainBlockContainer"] *')) {
            const s = getComputedStyle(el);
            if (s.display === 'none' || s.visibility === 'hidden') continue;
            const r = el.getBoundingClientRect();
            if (r.width === 0 || r.height === 0) continue;
            if (el.closest('[data-testid="stPlotlyChart"]') && !el.matches('svg.main-svg')) continue;
            if (r.left < left - 1 || r.right > right + 1)
                out.push(`${el.tagName}.${el.className && el.className.baseVal !== undefined ? el.className.baseVal
                          : el.className} ${Math.round(r.left)}-${Math.round(r.right)}`);
        }
        return out.slice(0, 10);
    }""", [main["x"], main["x"] + main["width"]])
    assert not wide, f"wider than the printed page: {wide}"
    charts = page.locator('[data-testid="stPlotlyChart"]')
    assert charts.count() >= 2
    head = page.locator(".kpi-head").inner_text()
    assert "2024" in head and ("演示数据" if lang == "zh" else "Demo data") in head
    assert ("鹿寨县（演示）" if lang == "zh" else "Luzhai County (demo)") in head
    assert page.locator(".kpi-card").count() == 6


def check_pdf(path: Path, lang: str, db: Path) -> None:
    """Every page of the printed PDF carries text; the first has the header; the figures are all there."""
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    assert len(reader.pages) >= 2
    # NFKC: the PDF's fonts map some characters to Kangxi radicals (⿅ for 鹿)
    texts = [unicodedata.normalize("NFKC", p.extract_text() or "") for p in reader.pages]
    for n, text in enumerate(texts, 1):
        assert len(text.strip()) > 40, f"page {n} of {len(texts)} is (nearly) empty"
        width = float(reader.pages[n - 1].mediabox.width)
        assert abs(width - 595.3) < 2, "A4 portrait"
    assert "2024" in texts[0] and ("Luzhai" in texts[0] or "鹿寨" in texts[0])
    whole = "\n".join(texts)
    from etl.metrics import kpi
    from etl.store.db import connect

    with connect(db) as con:
        report = kpi.kpi_report(con, 2024)  # the page's default: fleet fuel counted
    for key, digits in (("energy_kgce", 0), ("energy_kgce_per_m2", 2), ("fleet_co2_t", 1)):
        assert f"{report[key]:,.{digits}f}" in whole, key  # the headline figures are on paper
