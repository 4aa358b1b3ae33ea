"""The recipient picker (Nơi nhận) on a directory of a few thousand agencies, in the browser through the gateway
(issue 14): an officer types a name without tones, the first match is the agency meant, and Enter puts it in Nơi
nhận. The directory goes in as the operator's does (``import_directory``, the bulk path of ``import-agencies``) into
the shared platform's registry database; its agencies sit in three provinces of their own (codes ``…K01``–``K03``),
so the seed's Vĩnh Long and the other scenarios' searches are untouched. The national size (111,000) and the timings
belong to ``bench/web_picker.py``; this test asserts no time.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from vanthu_devstack import Stack
from vanthu_devstack.stack import WEB_DIST
from vanthu_registry.importer import import_directory

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
OUTPUT = Path(os.environ.get("VANTHU_TEST_OUTPUT", ROOT / "test-output")) / "web"
#: A wait for what the server already has, not a speed assertion.
UI_TIMEOUT_MS = 30_000
PROVINCES = [("K01", "Lâm Đồng"), ("K02", "Gia Lai"), ("K03", "Đắk Lắk")]
FIELDS = ["Nội vụ", "Tài chính", "Tư pháp", "Xây dựng", "Công Thương", "Y tế", "Giáo dục và Đào tạo",
          "Nông nghiệp và Môi trường", "Khoa học và Công nghệ", "Văn hóa, Thể thao và Du lịch"]
UNITS = ["Văn phòng", "Thanh tra", "Phòng Tổ chức cán bộ", "Phòng Kế hoạch - Tài chính", "Chi cục Thủy lợi",
         "Trung tâm Dịch vụ việc làm", "Ban quản lý dự án"]
COMMUNES = ["Ea Kar", "Buôn Trấp", "Krông Pắc", "Ea Súp", "Cư M'gar", "Hòa Phú", "Đức Trọng", "Chư Sê"]
SCHOOLS = ["Trường Tiểu học", "Trường Mầm non", "Trạm Y tế"]
TARGET = "Sở Nông nghiệp và Môi trường tỉnh Đắk Lắk"
TYPED = "so nong nghiep moi truong dak lak"

if not (Path(CHROMIUM).exists() and (WEB_DIST / "index.html").exists()):
    pytest.skip("the browser tests need chromium (make system-deps) and the built web app (make web-build)",
                allow_module_level=True)

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402


def synthetic_directory() -> list[dict[str, Any]]:
    """About 2,600 agencies: per province its UBND, ten sở and 89 xã (level 2), seven units under each sở (level 3),
    and eight schools and health stations under each xã (level 4); classic codes, names with tones."""
    rows: list[dict[str, Any]] = []
    for suffix, place in PROVINCES:
        root = f"000.00.00.{suffix}"
        rows.append({"code": root, "name": f"Ủy ban nhân dân tỉnh {place}", "place": place})
        for aa, field in enumerate(FIELDS, start=1):
            department = f"000.00.{aa:02d}.{suffix}"
            rows.append({"code": department, "name": f"Sở {field} tỉnh {place}", "parent_code": root})
            rows += [{"code": f"000.{bb:02d}.{aa:02d}.{suffix}", "name": f"{unit} - Sở {field} tỉnh {place}",
                      "parent_code": department} for bb, unit in enumerate(UNITS, start=1)]
        for aa in range(len(FIELDS) + 1, 100):
            commune = f"000.00.{aa:02d}.{suffix}"
            name = f"xã {COMMUNES[aa % len(COMMUNES)]} {aa}"
            rows.append({"code": commune, "name": f"Ủy ban nhân dân {name}, tỉnh {place}", "parent_code": root})
            rows += [{"code": f"{ccc:03d}.00.{aa:02d}.{suffix}",
                      "name": f"{SCHOOLS[ccc % len(SCHOOLS)]} số {ccc} {name}, tỉnh {place}", "parent_code": commune}
                     for ccc in range(1, 9)]
    return rows


@pytest.fixture(scope="module")
def directory(platform: Stack) -> list[dict[str, Any]]:
    rows = synthetic_directory()
    asyncio.run(import_directory(platform.env("registry")["VANTHU_REGISTRY_DATABASE_URL"], rows, source="e2e"))
    return rows


@pytest.fixture(scope="module")
def page(platform: Stack) -> Iterator[Page]:
    # an expectation waits as long as an action: what the server already has may take a while to show when the
    # machine is loaded (the 5 s default failed CI once); a wait, not a speed assertion
    expect.set_options(timeout=UI_TIMEOUT_MS)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
        # the bell's live stream never idles: answered at once here (the stream has tests of its own)
        context.route("**/api/v1/notifications/stream", lambda route: route.fulfill(
            status=200, content_type="text/event-stream", body=": keep-alive\n\n"))
        opened = context.new_page()
        opened.set_default_timeout(UI_TIMEOUT_MS)
        yield opened
        browser.close()


def test_the_picker_finds_an_agency_typed_without_tones_and_it_lands_in_noi_nhan(
        platform: Stack, directory: list[dict[str, Any]], page: Page) -> None:
    assert len(directory) > 2000 and sum(r["name"] == TARGET for r in directory) == 1
    page.goto(platform.gateway_url + "/van-ban-di")
    page.get_by_label("Tên đăng nhập").fill("chuyenvien.ubnd")
    page.get_by_label("Mật khẩu").fill("vanthu-dev")
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("button", name="Soạn dự thảo").click()
    expect(page.get_by_role("heading", name="Soạn dự thảo văn bản đi")).to_be_visible()
    page.get_by_label("Nơi nhận").click()
    expect(page.locator(".recipient-picker-popup [role=treeitem]").first).to_be_visible()
    page.keyboard.type(TYPED, delay=30)
    first = page.locator(".recipient-picker-popup .recipient-picker-first")
    expect(first).to_have_text(TARGET)  # the name that starts with the words comes first
    page.screenshot(path=str(OUTPUT / "picker-01-tim-khong-dau.png"), full_page=True)
    page.keyboard.press("Enter")
    chosen = page.locator(".ant-select-selection-item", has_text=TARGET)
    expect(chosen).to_be_visible()
    expect(page.get_by_label("Nơi nhận")).to_have_value("")  # the search is cleared for the next name
    page.screenshot(path=str(OUTPUT / "picker-02-noi-nhan.png"), full_page=True)
