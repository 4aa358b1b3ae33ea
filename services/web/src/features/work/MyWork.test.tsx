import { screen } from "@testing-library/react";
import { fakeGateway, renderWith } from "../../test/render";
import { jobTask } from "../jobs/fixtures";
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
});
