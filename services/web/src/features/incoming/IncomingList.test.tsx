import { screen, within } from "@testing-library/react";
import { arrival } from "../../test/fixtures";
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
    expect(calls[0]?.path).toContain("direction=incoming");
    expect(calls[0]?.path).toContain("status=arrived");
  });

  it("says so when nothing waits; offers the clerk to enter a paper arrival", async () => {
    const { api } = fakeGateway({ "GET /api/v1/documents": { items: [], next_page_token: null } });
    renderWith(<IncomingList />, { api, path: "/van-ban-den" });
    expect(await screen.findByText("Không có văn bản nào chờ vào sổ.")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Nhập văn bản giấy" })).toBeInTheDocument();
  });

  it("offers a leader no paper arrival", async () => {
    const { api } = fakeGateway({ "GET /api/v1/documents": { items: [], next_page_token: null } });
    renderWith(<IncomingList />, { api, path: "/van-ban-den", person: { ...CLERK, roles: ["leader"] } });
    expect(await screen.findByText("Không có văn bản nào chờ vào sổ.")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Nhập văn bản giấy" })).not.toBeInTheDocument();
  });
});
