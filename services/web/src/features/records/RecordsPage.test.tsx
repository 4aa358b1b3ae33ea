import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import axe from "axe-core";
import type { Person } from "../../auth/claims";
import { fakeGateway, renderWith, type Call } from "../../test/render";
import { FilePage } from "./FilePage";
import { plan, recordFile } from "./fixtures";
import { RecordsPage } from "./RecordsPage";

const UBND = "000.00.00.H61";
const CLERK: Person = { username: "vanthu.ubnd", name: "Đặng Thị Mỹ Xuyên", agency: UBND, roles: ["clerk"] };
const LEADER: Person = { username: "lanhdao.ubnd", name: "Nguyễn Văn Lãnh", agency: UBND, roles: ["leader"] };
const OFFICER: Person = { username: "chuyenvien.ubnd", name: "Lê Văn Chuyên", agency: UBND, roles: ["officer"] };
const ARCHIVIST: Person = { username: "luutru.ubnd", name: "Phan Thị Lưu", agency: UBND, roles: ["archivist"] };
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
    await userEvent.click(screen.getByRole("button", { name: "Lập danh mục hồ sơ năm 2026" }));
    await waitFor(() => expect(posts(calls)).toEqual([["POST", "/api/v1/records/plans",
      { year: 2026, title: "", revise_plan_id: "" }]]));
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

  it("lets an officer open a file (lập hồ sơ) from an entry of the approved plan", async () => {
    const { api, calls } = fakeGateway({ "GET /api/v1/records/plans": { plans: [plan({ state: "approved", headings: [] })] },
      "GET /api/v1/records/plans/plan-1": plan({ state: "approved" }),
      "POST /api/v1/records/files": recordFile({ state: "open", documents: [], document_total: 0 }) });
    renderWith(<RecordsPage />, { api, person: OFFICER, path: "/ho-so?nam=2026" });
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
  });
});
