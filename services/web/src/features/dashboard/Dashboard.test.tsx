import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { fakeGateway, renderWith, typeDate } from "../../test/render";
import { LEADER } from "../jobs/fixtures";
import { Dashboard } from "./Dashboard";
import { periodOf } from "./period";

function row(overrides: Record<string, unknown> = {}) {
  return { unit_code: "TH", unit_name: "Phòng Tổng hợp", total: 10, by_state: { in_progress: 4, completed: 6 },
    completed: 6, with_deadline: 8, overdue_open: 1, completed_late: 1, overdue_rate: 0.25,
    median_processing_days: 3.5, ...overrides };
}

const ANSWER = {
  agency: row({ unit_code: "", unit_name: "", total: 14, overdue_open: 2, overdue_rate: 0.2 }),
  units: [row(), row({ unit_code: "NC", unit_name: "Phòng Nội chính", total: 4, by_state: { assigned: 4 },
    completed: 0, overdue_open: 0, completed_late: 0, overdue_rate: 0, median_processing_days: 0 })],
};

describe("báo cáo thống kê", () => {
  it("periods: this month, quarter and year up to today", () => {
    expect(periodOf("month", "2026-11-30")).toEqual(["2026-11-01", "2026-11-30"]);
    expect(periodOf("quarter", "2026-11-30")).toEqual(["2026-10-01", "2026-11-30"]);
    expect(periodOf("year", "2026-02-03")).toEqual(["2026-01-01", "2026-02-03"]);
  });

  it("shows the agency and each unit: by state, overdue, rate and median, with bars to scale; filters by kind and period",
    async () => {
      const { api, calls } = fakeGateway({ "GET /api/v1/workflow/dashboard": ANSWER });
      renderWith(<Dashboard today="2026-11-30" />, { api, person: LEADER });
      const table = await screen.findByTestId("dash-table");
      expect(within(table).getByText("Phòng Tổng hợp")).toBeInTheDocument();
      expect(within(table).getByText("Đang xử lý: 4")).toBeInTheDocument();
      expect(within(table).getByText("25%")).toBeInTheDocument();
      expect(within(table).getByText("3,5 ngày")).toBeInTheDocument();
      // Phòng Nội chính completed nothing: no median, not "0 ngày"
      expect(within(table).queryByText("0 ngày")).not.toBeInTheDocument();
      expect(within(within(table).getByText("Phòng Nội chính").closest("tr") as HTMLElement).getByText("—"))
        .toBeInTheDocument();
      expect(screen.getByTestId("dash-median")).toHaveTextContent("Thời gian xử lý (trung vị): 3,5 ngày");
      expect(screen.getByText("Toàn cơ quan")).toBeInTheDocument();
      expect(screen.getByTestId("dash-period")).toHaveTextContent("01/11/2026 – 30/11/2026");
      const bars = screen.getByTestId("chart-rate").querySelectorAll("rect");
      expect([...bars].map((b) => b.getAttribute("data-value"))).toEqual(["0.25", "0"]);
      expect(Number.parseFloat(bars[0]?.getAttribute("width") ?? "")).toBeGreaterThan(0);
      expect(bars[1]?.getAttribute("width")).toBe("0%");
      expect(calls[0]?.path).toBe("/api/v1/workflow/dashboard?date_from=2026-11-01&date_to=2026-11-30&kind=incoming");

      fireEvent.click(screen.getByText("Công việc"));
      fireEvent.click(screen.getByRole("radio", { name: "Năm nay" }));
      await waitFor(() => expect(calls.at(-1)?.path)
        .toBe("/api/v1/workflow/dashboard?date_from=2026-01-01&date_to=2026-11-30&kind=job"));
    });

  it("shows no median (—, chưa có văn bản hoàn thành) when nothing was completed in the period", async () => {
    const none = row({ unit_code: "", unit_name: "", total: 3, by_state: { assigned: 3 }, completed: 0, completed_late: 0,
      overdue_open: 0, overdue_rate: 0, median_processing_days: 0 });
    const { api } = fakeGateway({ "GET /api/v1/workflow/dashboard": { agency: none,
      units: [{ ...none, unit_code: "TH", unit_name: "Phòng Tổng hợp" }] } });
    renderWith(<Dashboard today="2026-11-30" />, { api, person: LEADER });
    expect(await screen.findByTestId("dash-median"))
      .toHaveTextContent("Thời gian xử lý (trung vị): — (chưa có văn bản hoàn thành)");
    expect(screen.queryByText(/0 ngày/)).not.toBeInTheDocument();
  });

  it("asks nothing for a period that ends before it starts, and exports the period shown as CSV", async () => {
    const { api, calls } = fakeGateway({ "GET /api/v1/workflow/dashboard": ANSWER,
      "GET /api/v1/workflow/dashboard/export": "a,b" });
    const created: Blob[] = [];
    vi.stubGlobal("URL", Object.assign(URL, { createObjectURL: (b: Blob) => { created.push(b); return "blob:x"; },
      revokeObjectURL: () => {} }));
    const click = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(() => {});
    renderWith(<Dashboard today="2026-11-30" />, { api, person: LEADER });
    await screen.findByTestId("dash-table");
    fireEvent.click(screen.getByRole("radio", { name: "Tùy chọn" }));
    typeDate(screen.getByLabelText("Từ ngày"), "20/11/2026");
    typeDate(screen.getByLabelText("Đến ngày"), "10/11/2026");
    expect(await screen.findByText("Ngày bắt đầu phải trước hoặc bằng ngày kết thúc.")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Xuất CSV" })).toBeDisabled();
    const before = calls.length;
    typeDate(screen.getByLabelText("Đến ngày"), "25/11/2026");
    await waitFor(() => expect(screen.getByRole("button", { name: "Xuất CSV" })).toBeEnabled());
    expect(calls.slice(0, before).some((c) => c.path.includes("date_to=2026-11-10"))).toBe(false);
    fireEvent.click(screen.getByRole("button", { name: "Xuất CSV" }));
    await waitFor(() => expect(created).toHaveLength(1));
    expect(calls.at(-1)?.path).toBe(
      "/api/v1/workflow/dashboard/export?date_from=2026-11-20&date_to=2026-11-25&kind=incoming&format=csv");
    expect(click).toHaveBeenCalledTimes(1);
    click.mockRestore();
    vi.unstubAllGlobals();
  });
});
