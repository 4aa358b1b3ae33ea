import { fireEvent, screen, waitFor, within } from "@testing-library/react";
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

/** The query string of the calls to ``path``, as parsed parameters. */
function queries(calls: { path: string }[], path: string): URLSearchParams[] {
  return calls.filter((c) => c.path.startsWith(`${path}?`) || c.path === path)
    .map((c) => new URLSearchParams(c.path.split("?")[1] ?? ""));
}

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

  it("says Đã trả lại, not Hoàn thành, for a job task its holder returned", async () => {
    const { api } = fakeGateway({ ...ROUTES, "GET /api/v1/workflow/inbox": { tasks: [
      jobTask({ state: "done", outcome: "return", deadline_state: "" }),
      jobTask({ id: "jt-2", case_id: "job-2", abstract: "Tổ chức hội nghị", state: "done", outcome: "complete",
        deadline_state: "" })],
    counts: { todo: 0, due_soon: 0, overdue: 0, done: 2 }, next_page_token: "" } });
    renderWith(<JobsPage />, { api, person: OFFICER });
    const rows = (await screen.findByTestId("jobs-received")).querySelectorAll(".ant-list-item");
    expect(rows[0]).toHaveTextContent("Đã trả lại");
    expect(rows[0]).not.toHaveTextContent("Hoàn thành");
    expect(rows[1]).toHaveTextContent("Hoàn thành");
  });
});

describe("giao việc: the filter bar", () => {
  it("sends the leader's filters to the server, keeps them in the URL and pages with them", async () => {
    const { api, calls } = fakeGateway({ ...ROUTES, "GET /api/v1/workflow/jobs": (url: URL) => (
      url.searchParams.get("page_token")
        ? { jobs: [job({ id: "job-3", abstract: "Tổng kết công tác thi đua" })], next_page_token: "" }
        : { jobs: [job()], next_page_token: "page-2" }) });
    // a link (or a reload) with filters: the form shows them and the list asks the server with them
    renderWith(<JobsPage />, { api, person: LEADER, path: "/giao-viec?tab=given&q=t%E1%BB%95ng%20k%E1%BA%BFt&state=assigned" });
    const bar = await screen.findByRole("region", { name: "Bộ lọc công việc" });
    expect(within(bar).getByLabelText("Tên công việc có chứa")).toHaveValue("tổng kết");
    await screen.findByTestId("jobs-given");
    const first = queries(calls, "/api/v1/workflow/jobs")[0] ?? new URLSearchParams();
    expect([first.get("q"), first.get("state")]).toEqual(["tổng kết", "assigned"]);

    fireEvent.click(screen.getByRole("button", { name: "Xem thêm" }));
    expect(await screen.findByText("Tổng kết công tác thi đua")).toBeInTheDocument();
    const next = queries(calls, "/api/v1/workflow/jobs").find((q) => q.get("page_token") === "page-2");
    expect([next?.get("q"), next?.get("state")]).toEqual(["tổng kết", "assigned"]);

    // new words, without tones: the server folds them; Xóa lọc asks for everything again
    const words = within(bar).getByLabelText("Tên công việc có chứa");
    fireEvent.change(words, { target: { value: "  hoi nghi " } });
    fireEvent.click(within(bar).getByRole("button", { name: "Lọc" }));
    await waitFor(() => expect(queries(calls, "/api/v1/workflow/jobs").some((q) => q.get("q") === "hoi nghi"
      && q.get("state") === "assigned")).toBe(true));
    fireEvent.click(within(bar).getByRole("button", { name: "Xóa lọc" }));
    await waitFor(() => expect(queries(calls, "/api/v1/workflow/jobs").some((q) => !q.has("q") && !q.has("state")))
      .toBe(true));
  });

  it("filters the tasks received by words, days given and the inbox's bucket", async () => {
    const { api, calls } = fakeGateway(ROUTES);
    renderWith(<JobsPage />, { api, person: OFFICER,
      path: "/giao-viec?q=bao%20cao&date_from=2026-11-01&date_to=2026-11-30&state=overdue" });
    await screen.findByTestId("jobs-received");
    const sent = queries(calls, "/api/v1/workflow/inbox")[0] ?? new URLSearchParams();
    expect([sent.get("q"), sent.get("date_from"), sent.get("date_to"), sent.get("bucket"), sent.get("case_kind")])
      .toEqual(["bao cao", "2026-11-01", "2026-11-30", "overdue", "job"]);
    expect(sent.getAll("kind")).toEqual(["lead", "cooperating", "for_information"]);
    const bar = screen.getByRole("region", { name: "Bộ lọc công việc" });
    expect(within(bar).getByText("Quá hạn")).toBeInTheDocument();  // the chosen bucket shown in the select
  });
});
