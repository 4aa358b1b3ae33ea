import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { fakeGateway, renderWith } from "../../test/render";
import { job, jobTask, LEADER, OFFICER } from "./fixtures";
import { giverActions, JobPage } from "./JobPage";

const TASK = jobTask();

function routes(overrides: Record<string, unknown> = {}, subject = "s-ld") {
  return {
    "GET /api/v1/workflow/jobs/job-1": job({ tasks: [TASK], steps: [{ seq: 1, action: "assign", actor: "s-ld",
      actor_name: "Nguyễn Văn Lãnh", at: "2026-11-30T08:00:00+07:00", comment: "", from_state: "",
      to_state: "assigned", task_id: "", on_behalf_of: "", delegation_id: "", competence: "" }] }),
    "GET /api/v1/me": { subject, username: "x", name: "x", agency: "000.00.00.H61", roles: [] },
    "GET /api/v1/workflow/inbox": { tasks: subject === "s-cv" ? [TASK] : [], counts: { todo: 1, due_soon: 0,
      overdue: 0, done: 0 }, next_page_token: "" },
    "GET /api/v1/workflow/jobs": { jobs: [job({ id: "job-9", abstract: "Số liệu quý IV", parent_id: "job-1", depth: 1 })],
      next_page_token: "" },
    ...overrides,
  };
}

describe("a job's page", () => {
  it("offers the giver's gestures by state only", () => {
    expect(giverActions("assigned")).toEqual(["reassign", "recall"]);
    expect(giverActions("extension_requested")).toEqual(["reassign", "recall", "decide"]);
    expect(giverActions("submitted")).toEqual(["reassign"]);
    expect(giverActions("completed")).toEqual([]);
  });

  it("shows the giver the job, its tasks, history and sub-jobs, and recalls it with the version read", async () => {
    const { api, calls } = fakeGateway(routes({
      "POST /api/v1/workflow/jobs/job-1/recall": job({ state: "submitted", version: 3 }) }));
    renderWith(<JobPage />, { api, person: LEADER, path: "/giao-viec/job-1", route: "/giao-viec/:id" });
    expect(await screen.findByTestId("job-title")).toHaveTextContent("Chuẩn bị báo cáo tổng kết năm 2026");
    expect(screen.getByText("Tổng hợp số liệu các phòng")).toBeInTheDocument();
    expect(within(screen.getByTestId("processing-tasks")).getByText("Quá hạn")).toBeInTheDocument();
    expect(await screen.findByRole("link", { name: "Số liệu quý IV" })).toHaveAttribute("href", "/giao-viec/job-9");
    expect(screen.queryByRole("button", { name: "Giao việc con" })).not.toBeInTheDocument(); // the giver is not the lead
    const user = userEvent.setup({ delay: null });
    await user.click(await screen.findByRole("button", { name: "Thu hồi công việc" }));
    fireEvent.change(screen.getByLabelText("Lý do thu hồi"), { target: { value: "Đổi kế hoạch" } });
    const dialog = screen.getByRole("dialog");
    await user.click(within(dialog).getByRole("button", { name: "Thu hồi công việc" }));
    await waitFor(() => expect(calls.find((c) => c.method === "POST")).toEqual({ method: "POST",
      path: "/api/v1/workflow/jobs/job-1/recall", body: { version: 2, comment: "Đổi kế hoạch" } }));
    expect(await screen.findByText("Chờ giao lại")).toBeInTheDocument();
  });

  it("gives the lead officer their task's gestures and sub-jobs, not the giver's; completes with the result", async () => {
    const { api, calls } = fakeGateway(routes({
      "POST /api/v1/workflow/tasks/jt-1/complete": job({ state: "completed", version: 3 }) }, "s-cv"));
    renderWith(<JobPage />, { api, person: OFFICER, path: "/giao-viec/job-1", route: "/giao-viec/:id" });
    const user = userEvent.setup({ delay: null });
    await user.click(await screen.findByRole("button", { name: "Hoàn thành" }));
    expect(screen.getByRole("button", { name: "Giao việc con" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Thu hồi công việc" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Giao lại" })).not.toBeInTheDocument();
    fireEvent.change(screen.getByLabelText("Kết quả xử lý"), { target: { value: "Đã gửi báo cáo" } });
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Hoàn thành" }));
    await waitFor(() => expect(calls.find((c) => c.method === "POST")).toEqual({ method: "POST",
      path: "/api/v1/workflow/tasks/jt-1/complete",
      body: { version: 2, result: "Đã gửi báo cáo", reply_document_id: "", result_file_ids: [] } }));
  });
});
