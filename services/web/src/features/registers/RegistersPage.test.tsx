import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { vi } from "vitest";
import dayjs from "dayjs";
import type { Register } from "../../api/client";
import type { Person } from "../../auth/claims";
import { arrival } from "../../test/fixtures";
import { CLERK, fakeGateway, findClickable, renderWith } from "../../test/render";
import { fileNameOf, RegistersPage } from "./RegistersPage";

const TODAY = dayjs("2026-11-30");
const LEADER: Person = { ...CLERK, username: "lanhdao.snv", name: "Trần Văn Lãnh", roles: ["leader"] };
const OFFICER: Person = { ...CLERK, username: "chuyenvien.snv", name: "Lê Văn Chuyên", roles: ["officer"] };

function book(overrides: Partial<Register> = {}): Register {
  return { id: "reg-den", agency_code: "000.00.02.H61", direction: "incoming", name: "Sổ văn bản đến năm 2026",
    agency_abbreviation: "", type_codes: [], legal_normative: false, separate_arrival_series: false, active: true,
    next_number: 1, ...overrides };
}

function gateway(extra: Record<string, unknown> = {}) {
  return fakeGateway({
    "GET /api/v1/registers": (url: URL) => (url.searchParams.get("direction") === "incoming"
      ? [book(), book({ id: "reg-cu", name: "Sổ đến cũ", active: false })] : []),
    "GET /api/v1/documents": { items: [arrival({ status: "registered", number: 17, register_id: "reg-den" })],
      next_page_token: null },
    "GET /api/v1/registers/reg-den/history": [{ at: "2026-01-02T01:00:00+00:00", actor: "vanthu.snv",
      action: "created", changes: {}, note: "" }],
    ...extra,
  });
}

describe("the register books", () => {
  it("shows the incoming register's entries for this year by arrival day, with Ngày đến and Số đến, and its history",
    async () => {
    const { api, calls } = gateway();
    renderWith(<RegistersPage today={TODAY} />, { api });
    const table = await screen.findByRole("table", { name: "Các văn bản trong sổ" });
    expect(await within(table).findByText("15/UBND-VP")).toBeInTheDocument();
    const headers = within(table).getAllByRole("columnheader").map((h) => h.textContent);
    expect(headers.slice(0, 4)).toEqual(["Ngày đến", "Số đến", "Số, ký hiệu", "Ngày văn bản"]);
    const cells = within(within(table).getAllByRole("row")[1] as HTMLElement).getAllByRole("cell").map((c) => c.textContent);
    // arrived 30/11 00:30 in Vietnam (29/11 17:30 UTC), dated 29/11 by its sender
    expect(cells.slice(0, 4)).toEqual(["30/11/2026", "17", "15/UBND-VP", "29/11/2026"]);
    expect(screen.getByText("Ngày đến: từ ngày – đến ngày")).toBeInTheDocument();
    expect(calls.some((c) => c.path === "/api/v1/documents?register_id=reg-den&date_from=2026-01-01"
      + "&date_to=2026-12-31&date_field=arrival&page_size=100")).toBe(true);
    expect(await screen.findByText(/02\/01\/2026 08:00 — Mở sổ/)).toBeInTheDocument();
    expect(screen.getByText("Đang dùng")).toBeInTheDocument();
  });

  it("shows the outgoing register by Ngày văn bản, its numbers as the export prints them (05)", async () => {
    const { api, calls } = gateway({
      "GET /api/v1/registers": (url: URL) => (url.searchParams.get("direction") === "outgoing"
        ? [book({ id: "reg-di", direction: "outgoing", name: "Sổ văn bản đi năm 2026" })] : []),
      "GET /api/v1/documents": { items: [arrival({ direction: "outgoing", status: "issued", number: 5,
        number_symbol: "05/QĐ-UBND", document_date: "2026-11-20", register_id: "reg-di" })], next_page_token: null },
      "GET /api/v1/registers/reg-di/history": [],
    });
    renderWith(<RegistersPage today={TODAY} />, { api });
    const user = userEvent.setup({ delay: null });
    await user.click(await screen.findByText("Văn bản đi"));
    const table = await screen.findByRole("table", { name: "Các văn bản trong sổ" });
    expect(await within(table).findByText("05/QĐ-UBND")).toBeInTheDocument();
    const cells = within(within(table).getAllByRole("row")[1] as HTMLElement).getAllByRole("cell").map((c) => c.textContent);
    expect(cells.slice(0, 3)).toEqual(["05", "20/11/2026", "05/QĐ-UBND"]);
    expect(screen.getByText("Ngày văn bản: từ ngày – đến ngày")).toBeInTheDocument();
    expect(calls.some((c) => c.path.startsWith("/api/v1/documents?register_id=reg-di&date_from=2026-01-01")
      && !c.path.includes("date_field"))).toBe(true);  // the document's own date, as the export
  });

  it("says that quyết định have their own outgoing register, so an empty Sổ văn bản đi does not mislead", async () => {
    const { api } = gateway({
      "GET /api/v1/registers": (url: URL) => (url.searchParams.get("direction") === "outgoing"
        ? [book({ id: "reg-di", direction: "outgoing", name: "Sổ văn bản đi" }),
          book({ id: "reg-qd", direction: "outgoing", name: "Sổ quyết định", type_codes: ["quyet_dinh"] })]
        : [book()]),
      "GET /api/v1/documents": { items: [], next_page_token: null },
      "GET /api/v1/registers/reg-di/history": [],
    });
    renderWith(<RegistersPage today={TODAY} />, { api });
    const user = userEvent.setup({ delay: null });
    await screen.findByRole("table", { name: "Các văn bản trong sổ" });
    expect(screen.queryByTestId("own-registers")).not.toBeInTheDocument();  // one incoming register: no hint
    await user.click(screen.getByText("Văn bản đi"));
    expect(await screen.findByTestId("own-registers")).toHaveTextContent(
      "Văn bản đi được cấp số trong 2 sổ: Sổ văn bản đi, Sổ quyết định.");
  });

  it("asks the entries of the year chosen", async () => {
    const { api, calls } = gateway();
    renderWith(<RegistersPage today={TODAY} />, { api });
    fireEvent.mouseDown(await screen.findByRole("combobox", { name: "Năm" }));
    fireEvent.click(await screen.findByTitle("2025"));
    await waitFor(() => expect(calls.some((c) => c.path.includes("date_from=2025-01-01&date_to=2025-12-31"))).toBe(true));
  });

  it("exports the book as PDF for the period shown", async () => {
    const { api, calls } = gateway({
      "GET /api/v1/registers/reg-den/export": new Response(new Blob(["%PDF-1.7"]), { status: 200, headers: {
        "Content-Type": "application/pdf", "Content-Disposition": 'attachment; filename="so-den.pdf"' } }),
    });
    URL.createObjectURL = () => "blob:so-den";
    URL.revokeObjectURL = () => {};
    const saved: string[] = [];
    const click = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
      saved.push(this.download);
    });
    renderWith(<RegistersPage today={TODAY} />, { api });
    await userEvent.click(await screen.findByRole("button", { name: "Xuất sổ ra PDF" }));
    await waitFor(() => expect(calls.map((c) => c.path)).toContain(
      "/api/v1/registers/reg-den/export?date_from=2026-01-01&date_to=2026-12-31&format=pdf"));
    await waitFor(() => expect(saved).toEqual(["so-den.pdf"]));
    click.mockRestore();
  });

  it("closes a register only with a reason, and sends it", async () => {
    const { api, calls } = gateway({ "POST /api/v1/registers/reg-den/close": { ...book(), active: false } });
    renderWith(<RegistersPage today={TODAY} />, { api });
    const user = userEvent.setup({ delay: null });
    await user.click(await findClickable("button", { name: "Đóng sổ" }));
    const dialog = await screen.findByRole("dialog");
    await user.click(within(dialog).getByRole("button", { name: "Đóng sổ" }));
    expect(await within(dialog).findByText("Hãy nhập lý do.")).toBeInTheDocument();
    expect(calls.some((c) => c.method === "POST")).toBe(false);
    fireEvent.change(within(dialog).getByLabelText("Lý do"), { target: { value: "Chuyển sang sổ mới năm 2027" } });
    await user.click(within(dialog).getByRole("button", { name: "Đóng sổ" }));
    await waitFor(() => expect(calls.find((c) => c.method === "POST")).toEqual({ method: "POST",
      path: "/api/v1/registers/reg-den/close", body: { reason: "Chuyển sang sổ mới năm 2027" } }));
  });

  it("continues this year's series from a number of at least 2", async () => {
    const { api, calls } = gateway({ "POST /api/v1/registers/reg-den/start": { register_id: "reg-den", year: 2026,
      next_number: 412 } });
    renderWith(<RegistersPage today={TODAY} />, { api });
    const user = userEvent.setup({ delay: null });
    const button = await findClickable("button", { name: "Tiếp tục số" });
    // the button says what it is for (trial 17: it did not)
    await user.hover(button);
    expect(await screen.findByRole("tooltip")).toHaveTextContent("Khi chuyển sang VanThu giữa năm 2026: sổ cấp tiếp từ "
      + "số mà hệ thống cũ (hoặc sổ giấy) sẽ cấp, thay vì từ 01.");
    await user.click(button);
    const dialog = await screen.findByRole("dialog");
    const heading = within(dialog).getByText("Tiếp tục dãy số năm 2026 từ hệ thống cũ: Sổ văn bản đến năm 2026");
    // a long title keeps clear of the × on a phone
    expect(heading.closest(".ant-modal-header")).toHaveStyle({ paddingInlineEnd: "32px" });
    // what the registry does with the number (set_start): this year's series, then 01 again on 1 January
    const help = within(dialog).getByTestId("start-help");
    expect(help).toHaveTextContent("bắt đầu từ 01 ngày 01/01 và kết thúc ngày 31/12 (Nghị định 30/2020, Điều 15)");
    expect(help).toHaveTextContent("văn bản đầu tiên vào sổ này trong năm 2026 nhận đúng số đến đó");
    expect(help).toHaveTextContent("Chỉ áp dụng cho năm 2026: từ ngày 01/01/2027 sổ lại cấp từ số 01.");
    expect(help).toHaveTextContent("Chỉ đặt được một lần trong năm 2026, trước khi sổ cấp số đầu tiên của năm");
    fireEvent.change(within(dialog).getByLabelText("Số tiếp theo"), { target: { value: "412" } });
    expect(await within(dialog).findByText("Văn bản đầu tiên vào sổ sẽ nhận số 412; các số từ 01 đến 411 không được "
      + "cấp lại.")).toBeInTheDocument();
    fireEvent.change(within(dialog).getByLabelText("Lý do"), { target: { value: "Sổ giấy dừng ở số 411" } });
    await user.click(within(dialog).getByRole("button", { name: "Tiếp tục số" }));
    await waitFor(() => expect(calls.find((c) => c.method === "POST")?.body).toEqual({
      next_number: 412, reason: "Sổ giấy dừng ở số 411" }));
    expect(await screen.findByText("Sổ sẽ cấp tiếp từ số 412 của năm 2026.")).toBeInTheDocument();
  });

  it("says a series already started this year cannot be continued from another number, and sends nothing", async () => {
    const { api, calls } = fakeGateway({
      "GET /api/v1/registers": (url: URL) => (url.searchParams.get("direction") === "incoming"
        ? [book({ next_number: 5 })] : []),
      "GET /api/v1/documents": { items: [], next_page_token: null },
      "GET /api/v1/registers/reg-den/history": [],
    });
    renderWith(<RegistersPage today={TODAY} />, { api });
    const user = userEvent.setup({ delay: null });
    await user.click(await findClickable("button", { name: "Tiếp tục số" }));
    const dialog = await screen.findByRole("dialog");
    expect(within(dialog).getByTestId("start-taken")).toHaveTextContent(
      "Dãy số năm 2026 của sổ này đã bắt đầu (số tiếp theo: 05): không đặt lại được.");
    expect(within(dialog).getByRole("button", { name: "Tiếp tục số" })).toBeDisabled();
    expect(calls.some((c) => c.method === "POST")).toBe(false);
  });

  it("opens a new outgoing register with its name", async () => {
    const { api, calls } = gateway({ "POST /api/v1/registers": book({ id: "reg-di", direction: "outgoing" }),
      "GET /api/v1/document-types": [] });
    renderWith(<RegistersPage today={TODAY} />, { api });
    const user = userEvent.setup({ delay: null });
    await user.click(await screen.findByText("Văn bản đi"));
    expect(await screen.findByText("Cơ quan chưa mở sổ nào loại này.")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Mở sổ mới" }));
    const dialog = await screen.findByRole("dialog");
    fireEvent.change(within(dialog).getByLabelText("Tên sổ"), { target: { value: " Sổ văn bản đi năm 2026 " } });
    fireEvent.change(within(dialog).getByLabelText("Chữ viết tắt tên cơ quan"), { target: { value: "SNV" } });
    await user.click(within(dialog).getByRole("button", { name: "Mở sổ mới" }));
    await waitFor(() => expect(calls.find((c) => c.method === "POST")?.body).toEqual({ direction: "outgoing",
      name: "Sổ văn bản đi năm 2026", agency_abbreviation: "SNV", type_codes: [], legal_normative: false,
      separate_arrival_series: false }));
  });

  it("lets a leader export but not keep the books, and an officer neither", async () => {
    const { api } = gateway();
    const { unmount } = renderWith(<RegistersPage today={TODAY} />, { api, person: LEADER });
    expect(await screen.findByRole("button", { name: "Xuất sổ ra PDF" })).toBeInTheDocument();
    for (const name of ["Mở sổ mới", "Đóng sổ", "Tiếp tục số"]) {
      expect(screen.queryByRole("button", { name })).not.toBeInTheDocument();
    }
    unmount();
    renderWith(<RegistersPage today={TODAY} />, { api: gateway().api, person: OFFICER });
    expect(await screen.findByRole("table", { name: "Các văn bản trong sổ" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Xuất sổ ra PDF" })).not.toBeInTheDocument();
  });

  it("reads the file name of the export", () => {
    expect(fileNameOf('attachment; filename="so-den-2026.xlsx"', "x")).toBe("so-den-2026.xlsx");
    expect(fileNameOf(null, "so-van-ban.csv")).toBe("so-van-ban.csv");
    // the gateway's Vietnamese names: the UTF-8 form first (RFC 8187)
    expect(fileNameOf("attachment; filename=\"Van ban den.xlsx\"; filename*=UTF-8''V%C4%83n%20b%E1%BA%A3n%20%C4%91%E1%BA%BFn.xlsx",
      "x")).toBe("Văn bản đến.xlsx");
  });
});
