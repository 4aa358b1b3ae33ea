import { screen, within } from "@testing-library/react";
import { draft } from "../../test/fixtures";
import type { Person } from "../../auth/claims";
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

  it("opens on Chờ ký for a leader, counting what waits for their signature", async () => {
    // fresh-user trial: the leader's Văn bản đi opened on Dự thảo, empty for a leader
    const leader: Person = { username: "lanhdao.snv", name: "Nguyễn Văn Hưởng", agency: "000.00.02.H61",
      roles: ["leader"] };
    const { api, calls } = fakeGateway({
      "GET /api/v1/documents": (url: URL) => ({
        items: url.searchParams.get("status") === "submitted" ? [draft({ id: "d-9", status: "submitted" })] : [],
        next_page_token: null }),
      "GET /api/v1/workflow/inbox": { tasks: [], next_page_token: "",
        counts: { todo: 3, due_soon: 0, overdue: 0, done: 0 } },
    });
    renderWith(<OutgoingList />, { api, person: leader, path: "/van-ban-di" });
    expect(await screen.findByTestId("tab-count-submitted")).toHaveTextContent("(3)");
    expect(screen.getByRole("tab", { name: /Chờ ký/ })).toHaveAttribute("aria-selected", "true");
    const inbox = calls.find((c) => c.path.startsWith("/api/v1/workflow/inbox"));
    expect(inbox?.path).toContain("kind=sign");
    expect(inbox?.path).toContain("case_kind=outgoing");
  });

  it("opens on Chờ ký for a head with a document waiting for their signature", async () => {
    const head: Person = { username: "truongphong.snv", name: "Hoàng Văn Trưởng", agency: "000.00.02.H61",
      roles: ["head"] };
    const { api } = fakeGateway({
      "GET /api/v1/documents": { items: [], next_page_token: null },
      "GET /api/v1/workflow/inbox": { tasks: [], next_page_token: "",
        counts: { todo: 1, due_soon: 0, overdue: 0, done: 0 } },
    });
    renderWith(<OutgoingList />, { api, person: head, path: "/van-ban-di" });
    expect(await screen.findByTestId("tab-count-submitted")).toHaveTextContent("(1)");
    expect(screen.getByRole("tab", { name: /Chờ ký/ })).toHaveAttribute("aria-selected", "true");
  });
});
