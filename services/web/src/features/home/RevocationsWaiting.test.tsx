import { screen, waitFor, within } from "@testing-library/react";
import { arrival } from "../../test/fixtures";
import { fakeGateway, renderWith } from "../../test/render";
import { IncomingList } from "../incoming/IncomingList";
import { RevocationsWaiting } from "./RevocationsWaiting";

const PAGE = (items: unknown[], next: string | null = null) => ({ items, next_page_token: next });
const ASKED = [
  arrival({ id: "d1", number_symbol: "05/UBND-VP", issuing_agency_name: "UBND phường Long Châu",
    revocation: "requested", revocation_kind: "revoke", revocation_reason: "Ban hành chưa đúng thẩm quyền" }),
  arrival({ id: "d2", number_symbol: "17/SNV-TCBC", issuing_agency_name: "Sở Nội vụ", status: "registered",
    revocation: "requested", revocation_kind: "update" }),
];

describe("the clerk's to-do of revocations (thu hồi, cập nhật chờ văn thư xử lý)", () => {
  it("counts the requests waiting and links each to its document, asking the registry for those only", async () => {
    const { api, calls } = fakeGateway({ "GET /api/v1/documents": PAGE(ASKED) });
    renderWith(<RevocationsWaiting />, { api });
    const todo = await screen.findByTestId("revocations-waiting");
    expect(todo).toHaveTextContent("2 yêu cầu thu hồi, cập nhật văn bản đến đang chờ văn thư xử lý");
    expect(within(todo).getByRole("link", { name: "Thu hồi: 05/UBND-VP — UBND phường Long Châu" }))
      .toHaveAttribute("href", "/van-ban/d1");
    expect(within(todo).getByRole("link", { name: "Cập nhật: 17/SNV-TCBC — Sở Nội vụ" }))
      .toHaveAttribute("href", "/van-ban/d2");
    const asked = calls.find((c) => c.path.startsWith("/api/v1/documents"))?.path ?? "";
    expect(asked).toContain("revocation=requested");
    expect(asked).toContain("direction=incoming");
  });

  it("says 50+ when more wait than one page holds, and nothing at all when none waits", async () => {
    const many = fakeGateway({ "GET /api/v1/documents": PAGE(ASKED, "next") });
    const { unmount } = renderWith(<RevocationsWaiting />, { api: many.api });
    expect(await screen.findByTestId("revocations-waiting")).toHaveTextContent("50+ yêu cầu");
    unmount();
    const none = fakeGateway({ "GET /api/v1/documents": PAGE([arrival()]) });
    renderWith(<RevocationsWaiting />, { api: none.api });
    await waitFor(() => expect(none.calls.length).toBeGreaterThan(0));
    expect(screen.queryByTestId("revocations-waiting")).not.toBeInTheDocument();
  });

  it("is on the clerk's home, the incoming list, above the arrivals", async () => {
    const { api } = fakeGateway({ "GET /api/v1/documents": (url: URL) =>
      PAGE(url.searchParams.get("revocation") === "requested" ? ASKED.slice(0, 1) : [arrival({ id: "d9" })]),
    "GET /api/v1/registers": [], "GET /api/v1/document-types": [] });
    renderWith(<IncomingList />, { api, path: "/van-ban-den" });
    expect(await screen.findByTestId("revocations-waiting")).toHaveTextContent("1 yêu cầu thu hồi");
  });
});
