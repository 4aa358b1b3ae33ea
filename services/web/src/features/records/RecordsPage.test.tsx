import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import axe from "axe-core";
import type { Person } from "../../auth/claims";
import { fakeGateway, renderWith, type Call } from "../../test/render";
import { entryOf, FilePage, withCodes } from "./FilePage";
import { plan, recordFile } from "./fixtures";
import { RecordsPage } from "./RecordsPage";
import { editEntry, outline } from "./types";

const UBND = "000.00.00.H61";
const CLERK: Person = { username: "vanthu.ubnd", name: "Đặng Thị Mỹ Xuyên", agency: UBND, roles: ["clerk"] };
const LEADER: Person = { username: "lanhdao.ubnd", name: "Nguyễn Văn Lãnh", agency: UBND, roles: ["leader"] };
const OFFICER: Person = { username: "chuyenvien.ubnd", name: "Lê Văn Chuyên", agency: UBND, roles: ["officer"] };
const ARCHIVIST: Person = { username: "luutru.ubnd", name: "Phan Thị Lưu", agency: UBND, roles: ["archivist"] };
const PEOPLE = [{ subject: "s1", username: "lanhdao.ubnd", name: "Nguyễn Văn Lãnh", email: "", enabled: true },
  { subject: "s2", username: "vanthu.ubnd", name: "Đặng Thị Mỹ Xuyên", email: "", enabled: true },
  { subject: "s3", username: "luutru.ubnd", name: "Phan Thị Lưu", email: "", enabled: true }];
const posts = (calls: Call[]) => calls.filter((c) => c.method !== "GET").map((c) => [c.method, c.path, c.body]);

async function noSeriousViolation(container: HTMLElement) {
  const results = await axe.run(container, { rules: { region: { enabled: false }, "color-contrast": { enabled: false } } });
  expect(results.violations.filter((v) => v.impact === "serious" || v.impact === "critical")).toEqual([]);
}

describe("Hồ sơ: danh mục hồ sơ", () => {
  it("lets the clerk draft the plan of a year but not approve it; the leader approves a draft", async () => {
    const { api, calls } = fakeGateway({ "GET /api/v1/records/plans": { plans: [] },
      "POST /api/v1/records/plans": plan() });
    const { unmount } = renderWith(<RecordsPage />, { api, person: CLERK, path: "/ho-so?nam=2026" });
    expect(await screen.findByText("Chưa có danh mục hồ sơ năm 2026.")).toBeInTheDocument();
    // the plan needs a title (the service refuses none): offered, editable, never empty
    const title = screen.getByLabelText("Tên danh mục");
    expect(title).toHaveValue("Danh mục hồ sơ năm 2026");
    await userEvent.clear(title);
    expect(screen.getByRole("button", { name: "Lập danh mục hồ sơ năm 2026" })).toBeDisabled();
    await userEvent.type(title, "Danh mục hồ sơ của UBND tỉnh năm 2026");
    await userEvent.click(screen.getByRole("button", { name: "Lập danh mục hồ sơ năm 2026" }));
    await waitFor(() => expect(posts(calls)).toEqual([["POST", "/api/v1/records/plans",
      { year: 2026, title: "Danh mục hồ sơ của UBND tỉnh năm 2026", revise_plan_id: "" }]]));
    unmount();

    const leader = fakeGateway({ "GET /api/v1/records/plans": { plans: [plan({ headings: [] })] },
      "GET /api/v1/records/plans/plan-1": plan(),
      "POST /api/v1/records/plans/plan-1/approve": plan({ state: "approved", approved_by: "lanhdao.ubnd" }) });
    const { container } = renderWith(<RecordsPage />, { api: leader.api, person: LEADER, path: "/ho-so?nam=2026" });
    expect(await screen.findByText("Hồ sơ tuyển dụng công chức năm 2026")).toBeInTheDocument();
    expect(screen.getByText("01.TCCB")).toBeInTheDocument();
    expect(screen.getByText("Vĩnh viễn")).toBeInTheDocument();
    expect(screen.getByTestId("plan-state")).toHaveTextContent("Dự thảo");
    expect(await screen.findByRole("button", { name: "Phê duyệt danh mục" })).toBeEnabled();
    expect(screen.queryByRole("button", { name: "Thêm đề mục" })).not.toBeInTheDocument(); // drafting is the clerk's
    await noSeriousViolation(container);
    await userEvent.click(screen.getByRole("button", { name: "Phê duyệt danh mục" }));
    const confirm = await screen.findByRole("dialog");
    await userEvent.click(within(confirm).getByRole("button", { name: "Phê duyệt danh mục" }));
    await waitFor(() => expect(posts(leader.calls)).toEqual([["POST", "/api/v1/records/plans/plan-1/approve",
      { version: 2, decision_number: "", decision_date: "" }]]));
  });

  it("lets the clerk submit the draft to the leaders (trình duyệt); while it waits she cannot change it", async () => {
    const { api, calls } = fakeGateway({ "GET /api/v1/records/plans": { plans: [plan({ headings: [] })] },
      "GET /api/v1/records/plans/plan-1": plan(), "GET /api/v1/people": PEOPLE,
      "POST /api/v1/records/plans/plan-1/submit": plan({ state: "submitted", version: 3, submitted_by: "vanthu.ubnd",
        submitted_at: "2026-12-01T09:30:00+07:00" }) });
    renderWith(<RecordsPage />, { api, person: CLERK, path: "/ho-so?nam=2026" });
    expect(await screen.findByText("Hồ sơ tuyển dụng công chức năm 2026")).toBeInTheDocument();
    await userEvent.click(await screen.findByRole("button", { name: "Trình duyệt" }));
    const dialog = await screen.findByRole("dialog");
    expect(within(dialog).getByText(/Lãnh đạo cơ quan sẽ nhận được thông báo/)).toBeInTheDocument();
    await userEvent.click(within(dialog).getByRole("button", { name: "Trình duyệt" }));
    await waitFor(() => expect(posts(calls)).toEqual([["POST", "/api/v1/records/plans/plan-1/submit", { version: 2 }]]));
    await waitFor(() => expect(screen.getByTestId("plan-state")).toHaveTextContent("Chờ duyệt"));
    expect(screen.getByText("Trình duyệt: Đặng Thị Mỹ Xuyên, 01/12/2026 09:30")).toBeInTheDocument();
    expect(screen.getByText(/Danh mục đang chờ lãnh đạo phê duyệt/)).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Thêm đề mục" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Trình duyệt" })).not.toBeInTheDocument();
  });

  it("lets the leader return a submitted plan with a reason, which the draft then shows", async () => {
    const submitted = plan({ state: "submitted", version: 3, submitted_by: "vanthu.ubnd",
      submitted_at: "2026-12-01T09:30:00+07:00" });
    const { api, calls } = fakeGateway({ "GET /api/v1/records/plans": { plans: [submitted] },
      "GET /api/v1/records/plans/plan-1": submitted, "GET /api/v1/people": PEOPLE,
      "POST /api/v1/records/plans/plan-1/return": plan({ state: "draft", version: 4,
        return_reason: "Bổ sung hồ sơ cải cách hành chính" }) });
    const { container } = renderWith(<RecordsPage />, { api, person: LEADER, path: "/ho-so?nam=2026" });
    expect(await screen.findByText("Hồ sơ tuyển dụng công chức năm 2026")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Phê duyệt danh mục" })).toBeEnabled();
    await noSeriousViolation(container);
    await userEvent.click(screen.getByRole("button", { name: "Trả lại" }));
    const dialog = await screen.findByRole("dialog");
    await userEvent.click(within(dialog).getByRole("button", { name: "Trả lại" }));
    expect(await within(dialog).findByText("Hãy nhập nội dung này.")).toBeInTheDocument();
    expect(posts(calls)).toEqual([]);
    fireEvent.change(within(dialog).getByLabelText("Lý do trả lại"), { target: { value: "Bổ sung hồ sơ cải cách hành chính" } });
    await userEvent.click(within(dialog).getByRole("button", { name: "Trả lại" }));
    await waitFor(() => expect(posts(calls)).toEqual([["POST", "/api/v1/records/plans/plan-1/return",
      { version: 3, reason: "Bổ sung hồ sơ cải cách hành chính" }]]));
    expect(await screen.findByTestId("plan-returned")).toHaveTextContent(
      "Lãnh đạo đã trả lại danh mục. Lý do: Bổ sung hồ sơ cải cách hành chính");
    expect(screen.getByTestId("plan-state")).toHaveTextContent("Dự thảo");
    // the plan he has just returned is not offered for approval until it is submitted again
    expect(screen.queryByRole("button", { name: "Phê duyệt danh mục" })).not.toBeInTheDocument();
  });

  describe("the plan's layout by the screen's width", () => {
    const narrow = window.matchMedia;
    afterEach(() => { window.matchMedia = narrow; });
    const approved = () => fakeGateway({ "GET /api/v1/records/plans": { plans: [plan({ state: "approved", headings: [] })] },
      "GET /api/v1/records/plans/plan-1": plan({ state: "approved" }) });

    it("is a list of cards on a phone, no squeezed table: each entry's số, ký hiệu, thời hạn, người lập and action",
      async () => {
        // trial 17: at 390 px the table's five column headers stood a letter a line; jsdom's media queries answer
        // no min-width, as a phone's do
        renderWith(<RecordsPage />, { api: approved().api, person: OFFICER, path: "/ho-so?nam=2026" });
        const entry = await screen.findByTestId("plan-entry");
        expect(document.querySelector("table")).toBeNull();
        expect(screen.queryAllByRole("columnheader")).toEqual([]);
        expect(screen.getByTestId("plan-heading")).toHaveTextContent("I. Tổ chức cán bộ");
        expect(within(entry).getByText("01.TCCB")).toBeInTheDocument();
        expect(within(entry).getByText("Hồ sơ tuyển dụng công chức năm 2026")).toBeInTheDocument();
        expect(entry).toHaveTextContent("Thời hạn bảo quản: Vĩnh viễn");
        expect(entry).toHaveTextContent("Đơn vị/người lập: Phòng Tổ chức");
        expect(within(entry).getByRole("button", { name: "Lập hồ sơ: Hồ sơ tuyển dụng công chức năm 2026" }))
          .toBeInTheDocument();
      });

    it("is a table from 768 px, its columns headed", async () => {
      window.matchMedia = ((query: string) => ({ ...narrow(query),
        matches: /min-width:\s*(\d+)px/.test(query) && Number(/min-width:\s*(\d+)px/.exec(query)?.[1]) <= 1440 })) as typeof window.matchMedia;
      renderWith(<RecordsPage />, { api: approved().api, person: OFFICER, path: "/ho-so?nam=2026" });
      const cell = await screen.findByText("01.TCCB");
      expect(cell.closest("td")).not.toBeNull();
      expect([...document.querySelectorAll("thead th")].map((th) => th.textContent)).toEqual(
        ["Số, ký hiệu", "Tên đề mục và tiêu đề hồ sơ", "Thời hạn bảo quản", "Đơn vị/người lập", "Thao tác"]);
      expect(screen.queryByTestId("plan-entry")).not.toBeInTheDocument();
    });
  });

  it("lists the files as cards on a phone, each value labelled, no squeezed seven-column table", async () => {
    // trial 17: at 390 px the files' column headers stood a letter a line, as the plan's did
    const { api } = fakeGateway({ "GET /api/v1/records/plans": { plans: [] },
      "GET /api/v1/records/files": { next_cursor: null, files: [recordFile({ state: "closed",
        deposit_deadline: "2027-02-03", deposit_overdue: true })] } });
    renderWith(<RecordsPage />, { api, person: CLERK, path: "/ho-so?nam=2026&tab=files" });
    const card = await screen.findByTestId("file-card");
    expect(document.querySelector("table")).toBeNull();
    expect(within(card).getByRole("link", { name: "01.TCCB" })).toHaveAttribute("href", "/ho-so/file-1");
    expect(within(card).getByText("Hồ sơ tuyển dụng công chức năm 2026")).toBeInTheDocument();
    for (const text of ["Năm: 2026", "Số văn bản: 1", "Người lập: Lê Văn Chuyên", "Hạn nộp lưu: 03/02/2027"]) {
      expect(card).toHaveTextContent(text);
    }
    expect(within(card).getByText("Quá hạn nộp lưu")).toBeInTheDocument();
  });

  it("tells each who finds no plan for the year what to do next: the drafter how, anyone else whom to ask", async () => {
    const { api } = fakeGateway({ "GET /api/v1/records/plans": { plans: [] } });
    const { unmount } = renderWith(<RecordsPage />, { api, person: ARCHIVIST, path: "/ho-so?nam=2027" });
    const none = await screen.findByTestId("plan-none");
    expect(none).toHaveTextContent("Chưa có danh mục hồ sơ năm 2027.");
    expect(none).toHaveTextContent("rồi trình lãnh đạo phê duyệt");
    expect(screen.getByRole("button", { name: "Lập danh mục hồ sơ năm 2027" })).toBeInTheDocument();
    unmount();

    renderWith(<RecordsPage />, { api, person: OFFICER, path: "/ho-so?nam=2027" });
    const asked = await screen.findByTestId("plan-none");
    expect(asked).toHaveTextContent("hãy đề nghị văn thư hoặc lưu trữ cơ quan lập danh mục hồ sơ năm 2027");
    expect(screen.queryByRole("button", { name: "Lập danh mục hồ sơ năm 2027" })).not.toBeInTheDocument();
  });

  it("lets an officer open a file (lập hồ sơ) from an entry of the approved plan", async () => {
    const { api, calls } = fakeGateway({ "GET /api/v1/records/plans": { plans: [plan({ state: "approved", headings: [] })] },
      "GET /api/v1/records/plans/plan-1": plan({ state: "approved" }),
      "POST /api/v1/records/files": recordFile({ state: "open", documents: [], document_total: 0 }) });
    renderWith(<RecordsPage />, { api, person: OFFICER, path: "/ho-so?nam=2026" });
    // the plan's entries first (a text query is cheap: role queries over a big table are slow on a loaded machine)
    expect(await screen.findByText("Hồ sơ tuyển dụng công chức năm 2026")).toBeInTheDocument();
    await userEvent.click(await screen.findByRole("button", { name: "Lập hồ sơ: Hồ sơ tuyển dụng công chức năm 2026" }));
    await waitFor(() => expect(posts(calls)[0]).toMatchObject(["POST", "/api/v1/records/files",
      { plan_entry_id: "entry-1" }]));
  });

  it("lists the files with their state and the deposit deadline as dd/mm/yyyy, overdue in words", async () => {
    const { api } = fakeGateway({ "GET /api/v1/records/plans": { plans: [] },
      "GET /api/v1/records/files": { next_cursor: null, files: [recordFile({ state: "closed",
        deposit_deadline: "2027-02-03", deposit_overdue: true })] } });
    const { container } = renderWith(<RecordsPage />, { api, person: CLERK, path: "/ho-so?nam=2026&tab=files" });
    expect(await screen.findByRole("link", { name: "01.TCCB" })).toHaveAttribute("href", "/ho-so/file-1");
    expect(screen.getByText("03/02/2027")).toBeInTheDocument();
    expect(screen.getByText("Quá hạn nộp lưu")).toBeInTheDocument();
    expect(screen.getByText("Đã đóng")).toBeInTheDocument();
    await noSeriousViolation(container);
  });
});

describe("Hồ sơ: a file", () => {
  const route = { path: "/ho-so/file-1", route: "/ho-so/:id" };

  it("lets its creator add documents and close it (kết thúc hồ sơ)", async () => {
    const { api, calls } = fakeGateway({
      "GET /api/v1/records/files/file-1": recordFile(),
      "GET /api/v1/records/files/file-1/history": { entries: [{ action: "open", from_state: "", to_state: "open",
        actor: "chuyenvien.ubnd", actor_name: "Lê Văn Chuyên", at: "2026-02-03T08:00:00+07:00", comment: "" }] },
      "GET /api/v1/documents": { next_page_token: null, items: [] },
      "POST /api/v1/records/files/file-1/close": recordFile({ state: "closed", deposit_deadline: "2027-03-01" }),
    });
    const { container } = renderWith(<FilePage />, { api, person: OFFICER, ...route });
    expect(await screen.findByText("V/v tuyển dụng công chức")).toBeInTheDocument();
    expect(screen.getByText("03/02/2026", { selector: "td" })).toBeInTheDocument();
    expect(await screen.findByText("Lập hồ sơ")).toBeInTheDocument(); // its history
    expect(screen.getByRole("button", { name: "Thêm văn bản" })).toBeInTheDocument();
    await noSeriousViolation(container);
    await userEvent.click(screen.getByRole("button", { name: "Đóng hồ sơ" }));
    const dialog = await screen.findByRole("dialog");
    await userEvent.type(within(dialog).getByLabelText("Chú giải"), "Đủ hồ sơ");
    await userEvent.click(within(dialog).getByRole("button", { name: "Đóng hồ sơ" }));
    await waitFor(() => expect(posts(calls)).toEqual([["POST", "/api/v1/records/files/file-1/close",
      { version: 4, title: "", end_date: null, description: "Đủ hồ sơ", keywords: "", page_amounts: {} }]]));
    expect(await screen.findByTestId("file-state")).toHaveTextContent("Đã đóng");
    expect(screen.getByRole("button", { name: "Nộp lưu" })).toBeInTheDocument(); // next: nộp lưu
  });

  it("offers another officer nothing on it, and the archivist tiếp nhận or trả lại with a reason", async () => {
    const submitted = recordFile({ state: "submitted" });
    const other: Person = { ...OFFICER, username: "chuyenvien2.ubnd" };
    const view = fakeGateway({ "GET /api/v1/records/files/file-1": submitted,
      "GET /api/v1/records/files/file-1/history": { entries: [] } });
    const { unmount } = renderWith(<FilePage />, { api: view.api, person: other, ...route });
    expect(await screen.findByText("Chờ tiếp nhận")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Tiếp nhận" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Nộp lưu" })).not.toBeInTheDocument();
    unmount();

    const { api, calls } = fakeGateway({ "GET /api/v1/records/files/file-1": submitted,
      "GET /api/v1/records/files/file-1/history": { entries: [] },
      "POST /api/v1/records/files/file-1/return": recordFile({ state: "returned", return_reason: "Thiếu mục lục" }) });
    renderWith(<FilePage />, { api, person: ARCHIVIST, ...route });
    expect(await screen.findByRole("button", { name: "Tiếp nhận" })).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Trả lại" }));
    const dialog = await screen.findByRole("dialog");
    await userEvent.click(within(dialog).getByRole("button", { name: "Trả lại" }));
    expect(await within(dialog).findByText("Hãy nhập nội dung này.")).toBeInTheDocument();
    expect(posts(calls)).toEqual([]);
    await userEvent.type(within(dialog).getByLabelText("Lý do trả lại"), "Thiếu mục lục");
    await userEvent.click(within(dialog).getByRole("button", { name: "Trả lại" }));
    await waitFor(() => expect(posts(calls)).toEqual([["POST", "/api/v1/records/files/file-1/return",
      { version: 4, reason: "Thiếu mục lục" }]]));
    expect(await screen.findByTestId("file-state")).toHaveTextContent("Bị trả lại");
    expect(screen.getByText("Lý do trả lại").closest("tr")).toHaveTextContent("Thiếu mục lục");
    expect(screen.queryByRole("button", { name: "Mở lại hồ sơ để sửa" })).not.toBeInTheDocument(); // the creator's
  });

  it("lets the creator reopen a returned file to correct it (mở lại), then add documents again", async () => {
    const { api, calls } = fakeGateway({
      "GET /api/v1/records/files/file-1": recordFile({ state: "returned", return_reason: "Thiếu văn bản trả lời" }),
      "GET /api/v1/records/files/file-1/history": { entries: [] },
      "POST /api/v1/records/files/file-1/reopen": recordFile({ state: "collecting", version: 5,
        return_reason: "Thiếu văn bản trả lời" }) });
    renderWith(<FilePage />, { api, person: OFFICER, ...route });
    await userEvent.click(await screen.findByRole("button", { name: "Mở lại hồ sơ để sửa" }));
    const confirm = await screen.findByRole("dialog");
    await userEvent.click(within(confirm).getByRole("button", { name: "Mở lại hồ sơ để sửa" }));
    await waitFor(() => expect(posts(calls)).toEqual([["POST", "/api/v1/records/files/file-1/reopen",
      { version: 4, comment: "" }]]));
    expect(await screen.findByRole("button", { name: "Thêm văn bản" })).toBeInTheDocument();
    expect(screen.getByText("Lý do trả lại").closest("tr")).toHaveTextContent("Thiếu văn bản trả lời");
  });
});

describe("Hồ sơ: the plan's gaps (issue 14)", () => {
  it("edits an entry of a draft plan wherever it sits, keeping the others", () => {
    const draft = plan({ headings: [{ numeral: "I", title: "Tổ chức", abbreviation: "TC", entries: [], subheadings: [
      { number: 1, title: "Tuyển dụng", entries: [{ id: "e2", number: 1, notation: "01.TC", title: "Cũ",
        retention_years: 5, creator: "Phòng Tổ chức", notes: "", creator_subject: "" }] }] }, ...plan().headings] });
    const edited = editEntry(outline(draft), "e2", { title: " Hồ sơ thi tuyển\u0301 ", retention_years: 0,
      creator_subject: "s3", notes: "Mật" });
    expect(edited[0]?.subheadings?.[0]?.entries?.[0]).toEqual({ id: "e2", title: "Hồ sơ thi tuyển\u0301".normalize("NFC"),
      retention_years: 0, creator: "", creator_subject: "s3", notes: "Mật" });
    // no person picked: the text a plan written before had stays
    expect(editEntry(outline(draft), "e2", { title: "Cũ", retention_years: 5 })[0]?.subheadings?.[0]?.entries?.[0])
      .toMatchObject({ creator: "Phòng Tổ chức", creator_subject: "" });
    expect(edited[1]).toEqual(outline(draft)[1]);
    expect(editEntry(outline(draft), "", { title: "x", retention_years: 1 })).toEqual(outline(draft));
    expect(entryOf(draft, "e2")?.title).toBe("Cũ");
    expect(entryOf(draft, "nope")).toBeUndefined();
    const id = "01a22cbc-8db3-752a-9ec2-4d153df5d0ca";
    const docs = recordFile().documents.map((d) => ({ ...d, document_id: id }));
    expect(withCodes(`${id}, 01a22cbc-0000-752a-9ec2-4d153df5d0cb`, docs))
      .toBe("15/UBND-TCCB, 01a22cbc-0000-752a-9ec2-4d153df5d0cb");
  });

  it("says why Thêm hồ sơ vào danh mục is disabled in a plan with no heading yet, and not once there is one",
    async () => {
      const { api } = fakeGateway({ "GET /api/v1/records/plans": { plans: [plan({ headings: [] })] },
        "GET /api/v1/records/plans/plan-1": plan({ headings: [] }), "GET /api/v1/people": PEOPLE });
      const view = renderWith(<RecordsPage />, { api, person: CLERK, path: "/ho-so?nam=2026" });
      expect(await screen.findByRole("button", { name: "Thêm hồ sơ vào danh mục" })).toBeDisabled();
      expect(screen.getByText("Thêm đề mục (I, II…) trước, rồi thêm hồ sơ vào từng đề mục.")).toBeInTheDocument();
      view.unmount();
      const { api: withHeading } = fakeGateway({ "GET /api/v1/records/plans": { plans: [plan()] },
        "GET /api/v1/records/plans/plan-1": plan(), "GET /api/v1/people": PEOPLE });
      renderWith(<RecordsPage />, { api: withHeading, person: CLERK, path: "/ho-so?nam=2026" });
      expect(await screen.findByRole("button", { name: "Thêm hồ sơ vào danh mục" })).toBeEnabled();
      expect(screen.queryByText("Thêm đề mục (I, II…) trước, rồi thêm hồ sơ vào từng đề mục.")).not.toBeInTheDocument();
    });

  it("refuses a heading abbreviation with a marked letter other than Đ before saving, and keeps Đ", async () => {
    const { api, calls } = fakeGateway({ "GET /api/v1/records/plans": { plans: [plan({ headings: [] })] },
      "GET /api/v1/records/plans/plan-1": plan(), "GET /api/v1/people": PEOPLE,
      "PUT /api/v1/records/plans/plan-1": plan({ version: 3 }) });
    renderWith(<RecordsPage />, { api, person: CLERK, path: "/ho-so?nam=2026" });
    await userEvent.click(await screen.findByRole("button", { name: "Thêm đề mục" }));
    const dialog = await screen.findByRole("dialog");
    fireEvent.change(within(dialog).getByLabelText("Tên đề mục"), { target: { value: "Đào tạo, xây dựng" } });
    const abbreviation = within(dialog).getByLabelText("Ký hiệu đề mục (vd. TCCB)");
    fireEvent.change(abbreviation, { target: { value: "ĐTƯ" } });
    await userEvent.click(within(dialog).getByRole("button", { name: "Lưu" }));
    expect(await within(dialog).findByText(/chỉ gồm chữ cái không dấu \(A–Z\), chữ Đ và chữ số/)).toBeInTheDocument();
    expect(posts(calls)).toEqual([]);
    fireEvent.change(abbreviation, { target: { value: "đtxd" } });
    await userEvent.click(within(dialog).getByRole("button", { name: "Lưu" }));
    await waitFor(() => expect(posts(calls)).toHaveLength(1));
    expect(posts(calls)[0]?.[2]).toMatchObject({ headings: [{ title: "Tổ chức cán bộ", abbreviation: "TCCB" },
      { title: "Đào tạo, xây dựng", abbreviation: "ĐTXD", entries: [], subheadings: [] }] });
  });

  it("lets the clerk change an entry's title, retention and notes while the plan is a draft, and names the people", async () => {
    const { api, calls } = fakeGateway({ "GET /api/v1/records/plans": { plans: [plan({ headings: [] })] },
      "GET /api/v1/records/plans/plan-1": plan(), "GET /api/v1/people": PEOPLE,
      "PUT /api/v1/records/plans/plan-1": plan({ version: 3 }) });
    const { container } = renderWith(<RecordsPage />, { api, person: CLERK, path: "/ho-so?nam=2026" });
    expect(await screen.findByText("Người lập: Đặng Thị Mỹ Xuyên")).toBeInTheDocument(); // a name, not vanthu.ubnd
    expect(await screen.findByText("Hồ sơ tuyển dụng công chức năm 2026")).toBeInTheDocument(); // the plan's entries
    await userEvent.click(screen.getByRole("button", { name: "Sửa: Hồ sơ tuyển dụng công chức năm 2026" }));
    const dialog = await screen.findByRole("dialog");
    await noSeriousViolation(container.ownerDocument.body);
    // text by fireEvent, not key by key: the shared machine is slow and the keystrokes are not what is tested
    fireEvent.change(within(dialog).getByLabelText("Tiêu đề hồ sơ"), { target: { value: "Hồ sơ thi tuyển công chức năm 2026" } });
    // thời hạn bảo quản is chosen from the usual periods (the records service's contract: years, 0 = vĩnh viễn)
    await userEvent.click(within(dialog).getByLabelText("Thời hạn bảo quản"));
    const listed = await screen.findByRole("listbox");
    expect(within(listed).getAllByRole("option").map((o) => o.textContent))
      .toEqual(["Vĩnh viễn", "70 năm", "50 năm", "30 năm", "20 năm", "10 năm", "5 năm"]);
    await userEvent.click(within(listed).getByRole("option", { name: "70 năm" }));
    fireEvent.change(within(dialog).getByLabelText("Ghi chú"), { target: { value: "Theo Thông tư 10/2022" } });
    await userEvent.click(within(dialog).getByRole("button", { name: "Lưu" }));
    await waitFor(() => expect(posts(calls)).toEqual([["PUT", "/api/v1/records/plans/plan-1", { version: 2,
      title: "Danh mục hồ sơ năm 2026", numbering: "continuous", headings: [{ title: "Tổ chức cán bộ",
        abbreviation: "TCCB", subheadings: [], entries: [{ id: "entry-1", title: "Hồ sơ thi tuyển công chức năm 2026",
          retention_years: 70, creator: "Phòng Tổ chức", creator_subject: "", notes: "Theo Thông tư 10/2022" }] }] }]]));
  });

  it("picks the person keeping an entry's file from the agency's people, shows the old text until then", async () => {
    const { api, calls } = fakeGateway({ "GET /api/v1/records/plans": { plans: [plan({ headings: [] })] },
      "GET /api/v1/records/plans/plan-1": plan(), "GET /api/v1/people": PEOPLE,
      "PUT /api/v1/records/plans/plan-1": plan({ version: 3 }) });
    renderWith(<RecordsPage />, { api, person: CLERK, path: "/ho-so?nam=2026" });
    expect(await screen.findByText("Phòng Tổ chức")).toBeInTheDocument(); // free text of a plan written before
    await userEvent.click(screen.getByRole("button", { name: "Sửa: Hồ sơ tuyển dụng công chức năm 2026" }));
    const dialog = await screen.findByRole("dialog");
    expect(within(dialog).getByText(/Đang ghi: “Phòng Tổ chức”/)).toBeInTheDocument();
    const picker = within(dialog).getByLabelText("Người lập hồ sơ");
    fireEvent.change(picker, { target: { value: "phan thi luu" } }); // found without tones
    fireEvent.click(await screen.findByText("Phan Thị Lưu (luutru.ubnd)", { selector: ".ant-select-item-option-content" }));
    await userEvent.click(within(dialog).getByRole("button", { name: "Lưu" }));
    await waitFor(() => expect(posts(calls)).toHaveLength(1));
    expect(posts(calls)[0]?.[2]).toMatchObject({ headings: [{ entries: [{ id: "entry-1", creator: "",
      creator_subject: "s3" }] }] });
  });

  it("lets the leader approve with the decision's number and date (both or neither) and shows who approved by name", async () => {
    const approved = plan({ state: "approved", approved_by: "lanhdao.ubnd", approved_at: "2026-01-10T09:00:00+07:00",
      decision_number: "15/QĐ-UBND", decision_date: "2026-01-09" });
    const { api, calls } = fakeGateway({ "GET /api/v1/records/plans": { plans: [plan({ headings: [] })] },
      "GET /api/v1/records/plans/plan-1": plan(), "GET /api/v1/people": PEOPLE,
      "POST /api/v1/records/plans/plan-1/approve": approved });
    renderWith(<RecordsPage />, { api, person: LEADER, path: "/ho-so?nam=2026" });
    expect(await screen.findByText("Hồ sơ tuyển dụng công chức năm 2026")).toBeInTheDocument();
    await userEvent.click(await screen.findByRole("button", { name: "Phê duyệt danh mục" }));
    const dialog = await screen.findByRole("dialog");
    fireEvent.change(within(dialog).getByLabelText(/^Số, ký hiệu quyết định/), { target: { value: "15/QĐ-UBND" } });
    await userEvent.click(within(dialog).getByRole("button", { name: "Phê duyệt danh mục" }));
    expect((await within(dialog).findAllByText("Hãy nhập cả số và ngày của quyết định (hoặc để trống cả hai).")).length)
      .toBeGreaterThan(0);
    expect(posts(calls)).toEqual([]);
    const date = within(dialog).getByLabelText("Ngày quyết định (dd/mm/yyyy)");
    await userEvent.type(date, "09/01/2026{Enter}");
    await userEvent.click(within(dialog).getByRole("button", { name: "Phê duyệt danh mục" }));
    await waitFor(() => expect(posts(calls)).toEqual([["POST", "/api/v1/records/plans/plan-1/approve",
      { version: 2, decision_number: "15/QĐ-UBND", decision_date: "2026-01-09" }]]));
    expect(await screen.findByText("Phê duyệt: Nguyễn Văn Lãnh, 10/01/2026 09:00")).toBeInTheDocument();
    expect(screen.getByTestId("plan-decision")).toHaveTextContent("Quyết định ban hành: số 15/QĐ-UBND ngày 09/01/2026");
  });
});

describe("Hồ sơ: a file's gaps (issue 14)", () => {
  const route = { path: "/ho-so/file-1", route: "/ho-so/:id" };
  const base = { "GET /api/v1/records/files/file-1/history": { entries: [] }, "GET /api/v1/people": PEOPLE };

  it("offers the page count of documents that have none when closing, left to the server's count when empty", async () => {
    const uncounted = recordFile().documents.map((d) => ({ ...d, page_amount: 0 }));
    const { api, calls } = fakeGateway({ ...base, "GET /api/v1/records/files/file-1": recordFile({ documents: uncounted }),
      "POST /api/v1/records/files/file-1/close": recordFile({ state: "closed" }) });
    const { unmount } = renderWith(<FilePage />, { api, person: OFFICER, ...route });
    expect(await screen.findByTestId("file-state")).toBeInTheDocument(); // loaded (cheap query first)
    await userEvent.click(await screen.findByRole("button", { name: "Đóng hồ sơ" }));
    let dialog = await screen.findByRole("dialog");
    expect(within(dialog).getByText(/hệ thống tự đếm số trang của tệp PDF/)).toBeInTheDocument();
    await userEvent.click(within(dialog).getByRole("button", { name: "Đóng hồ sơ" }));  // empty: the server counts
    await waitFor(() => expect(posts(calls)).toEqual([["POST", "/api/v1/records/files/file-1/close",
      { version: 4, title: "", end_date: null, description: "", keywords: "", page_amounts: {} }]]));
    unmount();

    const again = fakeGateway({ ...base, "GET /api/v1/records/files/file-1": recordFile({ documents: uncounted }),
      "POST /api/v1/records/files/file-1/close": recordFile({ state: "closed" }) });
    renderWith(<FilePage />, { api: again.api, person: OFFICER, ...route });
    await userEvent.click(await screen.findByRole("button", { name: "Đóng hồ sơ" }));
    dialog = await screen.findByRole("dialog");
    await userEvent.type(within(dialog).getByLabelText("Số trang: V/v tuyển dụng công chức"), "4");  // a paper copy
    await userEvent.click(within(dialog).getByRole("button", { name: "Đóng hồ sơ" }));
    await waitFor(() => expect(posts(again.calls)).toEqual([["POST", "/api/v1/records/files/file-1/close",
      { version: 4, title: "", end_date: null, description: "", keywords: "", page_amounts: { "doc-1": 4 } }]]));
  });

  it("tells the creator what may be added when the picker finds nothing", async () => {
    const { api } = fakeGateway({ ...base, "GET /api/v1/records/files/file-1": recordFile(),
      "GET /api/v1/documents": { next_page_token: null, items: [] } });
    renderWith(<FilePage />, { api, person: OFFICER, ...route });
    expect(await screen.findByTestId("file-state")).toBeInTheDocument(); // loaded (cheap query first)
    await userEvent.click(await screen.findByRole("button", { name: "Thêm văn bản" }));
    const dialog = await screen.findByRole("dialog");
    await userEvent.click(within(dialog).getByRole("combobox"));
    expect(await screen.findByText(/Chỉ thêm được văn bản đã ban hành hoặc đã vào sổ mà bạn được xem/))
      .toBeInTheDocument();
    expect(screen.queryByText("Nhật ký khai thác hồ sơ")).not.toBeInTheDocument(); // an officer: no access log
  });

  it("lets the leader keep a closed file 1 or 2 more years naming the approval, and read who accessed it", async () => {
    const { api, calls } = fakeGateway({ ...base, "GET /api/v1/records/files/file-1": recordFile({ state: "closed" }),
      "GET /api/v1/records/files/file-1/access-log": { entries: [{ file_id: "file-1", document_id: "",
        action: "export", actor: "luutru.ubnd", at: "2026-03-02T10:15:00+07:00" }] },
      "POST /api/v1/records/files/file-1/retain": recordFile({ state: "retained",
        retain_approval: "Công văn 20/UBND-VP ngày 01/03/2027" }) });
    const { container } = renderWith(<FilePage />, { api, person: LEADER, ...route });
    expect(await screen.findByTestId("file-state")).toBeInTheDocument(); // loaded (cheap query first)
    const log = await screen.findByRole("table", { name: "Nhật ký khai thác hồ sơ" });
    expect(await within(log).findByText("Phan Thị Lưu")).toBeInTheDocument();
    expect(within(log).getByText("Tải gói hồ sơ")).toBeInTheDocument();
    expect(within(log).getByText("02/03/2026 10:15")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Tải gói hồ sơ (ZIP)" })).toBeInTheDocument();
    await noSeriousViolation(container);
    await userEvent.click(screen.getByRole("button", { name: "Giữ lại" }));
    const dialog = await screen.findByRole("dialog");
    await userEvent.click(within(dialog).getByRole("button", { name: "Giữ lại" }));
    expect(await within(dialog).findByText("Hãy nhập nội dung này.")).toBeInTheDocument();
    fireEvent.change(within(dialog).getByLabelText("Văn bản đồng ý (số, ký hiệu, ngày)"),
      { target: { value: "Công văn 20/UBND-VP ngày 01/03/2027" } });
    await userEvent.click(within(dialog).getByRole("radio", { name: "2 năm" }));
    await userEvent.click(within(dialog).getByRole("button", { name: "Giữ lại" }));
    await waitFor(() => expect(posts(calls)).toEqual([["POST", "/api/v1/records/files/file-1/retain",
      { version: 4, approval: "Công văn 20/UBND-VP ngày 01/03/2027", years: 2 }]]));
    expect(await screen.findByTestId("file-state")).toHaveTextContent("Đơn vị giữ lại");
    expect(screen.getByText("Văn bản đồng ý giữ lại").closest("tr")).toHaveTextContent("Công văn 20/UBND-VP");
  });

  it("downloads the file's package as a ZIP", async () => {
    const zip = new Response(new Blob(["PK"]), { status: 200, headers: { "Content-Type": "application/zip",
      "Content-Disposition": 'attachment; filename="01.TCCB.zip"' } });
    const { api, calls } = fakeGateway({ ...base, "GET /api/v1/records/files/file-1": recordFile({ state: "deposited" }),
      "GET /api/v1/records/files/file-1/export": zip });
    URL.createObjectURL = () => "blob:zip"; // jsdom has none
    URL.revokeObjectURL = () => {};
    const saved: string[] = [];
    const clicked = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
      saved.push(this.download);
    });
    renderWith(<FilePage />, { api, person: OFFICER, ...route });
    expect(await screen.findByTestId("file-state")).toBeInTheDocument(); // loaded (cheap query first)
    await userEvent.click(await screen.findByRole("button", { name: "Tải gói hồ sơ (ZIP)" }));
    await waitFor(() => expect(saved).toEqual(["01.TCCB.zip"]));
    expect(calls.map((c) => c.path)).toContain("/api/v1/records/files/file-1/export");
    clicked.mockRestore();
  });

  it("shows the archivist the deposit checked against the plan's entry", async () => {
    const { api } = fakeGateway({ ...base,
      "GET /api/v1/records/files/file-1": recordFile({ state: "submitted", retention_years: 10 }),
      "GET /api/v1/records/files/file-1/access-log": { entries: [] },
      "GET /api/v1/records/plans/plan-1": plan({ state: "approved" }) });
    renderWith(<FilePage />, { api, person: ARCHIVIST, ...route });
    expect(await screen.findByTestId("file-state")).toBeInTheDocument(); // loaded (cheap query first)
    const check = await screen.findByRole("table", { name: "Đối chiếu với danh mục hồ sơ" });
    const retention = await within(check).findByRole("row", { name: /Thời hạn bảo quản/ });
    expect(retention).toHaveTextContent("Vĩnh viễn");
    expect(retention).toHaveTextContent("10 năm");
    expect(retention).toHaveTextContent("Khác danh mục");
    expect(within(check).getByRole("row", { name: /Số, ký hiệu/ })).toHaveTextContent("Khớp");
    expect(screen.getByText("Chưa có ai khai thác hồ sơ này.")).toBeInTheDocument();
  });
});

describe("Hồ sơ: import (the archivist)", () => {
  it("uploads an exported package as the request body and opens the file it became", async () => {
    const { api, calls } = fakeGateway({ "GET /api/v1/records/plans": { plans: [] },
      "GET /api/v1/records/files": { next_cursor: null, files: [] },
      "POST /api/v1/records/import": recordFile({ id: "file-9" }), "GET /api/v1/records/files/file-9": recordFile() });
    renderWith(<RecordsPage />, { api, person: ARCHIVIST, path: "/ho-so?nam=2026&tab=files" });
    const input = (await screen.findByText("Nhập gói hồ sơ (ZIP)")).closest("span.ant-upload")?.querySelector("input");
    expect(input).toBeTruthy();
    await userEvent.upload(input as HTMLInputElement, new File(["PK-package"], "01.TCCB.zip", { type: "application/zip" }));
    // the ZIP itself is the body (jsdom's File reaches the fake gateway as text, not JSON: no object, no form)
    await waitFor(() => expect(posts(calls).map(([method, path]) => [method, path]))
      .toEqual([["POST", "/api/v1/records/import"]]));
    expect(typeof posts(calls)[0]?.[2]).toBe("string");
  });

  it("is not offered to others", async () => {
    const { api } = fakeGateway({ "GET /api/v1/records/plans": { plans: [] },
      "GET /api/v1/records/files": { next_cursor: null, files: [] } });
    renderWith(<RecordsPage />, { api, person: CLERK, path: "/ho-so?nam=2026&tab=files" });
    expect(await screen.findByText("Chưa có hồ sơ nào.")).toBeInTheDocument();
    expect(screen.queryByText("Nhập gói hồ sơ (ZIP)")).not.toBeInTheDocument();
  });
});

describe("thời hạn bảo quản", () => {
  it("offers another period typed as years (Khác, 1–99) and keeps a stored one outside the list", async () => {
    const { RetentionSelect } = await import("./RetentionSelect");
    const onChange = vi.fn();
    const { api } = fakeGateway({});
    renderWith(<label>Thời hạn<RetentionSelect value={15} onChange={onChange} /></label>, { api });
    expect(screen.getByText("15 năm")).toBeInTheDocument();
    const box = screen.getByRole("combobox");
    await userEvent.click(box);
    fireEvent.change(box, { target: { value: "25" } });
    await userEvent.click(await screen.findByRole("option", { name: "25 năm" }));
    expect(onChange).toHaveBeenCalledWith(25);
    fireEvent.change(box, { target: { value: "150" } });
    expect(await screen.findByText("Chọn trong danh sách, hoặc gõ số năm khác (từ 1 đến 99).")).toBeInTheDocument();
  });
});
