import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { arrival, outTask } from "../../test/fixtures";
import { CLERK, fakeGateway, renderWith } from "../../test/render";
import { IncomingList } from "./IncomingList";

describe("Văn bản đến", () => {
  it("lists the arrivals waiting with their signature report, count and Vietnamese dates", async () => {
    const { api, calls } = fakeGateway({
      "GET /api/v1/documents": {
        items: [arrival(), arrival({ id: "b", number_symbol: "7/SNV", signature_check: "invalid",
          signature_note: "chữ ký không khớp nội dung", urgency: "express" })],
        next_page_token: null,
      },
    });
    renderWith(<IncomingList />, { api, path: "/van-ban-den" });
    const table = await screen.findByRole("link", { name: "15/UBND-VP" });
    expect(table).toHaveAttribute("href", "/van-ban/0192f0a1-7c3e-7b1a-9c1d-2f3e4a5b6c7d");
    expect(screen.getByText("Hợp lệ")).toBeInTheDocument();
    expect(screen.getByText("Không hợp lệ")).toBeInTheDocument();
    expect(screen.getByText("Hỏa tốc")).toBeInTheDocument();
    expect(screen.getAllByText("30/11/2026").length).toBeGreaterThan(0); // arrived 17:30 UTC = 00:30 next day
    // dates stay on one line in narrow columns (a phone): their cells carry base.css's nowrap class
    for (const cell of screen.getAllByText("30/11/2026")) expect(cell.closest("td")).toHaveClass("date-cell");
    const tab = screen.getByRole("tab", { name: /Chờ vào sổ/ });
    expect(within(tab).getByText("2")).toBeInTheDocument();
    const list = calls.find((c) => c.path.startsWith("/api/v1/documents?") && !c.path.includes("revocation="))?.path;
    expect(list).toContain("direction=incoming");
    expect(list).toContain("status=arrived");
  });

  it("says so when nothing waits; offers the clerk to enter a paper arrival", async () => {
    const { api } = fakeGateway({ "GET /api/v1/documents": { items: [], next_page_token: null } });
    renderWith(<IncomingList />, { api, path: "/van-ban-den" });
    expect(await screen.findByText("Không có văn bản nào chờ vào sổ.")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Nhập văn bản giấy" })).toBeInTheDocument();
  });

  it("offers a leader no paper arrival", async () => {
    const { api } = fakeGateway({ "GET /api/v1/workflow/inbox": { tasks: [], counts: {}, next_page_token: "" } });
    renderWith(<IncomingList />, { api, path: "/van-ban-den", person: { ...CLERK, roles: ["leader"] } });
    expect(await screen.findByText("Không có văn bản đến nào chờ đồng chí xử lý.")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Nhập văn bản giấy" })).not.toBeInTheDocument();
  });

  it("shows a head their own work on arrivals — chờ xử lý, để biết, đã xử lý — not the clerk's tabs", async () => {
    // issue 14 review: a head's Văn bản đến showed Chờ vào sổ / Đã vào sổ / Đã trả lại
    const lead = outTask("lead", { id: "t-1", case_kind: "incoming", abstract: "V/v rà soát thủ tục hành chính năm 2026",
      document_id: "doc-1", deadline: "2026-12-08", deadline_state: "due_soon" });
    const informed = outTask("for_information", { id: "t-2", case_kind: "incoming", document_id: "doc-2",
      abstract: "V/v lịch tiếp công dân tháng 12", state: "done" });
    const { api, calls } = fakeGateway({
      "GET /api/v1/workflow/inbox": (url: URL) => ({
        tasks: url.searchParams.getAll("kind").includes("for_information") ? [informed] : [lead],
        counts: { todo: 1, due_soon: 1, overdue: 0, done: 0 }, next_page_token: "" }),
      "GET /api/v1/documents": { items: [], next_page_token: null },
    });
    renderWith(<IncomingList />, { api, path: "/van-ban-den", person: { ...CLERK, roles: ["head"] } });
    const link = await screen.findByRole("link", { name: "V/v rà soát thủ tục hành chính năm 2026" });
    expect(link).toHaveAttribute("href", "/van-ban/doc-1");
    expect(screen.getByText("Chủ trì")).toBeInTheDocument();
    expect(screen.getByText("08/12/2026")).toBeInTheDocument();
    expect(screen.queryByRole("tab", { name: /Chờ vào sổ/ })).not.toBeInTheDocument();
    expect(within(screen.getByRole("tab", { name: /Chờ xử lý/ })).getByText("1")).toBeInTheDocument();
    const first = calls.find((c) => c.path.startsWith("/api/v1/workflow/inbox"))?.path ?? "";
    expect(first).toContain("case_kind=incoming");
    expect(first).toContain("bucket=todo");
    expect(first).not.toContain("kind=for_information");
    await userEvent.setup({ delay: null }).click(screen.getByRole("tab", { name: /Để biết/ }));
    expect(await screen.findByRole("link", { name: "V/v lịch tiếp công dân tháng 12" })).toBeInTheDocument();
  });
});
