import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { fakeGateway, renderWith } from "../../test/render";
import { jobTask } from "../jobs/fixtures";
import { arrival } from "../../test/fixtures";
import { MyWork, taskPath } from "./MyWork";

describe("việc của tôi", () => {
  it("links a job's task to the job's page and a document's task to the document", async () => {
    expect(taskPath(jobTask())).toBe("/giao-viec/job-1");
    expect(taskPath({ case_kind: "incoming", case_id: "c-1", document_id: "doc-1" })).toBe("/van-ban/doc-1");
    const { api } = fakeGateway({ "GET /api/v1/workflow/inbox": { tasks: [jobTask()],
      counts: { todo: 1, due_soon: 0, overdue: 1, done: 0 }, next_page_token: "" } });
    renderWith(<MyWork />, { api });
    expect(await screen.findByRole("link", { name: "Chuẩn bị báo cáo tổng kết năm 2026" }))
      .toHaveAttribute("href", "/giao-viec/job-1");
  });

  it("lists a task stopped because its document was cancelled as Đã thu hồi, saying why", async () => {
    const stopped = { ...jobTask(), case_kind: "outgoing", kind: "review", document_id: "doc-9", case_id: "c-9",
      abstract: "V/v dự thảo đã bị hủy", state: "withdrawn", note: "Văn bản đã bị hủy", deadline_state: "" };
    const { api } = fakeGateway({ "GET /api/v1/workflow/inbox": { tasks: [stopped],
      counts: { todo: 0, due_soon: 0, overdue: 0, done: 1 }, next_page_token: "" } });
    renderWith(<MyWork />, { api });
    expect(await screen.findByRole("link", { name: "V/v dự thảo đã bị hủy" })).toHaveAttribute("href", "/van-ban/doc-9");
    expect(screen.getByText("Đã thu hồi")).toBeInTheDocument();
    expect(screen.getByText("Văn bản đã bị hủy")).toBeInTheDocument();
    expect(screen.queryByText("withdrawn")).not.toBeInTheDocument();
  });

  it("shows a leader's extension request with the current deadline and the one asked for, from the task alone",
    async () => {
      const request = jobTask({ id: "jt-ext", kind: "extension", assignee: "s-ld", deadline: "", deadline_state: "",
        case_state: "extension_requested", case_deadline: "2026-12-07", requested_deadline: "2026-12-15" });
      const { api, calls } = fakeGateway({
        "GET /api/v1/workflow/inbox": { tasks: [request], counts: { todo: 1, due_soon: 0, overdue: 0, done: 0 },
          next_page_token: "" },
      });
      renderWith(<MyWork />, { api });
      expect(await screen.findByTestId("extension-dates"))
        .toHaveTextContent("Hạn hiện tại: 07/12/2026 — Xin gia hạn đến: 15/12/2026");
      expect(screen.getByText("Xin gia hạn")).toBeInTheDocument();
      // the dates are the task's own: no case is loaded, no step's text read
      expect(calls.filter((c) => /\/workflow\/(cases|jobs)\//.test(c.path))).toEqual([]);
    });

  it("says Đã xong (Đã dừng xử lý) of a để biết task whose case is finished, from its case_state, with no deadline tag",
    async () => {
      const informed = jobTask({ id: "jt-info", kind: "for_information", case_id: "c-7", case_kind: "incoming",
        document_id: arrival().id, abstract: "V/v lấy ý kiến dự thảo quy chế", deadline: "2026-11-20",
        deadline_state: "", case_state: "completed" });
      const stopped = jobTask({ id: "jt-stop", kind: "for_information", case_id: "c-8", case_kind: "incoming",
        document_id: arrival().id, abstract: "V/v văn bản đã bị thu hồi", deadline: "2026-11-20",
        deadline_state: "", case_state: "withdrawn" });
      const pending = jobTask({ id: "jt-open", kind: "for_information", abstract: "Việc còn đang làm",
        deadline_state: "on_time", case_state: "in_progress" });
      const { api, calls } = fakeGateway({
        "GET /api/v1/workflow/inbox": { tasks: [informed, stopped, pending],
          counts: { todo: 2, due_soon: 0, overdue: 0, done: 0 }, next_page_token: "" },
      });
      renderWith(<MyWork />, { api });
      const line = (await screen.findByRole("link", { name: "V/v lấy ý kiến dự thảo quy chế" })).closest("li")!;
      expect(within(line as HTMLElement).getByText("Đã xong")).toBeInTheDocument();
      expect(within(line as HTMLElement).queryByText("Chưa xử lý")).toBeNull();
      expect(within(line as HTMLElement).queryByText("Quá hạn")).toBeNull();  // its deadline is no longer a worry
      const halted = screen.getByRole("link", { name: "V/v văn bản đã bị thu hồi" }).closest("li")!;
      expect(within(halted as HTMLElement).getByText("Đã dừng xử lý")).toBeInTheDocument();
      const other = screen.getByRole("link", { name: "Việc còn đang làm" }).closest("li")!;
      expect(within(other as HTMLElement).getByText("Chưa xử lý")).toBeInTheDocument();  // its case goes on
      expect(calls.filter((c) => /\/workflow\/(cases|jobs)\//.test(c.path))).toEqual([]);  // no case loaded
    });

  it("filters Công việc as the other work lists (loại việc, vai trò, ngày giao, trích yếu) and says when and by whom each was given",
    async () => {
      const given = jobTask({ created_at: "2026-11-30T01:05:00Z", given_by: "s-ld", given_by_name: "Nguyễn Văn Hưởng" });
      const { api, calls } = fakeGateway({ "GET /api/v1/workflow/inbox": { tasks: [given],
        counts: { todo: 1, due_soon: 0, overdue: 1, done: 0 }, next_page_token: "" } });
      renderWith(<MyWork title="Công việc" filterable />,
        { api, path: "/cong-viec?case_kind=job&kind=lead&date_from=2026-11-01" });
      const line = (await screen.findByRole("link", { name: "Chuẩn bị báo cáo tổng kết năm 2026" })).closest("li")!;
      expect(within(line as HTMLElement).getByText("Giao việc")).toBeInTheDocument();
      expect(line).toHaveTextContent("Ngày giao: 30/11/2026");
      expect(line).toHaveTextContent("Người giao: Nguyễn Văn Hưởng");  // from the task: no case loaded
      expect(calls.filter((c) => /\/workflow\/(cases|jobs)\//.test(c.path))).toEqual([]);
      const asked = () => calls.filter((c) => c.path.startsWith("/api/v1/workflow/inbox"))
        .map((c) => new URLSearchParams(c.path.split("?")[1]));
      expect(asked()[0]?.get("case_kind")).toBe("job");
      expect(asked()[0]?.getAll("kind")).toEqual(["lead"]);
      expect(asked()[0]?.get("date_from")).toBe("2026-11-01");

      fireEvent.change(screen.getByLabelText("Trích yếu có chứa"), { target: { value: " bao cao " } });
      fireEvent.click(screen.getByRole("button", { name: "Lọc" }));
      await waitFor(() => expect(asked().at(-1)?.get("q")).toBe("bao cao"));
      expect(asked().at(-1)?.get("case_kind")).toBe("job");  // the other filters stay
    });

  it("keeps the home page's list unfiltered whatever the URL says", async () => {
    const { api, calls } = fakeGateway({ "GET /api/v1/workflow/inbox": { tasks: [jobTask()],
      counts: { todo: 1, due_soon: 0, overdue: 1, done: 0 }, next_page_token: "" } });
    renderWith(<MyWork />, { api, path: "/?case_kind=job" });
    await screen.findByRole("link", { name: "Chuẩn bị báo cáo tổng kết năm 2026" });
    expect(screen.queryByRole("button", { name: "Lọc" })).toBeNull();
    expect(calls.every((c) => !c.path.includes("case_kind"))).toBe(true);
  });
});
