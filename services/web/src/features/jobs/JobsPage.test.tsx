import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { fakeGateway, renderWith } from "../../test/render";
import { job, jobTask, LEADER, OFFICER } from "./fixtures";
import { JobsPage } from "./JobsPage";

const ROUTES = {
  "GET /api/v1/workflow/jobs": { jobs: [job(), job({ id: "job-2", abstract: "Tổ chức hội nghị", state: "completed" })],
    next_page_token: "" },
  "GET /api/v1/workflow/inbox": { tasks: [jobTask(), jobTask({ id: "jt-d", kind: "direct", assignee_kind: "person" })],
    counts: { todo: 1, due_soon: 0, overdue: 1, done: 0 }, next_page_token: "" },
};

describe("giao việc: the lists", () => {
  it("shows a leader the jobs they gave with state, lead and deadline, and the jobs given to them", async () => {
    const { api, calls } = fakeGateway(ROUTES);
    renderWith(<JobsPage />, { api, person: LEADER });
    const given = await screen.findByTestId("jobs-given");
    expect(given).toHaveTextContent("Chuẩn bị báo cáo tổng kết năm 2026");
    expect(given).toHaveTextContent("Phòng Tổng hợp");
    expect(given).toHaveTextContent("07/12/2026");
    expect(given).toHaveTextContent("Hoàn thành");
    expect(screen.getByRole("link", { name: "Tổ chức hội nghị" })).toHaveAttribute("href", "/giao-viec/job-2");
    expect(screen.getByRole("button", { name: "Giao việc" })).toBeInTheDocument();

    await userEvent.setup({ delay: null }).click(screen.getByRole("tab", { name: "Việc được giao" }));
    const received = await screen.findByTestId("jobs-received");
    expect(received).toHaveTextContent("Chủ trì");
    expect(received).toHaveTextContent("Quá hạn");
    expect(received.querySelectorAll(".ant-list-item")).toHaveLength(1); // the giver's own "direct" task is not listed
    expect(calls.some((c) => c.path.includes("case_kind=job") && c.path.includes("bucket=all"))).toBe(true);
  });

  it("gives an officer no giao việc button and only what was given to them", async () => {
    const { api, calls } = fakeGateway(ROUTES);
    renderWith(<JobsPage />, { api, person: OFFICER });
    expect(await screen.findByTestId("jobs-received")).toHaveTextContent("Chuẩn bị báo cáo tổng kết năm 2026");
    expect(screen.queryByRole("button", { name: "Giao việc" })).not.toBeInTheDocument();
    expect(screen.queryByRole("tab", { name: "Việc tôi giao" })).not.toBeInTheDocument();
    await waitFor(() => expect(calls.some((c) => c.path.startsWith("/api/v1/workflow/jobs"))).toBe(false));
  });
});
