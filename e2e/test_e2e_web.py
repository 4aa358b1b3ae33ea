"""The web application in a real browser (issue 14, item 5): Debian's chromium driven by Playwright (no browser
download), against the platform of the e2e fixtures, through the UI only. UBND tỉnh issues a letter to Sở Nội vụ (set
up through the API); Sở Nội vụ's clerk signs in through the login page, sees the arrival with its signature report,
registers it (vào sổ), exports the register book, searches, returns a misdirected arrival (trả lại) and signs out;
Phường Long Châu's clerk does not see it; the same clerk on a 390×844 phone (e-mail notifications on and off). An
arrival is processed (trình, giao xử lý, giao trong đơn vị, xin gia hạn and its grant, hoàn thành); an outgoing letter
is drafted with a PDF, returned with remarks and sent again, approved, submitted, signed on a phone, issued and taken
back (thu hồi, refused by the recipient's clerk), another returned unsigned by the leader, a draft in review cancelled
by the leader (hủy văn bản: the head whose review stops is told, not "not found"); the leader delegates (ủy quyền,
TUQ.: a head is not the agency head's deputy, so KT. is not offered) to the head, who is told on their home page
and gives a job (giao việc) in the leader's name, and the leader
revokes it; the file plan is corrected
and approved, a file filled, closed, kept by the unit (giữ lại), deposited, returned and received by the archivist,
all through the UI; /docs shows the API's operations (Swagger UI 5 from the app's build).
axe-core (the npm package, injected from services/web/node_modules) finds no serious or critical violation on each
screen visited, no page breaks its Content-Security-Policy, and every screen is saved as a screenshot under
``test-output/web/`` (``VANTHU_TEST_OUTPUT`` to put it elsewhere)."""

# -- gestures (ux.md) → screen → test (issue 14: each gesture ux.md lists, where it is done, and the browser
# test performing it: its key, and in «» words its code has where it does it, which
# test_the_gesture_table_names_what_each_test_does checks, so the table cannot drift from the tests. Keys:
#   A = test_the_clerk_signs_in_sees_the_arrival_registers_it_and_signs_out
#   B = test_another_agencys_clerk_does_not_see_the_arrival
#   C = test_the_clerk_works_from_a_390_by_844_phone
#   D = test_the_admin_keeps_units_directory_types_and_registers
#   E = test_an_arrival_is_registered_submitted_assigned_delegated_and_completed_through_the_ui
#   F = test_an_outgoing_letter_is_drafted_approved_signed_and_issued_through_the_ui
#   G = test_the_file_plan_is_edited_and_approved_a_file_is_filled_closed_deposited_and_received
#   H = test_a_draft_in_review_is_cancelled_by_the_leader_and_the_reviewing_head_is_told
#   I = test_a_leader_delegates_the_deputy_gives_work_in_their_name_and_the_leader_revokes
# role         gesture                                  screen                                     test «code»
# Văn thư      receive, check signatures and addressee  Văn bản đến → văn bản                      A «signature report»
# Văn thư      vào sổ (takes the số đến)                văn bản → Vào sổ                           A «Vào sổ»
# Văn thư      trả lại with a reason                    văn bản → Trả lại                          A «Trả lại»
# Văn thư      văn bản giấy (scan + metadata)           Văn bản đến → Nhập văn bản giấy            A «Nhập văn bản giấy»
# Văn thư      trình lãnh đạo (proposed handling)       văn bản → Trình lãnh đạo                   E «Trình lãnh đạo»
# Văn thư      cấp số, phát hành (seal, send)           Văn bản đi (chờ phát hành) → Phát hành     F «Phát hành»
# Văn thư      thu hồi (take back an issued document)   văn bản đi → Tình hình gửi, nhận → Thu hồi F «Thu hồi»
# Văn thư      answer a thu hồi (đồng ý / từ chối)      văn bản đến → Từ chối (lý do)              F «Từ chối»
# Văn thư      thống kê liên thông (sent, received …)   Thống kê liên thông                        F «lien-thong»
# Văn thư      print/export the register books          Sổ văn bản → Xuất sổ ra PDF/XLSX/CSV       A «Xuất sổ ra PDF»
# Lãnh đạo     read (on a phone)                        Việc của tôi → văn bản (390×844)           E «390»
# Lãnh đạo     bút phê / ý kiến chỉ đạo                 văn bản → Giao xử lý → Ý kiến chỉ đạo      E «Ý kiến chỉ đạo»
# Lãnh đạo     giao xử lý (lead, cooperating, deadline) văn bản → Giao xử lý                       E «Giao xử lý»
# Lãnh đạo     giao việc (a job)                        Giao việc                                  E «Giao việc»
# Lãnh đạo     ký số (server-held key, phone)           văn bản đi → Ký số                         F «Ký số»
# Lãnh đạo     return a draft (trả lại, không ký)       văn bản đi → Trả lại, không ký             F «Trả lại, không ký»
# Lãnh đạo     hủy văn bản (a draft, with a reason)     văn bản đi → Hủy văn bản                   H «Hủy văn bản»
# Lãnh đạo     phê duyệt the plan (decision no., date)  Hồ sơ → Danh mục hồ sơ → Phê duyệt         G «Phê duyệt»
# Lãnh đạo     let a unit keep a closed file (giữ lại)  hồ sơ → Giữ lại (văn bản đồng ý)           G «Giữ lại»
# Lãnh đạo     decide a request for more time           văn bản → Đồng ý / Không đồng ý gia hạn    E «Đồng ý»
# Lãnh đạo     báo cáo thống kê                         Báo cáo thống kê                           E «/thong-ke»
# Trưởng phòng văn bản đến: chờ xử lý, để biết, đã xong Văn bản đến (tabs of their own work)       E «Văn bản đến»
#              (filtered by words of the trích yếu)     Văn bản đến → Bộ lọc danh sách             E «Trích yếu có»
# Trưởng phòng phân công inside the unit                văn bản → Giao trong đơn vị                E «Giao trong đơn vị»
# Trưởng phòng duyệt a draft (with a comment)           văn bản đi → Duyệt                         F «Duyệt»
# Trưởng phòng góp ý / trả lại a draft                  văn bản đi → Trả lại (nội dung cần sửa)    F «Trả lại»
# Chuyên viên  report progress                          văn bản → Cập nhật tiến độ                 E «Cập nhật tiến độ»
# Chuyên viên  ask for more time (xin gia hạn)          văn bản → Xin gia hạn                      E «Xin gia hạn»
# Chuyên viên  soạn dự thảo, files by drag and drop     Văn bản đi → Soạn dự thảo                  F «Soạn dự thảo»
# Chuyên viên  sửa a returned draft (comments above it) văn bản đi → Sửa dự thảo                   F «Sửa dự thảo»
# Chuyên viên  trình ký                                 văn bản đi → Trình ký                      F «Trình ký»
# Chuyên viên  close the task with a result             văn bản → Hoàn thành                       E «Hoàn thành»
# Chuyên viên  soạn văn bản trả lời (from the task)     văn bản → Soạn văn bản trả lời             E «Soạn văn bản trả»
# Chuyên viên  link the reply when completing           văn bản → Hoàn thành (Văn bản trả lời)     E «just drafted»
# Chuyên viên  lập hồ sơ, thêm văn bản, đóng, nộp lưu   Hồ sơ → Lập hồ sơ → hồ sơ                  G «Lập hồ sơ»
# Lưu trữ      receive deposits, check against the plan Hồ sơ → Nộp lưu → hồ sơ (Đối chiếu)        G «Đối chiếu»
# Lưu trữ      return a deposit with reasons            hồ sơ → Trả lại                            G «Trả lại»
# Lưu trữ      tiếp nhận a deposit; read the access log hồ sơ → Tiếp nhận; Nhật ký khai thác       G «Tiếp nhận»
# Văn thư      draft or correct the file plan           Hồ sơ → Danh mục hồ sơ → Sửa               G «Sửa»
# Mọi người    tra cứu (facets by name)                 Tra cứu                                    A «/tra-cuu»
# Mọi người    e-mail notifications on/off              Thông tin cá nhân                          C «e-mail»
# Quản trị     units, members, directory, types         Quản trị                                   D «Quản trị»
# Lãnh đạo     ủy quyền (KT./TUQ., thời hạn); thu hồi   Thông tin cá nhân → Ủy quyền               I «Ủy quyền»
# Trưởng phòng act under ủy quyền (notice; giao việc)   Trang chủ → Giao việc                      I «delegation-notice»
# -- end of the gestures table


from __future__ import annotations

import ast
import os
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlparse

import httpx
import pytest

from vanthu_devstack import Stack
from vanthu_devstack.stack import WEB_DIST
from vanthu_testing.gateway import arrivals, bearer, draft_with_file, issue_letter, wait_for
from vanthu_testing.ports import join_thread, port_open, wait_until

#: A scenario runs for minutes (some 3 on a quiet machine; the issuing one passed 300 s, the suite's guard against
#: hangs, on a loaded one): a guard of its own, each step keeping its own wait.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE = ROOT / "services" / "web" / "node_modules" / "axe-core" / "axe.min.js"
OUTPUT = Path(os.environ.get("VANTHU_TEST_OUTPUT", ROOT / "test-output")) / "web"
UBND, SNV = "000.00.00.H61", "000.00.02.H61"
JOB_TITLE = "Chuẩn bị báo cáo tổng kết công tác văn thư năm 2026 (trình duyệt)"
#: How long the UI may take to show what the server already has (a wait, not a speed assertion).
UI_TIMEOUT_MS = 30_000

if not (Path(CHROMIUM).exists() and AXE.exists() and (WEB_DIST / "index.html").exists()):
    pytest.skip("the browser tests need chromium (make system-deps) and the built web app with its node_modules "
                "(make web-build)", allow_module_level=True)

from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright  # noqa: E402

from e2e.browser import fits, settle  # noqa: E402


@pytest.fixture(scope="module")
def arrival(platform: Stack, login: Callable[[str], str], draft_pdf: Callable[..., bytes]) -> dict[str, Any]:
    """A letter UBND tỉnh issued to Sở Nội vụ only, arrived there, its signature checked."""
    with httpx.Client(base_url=platform.gateway_url, timeout=150) as api:
        snv_clerk = bearer(login("vanthu.snv"))
        abstract = "V/v báo cáo tình hình ứng dụng văn bản điện tử năm 2026 (trình duyệt)"
        number_symbol = issue_letter(api, lambda username: bearer(login(username)), draft_pdf(), abstract,
                                     [{"agency_code": SNV, "name": "Sở Nội vụ"}])["number_symbol"]

        def arrived() -> dict[str, Any] | None:
            return next((d for d in arrivals(api, snv_clerk, UBND, number_symbol, "arrived")
                         if d["signature_check"] in ("valid", "invalid")), None)

        return dict(wait_for(arrived, "the arrival at Sở Nội vụ with its signature checked"))


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


#: Added to every page before its own scripts: reports each Content-Security-Policy violation to the test.
CSP_LISTENER = """document.addEventListener('securitypolicyviolation', (e) => window.__vanthuCspViolation(
    `${location.pathname}: ${e.effectiveDirective} refused ${e.blockedURI || 'inline'} at ${e.sourceFile}:` +
    `${e.lineNumber} (${(e.sample || '').slice(0, 80)})`));"""


#: axe's options that leave out the rules whose violations are only minor or moderate (an axe 4 rule's impact is
#: its own, whatever its checks say): check() fails on serious and critical ones only, so it need not run the others
#: (among them "region", which walks the whole page). A JavaScript function of no arguments.
AXE_RULES = """() => Object.fromEntries(window.axe._audit.rules
    .filter(rule => !['serious', 'critical'].includes(rule.impact)).map(rule => [rule.id, {enabled: false}]))"""
#: The screens :meth:`Screens.check_once` has checked in this module, with their viewports.
CHECKED_ONCE: set[tuple[str, str]] = set()
#: How many times faster than real a test page plays its CSS animations and transitions (Chromium's animation
#: speed, DevTools' Animations panel's, for the page's every document): Ant Design's fades and zooms (0.1–0.3 s) and a
#: button's wave (2 s) end within milliseconds, so check() does not wait them out before judging colours, nor each
#: click until the dialog it aims into stops zooming. They still start and end with their events (rc-motion moves
#: on from those), only sooner; timers (a toast's 3 s) keep the real clock.
ANIMATION_RATE = 100


def play_animations_fast(page: Page) -> None:
    """Play ``page``'s animations and transitions at :data:`ANIMATION_RATE` (it lasts across navigations)."""
    page.context.new_cdp_session(page).send("Animation.setPlaybackRate", {"playbackRate": ANIMATION_RATE})


class Screens:
    """One browser context: each screen visited is checked with axe and saved; CSP violations are collected."""

    def __init__(self, browser: Browser, name: str, **context: Any) -> None:
        self.context = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", **context)
        # The bell's live stream (server-sent events) stays open, so Playwright's "networkidle" would never come:
        # here it answers at once with one keep-alive and ends (the page then polls it again after a while). The
        # stream itself is tested in services/gateway/tests/test_gateway_notifications.py, the bell in vitest.
        self.context.route("**/api/v1/notifications/stream", lambda route: route.fulfill(
            status=200, content_type="text/event-stream", body=": keep-alive\n\n"))
        # every securitypolicyviolation event of every page of the context, as it happens (across navigations):
        # the app's policy has no 'unsafe-inline' (styles by the page's nonce), so a <style> or style attribute the
        # app or a library adds without it shows here; and whatever the console says of the policy (workers too)
        self.csp_violations: list[str] = []
        self.context.expose_function("__vanthuCspViolation", lambda text: self.csp_violations.append(str(text)))
        self.context.add_init_script(CSP_LISTENER)
        self.page: Page = self.context.new_page()
        self.page.set_default_timeout(UI_TIMEOUT_MS)
        play_animations_fast(self.page)
        self.name = name
        self.count = 0
        self.closed = False
        self.page.on("console", lambda m: self.csp_violations.append(m.text)
                     if "Content Security Policy" in m.text else None)
        self.axe_source = AXE.read_text(encoding="utf-8")

    def check(self, screen: str) -> None:
        """axe-core on the page as it is: no serious or critical violation; then a full-page screenshot."""
        self.page.wait_for_load_state("networkidle")
        # Ant Design fades things in: judge colours once no animation or transition is running
        settle(self.page)
        if not self.page.evaluate("() => typeof window.axe !== 'undefined'"):
            self.page.evaluate(self.axe_source + "\n;undefined")  # through the debugger protocol: not the page's CSP
        # a toast ("Đã ghi nhận.", 3 s) is hidden while axe runs: fading in or out, its own text and what it overlaps
        # are misjudged (a constructed style sheet: not the page's CSP's concern). Hidden rather than waited out
        # (up to 3 s a screen, and a wait shorter than the UI's under load); the screenshot shows it as it was.
        result = self.page.evaluate("""async () => {
            const AXE_RULES = """ + AXE_RULES + """;
            const hide = new CSSStyleSheet();
            hide.replaceSync('.ant-message { visibility: hidden !important; }');
            document.adoptedStyleSheets = [...document.adoptedStyleSheets, hide];
            let r;
            try {
                r = await window.axe.run(document, {resultTypes: ['violations'], rules: (AXE_RULES)()});
            } finally {
                document.adoptedStyleSheets = document.adoptedStyleSheets.filter(s => s !== hide);
            }
            return r.violations.filter(v => ['serious', 'critical'].includes(v.impact))
                .map(v => ({id: v.id, impact: v.impact, help: v.help,
                            nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }""")
        self.count += 1
        self.page.screenshot(path=str(OUTPUT / f"{self.name}-{self.count:02d}-{screen}.png"), full_page=True)
        assert result == [], f"axe on {screen} ({self.page.url}): {result}"
        assert self.csp_violations == [], f"CSP violations on {screen}: {self.csp_violations}"

    def check_once(self, screen: str) -> None:
        """:meth:`check` the first time this module comes to ``screen`` at this viewport (the login page every
        sign-in passes: the same page, judged and saved once per viewport); later only its CSP violations."""
        seen = (screen, repr(self.page.viewport_size))
        if seen not in CHECKED_ONCE:
            CHECKED_ONCE.add(seen)
            self.check(screen)
        assert self.csp_violations == [], f"CSP violations on {screen}: {self.csp_violations}"

    def sign_in(self, base_url: str, username: str, then: str = "/") -> None:
        self.page.goto(base_url + then)
        expect(self.page.get_by_role("heading", name="Đăng nhập VanThu")).to_be_visible()
        self.check_once("dang-nhap")
        self.page.get_by_label("Tên đăng nhập").fill(username)
        self.page.get_by_label("Mật khẩu").fill("vanthu-dev")
        self.page.get_by_role("button", name="Đăng nhập").click()
        # signed in once the app's header names the person: until then the browser is still on the issuer's form or
        # on the app's /auth/callback?code=…, and a reload there (the file plan's leader reloads for the bell) sends
        # the one-time code again ("Không hoàn tất được việc đăng nhập")
        expect(self.page.get_by_test_id("user-name")).to_be_visible()

    def close(self) -> None:
        """Close the context (again: nothing; a scenario keeps a person's context open across others' steps)."""
        if not self.closed:
            self.closed = True
            self.context.close()


def test_the_clerk_signs_in_sees_the_arrival_registers_it_and_signs_out(
        platform: Stack, browser: Browser, arrival: dict[str, Any], draft_pdf: Callable[..., bytes],
        login: Callable[[str], str]) -> None:
    # an arrival sent to the wrong agency, to be returned (trả lại) with a reason
    with httpx.Client(base_url=platform.gateway_url, timeout=60) as api:
        misdirected = api.post("/api/v1/documents", headers=bearer(login("vanthu.snv")), json={
            "direction": "incoming", "type_code": "cong_van",
            "abstract": "V/v đề nghị hỗ trợ kinh phí (gửi nhầm nơi nhận, trả lại trên trình duyệt)",
            "sender": {"agency_code": "000.00.41.H61", "agency_name": "UBND phường Long Châu",
                       "number_symbol": "78/UBND-VP", "document_date": "2026-11-20"}})
        assert misdirected.status_code == 201, misdirected.text
        # a paper letter dated years ago that arrives (and is registered) now: the book of this year lists it by its
        # arrival day (Ngày đến), not by its own date
        late = api.post("/api/v1/documents", headers=bearer(login("vanthu.snv")), json={
            "direction": "incoming", "type_code": "cong_van", "paper": True,
            "abstract": "V/v xác nhận quá trình công tác (văn bản cũ, đến muộn)",
            "sender": {"agency_code": "000.00.41.H61", "agency_name": "UBND phường Long Châu",
                       "number_symbol": "12/UBND-VP", "document_date": "2020-05-04"}})
        assert late.status_code == 201, late.text
        registers = api.get("/api/v1/registers", params={"direction": "incoming"},
                            headers=bearer(login("vanthu.snv"))).json()
        registered = api.post(f"/api/v1/documents/{late.json()['id']}/register", headers=bearer(login("vanthu.snv")),
                              json={"register_id": next(r["id"] for r in registers if r["name"] == "Sổ văn bản đến")})
        assert registered.status_code == 200, registered.text
    screens = Screens(browser, "van-thu-desktop", viewport={"width": 1280, "height": 800})
    page = screens.page
    try:
        # a wrong password keeps the clerk on the login page, in Vietnamese
        page.goto(platform.gateway_url + "/")
        page.get_by_label("Tên đăng nhập").fill("vanthu.snv")
        page.get_by_label("Mật khẩu").fill("sai-mat-khau")
        page.get_by_role("button", name="Đăng nhập").click()
        expect(page.get_by_role("alert")).to_have_text("Tên đăng nhập hoặc mật khẩu không đúng.")
        screens.check("sai-mat-khau")
        page.get_by_label("Mật khẩu").fill("vanthu-dev")
        page.get_by_role("button", name="Đăng nhập").click()

        # the clerk lands on văn bản đến: the arrival waits, with its signature report
        expect(page).to_have_url(re.compile(r"/van-ban-den$"))
        expect(page.get_by_test_id("user-name")).to_have_text("Đặng Thị Mỹ Xuyên")
        # the sign-in's return address opened again (a reload, its one-time code spent) goes on into the app
        page.goto(platform.gateway_url + "/auth/callback?code=da-dung&state=da-dung")
        expect(page).to_have_url(re.compile(r"/van-ban-den$"))
        expect(page.get_by_test_id("user-name")).to_have_text("Đặng Thị Mỹ Xuyên")
        link = page.get_by_role("link", name=arrival["number_symbol"])
        expect(link).to_be_visible()
        verdict = {"valid": "Hợp lệ", "invalid": "Không hợp lệ"}[arrival["signature_check"]]
        row = page.get_by_role("row").filter(has=link)
        expect(row.get_by_text(verdict, exact=True)).to_be_visible()
        expect(row.get_by_role("cell", name="Ủy ban nhân dân tỉnh Vĩnh Long", exact=True)).to_be_visible()
        # the signature report names who signed: the chairman, then the agency's seal
        expect(row.get_by_text(re.compile(r"^Nguyễn Văn Hưởng — Chủ tịch"))).to_be_visible()
        screens.check("van-ban-den")

        # its page: metadata, files, history
        link.click()
        expect(page).to_have_url(re.compile(f"/van-ban/{arrival['id']}$"))
        expect(page.get_by_role("heading", level=1)).to_contain_text(arrival["abstract"])
        expect(page.get_by_role("heading", name="Tệp đính kèm")).to_be_visible()
        expect(page.get_by_role("button", name=re.compile("^Tải về"))).to_have_count(len(arrival["files"]))
        expect(page.get_by_role("heading", name="Lịch sử xử lý (luân chuyển)")).to_be_visible()
        # the main file in the page (pdf.js, its worker from our own assets: the CSP check below sees any other)
        main_file = next(f["file_name"] for f in arrival["files"] if f["role"] == "main")
        expect(page.get_by_test_id("pdf-page")).to_have_attribute(
            "aria-label", re.compile("^Trang 1/\\d+ của tệp " + main_file.replace(".", "\\.") + "$"))
        zoom = page.get_by_test_id("pdf-zoom").inner_text()
        page.get_by_role("button", name="Phóng to").click()
        expect(page.get_by_test_id("pdf-zoom")).not_to_have_text(zoom)
        screens.check("van-ban")

        # vào sổ: choose the register (and confirm a signature problem with a reason, if there is one)
        page.get_by_role("button", name="Vào sổ").click()
        dialog = page.get_by_role("dialog")
        expect(dialog.get_by_text("Vào sổ văn bản đến")).to_be_visible()
        dialog.get_by_role("radio").first.check()
        if arrival["signature_check"] != "valid":
            dialog.get_by_role("checkbox").check()
            dialog.get_by_label("Lý do vẫn vào sổ").fill("Đã đối chiếu với bản giấy")
        screens.check("vao-so")
        dialog.get_by_role("button", name="Vào sổ").click()
        expect(page.get_by_text(re.compile(r"^Đã vào sổ, số đến \d+\.$"))).to_be_visible()
        expect(page.get_by_test_id("arrival-number")).to_have_text(re.compile(r"^\d+$"))
        expect(page.get_by_role("button", name="Vào sổ")).to_have_count(0)
        screens.check("da-vao-so")

        # it is listed among the registered ones, no longer among those waiting
        page.get_by_role("link", name="Văn bản đến", exact=True).click()
        expect(page.get_by_role("link", name=arrival["number_symbol"])).to_have_count(0)
        page.get_by_role("tab", name="Đã vào sổ").click()
        expect(page.get_by_role("link", name=arrival["number_symbol"])).to_be_visible()
        screens.check("da-vao-so-danh-sach")

        # Sổ văn bản: the incoming register of this year lists the arrival just registered, with its number
        page.get_by_role("link", name="Sổ văn bản", exact=True).click()
        entries = page.get_by_role("table", name="Các văn bản trong sổ")
        expect(entries.get_by_role("link", name=arrival["number_symbol"])).to_be_visible()
        expect(entries.get_by_role("columnheader").nth(0)).to_have_text("Ngày đến")
        expect(entries.get_by_role("columnheader").nth(1)).to_have_text("Số đến")
        late_row = entries.get_by_role("row").filter(has=page.get_by_role("link", name="12/UBND-VP"))
        expect(late_row.get_by_role("cell").nth(1)).to_have_text(f"{registered.json()['number']:02d}")
        expect(late_row.get_by_role("cell").nth(3)).to_have_text("04/05/2020")
        expect(page.get_by_role("button", name="Xuất sổ ra PDF")).to_be_visible()
        screens.check("so-van-ban")
        # in sổ: the book as a PDF to print and bind
        with page.expect_download() as book:
            page.get_by_role("button", name="Xuất sổ ra PDF").click()
        assert book.value.suggested_filename.endswith(".pdf"), book.value.suggested_filename

        # tra cứu: the facets name the types and the issuing agencies (not their codes)
        with httpx.Client(base_url=platform.gateway_url, timeout=60) as api:
            clerk = bearer(login("vanthu.snv"))
            wait_for(lambda: api.get("/api/v1/search", params={"q": arrival["number_symbol"]},
                                     headers=clerk).json().get("total"), "the arrival in the search index")
        page.goto(f"{platform.gateway_url}/tra-cuu?{urlencode({'q': arrival['number_symbol']})}")
        facets = page.get_by_role("group", name="Loại văn bản")
        expect(facets).to_be_visible()
        expect(facets).not_to_contain_text("_")  # a type code (cong_van) shown raw
        expect(page.get_by_role("group", name="Cơ quan ban hành")).not_to_contain_text(".H61")
        screens.check("tra-cuu")

        # trả lại: an arrival meant for another agency goes back to its sender with the reason
        page.goto(f"{platform.gateway_url}/van-ban/{misdirected.json()['id']}")
        page.get_by_role("button", name="Trả lại").click()
        dialog = page.get_by_role("dialog")
        dialog.get_by_label("Lý do trả lại").fill("Văn bản gửi nhầm nơi nhận, đề nghị gửi Sở Tài chính")
        settle(page)
        screens.check("tra-lai")
        dialog.get_by_role("button", name="Trả lại").click()
        expect(page.get_by_text("Đã trả lại văn bản cho nơi gửi.")).to_be_visible()
        expect(page.get_by_role("button", name="Vào sổ")).to_have_count(0)

        # văn bản đến bản giấy: the scan dragged in, its metadata; it becomes an arrival waiting for vào sổ
        page.get_by_role("link", name="Văn bản đến", exact=True).click()
        page.get_by_role("button", name="Nhập văn bản giấy").click()
        expect(page.get_by_role("heading", name="Nhập văn bản đến bản giấy")).to_be_visible()
        page.get_by_label("Cơ quan, tổ chức gửi").fill("Công ty TNHH Mekong Xanh")
        # not in the directory: taken as typed only explicitly, and marked so
        page.get_by_title("Dùng tên đã nhập: “Công ty TNHH Mekong Xanh” (ngoài danh bạ)").click()
        expect(page.get_by_test_id("sender-outside")).to_contain_text("Ngoài danh bạ")
        page.get_by_label("Số, ký hiệu").fill("27/2026/CV-MX")
        # a date it cannot read stays as typed, with why (never cleared silently)
        page.get_by_label("Ngày văn bản").fill("25/13/2026")
        page.get_by_label("Số, ký hiệu").click()
        expect(page.get_by_label("Ngày văn bản")).to_have_value("25/13/2026")
        expect(page.get_by_text("Ngày không hợp lệ: nhập theo dạng dd/mm/yyyy (ví dụ 04/05/2026).")).to_be_visible()
        enter_date(page.get_by_label("Ngày văn bản"), "25/11/2026")
        choose(page.get_by_label("Loại văn bản"), "Công văn", "Công văn")
        paper_abstract = "V/v đề nghị cấp phép hoạt động (văn bản giấy)"
        page.get_by_label("Trích yếu").fill(paper_abstract)
        page.locator("input[type=file]").set_input_files(
            files=[{"name": "Bản quét.pdf", "mimeType": "application/pdf", "buffer": draft_pdf()}])
        expect(page.get_by_text("Bản quét.pdf")).to_be_visible()
        expect(page.get_by_role("progressbar")).to_have_count(0)
        screens.check("nhap-ban-giay")
        page.get_by_role("button", name="Lưu văn bản đến").click()
        expect(page).to_have_url(re.compile(r"/van-ban/[0-9a-f-]{36}$"))
        expect(page.get_by_role("heading", level=1)).to_contain_text(paper_abstract)
        expect(page.get_by_text("Văn bản giấy (bản quét)", exact=True)).to_be_visible()  # a scan: nothing to verify
        screens.check("van-ban-giay")
        # a scan carries no digital signature: vào sổ asks for no confirmation
        page.get_by_role("button", name="Vào sổ").click()
        dialog = page.get_by_role("dialog")
        dialog.get_by_role("radio").first.check()
        expect(dialog.get_by_role("checkbox")).to_have_count(0)
        dialog.get_by_role("button", name="Vào sổ").click()
        expect(page.get_by_test_id("arrival-number")).to_have_text(re.compile(r"^\d+$"))

        # sign-out ends the session: the Vietnamese signed-out page, and the app asks to sign in again
        page.get_by_role("button", name="Đăng xuất").click()
        expect(page.get_by_role("heading", name="Bạn đã đăng xuất")).to_be_visible()
        screens.check("da-dang-xuat")
        page.goto(platform.gateway_url + "/van-ban-den")
        expect(page.get_by_role("heading", name="Đăng nhập VanThu")).to_be_visible()

        # the page shown when a session ends
        page.goto(platform.gateway_url + "/phien-ket-thuc")
        expect(page.get_by_role("heading", name="Phiên làm việc đã kết thúc")).to_be_visible()
        screens.check("phien-ket-thuc")
    finally:
        screens.close()


def test_another_agencys_clerk_does_not_see_the_arrival(platform: Stack, browser: Browser,
                                                        arrival: dict[str, Any]) -> None:
    screens = Screens(browser, "van-thu-long-chau", viewport={"width": 1280, "height": 800})
    page = screens.page
    try:
        screens.sign_in(platform.gateway_url, "vanthu.longchau")
        expect(page).to_have_url(re.compile(r"/van-ban-den$"))
        expect(page.get_by_test_id("user-name")).to_have_text("Mai Thị Tường Vi")
        expect(page.get_by_role("table")).to_be_visible()
        for tab in ("Chờ vào sổ", "Đã vào sổ", "Đã trả lại"):
            page.get_by_role("tab", name=tab).click()
            expect(page.get_by_role("tabpanel", name=tab)).to_be_visible()
            page.wait_for_load_state("networkidle")
            expect(page.get_by_role("link", name=arrival["number_symbol"])).to_have_count(0)
        screens.check("van-ban-den-khac-co-quan")
        page.goto(f"{platform.gateway_url}/van-ban/{arrival['id']}")
        expect(page.get_by_text("Không tìm thấy văn bản (hoặc văn bản không thuộc cơ quan của bạn).")).to_be_visible()
        expect(page.get_by_text(arrival["abstract"])).to_have_count(0)
        screens.check("van-ban-khac-co-quan")
    finally:
        screens.close()


def test_the_clerk_works_from_a_390_by_844_phone(platform: Stack, browser: Browser, arrival: dict[str, Any]) -> None:
    screens = Screens(browser, "van-thu-dien-thoai", viewport={"width": 390, "height": 844}, is_mobile=True,
                      has_touch=True, device_scale_factor=2)
    page = screens.page
    try:
        screens.sign_in(platform.gateway_url, "vanthu.snv", then=f"/van-ban/{arrival['id']}")
        expect(page).to_have_url(re.compile(f"/van-ban/{arrival['id']}$"))  # back where the sign-in began
        expect(page.get_by_role("heading", level=1)).to_contain_text(arrival["abstract"])
        expect(page.get_by_test_id("pdf-page")).to_be_visible()  # the PDF fits the phone's width
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390  # no sideways scrolling
        screens.check("van-ban")
        page.set_viewport_size({"width": 360, "height": 740})  # the narrowest phone the layout serves
        expect(page.get_by_test_id("pdf-page")).to_be_visible()
        fits(page, 360)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 360  # the header too
        assert (page.get_by_test_id("pdf-page").bounding_box() or {"width": 999})["width"] <= 360
        page.set_viewport_size({"width": 390, "height": 844})
        page.get_by_role("button", name="Mở danh mục").click()
        page.get_by_role("dialog").get_by_role("link", name="Văn bản đến", exact=True).click()
        expect(page).to_have_url(re.compile(r"/van-ban-den$"))
        expect(page.get_by_role("tab", name="Chờ vào sổ")).to_be_visible()
        screens.check("van-ban-den")
        # her own page (the name in the header): e-mail notifications, the agency's signing profile
        page.get_by_test_id("user-name").click()
        expect(page.get_by_role("heading", name="Thông tin cá nhân")).to_be_visible()
        email = page.get_by_role("switch", name="Nhận thông báo qua thư điện tử")
        expect(email).to_be_enabled()
        before = email.is_checked()
        email.click()  # each person decides: e-mail on or off, kept by the server
        expect(email).to_be_checked(checked=not before)
        page.reload()
        expect(email).to_be_checked(checked=not before)
        email.click()
        expect(email).to_be_checked(checked=before)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        screens.check("ca-nhan")
    finally:
        screens.close()


def test_the_admin_keeps_units_directory_types_and_registers(platform: Stack, browser: Browser) -> None:
    """Sở Nội vụ's administrator: Quản trị (units and their members, the directory entries under the agency, the
    document types with the exchange catalogue), each tab checked with axe; the seal profile and Sổ văn bản are
    offered."""
    screens = Screens(browser, "quan-tri", viewport={"width": 1280, "height": 800})
    page = screens.page
    try:
        screens.sign_in(platform.gateway_url, "quantri.snv", then="/quan-tri")
        expect(page).to_have_url(re.compile(r"/quan-tri$"))
        expect(page.get_by_role("heading", name="Quản trị")).to_be_visible()
        units = page.get_by_role("table", name="Đơn vị và thành viên")
        units.get_by_role("button", name=re.compile("^Thành viên của ")).first.click()
        expect(page.get_by_role("combobox", name="Người")).to_be_visible()
        screens.check("quan-tri-don-vi")
        page.get_by_role("tab", name="Danh bạ cơ quan").click()
        expect(page.get_by_text(re.compile(r"^Sở Nội vụ.* \(000\.00\.02\.H61\)$"))).to_be_visible()
        screens.check("quan-tri-danh-ba")
        page.get_by_role("tab", name="Loại văn bản").click()
        expect(page.get_by_role("combobox", name="Hình thức gửi của Công văn")).to_be_visible()
        screens.check("quan-tri-loai-van-ban")
        # the signing profile tab is the component of each person's own page (checked on the clerk's phone) and the
        # register books the clerk's screen (checked above): the admin only finds them here
        expect(page.get_by_role("tab", name="Hồ sơ ký số")).to_be_visible()
        expect(page.get_by_role("link", name="Sổ văn bản", exact=True)).to_be_visible()
    finally:
        screens.close()


def open_in_app(page: Page, path: str) -> None:
    """Go to ``path`` as the app's own links do (the router's history), without loading the app again."""
    page.evaluate("(p) => { history.pushState({}, '', p); dispatchEvent(new PopStateEvent('popstate')); }", path)


def dialog_closed(page: Page) -> None:
    """Wait for the dialog just sent to be gone. A page shows the state the server answered at once but closes the
    dialog only once it has read its lists again (the document's processing and circuit, a file's page: the write's
    onSuccess awaits the refetches, then closes it): a check as soon as the state shows could judge the dialog still
    open, or fading out."""
    expect(page.get_by_role("dialog")).to_have_count(0)


def choose(field: Locator, typed: str, option: str | re.Pattern[str]) -> None:
    """Type ``typed`` into an Ant Design Select's search and take with Enter the option it highlights, once that is
    ``option`` (its whole text), leaving its list shut.

    Enter picks the highlighted option only: one read before the options came (a list the dialog asks for as it
    opens, as Giao trong đơn vị does a unit's members) picks nothing and leaves the list open. So Enter waits for it."""
    dropdown = field.page.locator(".ant-select-dropdown:visible")
    field.fill(typed)
    expect(dropdown.locator(".ant-select-item-option-active")).to_have_text(option)
    field.press("Enter")
    expect(dropdown).to_have_count(0)


def enter_date(field: Locator, text: str) -> None:
    """Type ``text`` (dd/mm/yyyy) into an Ant Design date picker and confirm it with Enter, leaving its calendar shut.

    rc-picker 4 opens the calendar on focus through a state that settles a frame later; an Enter read before it settled
    confirms the date, then opens the calendar again (a CI run had axe judge that calendar). So Enter waits for it."""
    calendar = field.page.locator(".ant-picker-dropdown:visible")
    field.fill(text)
    expect(calendar).to_have_count(1)
    field.press("Enter")
    expect(calendar).to_have_count(0)
    expect(field).to_have_value(text)


def count(page: Page, bucket: str) -> int:
    """The number shown on the home page's counter of one bucket (việc cần làm, sắp đến hạn, quá hạn, đã xong)."""
    value = page.get_by_test_id(f"count-{bucket}-value")
    expect(value).to_have_text(re.compile(r"^\d+$"))
    return int(value.inner_text())


def test_an_arrival_is_registered_submitted_assigned_delegated_and_completed_through_the_ui(
        platform: Stack, browser: Browser, login: Callable[[str], str]) -> None:
    """Issue 14 item 3 (processing): UBND tỉnh's clerk registers a paper arrival and submits it to the leader; the
    leader, on a 390×844 phone, assigns it (Phòng Tổng hợp chủ trì, 5 working days; Phòng Nội chính, which has no head,
    is offered disabled when typed without tones), gives a
    job (giao việc) to Phòng Tổng hợp, opens the dashboard (báo cáo thống kê) and the USB-token signing page; the
    head of Phòng Tổng hợp gives the document to an officer, who asks for 3 more working days (xin gia hạn), granted
    by the leader still on the phone, drafts the reply from the task (soạn văn bản trả lời: the arrival's sender, "V/v
    trả lời …") and completes it with that reply linked; the officer's home counts change."""
    with httpx.Client(base_url=platform.gateway_url, timeout=60) as api:
        clerk = bearer(login("vanthu.ubnd"))
        created = api.post("/api/v1/documents", headers=clerk, json={
            "direction": "incoming", "type_code": "cong_van",
            "abstract": "V/v đề nghị báo cáo kết quả cải cách hành chính quý IV (giao xử lý trên trình duyệt)",
            "sender": {"agency_code": "000.00.41.H61", "agency_name": "UBND phường Long Châu",
                       "number_symbol": "77/UBND-VP", "document_date": "2026-11-20"}})
        assert created.status_code == 201, created.text
        doc = created.json()
        people = api.get("/api/v1/people", headers=bearer(login("truongphong.ubnd"))).json()
        officer_name = next(p["name"] for p in people if p["username"] == "chuyenvien.ubnd")
    doc_path = f"/van-ban/{doc['id']}"
    leader: Screens | None = None

    # the officer's home before: their counts
    officer = Screens(browser, "chuyen-vien-xu-ly", viewport={"width": 1280, "height": 800})
    try:
        officer.sign_in(platform.gateway_url, "chuyenvien.ubnd")
        expect(officer.page.get_by_role("heading", name="Việc của tôi")).to_be_visible()
        todo_before, done_before = count(officer.page, "todo"), count(officer.page, "done")
        officer.check("viec-cua-toi-truoc")

        # the clerk: vào sổ, then trình lãnh đạo
        clerk_screens = Screens(browser, "van-thu-trinh", viewport={"width": 1280, "height": 800})
        page = clerk_screens.page
        try:
            clerk_screens.sign_in(platform.gateway_url, "vanthu.ubnd", then=doc_path)
            expect(page.get_by_role("heading", level=1)).to_contain_text(doc["abstract"])
            page.get_by_role("button", name="Vào sổ").click()
            dialog = page.get_by_role("dialog")
            expect(dialog.get_by_role("radio", name="Sổ văn bản đến")).to_be_visible()
            settle(page)
            dialog.get_by_role("radio", name="Sổ văn bản đến").check()
            expect(dialog.get_by_role("checkbox")).to_have_count(0)  # no file: no signature check to confirm
            dialog.get_by_role("button", name="Vào sổ").click()
            expect(page.get_by_test_id("arrival-number")).to_have_text(re.compile(r"^\d+$"))
            expect(page.get_by_text("Chưa trình lãnh đạo.")).to_be_visible()
            # the toast comes once the lists are read again, after the number shows: wait for it, so that the check
            # (which waits for toasts to go) does not judge the page while it fades in
            expect(page.locator(".ant-message-notice").filter(has_text="Đã vào sổ, số đến")).to_be_visible()
            clerk_screens.check("da-vao-so")
            page.get_by_role("button", name="Trình lãnh đạo").click()
            dialog = page.get_by_role("dialog")
            expect(dialog.get_by_label("Lãnh đạo nhận trình")).to_be_visible()
            dialog.get_by_label("Ý kiến đề xuất").fill("Kính trình lãnh đạo, đề xuất giao Phòng Tổng hợp chủ trì")
            clerk_screens.check("trinh-lanh-dao")
            dialog.get_by_role("button", name="Trình lãnh đạo").click()
            expect(page.get_by_test_id("case-state")).to_have_text("Đã trình lãnh đạo")
            expect(page.get_by_role("button", name="Trình lãnh đạo")).to_have_count(0)
            clerk_screens.check("da-trinh")
        finally:
            clerk_screens.close()

        # the leader, on a phone: the task is on the home page; giao xử lý
        leader = Screens(browser, "lanh-dao-dien-thoai", viewport={"width": 390, "height": 844}, is_mobile=True,
                         has_touch=True, device_scale_factor=2)
        page = leader.page
        try:
            leader.sign_in(platform.gateway_url, "lanhdao.ubnd")
            expect(page.get_by_role("heading", name="Việc của tôi")).to_be_visible()
            link = page.get_by_role("link", name=doc["abstract"])
            expect(link).to_be_visible()
            fits(page, 390)
            leader.check("viec-cua-toi")
            link.click()
            expect(page).to_have_url(re.compile(f"{doc_path}$"))
            page.get_by_role("button", name="Giao xử lý", exact=True).click()
            dialog = page.get_by_role("dialog")
            expect(dialog.get_by_test_id("deadline-gives")).to_contain_text("Hạn xử lý dự kiến")
            leader.check("giao-xu-ly")
            choose(dialog.get_by_label("Chủ trì"), "Phòng Tổng hợp", "Phòng Tổng hợp")
            dialog.get_by_label("Phối hợp").click()  # a multiple choice takes typing once opened
            page.keyboard.type("noi chinh")
            expect(page.locator(".ant-select-item-option-disabled")).to_have_text(
                "Phòng Nội chính (chưa có trưởng đơn vị)")
            page.keyboard.press("Escape")
            dialog.get_by_label("Ý kiến chỉ đạo").fill("Giao Phòng Tổng hợp chủ trì")
            dialog.get_by_role("button", name="Giao xử lý", exact=True).click()
            expect(page.get_by_test_id("case-state")).to_have_text("Đã giao xử lý")
            tree = page.get_by_test_id("processing-tasks")
            expect(tree.get_by_role("row").filter(has_text="Chủ trì")).to_contain_text("Phòng Tổng hợp")
            expect(page.get_by_role("button", name="Thu hồi giao việc")).to_be_visible()
            dialog_closed(page)
            fits(page, 390)
            leader.check("da-giao-xu-ly")

            # giao việc (a job not tied to a document), from the menu, on the phone
            page.get_by_role("button", name="Mở danh mục").click()
            page.get_by_role("link", name="Giao việc", exact=True).click()
            expect(page.get_by_role("heading", name="Giao việc", level=1)).to_be_visible()
            page.get_by_role("button", name="Giao việc", exact=True).click()
            dialog = page.get_by_role("dialog")
            expect(dialog.get_by_test_id("job-deadline-gives")).to_contain_text("Hạn xử lý dự kiến")
            dialog.get_by_label("Tên công việc").fill(JOB_TITLE)
            dialog.get_by_label("Nội dung, yêu cầu").fill("Tổng hợp số liệu của các phòng, gửi trước hạn")
            choose(dialog.get_by_label("Chủ trì"), "Phòng Tổng hợp", "Phòng Tổng hợp")
            fits(page, 390)
            leader.check("giao-viec")
            dialog.get_by_role("button", name="Giao việc", exact=True).click()
            expect(page.get_by_test_id("job-title")).to_have_text(JOB_TITLE)
            expect(page.get_by_test_id("processing-tasks").get_by_role("row").filter(has_text="Chủ trì")) \
                .to_contain_text("Phòng Tổng hợp")
            expect(page.get_by_role("button", name="Thu hồi công việc")).to_be_visible()
            fits(page, 390)
            leader.check("cong-viec-da-giao")

            # báo cáo thống kê: this month's incoming documents per unit (the one just assigned among them)
            page.goto(platform.gateway_url + "/thong-ke")
            table = page.get_by_test_id("dash-table")
            expect(table.get_by_role("row").filter(has_text="Phòng Tổng hợp")).to_be_visible()
            expect(page.get_by_test_id("chart-rate")).to_be_visible()
            fits(page, 390)
            leader.check("thong-ke")

            # ký số bằng USB token: this leader's key is held by the server, so the page sends them to the document
            page.goto(platform.gateway_url + "/ky-so")
            expect(page.get_by_text("Khóa ký số của bạn do hệ thống giữ", exact=False)).to_be_visible()
            fits(page, 390)
            leader.check("ky-so-usb-token")
        except BaseException:
            leader.close()
            raise
        # the leader's phone stays signed in: they decide the officer's request for more time below

        # the head of Phòng Tổng hợp gives the unit's task to the officer
        head = Screens(browser, "truong-phong-giao", viewport={"width": 1280, "height": 800})
        page = head.page
        try:
            # Văn bản đến shows a head their own work on arrivals (chờ xử lý, để biết, đã xử lý), not the clerk's
            head.sign_in(platform.gateway_url, "truongphong.ubnd", then="/van-ban-den")
            expect(page.get_by_role("tab", name=re.compile(r"^Chờ xử lý"))).to_be_visible()
            expect(page.get_by_role("tab", name=re.compile(r"^Chờ vào sổ"))).to_have_count(0)
            head.check("van-ban-den-truong-phong")
            # the tab filters on the server like the clerk's list: a fragment of the trích yếu typed without its
            # tones narrows it to the one arrival (the URL keeps it); a fragment nothing has leaves it empty
            tasks = page.get_by_role("tabpanel")
            page.get_by_label("Trích yếu có chứa").fill("cai cach hanh chinh quy IV (giao xu ly")
            page.get_by_role("button", name="Lọc", exact=True).click()
            expect(page).to_have_url(re.compile(r"[?&]q=cai"))
            expect(tasks.get_by_role("link")).to_have_count(1)
            expect(tasks.get_by_role("link", name=doc["abstract"])).to_be_visible()
            head.check("van-ban-den-truong-phong-loc")
            page.get_by_label("Trích yếu có chứa").fill("không có văn bản nào như thế này")
            page.get_by_role("button", name="Lọc", exact=True).click()
            expect(tasks.get_by_text("Không có văn bản đến nào khớp bộ lọc.")).to_be_visible()
            page.get_by_label("Trích yếu có chứa").fill("cải cách hành chính quý IV")
            page.get_by_role("button", name="Lọc", exact=True).click()
            page.get_by_role("link", name=doc["abstract"]).click()
            expect(page).to_have_url(re.compile(re.escape(doc_path) + "$"))
            expect(page.get_by_text("Việc của bạn: Chủ trì")).to_be_visible()
            page.get_by_role("button", name="Giao trong đơn vị").click()
            dialog = page.get_by_role("dialog")
            # the unit's members are asked for as the page shows the task: the dialog may open before they come
            choose(dialog.get_by_label("Người xử lý"), officer_name, re.compile(f"^{re.escape(officer_name)} — "))
            dialog.get_by_label("Ý kiến").fill("Đề nghị tham mưu báo cáo")
            head.check("giao-trong-don-vi")
            dialog.get_by_role("button", name="Giao trong đơn vị").click()
            expect(page.get_by_test_id("case-state")).to_have_text("Đang xử lý")
            expect(page.get_by_text("Việc của bạn: Chủ trì")).to_have_count(0)
            # the processing tree names the officer now holding the task (not the unit alone, nor an id)
            expect(page.get_by_test_id("processing-tasks").get_by_role("row").filter(has_text="Chủ trì")
                   .filter(has_text=officer_name)).to_contain_text(f"{officer_name} (Phòng Tổng hợp)")
            dialog_closed(page)
            head.check("da-giao-trong-don-vi")
        finally:
            head.close()

        # the officer: one more task to do; progress, then hoàn thành with a result
        page = officer.page
        page.goto(platform.gateway_url + "/")
        expect(page.get_by_test_id("count-todo-value")).to_have_text(str(todo_before + 1))
        page.get_by_role("link", name=doc["abstract"]).click()
        expect(page.get_by_text("Việc của bạn: Chủ trì")).to_be_visible()
        expect(page.get_by_role("button", name="Giao trong đơn vị")).to_have_count(0)  # not a head
        page.get_by_role("button", name="Cập nhật tiến độ").click()
        dialog = page.get_by_role("dialog")
        dialog.get_by_label("Tiến độ").fill("Đã tổng hợp số liệu của các phòng")
        dialog.get_by_role("button", name="Cập nhật tiến độ").click()
        expect(page.get_by_text("Đã tổng hợp số liệu của các phòng").first).to_be_visible()

        # xin gia hạn: 3 more working days with the reason; while the leader decides the officer may still finish,
        # but not ask again
        page.get_by_role("button", name="Xin gia hạn").click()
        dialog = page.get_by_role("dialog")
        dialog.get_by_label("Thêm số ngày làm việc").fill("3")
        expect(dialog.get_by_test_id("extension-gives")).to_contain_text("Hạn xử lý mới nếu được đồng ý: ")
        dialog.get_by_label("Lý do xin gia hạn").fill("Chờ số liệu của Phòng Nội chính")
        settle(page)
        officer.check("xin-gia-han")
        dialog.get_by_role("button", name="Xin gia hạn").click()
        expect(page.get_by_test_id("case-state")).to_have_text("Xin gia hạn")
        expect(page.get_by_role("button", name="Hoàn thành")).to_be_visible()
        expect(page.get_by_role("button", name="Xin gia hạn")).to_have_count(0)
        # the leader, still on the phone: đồng ý gia hạn on the document's page
        desk = leader.page
        open_in_app(desk, doc_path)
        expect(desk.get_by_test_id("case-state")).to_have_text("Xin gia hạn")
        fits(desk, 390)
        leader.check("quyet-dinh-gia-han")
        desk.get_by_role("button", name="Đồng ý gia hạn", exact=True).click()
        expect(desk.get_by_test_id("case-state")).to_have_text("Đang xử lý")
        expect(desk.get_by_role("button", name="Đồng ý gia hạn", exact=True)).to_have_count(0)
        leader.close()
        page.reload()
        # soạn văn bản trả lời from the task: a công văn answering the arrival, to its sender, "V/v trả lời …"
        page.get_by_role("button", name="Soạn văn bản trả lời").click()
        # the draft form is a lazy route that reads the arrival and its sender first
        expect(page.get_by_role("heading", name="Soạn văn bản trả lời")).to_be_visible(timeout=UI_TIMEOUT_MS)
        expect(page.get_by_test_id("reply-to")).to_contain_text("77/UBND-VP")
        expect(page.get_by_label("Trích yếu")).to_have_value(re.compile(r"^V/v trả lời văn bản số 77/UBND-VP"))
        officer.check("soan-van-ban-tra-loi")
        page.get_by_role("button", name="Lưu dự thảo").click()
        expect(page.get_by_test_id("answers")).to_contain_text(doc["abstract"])
        open_in_app(page, doc_path)
        expect(page.get_by_test_id("replies")).to_contain_text("V/v trả lời văn bản số 77/UBND-VP")
        page.get_by_role("button", name="Hoàn thành").click()
        dialog = page.get_by_role("dialog")
        # the reply just drafted is chosen to go with the result
        expect(dialog.get_by_text(re.compile(r"^Dự thảo — V/v trả lời văn bản số 77/UBND-VP"))).to_be_visible()
        dialog.get_by_label("Kết quả xử lý").fill("Đã tham mưu văn bản báo cáo")
        officer.check("hoan-thanh")
        dialog.get_by_role("button", name="Hoàn thành").click()
        expect(page.get_by_test_id("case-state")).to_have_text("Hoàn thành")
        expect(page.get_by_role("button", name="Hoàn thành")).to_have_count(0)
        # the lead's completion links the reply (the case's result and its step)
        expect(page.get_by_test_id("reply-link")).to_have_count(2)
        for step in ("Trình lãnh đạo", "Giao xử lý", "Giao trong đơn vị", "Cập nhật tiến độ", "Xin gia hạn",
                     "Đồng ý gia hạn"):
            expect(page.get_by_role("listitem").filter(has_text=step).first).to_be_visible()
        officer.check("da-hoan-thanh")
        page.get_by_role("link", name="Trang chủ").click()
        expect(page.get_by_test_id("count-done-value")).to_have_text(str(done_before + 1))
        expect(page.get_by_test_id("count-todo-value")).to_have_text(str(todo_before))
        page.get_by_test_id("count-done").click()
        expect(page.get_by_role("link", name=doc["abstract"])).to_be_visible()
        officer.check("viec-cua-toi-sau")
    finally:
        officer.close()
        if leader is not None:
            leader.close()


#: The name on the certificate of the leader's USB token (the key the server never holds).
USB_SIGNER = "Nguyễn Văn Hưởng (USB token)"


def delivery_codes(api: httpx.Client, clerk: dict[str, str], document_id: str) -> list[str]:
    """The status codes (01 đã đến … 16) every recipient of the sender's document reported, in order."""
    reply = api.get(f"/api/v1/documents/{document_id}/deliveries", headers=clerk)
    assert reply.status_code == 200, reply.text
    return [status["code"] for delivery in reply.json() for status in delivery["statuses"]]


def submitted_letter(api: httpx.Client, login: Callable[[str], str], pdf: bytes, abstract: str) -> dict[str, Any]:
    """An outgoing letter of UBND tỉnh drafted, approved and submitted for signature through the API (the UI's
    drafting, review and trình ký are the scenario's first letter): the document."""
    officer, head = bearer(login("chuyenvien.ubnd")), bearer(login("truongphong.ubnd"))
    doc = draft_with_file(api, officer, pdf, abstract, [{"agency_code": SNV, "name": "Sở Nội vụ"}],
                          unit_abbreviation="TH")
    case = api.post("/api/v1/workflow/outgoing", headers=officer, json={"document_id": doc["id"]})
    assert case.status_code in (200, 201), case.text
    path = f"/api/v1/workflow/cases/{case.json()['id']}"
    for who, step, body in ((head, "review", {"approve": True}), (officer, "submit", {"comment": "Kính trình ký"})):
        version = api.get(path, headers=who).json()["version"]
        reply = api.post(f"{path}/{step}", headers=who, json={"version": version, **body}, timeout=60)
        assert reply.is_success, f"{step}: {reply.status_code} {reply.text}"
    assert reply.json()["state"] == "submitted"
    return doc


class UsbToken:
    """The leader's USB token: a fresh key that only the test signing tool holds (vanthu_testing.signing_tool, the
    stand-in for the token's middleware), its certificate issued by the dev PKI's intermediate CA (so it is
    trusted). :meth:`plug_in` starts the tool where the gateway tells the app it is
    (``VANTHU_GATEWAY_WEB_SIGNING_TOOL_URL``, set by the platform fixture; for the gateway's origin only) and binds
    lanhdao.ubnd's signing profile to the certificate, as the operator's ``vanthu-signing profile set
    --certificate`` does (its own function, in a thread: the test goes on meanwhile; :meth:`wait_plugged` waits);
    :meth:`unplug` binds the server-held dev key back (the other scenarios sign with it) and stops the tool."""

    def __init__(self, platform: Stack, tmp: Path) -> None:
        import uvicorn
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        import vanthu_signing.cli  # noqa: F401 - loaded now, not while the test waits for the binding
        from vanthu_signing import pki
        from vanthu_testing.signing_tool import create_app

        self.platform = platform
        dev_pki = platform.var / "signing" / "dev-pki"
        ca_key = serialization.load_pem_private_key((dev_pki / pki.INTERMEDIATE_KEY).read_bytes(), None)
        assert isinstance(ca_key, rsa.RSAPrivateKey)
        intermediate = pki.Issued(x509.load_pem_x509_certificate((dev_pki / pki.INTERMEDIATE_CERT).read_bytes()),
                                  ca_key)
        token = pki.issue_personal(intermediate, cn=USB_SIGNER, title="Chủ tịch")
        self.certificate = tmp / "usb-token.crt"
        self.certificate.write_bytes(token.cert.public_bytes(serialization.Encoding.PEM))
        self.port = int(platform.config.extra_env["VANTHU_GATEWAY_WEB_SIGNING_TOOL_URL"].rsplit(":", 1)[1])
        self.server = uvicorn.Server(uvicorn.Config(create_app(token.key, platform.gateway_url), host="127.0.0.1",
                                                    port=self.port, log_level="warning", lifespan="off"))
        self.tool = threading.Thread(target=self.server.run, name="signing-tool", daemon=True)
        self.binding: threading.Thread | None = None
        self.errors: list[BaseException] = []
        self.plugged = False

    def _bind(self, *args: str) -> threading.Thread:
        """``vanthu-signing profile set --agency UBND --user lanhdao.ubnd ARGS`` against the platform's signing
        database, in a thread (its failure kept for :meth:`wait`)."""
        import asyncio

        from vanthu_signing.cli import parser, profile
        from vanthu_signing.settings import SigningSettings

        env = self.platform.env("signing")
        settings = SigningSettings(database_url=env["VANTHU_SIGNING_DATABASE_URL"],
                                   users_file=env["VANTHU_SIGNING_USERS_FILE"])
        argv = ["profile", "set", "--agency", UBND, "--user", "lanhdao.ubnd", *args]

        def run() -> None:
            try:
                assert asyncio.run(profile(parser().parse_args(argv), settings)) == 0, argv
            except BaseException as exc:  # handed to the test
                self.errors.append(exc)

        thread = threading.Thread(target=run, name="operator-binds")
        thread.start()
        return thread

    def wait(self) -> None:
        if self.binding is not None:
            join_thread(self.binding, timeout_s=120, what="the operator's profile command")
            self.binding = None
        if self.errors:
            raise self.errors[0]

    def plug_in(self) -> None:
        self.tool.start()
        self.binding = self._bind("--certificate", str(self.certificate))
        self.plugged = True

    def wait_plugged(self) -> None:
        wait_until(lambda: port_open(self.port), timeout_s=30, what="the test signing tool")
        self.wait()

    def unplug(self) -> None:
        if not self.plugged:
            return
        self.plugged = False
        self.wait()
        self.binding = self._bind("--key", "personal")
        self.server.should_exit = True
        join_thread(self.tool, timeout_s=30, what="the test signing tool")


@pytest.fixture
def usb_token(platform: Stack, tmp_path: Path) -> Iterator[UsbToken]:
    token = UsbToken(platform, tmp_path)
    try:
        yield token
    finally:
        token.unplug()
        token.wait()


def test_an_outgoing_letter_is_drafted_approved_signed_and_issued_through_the_ui(
        platform: Stack, browser: Browser, draft_pdf: Callable[..., bytes], api: httpx.Client,
        login: Callable[[str], str], usb_token: UsbToken) -> None:
    """Issue 14 item 3 (outgoing): UBND tỉnh's officer drafts a letter (soạn dự thảo: type, trích yếu, Sở Nội vụ
    found by typing in the recipient picker, the PDF dropped on the main file's area) and sends it for review; the
    head of Phòng Tổng hợp approves it (duyệt); the officer submits it for signature (trình ký); the leader, on a
    390×844 phone, signs it with the server-held key (ký số), then a second letter (drafted to trình ký through the
    API) with a USB token, a key the server does not hold: the page prepares, hands what to sign to the local
    signing tool and completes; the signed PDF's signature is that key's and verifies; a third he returns unsigned
    with what to change (trả lại, không ký). The head first returns the draft with remarks (góp ý), the officer
    sends it again. The clerk issues the first in one click (phát hành), sees the delivery to Sở Nội vụ, takes it
    back (thu hồi) with a reason; Sở Nội vụ's clerk refuses on the arrival's page with hers, which the sender's
    delivery line then shows; the clerk opens the API documentation (/docs: Swagger UI 5 lists the operations under
    its own nonce policy). axe on each new screen, no Content-Security-Policy violation; screenshots under
    test-output/web."""
    abstract = "V/v đề nghị phối hợp rà soát danh mục hồ sơ năm 2026 (văn bản đi trên trình duyệt)"
    usb_abstract = "V/v cử cán bộ tham dự tập huấn chữ ký số (ký bằng USB token trên trình duyệt)"
    usb_doc = submitted_letter(api, login, draft_pdf(), usb_abstract)
    declined_doc = submitted_letter(api, login, draft_pdf(),
                                    "V/v đề nghị cử cán bộ dự hội nghị (trả lại, không ký trên trình duyệt)")

    officer = Screens(browser, "chuyen-vien-van-ban-di", viewport={"width": 1280, "height": 800})
    page = officer.page
    try:
        officer.sign_in(platform.gateway_url, "chuyenvien.ubnd", then="/van-ban-di")
        expect(page.get_by_role("heading", name="Văn bản đi")).to_be_visible(timeout=UI_TIMEOUT_MS)
        officer.check("van-ban-di")
        page.get_by_role("button", name="Soạn dự thảo").click()
        expect(page.get_by_role("heading", name="Soạn dự thảo văn bản đi")).to_be_visible(timeout=UI_TIMEOUT_MS)
        choose(page.get_by_label("Loại văn bản"), "Công văn", "Công văn")
        page.get_by_label("Trích yếu").fill(abstract)
        page.get_by_label("Ký hiệu đơn vị soạn thảo").fill("TH")  # a letter's symbol: 15/UBND-TH
        page.get_by_label("Họ và tên người ký").fill("huong")  # the leaders first, with their chức vụ
        page.get_by_text("Nguyễn Văn Hưởng — Chủ tịch", exact=True).click()
        expect(page.get_by_label("Chức vụ người ký")).to_have_value("Chủ tịch")  # filled from the people directory
        page.get_by_label("Nơi nhận").click()  # a multiple choice takes typing once opened
        page.keyboard.type("Sở Nội vụ")  # searched on the server once the typing pauses
        page.get_by_title("Sở Nội vụ tỉnh Vĩnh Long", exact=True).click()
        page.keyboard.press("Escape")
        page.locator("input[type=file]").first.set_input_files(
            files=[{"name": "Dự thảo công văn.pdf", "mimeType": "application/pdf", "buffer": draft_pdf()}])
        expect(page.get_by_text("Dự thảo công văn.pdf")).to_be_visible(timeout=UI_TIMEOUT_MS)
        expect(page.get_by_role("progressbar")).to_have_count(0, timeout=UI_TIMEOUT_MS)  # uploaded
        officer.check("soan-du-thao")
        page.set_viewport_size({"width": 360, "height": 800})  # the form works on the narrowest phones too
        fits(page, 360)
        officer.check("soan-du-thao-360")
        page.set_viewport_size({"width": 1280, "height": 800})
        page.get_by_role("button", name="Lưu và gửi duyệt").click()
        expect(page).to_have_url(re.compile(r"/van-ban/[0-9a-f-]{36}$"), timeout=UI_TIMEOUT_MS)
        doc_path = "/" + page.url.split("/", 3)[3]
        expect(page.get_by_role("heading", level=1)).to_contain_text(abstract, timeout=UI_TIMEOUT_MS)
        expect(page.get_by_test_id("outgoing-state")).to_have_text("Chờ duyệt", timeout=UI_TIMEOUT_MS)
        officer.check("da-gui-duyet")

        # the head of the drafting unit: duyệt
        head = Screens(browser, "truong-phong-duyet", viewport={"width": 1280, "height": 800})
        try:
            head.sign_in(platform.gateway_url, "truongphong.ubnd", then=doc_path)
            expect(head.page.get_by_role("button", name="Trả lại")).to_be_visible(timeout=UI_TIMEOUT_MS)
            head.check("cho-duyet")
            # góp ý: the draft goes back to its drafter with what to change
            head.page.get_by_role("button", name="Trả lại").click()
            dialog = head.page.get_by_role("dialog")
            remark = "Đề nghị ghi rõ thời hạn gửi danh mục hồ sơ ở đoạn 2"
            dialog.get_by_label("Nội dung cần sửa").fill(remark)
            settle(head.page)
            head.check("tra-lai-du-thao")
            dialog.get_by_role("button", name="Trả lại").click()
            expect(head.page.get_by_test_id("outgoing-state")).to_have_text("Bị trả lại dự thảo")
            # the officer reads the remark, corrects the draft (through the circuit: it is returned to them) and
            # sends it again
            page.reload()
            expect(page.get_by_text(remark).first).to_be_visible()
            page.get_by_role("button", name="Sửa dự thảo").click()
            expect(page.get_by_test_id("returned-reason")).to_contain_text(remark, timeout=UI_TIMEOUT_MS)
            abstract = abstract.replace("(văn bản đi", "(đã sửa, văn bản đi")
            page.get_by_label("Trích yếu").fill(abstract)
            page.get_by_role("button", name="Lưu dự thảo").click()
            expect(page.get_by_role("heading", level=1)).to_contain_text(abstract, timeout=UI_TIMEOUT_MS)
            page.get_by_role("button", name="Gửi lại dự thảo").click()
            dialog = page.get_by_role("dialog")
            dialog.get_by_label("Nội dung đã sửa").fill("Đã ghi rõ thời hạn ở đoạn 2")
            dialog.get_by_role("button", name="Gửi lại dự thảo").click()
            expect(page.get_by_test_id("outgoing-state")).to_have_text("Chờ duyệt")
            head.page.reload()
            head.page.get_by_role("button", name="Duyệt", exact=True).click()
            dialog = head.page.get_by_role("dialog")
            dialog.get_by_label("Ý kiến", exact=True).fill("Đồng ý nội dung dự thảo")
            head.check("duyet")
            dialog.get_by_role("button", name="Duyệt", exact=True).click()
            expect(head.page.get_by_test_id("outgoing-state")).to_have_text("Đã duyệt, chờ trình ký",
                                                                            timeout=UI_TIMEOUT_MS)
            expect(head.page.get_by_role("button", name="Trả lại")).to_have_count(0, timeout=UI_TIMEOUT_MS)
        finally:
            head.close()

        # the officer: trình ký
        page.reload()
        page.get_by_role("button", name="Trình ký").click()
        dialog = page.get_by_role("dialog")
        dialog.get_by_label("Ý kiến trình ký").fill("Kính trình lãnh đạo ký ban hành")
        dialog.get_by_role("button", name="Trình ký").click()
        expect(page.get_by_test_id("outgoing-state")).to_have_text("Đã trình ký", timeout=UI_TIMEOUT_MS)
    finally:
        officer.close()

    # the leader, on a phone: ký số with the key the server holds
    leader = Screens(browser, "lanh-dao-ky-so", viewport={"width": 390, "height": 844}, is_mobile=True,
                     has_touch=True, device_scale_factor=2)
    page = leader.page
    try:
        leader.sign_in(platform.gateway_url, "lanhdao.ubnd", then=doc_path)
        expect(page.get_by_role("button", name="Ký số")).to_be_visible(timeout=UI_TIMEOUT_MS)
        fits(page, 390)
        leader.check("cho-ky")
        page.get_by_role("button", name="Ký số").click()
        dialog = page.get_by_role("dialog")
        expect(dialog).to_contain_text("chứng thư số", timeout=UI_TIMEOUT_MS)
        # before signing: the page of the main file with the signature image where it will land ([[CHU_KY]])
        expect(dialog.get_by_test_id("signature-where")).to_contain_text("trang 1/", timeout=UI_TIMEOUT_MS)
        expect(dialog.get_by_alt_text("Hình chữ ký của bạn sẽ đặt ở đây")).to_be_visible(timeout=UI_TIMEOUT_MS)
        # Ký số is enabled once the page is drawn, after the mark shows: its colour changes (a 0.2 s transition that
        # axe once caught half-way), so the check waits for it
        expect(dialog.get_by_role("button", name="Ký số")).to_be_enabled(timeout=UI_TIMEOUT_MS)
        settle(page)
        leader.check("ky-so-xem-truoc")
        dialog.get_by_role("button", name="Ký số").click()
        expect(page.get_by_test_id("outgoing-state")).to_have_text("Đã ký số, chờ phát hành", timeout=150_000)
        usb_token.plug_in()  # for the second letter: the operator binds the token's certificate meanwhile
        dialog_closed(page)
        fits(page, 390)
        leader.check("da-ky")

        # the second letter with the leader's USB token: prepare → the local signing tool → complete, in the dialog
        open_in_app(page, f"/van-ban/{usb_doc['id']}")
        expect(page.get_by_role("button", name="Ký số")).to_be_visible(timeout=UI_TIMEOUT_MS)
        usb_token.wait_plugged()
        page.get_by_role("button", name="Ký số").click()
        dialog = page.get_by_role("dialog")
        expect(dialog).to_contain_text("USB token", timeout=UI_TIMEOUT_MS)  # the key is not the server's
        expect(dialog.get_by_text("Ký trên USB token")).to_be_visible()  # the two steps' progress
        expect(dialog.get_by_alt_text("Hình chữ ký của bạn sẽ đặt ở đây")).to_be_visible(timeout=UI_TIMEOUT_MS)
        expect(dialog.get_by_role("button", name="Ký số")).to_be_enabled(timeout=UI_TIMEOUT_MS)  # as above
        settle(page)
        leader.check("ky-so-usb-token")
        dialog.get_by_role("button", name="Ký số").click()
        expect(page.get_by_test_id("outgoing-state")).to_have_text("Đã ký số, chờ phát hành", timeout=150_000)
        assert leader.csp_violations == [], leader.csp_violations  # the tool's origin is the policy's connect-src
        usb_token.unplug()  # the server-held key back, while the leader returns a third letter and the clerk issues

        # the third letter: trả lại, không ký, with what to change; it goes back to its drafter
        open_in_app(page, f"/van-ban/{declined_doc['id']}")
        page.get_by_role("button", name="Trả lại, không ký").click()
        dialog = page.get_by_role("dialog")
        decline = "Đề nghị bổ sung danh sách cán bộ dự kiến cử đi"
        dialog.get_by_label("Lý do trả lại, nội dung cần sửa").fill(decline)
        settle(page)
        fits(page, 390)
        leader.check("tra-lai-khong-ky")
        dialog.get_by_role("button", name="Trả lại, không ký").click()
        expect(page.get_by_test_id("outgoing-state")).to_have_text("Bị trả lại dự thảo")
        expect(page.get_by_text(decline).first).to_be_visible()
        expect(page.get_by_role("button", name="Ký số")).to_have_count(0)
    finally:
        leader.close()

    # the signed main file: one signature, the token's certificate (the server never held its key), valid, trusted
    clerk_headers = bearer(login("vanthu.ubnd"))
    signed = api.get(f"/api/v1/documents/{usb_doc['id']}", headers=clerk_headers).json()
    assert signed["status"] == "signed", signed["status"]
    main = next(f for f in signed["files"] if f["role"] == "main")
    verdict = api.post("/api/v1/signing/verify", headers=clerk_headers, json={"object_id": main["object_id"]},
                       timeout=60)
    assert verdict.status_code == 200, verdict.text
    signatures = verdict.json()["signatures"]
    assert [(v["signer"], v["intact"], v["valid"], v["trusted"]) for v in signatures] == [
        (USB_SIGNER, True, True, True)], signatures
    assert verdict.json()["valid"] is True

    # the clerk: phát hành, confirmed in a dialog naming the register and the recipients; the delivery to Sở Nội vụ
    clerk = Screens(browser, "van-thu-phat-hanh", viewport={"width": 1280, "height": 800})
    page = clerk.page
    try:
        clerk.sign_in(platform.gateway_url, "vanthu.ubnd", then="/van-ban-di?tab=signed")
        link = page.get_by_role("link", name=abstract)
        expect(link).to_be_visible(timeout=UI_TIMEOUT_MS)
        clerk.check("cho-phat-hanh")
        link.click()
        page.get_by_role("button", name="Phát hành", exact=True).click()
        confirm = page.get_by_role("dialog", name="Phát hành văn bản")
        expect(confirm.get_by_test_id("issue-register")).not_to_have_text("…", timeout=UI_TIMEOUT_MS)
        expect(confirm.get_by_test_id("issue-recipients")).to_contain_text("Sở Nội vụ")
        clerk.check("xac-nhan-phat-hanh")
        confirm.get_by_role("button", name="Phát hành", exact=True).click()
        issued = page.get_by_test_id("outgoing-state").get_by_text("Đã phát hành")
        outcome = page.locator(".ant-alert-error").or_(issued)
        outcome.first.wait_for(timeout=150_000)  # issuing numbers, seals and stores the letter
        assert page.locator(".ant-alert-error").count() == 0, page.locator(".ant-alert-error").all_inner_texts()
        expect(page.get_by_test_id("outgoing-state")).to_have_text("Đã phát hành", timeout=UI_TIMEOUT_MS)
        expect(page.get_by_role("heading", level=1)).to_contain_text("/UBND-TH", timeout=UI_TIMEOUT_MS)  # số, ký hiệu
        expect(page.get_by_test_id("deliveries")).to_contain_text("Sở Nội vụ", timeout=60_000)
        dialog_closed(page)
        clerk.check("da-phat-hanh")

        # thu hồi: once Sở Nội vụ has the letter (its status 01), the clerk takes it back with the reason
        doc_id = doc_path.rsplit("/", 1)[1]
        clerk_api, snv_api = bearer(login("vanthu.ubnd")), bearer(login("vanthu.snv"))
        number_symbol = api.get(f"/api/v1/documents/{doc_id}", headers=clerk_api).json()["number_symbol"]
        arrived = wait_for(lambda: arrivals(api, snv_api, UBND, number_symbol), "the letter at Sở Nội vụ")[0]
        wait_for(lambda: "01" in delivery_codes(api, clerk_api, doc_id), "status 01 from Sở Nội vụ")
        page.reload()
        page.get_by_role("button", name="Thu hồi văn bản").click()
        dialog = page.get_by_role("dialog")
        reason = "Văn bản ghi sai thời hạn gửi danh mục, sẽ ban hành văn bản thay thế"
        dialog.get_by_label("Lý do thu hồi").fill(reason)
        settle(page)
        clerk.check("thu-hoi")
        dialog.get_by_role("button", name="Thu hồi văn bản").click()
        expect(page.get_by_test_id("deliveries")).to_contain_text("Đề nghị thu hồi: chờ trả lời")
        expect(page.get_by_role("button", name="Thu hồi văn bản")).to_have_count(0)
        wait_for(lambda: api.get(f"/api/v1/documents/{arrived['id']}", headers=snv_api).json()["revocation"]
                 == "requested", "the revocation request on Sở Nội vụ's arrival")

        # Sở Nội vụ's clerk answers on the arrival's page: từ chối, with the reason the sender gets back
        recipient = Screens(browser, "van-thu-snv-thu-hoi", viewport={"width": 1280, "height": 800})
        try:
            # her home (the incoming list) has the request on her to-do, with the count, linking to the arrival
            recipient.sign_in(platform.gateway_url, "vanthu.snv", then="/")
            desk = recipient.page
            todo = desk.get_by_test_id("revocations-waiting")
            expect(todo).to_contain_text("yêu cầu thu hồi, cập nhật văn bản đến đang chờ văn thư xử lý")
            recipient.check("thu-hoi-cho-van-thu")
            todo.get_by_role("link").filter(has_text=arrived["number_symbol"]).click()
            expect(desk).to_have_url(re.compile(f"/van-ban/{arrived['id']}$"))
            notice = desk.get_by_role("alert").filter(has_text="Nơi gửi đề nghị thu hồi văn bản này.")
            expect(notice).to_contain_text(reason)
            recipient.check("de-nghi-thu-hoi")
            notice.get_by_role("button", name="Từ chối").click()
            dialog = desk.get_by_role("dialog")
            refusal = "Văn bản đã được giao xử lý, đề nghị ban hành văn bản đính chính"
            dialog.get_by_label("Lý do từ chối").fill(refusal)
            settle(desk)
            recipient.check("tu-choi-thu-hoi")
            dialog.get_by_role("button", name="Từ chối").click()
            expect(notice).to_have_count(0)
            desk.goto(platform.gateway_url + "/van-ban-den")  # answered: off her to-do
            expect(desk.get_by_role("tab", name=re.compile(r"^Chờ vào sổ"))).to_be_visible()
            expect(desk.get_by_test_id("revocations-waiting").get_by_role("link")
                   .filter(has_text=arrived["number_symbol"])).to_have_count(0)
        finally:
            recipient.close()
        wait_for(lambda: "16" in delivery_codes(api, clerk_api, doc_id), "status 16 back from Sở Nội vụ")
        page.reload()
        expect(page.get_by_test_id("deliveries")).to_contain_text("Nơi nhận từ chối thu hồi")
        expect(page.get_by_test_id("deliveries")).to_contain_text(f"Lý do nơi nhận từ chối: {refusal}")
        clerk.check("tu-choi-thu-hoi")

        # thống kê liên thông: this month's exchange of the clerk's agency, the letter and its thu hồi counted
        page.goto(platform.gateway_url + "/thong-ke-lien-thong")
        ubnd = page.get_by_test_id("exchange-table").get_by_role("row").filter(has_text=UBND)
        expect(ubnd).to_contain_text("Ủy ban nhân dân tỉnh Vĩnh Long", timeout=UI_TIMEOUT_MS)
        clerk.check("thong-ke-lien-thong")

        # the API documentation: Swagger UI 5 from the app's build, under its own nonce policy, lists the operations
        page.goto(platform.gateway_url + "/docs")
        expect(page.locator('[data-path="/api/v1/documents"]').first).to_be_visible(timeout=UI_TIMEOUT_MS)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(OUTPUT / f"{clerk.name}-tai-lieu-api.png"))
        assert clerk.csp_violations == [], clerk.csp_violations
    finally:
        clerk.close()


def test_the_file_plan_is_edited_and_approved_a_file_is_filled_closed_deposited_and_received(
        platform: Stack, browser: Browser, api: httpx.Client, login: Callable[[str], str]) -> None:
    """Hồ sơ (issue 14 item 3, records; ux.md's archivist): the clerk's draft plan of next year (drafted through the
    API: its form is vitest's) has an entry corrected on the page (sửa: thời hạn bảo quản, ghi chú); the leader
    approves it naming the decision (số, ngày); an officer, on a phone, opens a file from its entry (lập hồ sơ), adds
    an arrival assigned to them (thêm văn bản), closes the file giving the page count it lacks; the leader lets the
    unit keep it a year naming the approval (giữ lại); the officer deposits it all the same (nộp lưu); the archivist
    checks it against the plan and returns it with a reason, then accepts it once deposited again (tiếp nhận), and
    reads the file's access log. Next year's plan: test_e2e_records keeps this year's. axe on each screen."""
    today = datetime.now(UTC) + timedelta(hours=7)  # Vietnam's date by the platform's clock
    year = today.year + 1
    clerk = bearer(login("vanthu.ubnd"))
    plan = api.post("/api/v1/records/plans", headers=clerk, json={"year": year, "title": f"Danh mục hồ sơ năm {year}"})
    assert plan.status_code == 201, plan.text
    entry_title = "Hồ sơ hội nghị tổng kết công tác văn thư (trình duyệt)"
    saved = api.put(f"/api/v1/records/plans/{plan.json()['id']}", headers=clerk, json={
        "version": plan.json()["version"], "title": plan.json()["title"], "headings": [
            {"title": "Văn phòng", "abbreviation": "VP", "entries": [
                {"title": entry_title, "retention_years": 10, "creator": "Văn phòng"}]}]})
    assert saved.status_code == 200, saved.text

    # the document to file: an arrival registered, submitted and assigned to the officer (through the API)
    abstract = "V/v tổ chức hội nghị tổng kết công tác văn thư (lập hồ sơ trên trình duyệt)"
    leader_token, officer_token = bearer(login("lanhdao.ubnd")), bearer(login("chuyenvien.ubnd"))
    doc = api.post("/api/v1/documents", headers=clerk, json={
        "direction": "incoming", "type_code": "cong_van", "abstract": abstract,
        "sender": {"agency_code": "000.00.41.H61", "agency_name": "UBND phường Long Châu",
                   "number_symbol": "79/UBND-VP", "document_date": "2026-11-20"}})
    assert doc.status_code == 201, doc.text
    registers = api.get("/api/v1/registers", params={"direction": "incoming"}, headers=clerk).json()
    registered = api.post(f"/api/v1/documents/{doc.json()['id']}/register", headers=clerk, json={
        "register_id": next(r["id"] for r in registers if r["name"] == "Sổ văn bản đến")})
    assert registered.is_success, registered.text
    case = api.post("/api/v1/workflow/incoming", headers=clerk, json={"document_id": doc.json()["id"]})
    assert case.is_success, case.text
    people = {p["username"]: p for p in api.get("/api/v1/people", headers=leader_token).json()}
    assigned = api.post(f"/api/v1/workflow/cases/{case.json()['id']}/assign", headers=leader_token, json={
        "version": case.json()["version"], "lead": {"kind": "person", "id": people["chuyenvien.ubnd"]["subject"]},
        "deadline_days": 5})
    assert assigned.is_success, assigned.text
    wait_for(lambda: api.get(f"/api/v1/documents/{doc.json()['id']}", headers=officer_token).status_code == 200,
             "the arrival in the officer's audience")

    # the clerk corrects the entry while the plan is a draft
    drafter = Screens(browser, "van-thu-danh-muc-ho-so", viewport={"width": 1280, "height": 800})
    page = drafter.page
    try:
        drafter.sign_in(platform.gateway_url, "vanthu.ubnd", then=f"/ho-so?nam={year}")
        expect(page.get_by_text(f"Người lập: {people['vanthu.ubnd']['name']}")).to_be_visible()  # a name, not a login
        page.get_by_role("button", name=f"Sửa: {entry_title}").click()
        dialog = page.get_by_role("dialog")
        # thời hạn bảo quản: chosen from the usual periods, found by typing into the list's search
        dialog.get_by_label("Thời hạn bảo quản", exact=True).fill("20")
        page.locator(".ant-select-item-option").filter(has_text="20 năm").click()
        dialog.get_by_label("Ghi chú").fill("Gồm cả tài liệu hội nghị")
        # người lập hồ sơ: a person of the agency from the directory, found by typing part of the name without tones
        dialog.get_by_label("Người lập hồ sơ").fill("ngoc anh")
        page.locator(".ant-select-item-option").filter(has_text=people["chuyenvien.ubnd"]["name"]).click()
        settle(page)
        drafter.check("sua-danh-muc")
        dialog.get_by_role("button", name="Lưu").click()
        expect(page.get_by_role("row").filter(has_text=entry_title)).to_contain_text("20 năm")
        expect(page.get_by_role("row").filter(has_text=entry_title)).to_contain_text(
            people["chuyenvien.ubnd"]["name"])
        # trình duyệt: the leaders are notified; the plan waits unchanged
        page.get_by_role("button", name="Trình duyệt", exact=True).click()
        page.get_by_role("dialog").get_by_role("button", name="Trình duyệt", exact=True).click()
        expect(page.get_by_test_id("plan-state")).to_have_text("Chờ duyệt")
        expect(page.get_by_role("button", name="Thêm đề mục")).to_have_count(0)
        dialog_closed(page)
        drafter.check("danh-muc-cho-duyet")
    finally:
        drafter.close()

    leader = Screens(browser, "lanh-dao-danh-muc-ho-so", viewport={"width": 1280, "height": 800})
    page = leader.page
    try:
        # the leader finds the submitted plan from the bell's notification
        leader.sign_in(platform.gateway_url, "lanhdao.ubnd", then="/")
        told = f"Danh mục hồ sơ năm {year} chờ duyệt"
        wait_for(lambda: any(n["title"] == told for n in api.get(
            "/api/v1/notifications", headers=leader_token).json()["notifications"]), "the leader told of the plan")
        page.reload()
        page.get_by_test_id("notification-bell").click()
        page.get_by_role("button", name=told).first.click()
        expect(page).to_have_url(re.compile(rf"/ho-so\?nam={year}$"))
        expect(page.get_by_role("cell", name=entry_title)).to_be_visible()
        expect(page.get_by_test_id("plan-state")).to_have_text("Chờ duyệt")
        leader.check("danh-muc-du-thao")
        page.get_by_role("button", name="Phê duyệt danh mục").click()
        dialog = page.get_by_role("dialog")
        settle(page)
        dialog.get_by_label("Số, ký hiệu quyết định ban hành danh mục (vd. 15/QĐ-UBND)").fill("25/QĐ-UBND")
        enter_date(dialog.get_by_label("Ngày quyết định (dd/mm/yyyy)"), today.strftime("%d/%m/%Y"))
        leader.check("phe-duyet-danh-muc")
        dialog.get_by_role("button", name="Phê duyệt danh mục").click()
        expect(page.get_by_test_id("plan-state")).to_have_text("Đã phê duyệt")
        expect(page.get_by_test_id("plan-decision")).to_have_text(
            f"Quyết định ban hành: số 25/QĐ-UBND ngày {today.strftime('%d/%m/%Y')}")
        expect(page.get_by_text(f"Phê duyệt: {people['lanhdao.ubnd']['name']}, ")).to_be_visible()
        dialog_closed(page)
        leader.check("danh-muc-da-duyet")
    except BaseException:
        leader.close()
        raise
    # the leader stays signed in: they let the unit keep the file once it is closed (giữ lại)

    officer = Screens(browser, "chuyen-vien-lap-ho-so", viewport={"width": 390, "height": 844}, is_mobile=True,
                      has_touch=True, device_scale_factor=2)
    page = officer.page
    try:
        officer.sign_in(platform.gateway_url, "chuyenvien.ubnd", then=f"/ho-so?nam={year}")
        page.get_by_role("button", name=f"Lập hồ sơ: {entry_title}").click()
        expect(page).to_have_url(re.compile(r"/ho-so/[^/?]+$"))
        file_path = "/" + page.url.split("/", 3)[3]
        expect(page.get_by_role("heading", level=1)).to_contain_text(entry_title)
        expect(page.get_by_test_id("file-state")).to_have_text("Đang lập")
        fits(page, 390)
        officer.check("ho-so-moi")
        # thêm văn bản: found by words of its abstract among those the officer may open
        page.get_by_role("button", name="Thêm văn bản").click()
        dialog = page.get_by_role("dialog")
        dialog.get_by_role("combobox").click()
        page.keyboard.type("tổng kết công tác văn thư")
        page.get_by_title(f"79/UBND-VP — {abstract}").click()
        dialog.get_by_text("Thêm văn bản vào hồ sơ").click()  # the list closes (Escape would close the dialog)
        settle(page)
        officer.check("them-van-ban")
        dialog.get_by_role("button", name="Thêm văn bản").click()
        expect(page.get_by_role("table", name="Văn bản trong hồ sơ")).to_contain_text(abstract)
        # đóng hồ sơ: the arrival has no file, so its page count is asked
        page.get_by_role("button", name="Đóng hồ sơ").click()
        dialog = page.get_by_role("dialog")
        dialog.get_by_label(f"Số trang: {abstract}").fill("2")
        settle(page)
        officer.check("dong-ho-so")
        dialog.get_by_role("button", name="Đóng hồ sơ").click()
        expect(page.get_by_test_id("file-state")).to_have_text("Đã đóng")

        # giữ lại: the leader lets the unit keep the closed file one more year, naming the approval
        desk = leader.page
        open_in_app(desk, file_path)
        desk.get_by_role("button", name="Giữ lại").click()
        dialog = desk.get_by_role("dialog")
        approval = f"Công văn số 31/UBND-VP ngày {today.strftime('%d/%m/%Y')}"
        dialog.get_by_label("Văn bản đồng ý (số, ký hiệu, ngày)").fill(approval)
        dialog.get_by_role("radio", name="1 năm").check()
        settle(desk)
        leader.check("giu-lai")
        dialog.get_by_role("button", name="Giữ lại").click()
        expect(desk.get_by_test_id("file-state")).to_have_text("Đơn vị giữ lại")
        expect(desk.get_by_role("cell", name=approval, exact=True)).to_be_visible()  # the file's metadata
        dialog_closed(desk)
        leader.check("da-giu-lai")
        leader.close()

        # nộp lưu (a retained file may still be deposited early)
        page.reload()
        expect(page.get_by_test_id("file-state")).to_have_text("Đơn vị giữ lại")
        settle(page)
        page.get_by_role("button", name="Nộp lưu").click()
        page.get_by_role("dialog").get_by_role("button", name="Nộp lưu").click()
        expect(page.get_by_test_id("file-state")).to_have_text("Chờ tiếp nhận")
        dialog_closed(page)
        fits(page, 390)
        officer.check("da-nop-luu")

        # the archivist: the deposit waits; checked against the plan; returned with a reason
        archivist = Screens(browser, "luu-tru-tiep-nhan", viewport={"width": 1280, "height": 800})
        desk = archivist.page
        try:
            archivist.sign_in(platform.gateway_url, "luutru.ubnd", then="/ho-so?tab=deposits")
            waiting = desk.get_by_role("table", name="Hồ sơ chờ tiếp nhận").get_by_role("row").filter(
                has_text=entry_title)
            expect(waiting).to_be_visible()
            archivist.check("ho-so-cho-tiep-nhan")
            waiting.get_by_role("link").click()
            check = desk.get_by_role("table", name="Đối chiếu với danh mục hồ sơ")
            expect(check.get_by_role("row").filter(has_text="Thời hạn bảo quản")).to_contain_text("Khớp")
            archivist.check("doi-chieu-danh-muc")
            desk.get_by_role("button", name="Trả lại").click()
            dialog = desk.get_by_role("dialog")
            dialog.get_by_label("Lý do trả lại").fill("Thiếu biên bản hội nghị")
            dialog.get_by_role("button", name="Trả lại").click()
            expect(desk.get_by_test_id("file-state")).to_have_text("Bị trả lại")

            # the officer sees the reason and deposits again
            page.reload()
            expect(page.get_by_text("Thiếu biên bản hội nghị").first).to_be_visible()
            page.get_by_role("button", name="Nộp lưu").click()
            page.get_by_role("dialog").get_by_role("button", name="Nộp lưu").click()
            expect(page.get_by_test_id("file-state")).to_have_text("Chờ tiếp nhận")

            # tiếp nhận: the files locked, the file deposited; its reading is logged
            desk.goto(platform.gateway_url + file_path)
            desk.get_by_role("button", name="Tiếp nhận").click()
            settle(desk)
            desk.get_by_role("dialog").get_by_role("button", name="Tiếp nhận").click()
            expect(desk.get_by_test_id("file-state")).to_have_text("Đã nộp lưu", timeout=150_000)
            log = desk.get_by_role("table", name="Nhật ký khai thác hồ sơ")

            def read_logged() -> bool:  # the page reads the log once: open it again until the reading shows
                # the page asks for the log once the file has loaded: wait for that answer, not for "networkidle",
                # which a loaded machine reaches between the two requests (the table still empty: 60 s of misses)
                with desk.expect_response(lambda r: urlparse(r.url).path.endswith("/access-log")) as answer:
                    desk.reload()
                if not any(entry["action"] == "read" for entry in answer.value.json()["entries"]):
                    return False
                expect(log).to_contain_text("Xem")  # the table shows the reading its answer has
                return True

            wait_until(read_logged, timeout_s=60, what="the archivist's reading in the file's access log",
                       last_seen=log.inner_text)
            archivist.check("da-tiep-nhan")
        finally:
            archivist.close()
    finally:
        officer.close()
        leader.close()


def test_a_draft_in_review_is_cancelled_by_the_leader_and_the_reviewing_head_is_told(
        platform: Stack, browser: Browser, draft_pdf: Callable[..., bytes], api: httpx.Client,
        login: Callable[[str], str]) -> None:
    """Issue 14 review (Hủy văn bản): an officer's draft waits for the head's review (drafted and sent through the
    API); the leader cancels it on its page with a reason (Hủy văn bản): the page says it is cancelled, the reason is
    in the history, the circuit stops. The head, whose review task was withdrawn with it, finds it under "Đã xong"
    marked "Đã thu hồi" — "Văn bản đã bị hủy"; its link opens the document saying who cancelled it, when and why,
    not "Không tìm thấy văn bản". axe on each new screen; screenshots under test-output/web."""
    abstract = "V/v dự thảo bị lãnh đạo hủy khi đang chờ duyệt (trên trình duyệt)"
    reason = "Không ban hành nữa: nội dung đã có trong văn bản khác của UBND tỉnh"
    officer_api, leader_api = bearer(login("chuyenvien.ubnd")), bearer(login("lanhdao.ubnd"))
    doc = draft_with_file(api, officer_api, draft_pdf(), abstract, [{"agency_code": SNV, "name": "Sở Nội vụ"}],
                          unit_abbreviation="TH")
    started = api.post("/api/v1/workflow/outgoing", headers=officer_api, json={"document_id": doc["id"]})
    assert started.status_code in (200, 201), started.text
    case_path = f"/api/v1/workflow/cases/{started.json()['id']}"
    doc_path = f"/van-ban/{doc['id']}"
    leader_name = next(p["name"] for p in api.get("/api/v1/people", headers=leader_api).json()
                       if p["username"] == "lanhdao.ubnd")

    leader = Screens(browser, "lanh-dao-huy-van-ban", viewport={"width": 1280, "height": 800})
    page = leader.page
    try:
        leader.sign_in(platform.gateway_url, "lanhdao.ubnd", then=doc_path)
        expect(page.get_by_test_id("outgoing-state")).to_have_text("Chờ duyệt", timeout=UI_TIMEOUT_MS)
        page.get_by_role("button", name="Hủy văn bản").click()
        dialog = page.get_by_role("dialog")
        dialog.get_by_label("Lý do hủy").fill(reason)
        settle(page)
        leader.check("huy-van-ban")
        dialog.get_by_role("button", name="Hủy văn bản").click()
        notice = page.get_by_test_id("cancelled-notice")
        expect(notice).to_contain_text("Văn bản đã bị hủy")
        expect(notice).to_contain_text(f"Lý do: {reason}")
        expect(page.get_by_role("button", name="Hủy văn bản")).to_have_count(0)
        # the workflow takes the registry's event from NATS and stops the circuit; the registry takes its step back
        # (the history line, and who still sees the document: the withdrawn review's unit)
        wait_for(lambda: api.get(case_path, headers=leader_api).json()["state"] == "withdrawn",
                 "the circuit withdrawn on the cancellation")
        wait_for(lambda: any(h["action"] == "workflow" and h["changes"].get("step") == "withdraw" for h in api.get(
            f"/api/v1/documents/{doc['id']}/history", headers=leader_api).json()), "the withdraw step recorded")
        page.reload()
        expect(page.get_by_test_id("outgoing-state")).to_have_text("Đã hủy văn bản, dừng quy trình")
        expect(page.get_by_role("listitem").filter(has_text="Hủy —").filter(has_text=f"Lý do: {reason}")
               ).to_be_visible()
        expect(page.get_by_role("listitem").filter(has_text="Dừng xử lý (văn bản bị thu hồi hoặc bị hủy)")
               ).to_contain_text(reason)
        leader.check("da-huy")
    finally:
        leader.close()

    # the head: the withdrawn review among the finished tasks, its link opens the cancelled document
    head = Screens(browser, "truong-phong-van-ban-bi-huy", viewport={"width": 1280, "height": 800})
    page = head.page
    try:
        head.sign_in(platform.gateway_url, "truongphong.ubnd")
        expect(page.get_by_role("heading", name="Việc của tôi")).to_be_visible()
        page.get_by_test_id("count-done").click()
        item = page.get_by_role("listitem").filter(has=page.get_by_role("link", name=abstract))
        expect(item).to_contain_text("Đã thu hồi")
        expect(item).to_contain_text("Văn bản đã bị hủy")
        head.check("viec-da-thu-hoi")
        item.get_by_role("link", name=abstract).click()
        expect(page).to_have_url(re.compile(f"{doc_path}$"))
        notice = page.get_by_test_id("cancelled-notice")
        expect(notice).to_contain_text("Văn bản đã bị hủy")
        expect(notice).to_contain_text(f"Người hủy: {leader_name}")
        expect(notice).to_contain_text(f"Lý do: {reason}")
        expect(page.get_by_text("Không tìm thấy văn bản")).to_have_count(0)
        expect(page.get_by_role("button", name="Duyệt", exact=True)).to_have_count(0)
        head.check("van-ban-da-huy")
    finally:
        head.close()


def test_a_leader_delegates_the_deputy_gives_work_in_their_name_and_the_leader_revokes(
        platform: Stack, browser: Browser, api: httpx.Client, login: Callable[[str], str]) -> None:
    """Ủy quyền (issue 14; Decree 30/2020 Art. 13): UBND tỉnh's leader, on their own page (Thông tin cá nhân → Ủy
    quyền), delegates their tasks to the head of Phòng Tổng hợp (TUQ., from today for three days; the deputy found by
    typing the name, their position filled from their title). The deputy's home says so; they give the archivist of
    Văn phòng a job (typed without tones; giao việc beyond their own unit, so in the leader's name) and its step says
    "TUQ. thay <leader>, ủy quyền".
    The leader revokes the delegation (Thu hồi ủy quyền, confirmed): it shows "Đã thu hồi" and the deputy's notice is
    gone. axe on each new screen; screenshots under test-output/web."""
    title = "Tổng hợp ý kiến về dự thảo quy chế công tác văn thư (giao việc theo ủy quyền trên trình duyệt)"
    leader_api = bearer(login("lanhdao.ubnd"))
    people = api.get("/api/v1/people", headers=leader_api).json()
    leader = next(p for p in people if p["username"] == "lanhdao.ubnd")
    deputy = next(p for p in people if p["username"] == "truongphong.ubnd")
    archivist = next(p for p in people if p["username"] == "luutru.ubnd")
    today = (datetime.now(UTC) + timedelta(hours=7)).date()  # the Vietnam date the browser's page uses
    first, last = today.strftime("%d/%m/%Y"), (today + timedelta(days=3)).strftime("%d/%m/%Y")

    boss = Screens(browser, "lanh-dao-uy-quyen", viewport={"width": 1280, "height": 800})
    page = boss.page
    try:
        boss.sign_in(platform.gateway_url, "lanhdao.ubnd", then="/ca-nhan")
        section = page.locator(".ant-card").filter(has=page.get_by_role("heading", name="Ủy quyền", exact=True))
        expect(section).to_be_visible()
        section.get_by_role("button", name="Ủy quyền mới").click()
        dialog = page.get_by_role("dialog")
        expect(dialog.get_by_test_id("delegation-scope")).to_have_text("Việc được ủy quyền: Việc của tôi (lãnh đạo)")
        # typed: "Phúc" (the name's last word)
        choose(dialog.get_by_role("combobox", name="Người được ủy quyền"), deputy["name"].split()[-1],
               f"{deputy['name']} — {deputy['title']}")
        expect(dialog.get_by_label("Chức vụ của người được ủy quyền")).to_have_value(deputy["title"])
        expect(dialog.get_by_label("Hiệu lực từ ngày")).to_have_value(first)
        enter_date(dialog.get_by_label("Hiệu lực đến ngày"), last)
        expect(dialog.get_by_test_id("delegation-max")).to_contain_text("tối đa một năm")
        expect(dialog.get_by_label("KT. (ký thay)")).to_have_count(0)  # Decree 30/2020 Art. 13: deputies only
        dialog.get_by_label("TUQ. (thừa ủy quyền)").check()
        expect(dialog.get_by_text("không được ủy quyền lại")).to_be_visible()
        dialog.get_by_label("Lý do").fill("Đi công tác Hà Nội")
        settle(page)
        boss.check("uy-quyen-moi")
        dialog.get_by_role("button", name="Ủy quyền", exact=True).click()
        expect(page.get_by_role("dialog")).to_have_count(0)
        given = section.get_by_test_id("delegation").filter(has_text=deputy["name"]).first
        expect(given.get_by_test_id("delegation-state")).to_have_text("Đang hiệu lực")
        expect(given.get_by_test_id("delegation-period")).to_have_text(f"Thời hạn: {first} – {last}")
        boss.check("uy-quyen")
    except BaseException:
        boss.close()
        raise

    try:
        # the deputy: the notice on the home page; giao việc beyond their unit, in the leader's name
        head = Screens(browser, "truong-phong-duoc-uy-quyen", viewport={"width": 1280, "height": 800})
        page = head.page
        try:
            head.sign_in(platform.gateway_url, "truongphong.ubnd")
            notice = page.get_by_test_id("delegation-notice")
            expect(notice).to_contain_text(f"Bạn đang được {leader['name']} ủy quyền (TUQ.) từ {first} đến {last}")
            head.check("trang-chu-uy-quyen")
            page.get_by_role("link", name="Giao việc", exact=True).click()
            expect(page.get_by_role("heading", name="Giao việc", level=1)).to_be_visible()
            page.get_by_role("button", name="Giao việc", exact=True).click()
            dialog = page.get_by_role("dialog")
            dialog.get_by_label("Tên công việc").fill(title)
            dialog.get_by_label("Nội dung, yêu cầu").fill("Tổng hợp ý kiến các phòng, báo cáo lãnh đạo")
            choose(dialog.get_by_label("Chủ trì"), "vo minh duong", f"{archivist['name']} — {archivist['title']}")
            dialog.get_by_role("button", name="Giao việc", exact=True).click()
            expect(page.get_by_test_id("job-title")).to_have_text(title)
            expect(page.get_by_test_id("step-delegation")).to_have_text(f"(TUQ. thay {leader['name']}, ủy quyền)")
            head.check("giao-viec-uy-quyen")

            # the leader ends it: confirmed, it shows "Đã thu hồi"; the deputy's notice is gone
            boss.page.reload()
            given = boss.page.get_by_test_id("delegation").filter(has_text=deputy["name"]).first
            given.get_by_role("button", name="Thu hồi ủy quyền").click()
            confirm = boss.page.locator(".ant-popconfirm").filter(has_text="Thu hồi ủy quyền này?")
            expect(confirm).to_contain_text(f"{deputy['name']} thôi xử lý việc được ủy quyền")
            confirm.get_by_role("button", name="Thu hồi", exact=True).click()
            # the revocation's write and the list's refetch: a server round trip, given the file's UI timeout as the
            # other writes are (a clean-clone run once saw "Đang hiệu lực" still at the default 5 s)
            expect(given.get_by_test_id("delegation-state")).to_have_text("Đã thu hồi", timeout=UI_TIMEOUT_MS)
            expect(given.get_by_role("button", name="Thu hồi ủy quyền")).to_have_count(0)
            boss.check("da-thu-hoi-uy-quyen")
            page.goto(platform.gateway_url + "/")
            expect(page.get_by_role("heading", name="Việc của tôi")).to_be_visible()
            expect(page.get_by_test_id("delegation-notice")).to_have_count(0)
        finally:
            head.close()
    finally:
        boss.close()
        # whatever happened above, the leader's tasks stop reaching the head (other scenarios count them)
        for d in api.get("/api/v1/workflow/delegations", params={"active_only": True}, headers=leader_api).json():
            if d["deputy"] == deputy["subject"]:
                api.post(f"/api/v1/workflow/delegations/{d['id']}/revoke", headers=leader_api)


def test_a_test_page_plays_animations_fast_after_each_navigation(platform: Stack, browser: Browser) -> None:
    """A two-minute animation on a Screens page ends well within the UI's wait (in some 1.2 s at ANIMATION_RATE; a
    wait, not a speed assertion: at the real rate it would not end in 30 s), on the page as loaded and again after
    it loaded another document."""
    screens = Screens(browser, "hoat-anh", viewport={"width": 1280, "height": 800})
    try:
        for path in ("/", "/van-ban-den"):
            screens.page.goto(platform.gateway_url + path)
            expect(screens.page.get_by_role("heading", name="Đăng nhập VanThu")).to_be_visible()
            ended = screens.page.evaluate("""([duration, wait]) => new Promise(resolve => {
                const box = document.body.appendChild(document.createElement('div'));
                box.animate([{opacity: 0}, {opacity: 1}], {duration}).finished.then(() => resolve('ended'));
                setTimeout(() => resolve('still running'), wait);
            })""", [120_000, UI_TIMEOUT_MS])
            assert ended == "ended", path
    finally:
        screens.close()


def test_axe_runs_each_rule_that_can_fail_a_check_and_no_other(platform: Stack, browser: Browser) -> None:
    """check() runs axe with AXE_RULES: every rule of axe's default set whose violations are serious or critical (the
    only ones that fail it), and none of those whose violations are only minor or moderate."""
    screens = Screens(browser, "axe", viewport={"width": 1280, "height": 800})
    try:
        screens.page.goto(platform.gateway_url + "/")
        expect(screens.page.get_by_role("heading", name="Đăng nhập VanThu")).to_be_visible()
        screens.page.evaluate(screens.axe_source + "\n;undefined")
        ran, default, impact = screens.page.evaluate("""async () => {
            const ids = r => [...r.violations, ...r.passes, ...r.incomplete, ...r.inapplicable].map(x => x.id).sort();
            return [ids(await window.axe.run(document, {rules: (""" + AXE_RULES + """)()})),
                    ids(await window.axe.run(document)),
                    Object.fromEntries(window.axe._audit.rules.map(x => [x.id, x.impact]))];
        }""")
        assert {"color-contrast", "button-name", "label", "region", "heading-order"} <= set(default)
        assert ran == [rule for rule in default if impact[rule] in ("serious", "critical")]
        assert "color-contrast" in ran and "region" not in ran
    finally:
        screens.close()


def test_the_gesture_table_names_what_each_test_does() -> None:
    """Each row of the gestures table above names a browser test of this file (its key) whose code contains the
    row's «words»: a step renamed or removed fails here, not silently in a comment."""
    source = Path(__file__).read_text(encoding="utf-8")
    functions = {node.name: ast.get_source_segment(source, node) or "" for node in ast.parse(source).body
                 if isinstance(node, ast.FunctionDef)}
    keys = dict(re.findall(r"^#   ([A-Z]) = (\w+)$", source, re.M))
    table = source[source.index("# role         gesture"):source.index("# -- end of the gestures table")]
    rows = re.findall(r"^#(.*) ([A-Z]) «(.+)»$", table, re.M)
    assert len(rows) == len(table.strip().splitlines()) - 1, "a row without its test key and «words»"
    missing = [f"{key} «{words}» ({what.strip()})" for what, key, words in rows
               if key not in keys or words not in functions.get(keys[key], "")]
    assert not missing, "rows whose test does not say it:\n" + "\n".join(missing)
