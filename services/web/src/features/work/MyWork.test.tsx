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
});
