import { screen, within } from "@testing-library/react";
import { draft } from "../../test/fixtures";
import { CLERK, fakeGateway, renderWith } from "../../test/render";
import { OutgoingList } from "./OutgoingList";

describe("Văn bản đi", () => {
  it("counts the documents waiting to be issued on their tab, whatever tab is open", async () => {
    const signed = [draft({ id: "d-1", status: "signed" }), draft({ id: "d-2", status: "signed" })];
    const { api } = fakeGateway({
      "GET /api/v1/documents": (url: URL) => ({
        items: url.searchParams.get("status") === "signed" ? signed : [], next_page_token: null }),
      "GET /api/v1/registers": [],
      "GET /api/v1/document-types": [],
    });
    renderWith(<OutgoingList />, { api, person: CLERK, path: "/van-ban-di" });
    expect(await screen.findByTestId("tab-count-signed")).toHaveTextContent("(2)");
    const tab = screen.getByRole("tab", { name: /Đã ký, chờ phát hành/ });
    expect(within(tab).getByTestId("tab-count-signed")).toBeInTheDocument();
    expect(screen.getByRole("tab", { name: "Dự thảo" })).toHaveAttribute("aria-selected", "true");
  });

  it("shows no count when nothing waits", async () => {
    const { api, calls } = fakeGateway({
      "GET /api/v1/documents": { items: [], next_page_token: null },
      "GET /api/v1/registers": [],
      "GET /api/v1/document-types": [],
    });
    renderWith(<OutgoingList />, { api, person: CLERK, path: "/van-ban-di" });
    expect(await screen.findByRole("tab", { name: "Đã ký, chờ phát hành" })).toBeInTheDocument();
    await screen.findByText("Không có dự thảo nào.");
    expect(calls.some((c) => c.path.includes("status=signed"))).toBe(true);
    expect(screen.queryByTestId("tab-count-signed")).not.toBeInTheDocument();
  });
});
