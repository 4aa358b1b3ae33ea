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
    const tab = screen.getByRole("tab", { name: /Chờ phát hành/ });  // a phone's name (jsdom's screen is one)
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
    expect(await screen.findByRole("tab", { name: "Chờ phát hành" })).toBeInTheDocument();
    await screen.findByText("Không có dự thảo nào.");
    expect(calls.some((c) => c.path.includes("status=signed"))).toBe(true);
    expect(screen.queryByTestId("tab-count-signed")).not.toBeInTheDocument();
  });

  describe("its tabs by the screen's width", () => {
    const narrow = window.matchMedia;
    afterEach(() => { window.matchMedia = narrow; });
    const empty = () => fakeGateway({ "GET /api/v1/documents": { items: [], next_page_token: null },
      "GET /api/v1/registers": [], "GET /api/v1/document-types": [] }).api;

    it("keeps them on one line on a phone: short names, closer together, Ant Design's … for what does not fit", async () => {
      // trial 17: at 390 px the four tabs wrapped onto two lines ("Đã phát hành" alone on the second)
      renderWith(<OutgoingList />, { api: empty(), person: CLERK, path: "/van-ban-di" });
      await screen.findByText("Không có dự thảo nào.");
      const tabs = screen.getAllByRole("tab");
      expect(tabs.map((t) => t.textContent)).toEqual(["Dự thảo", "Chờ ký", "Chờ phát hành", "Đã phát hành"]);
      const bar = document.querySelector(".ant-tabs") as HTMLElement;
      expect(bar).toHaveClass("vt-list-tabs");
      expect(bar.querySelector(".ant-tabs-nav-operations .ant-tabs-nav-more")).not.toBeNull();  // the "…" (more) mode
      expect((tabs[1]?.closest(".ant-tabs-tab") as HTMLElement).style.marginLeft).toBe("16px");
    });

    it("names them in full from 768 px", async () => {
      window.matchMedia = ((query: string) => ({ ...narrow(query),
        matches: /min-width:\s*(\d+)px/.test(query) && Number(/min-width:\s*(\d+)px/.exec(query)?.[1]) <= 1440 })) as typeof window.matchMedia;
      renderWith(<OutgoingList />, { api: empty(), person: CLERK, path: "/van-ban-di" });
      await screen.findByText("Không có dự thảo nào.");
      expect(screen.getAllByRole("tab").map((t) => t.textContent)).toEqual(["Dự thảo", "Chờ ký", "Đã ký, chờ phát hành",
        "Đã phát hành"]);
      expect(document.querySelector(".ant-tabs")).not.toHaveClass("vt-list-tabs");
    });
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
