import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { fakeGateway, renderWith } from "../../test/render";
import { LEADER } from "../jobs/fixtures";
import { ExchangeStatistics } from "./ExchangeStatistics";

function row(code: string, name: string, counts: Record<string, number> = {}) {
  return { agency_code: code, agency_name: name, packages_sent: 0, deliveries: 0, deliveries_failed: 0,
    packages_received: 0, packages_returned: 0, returned_by_recipients: 0, revocations_sent: 0,
    revocations_accepted: 0, revocations_refused: 0, acknowledgements_overdue: 0, ...counts };
}

const ANSWER = [
  row("000.00.00.H61", "Ủy ban nhân dân tỉnh Vĩnh Long", { packages_sent: 5, deliveries: 20, deliveries_failed: 1,
    revocations_sent: 2, revocations_accepted: 7, revocations_refused: 1 }),
  row("000.00.01.H61", "Văn phòng Ủy ban nhân dân tỉnh Vĩnh Long"),
  row("000.00.02.H61", "Sở Nội vụ tỉnh Vĩnh Long", { packages_received: 5, packages_returned: 1 }),
];

describe("thống kê liên thông (issue 12)", () => {
  it("shows each agency's packages sent, received, returned and taken back for the period, in Vietnamese, with totals",
    async () => {
      const { api, calls } = fakeGateway({ "GET /api/v1/interchange/statistics": ANSWER });
      renderWith(<ExchangeStatistics today="2026-12-02" />, { api, person: LEADER });
      const table = await screen.findByTestId("exchange-table");
      expect(calls[0]?.path).toBe("/api/v1/interchange/statistics?date_from=2026-12-01&date_to=2026-12-02");
      expect(screen.getByTestId("exchange-period")).toHaveTextContent("01/12/2026 – 02/12/2026");
      for (const header of ["Văn bản đã gửi", "Văn bản đã nhận", "Văn bản đã trả lại (02)", "Yêu cầu lấy lại (13)",
        "Nơi nhận đồng ý lấy lại (15)", "Nơi nhận từ chối lấy lại (16)", "Chưa báo đã đến trong ngày (01)"]) {
        expect(within(table).getAllByText(header)[0]).toBeInTheDocument();
      }
      const ubnd = within(table).getByText("Ủy ban nhân dân tỉnh Vĩnh Long").closest("tr") as HTMLElement;
      expect(within(ubnd).getByText("20")).toBeInTheDocument();
      expect(within(ubnd).getByText("7")).toBeInTheDocument();  // given back (15)
      // an agency with nothing exchanged is left out until asked for
      expect(within(table).queryByText("Văn phòng Ủy ban nhân dân tỉnh Vĩnh Long")).not.toBeInTheDocument();
      fireEvent.click(screen.getByLabelText("Chỉ hiện cơ quan có số liệu"));
      expect(await within(table).findByText("Văn phòng Ủy ban nhân dân tỉnh Vĩnh Long")).toBeInTheDocument();
      const total = within(table).getByText("Tổng cộng").closest("tr") as HTMLElement;
      expect(within(total).getAllByText("5")).toHaveLength(2);  // sent and received

      fireEvent.click(screen.getByRole("radio", { name: "Năm nay" }));
      await waitFor(() => expect(calls.at(-1)?.path)
        .toBe("/api/v1/interchange/statistics?date_from=2026-01-01&date_to=2026-12-02"));
    });

  it("says so when nothing was exchanged in the period", async () => {
    const { api } = fakeGateway({ "GET /api/v1/interchange/statistics": [row("000.00.00.H61", "UBND tỉnh")] });
    renderWith(<ExchangeStatistics today="2026-12-02" />, { api, person: LEADER });
    expect(await screen.findByText("Không có văn bản nào được gửi, nhận trong thời gian này.")).toBeInTheDocument();
  });
});
