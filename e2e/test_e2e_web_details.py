"""Layout details of the web application that only a real browser shows (issue 14's trial by a fresh user, web14):
on a 390×844 phone the work lists keep every tab in view (they wrap; none behind Ant Design's "…") and their filter
bar folds behind "Bộ lọc" instead of taking half the screen; at 1440 px an outgoing document's circuit takes the
page's whole width below the metadata and the PDF instead of half of it beside the PDF. Same platform, browser and
axe checks as ``test_e2e_web.py`` (a small copy of its ``Screens``: that file may be split), each screen saved
under ``test-output/web/``."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from e2e.browser import fits, settle
from vanthu_devstack import Stack
from vanthu_devstack.stack import WEB_DIST
from vanthu_testing.gateway import bearer, draft_with_file

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE = ROOT / "services" / "web" / "node_modules" / "axe-core" / "axe.min.js"
OUTPUT = Path(os.environ.get("VANTHU_TEST_OUTPUT", ROOT / "test-output")) / "web"
SNV = "000.00.02.H61"
#: How long the UI may take to show what the server already has (a wait, not a speed assertion).
UI_TIMEOUT_MS = 30_000

if not (Path(CHROMIUM).exists() and AXE.exists() and (WEB_DIST / "index.html").exists()):
    pytest.skip(
        "the browser tests need chromium (make system-deps) and the built web app with its node_modules "
        "(make web-build)",
        allow_module_level=True,
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # an expectation waits as long as an action: what the server already has may take a while to show when the
    # machine is loaded (the 5 s default failed CI once); a wait, not a speed assertion
    expect.set_options(timeout=UI_TIMEOUT_MS)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


class Screens:
    """One browser context as in test_e2e_web.py: each screen checked with axe (no serious or critical violation)
    and saved as a screenshot."""

    def __init__(self, browser: Browser, name: str, **context: Any) -> None:
        self.context = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", **context)
        # the bell's live stream stays open ("networkidle" would never come): one keep-alive, then it ends
        self.context.route(
            "**/api/v1/notifications/stream",
            lambda route: route.fulfill(status=200, content_type="text/event-stream", body=": keep-alive\n\n"),
        )
        self.page: Page = self.context.new_page()
        self.page.set_default_timeout(UI_TIMEOUT_MS)
        # animations and transitions 100 times faster, across navigations (test_e2e_web.py's play_animations_fast):
        # settle() and each click's wait for a still element do not wait out Ant Design's motions
        self.context.new_cdp_session(self.page).send("Animation.setPlaybackRate", {"playbackRate": 100})
        self.name, self.count = name, 0

    def check(self, screen: str) -> None:
        self.page.wait_for_load_state("networkidle")
        settle(self.page)
        if not self.page.evaluate("() => typeof window.axe !== 'undefined'"):
            self.page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
        # only the rules whose violations are serious or critical, as test_e2e_web.py's AXE_RULES (a rule's impact is
        # its own): the others could not fail this check
        result = self.page.evaluate("""async () => (await window.axe.run(document, {resultTypes: ['violations'],
            rules: Object.fromEntries(window.axe._audit.rules.filter(r => !['serious', 'critical'].includes(r.impact))
                .map(r => [r.id, {enabled: false}]))}))
            .violations.filter(v => ['serious', 'critical'].includes(v.impact))
            .map(v => ({id: v.id, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))""")
        self.count += 1
        self.page.screenshot(path=str(OUTPUT / f"{self.name}-{self.count:02d}-{screen}.png"), full_page=True)
        assert result == [], f"axe on {screen} ({self.page.url}): {result}"

    def sign_in(self, base_url: str, username: str, then: str) -> None:
        self.page.goto(base_url + then)
        expect(self.page.get_by_role("heading", name="Đăng nhập VanThu")).to_be_visible()
        self.page.get_by_label("Tên đăng nhập").fill(username)
        self.page.get_by_label("Mật khẩu").fill("vanthu-dev")
        self.page.get_by_role("button", name="Đăng nhập").click()


#: What the trial measured: the filter bar took about 500 px of a 844 px phone screen above the list.
FOLDED_MAX_PX = 120


def test_on_a_phone_the_work_tabs_stay_in_view_and_the_filters_fold_behind_bo_loc(
    platform: Stack, browser: Browser
) -> None:
    screens = Screens(
        browser,
        "chi-tiet-dien-thoai",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    page = screens.page
    try:
        screens.sign_in(platform.gateway_url, "chuyenvien.ubnd", then="/van-ban-den")
        expect(page).to_have_url(re.compile(r"/van-ban-den$"), timeout=UI_TIMEOUT_MS)
        tabs = page.get_by_role("tab")
        expect(tabs).to_have_count(4)
        for i in range(4):  # each one on screen, none behind a "…" menu
            expect(tabs.nth(i)).to_be_in_viewport()
            box = tabs.nth(i).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, (i, box)
        expect(page.locator(".ant-tabs-nav-operations:visible")).to_have_count(0)
        bar = page.get_by_role("region", name="Bộ lọc danh sách")
        toggle = page.get_by_role("button", name="Bộ lọc", exact=True)
        expect(toggle).to_be_visible()
        expect(page.get_by_role("button", name="Lọc", exact=True)).to_be_hidden()
        folded = bar.bounding_box()
        assert folded is not None and folded["height"] <= FOLDED_MAX_PX, folded
        fits(page, 390)
        screens.check("van-ban-den-gon")
        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        expect(page.get_by_role("button", name="Lọc", exact=True)).to_be_visible()
        fits(page, 390)
        screens.check("van-ban-den-bo-loc")
        page.get_by_role("button", name="Mở danh mục").click()
        page.get_by_role("dialog").get_by_role("link", name="Công việc", exact=True).click()
        expect(page).to_have_url(re.compile(r"/cong-viec$"), timeout=UI_TIMEOUT_MS)
        expect(page.get_by_role("button", name="Bộ lọc", exact=True)).to_be_visible()
        expect(page.get_by_label("Trích yếu có chứa")).to_be_hidden()
        fits(page, 390)
        screens.check("cong-viec-dien-thoai")
    finally:
        screens.context.close()


def test_at_1440_px_an_outgoing_documents_circuit_takes_the_whole_width(
    platform: Stack, browser: Browser, api: httpx.Client, login: Callable[[str], str], draft_pdf: Callable[..., bytes]
) -> None:
    officer = bearer(login("chuyenvien.ubnd"))
    doc = draft_with_file(
        api,
        officer,
        draft_pdf(),
        "V/v bố cục trang văn bản đi ở 1440 px",
        [{"agency_code": SNV, "name": "Sở Nội vụ"}],
        unit_abbreviation="TH",
    )
    started = api.post("/api/v1/workflow/outgoing", headers=officer, json={"document_id": doc["id"]})
    assert started.status_code in (200, 201), started.text
    screens = Screens(browser, "chi-tiet-1440", viewport={"width": 1440, "height": 900})
    page = screens.page
    try:
        screens.sign_in(platform.gateway_url, "chuyenvien.ubnd", then=f"/van-ban/{doc['id']}")
        expect(page).to_have_url(re.compile(f"/van-ban/{doc['id']}$"), timeout=UI_TIMEOUT_MS)
        circuit = page.locator(".ant-card").filter(has=page.get_by_role("heading", name="Quy trình văn bản đi"))
        expect(circuit).to_be_visible()
        details, files = page.get_by_test_id("document-details"), page.get_by_test_id("document-files")
        expect(files).to_be_visible()
        # measured once the page is still: the circuit's skeleton gives way to its steps, the details and the PDF load
        # (one clean-clone run measured the details grown after the circuit was placed)
        expect(circuit.locator(".ant-skeleton")).to_have_count(0, timeout=UI_TIMEOUT_MS)
        page.wait_for_load_state("networkidle")
        settle(page)
        wide, meta, pdf = circuit.bounding_box(), details.bounding_box(), files.bounding_box()
        assert wide and meta and pdf
        assert meta["x"] + meta["width"] <= pdf["x"] + 1, (meta, pdf)  # the metadata beside the PDF still
        # the circuit spans both columns (the content is 1440 less the 220 px menu and the padding): not half
        # (the two columns' boxes include their 8 px gutter padding on each side)
        assert wide["width"] >= pdf["x"] + pdf["width"] - meta["x"] - 16, (wide, meta, pdf)
        assert wide["y"] >= meta["y"] + meta["height"], (wide, meta)  # below them
        fits(page, 1440)
        screens.check("van-ban-di-1440")
    finally:
        screens.context.close()
