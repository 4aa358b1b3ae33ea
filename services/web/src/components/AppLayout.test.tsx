import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { arrival, outTask } from "../test/fixtures";
import { CLERK, fakeGateway, renderWith } from "../test/render";
import { IncomingList } from "../features/incoming/IncomingList";
import { AppLayout } from "./AppLayout";

const HEAD = { ...CLERK, username: "truongphong.snv", name: "Võ Minh Trưởng", roles: ["head" as const] };
const INBOX = { tasks: [outTask("lead", { case_kind: "incoming" })], counts: { todo: 3, due_soon: 1, overdue: 0, done: 2 },
  next_page_token: "" };

/** jsdom is narrow: the menu is the phone's drawer. */
async function openMenu() {
  await userEvent.setup({ delay: null }).click(await screen.findByRole("button", { name: "Mở danh mục" }));
}

describe("the menu", () => {
  it("counts the clerk's arrivals from the Văn bản đến list's own query: the gateway is asked for them once", async () => {
    const { api, calls } = fakeGateway({
      "GET /api/v1/documents": { items: [arrival(), arrival({ id: "b" })], next_page_token: null },
      "GET /api/v1/workflow/inbox": INBOX,
      "GET /api/v1/notifications": { notifications: [], unread: 0, next_page_token: "" },
    });
    renderWith(<><AppLayout /><IncomingList /></>, { api, path: "/van-ban-den" });
    expect(await screen.findAllByRole("link", { name: "15/UBND-VP" })).toHaveLength(2);
    await openMenu();
    expect(await screen.findByTestId("menu-count-van-ban-den")).toHaveTextContent("(2)");
    const arrived = calls.filter((c) => c.path.startsWith("/api/v1/documents?")
      && c.path.includes("direction=incoming") && c.path.includes("status=arrived"));
    expect(arrived).toHaveLength(1);
  });

  it("shows the clerk how many arrivals wait beside Văn bản đến, and their tasks beside Công việc", async () => {
    const { api } = fakeGateway({
      "GET /api/v1/documents": { items: [arrival(), arrival({ id: "b" })], next_page_token: null },
      "GET /api/v1/workflow/inbox": INBOX,
      "GET /api/v1/notifications": { notifications: [], unread: 0, next_page_token: "" },
    });
    renderWith(<AppLayout />, { api });
    await openMenu();
    expect(await screen.findByTestId("menu-count-van-ban-den")).toHaveTextContent("(2)");
    expect(await screen.findByTestId("menu-count-cong-viec")).toHaveTextContent("(3)");
    // the link keeps its name: the count sits beside it
    expect(within(screen.getByRole("dialog")).getByRole("link", { name: "Văn bản đến" })).toBeInTheDocument();
  });

  it("shows a head their incoming documents still to handle, and nothing when there are none", async () => {
    const { api, calls } = fakeGateway({
      "GET /api/v1/workflow/inbox": (url: URL) => url.searchParams.get("case_kind") === "incoming"
        ? { ...INBOX, counts: { ...INBOX.counts, todo: 1 } } : { ...INBOX, counts: { ...INBOX.counts, todo: 0 } },
      "GET /api/v1/notifications": { notifications: [], unread: 0, next_page_token: "" },
    });
    renderWith(<AppLayout />, { api, person: HEAD });
    await openMenu();
    expect(await screen.findByTestId("menu-count-van-ban-den")).toHaveTextContent("(1)");
    expect(screen.queryByTestId("menu-count-cong-viec")).not.toBeInTheDocument();
    expect(calls.some((c) => c.path.startsWith("/api/v1/documents"))).toBe(false);  // not the clerk's list
  });

  it("shows a leader no count at all, in the menu or on the bell, when every count is 0", async () => {
    // trial 17: a zero count read as something waiting; a 0 is shown as nothing
    const { api, calls } = fakeGateway({
      "GET /api/v1/workflow/inbox": { tasks: [], counts: { todo: 0, due_soon: 0, overdue: 0, done: 5 },
        next_page_token: "" },
      "GET /api/v1/notifications": { notifications: [], unread: 0, next_page_token: "" },
    });
    renderWith(<AppLayout />, { api, person: { ...HEAD, roles: ["leader"] } });
    await openMenu();
    const menu = screen.getByRole("dialog");
    expect(await within(menu).findByRole("link", { name: "Chờ ký" })).toBeInTheDocument();
    await waitFor(() => expect(calls.filter((c) => c.path.startsWith("/api/v1/workflow/inbox")).length)
      .toBeGreaterThanOrEqual(3));
    await waitFor(() => expect(calls.some((c) => c.path.startsWith("/api/v1/notifications"))).toBe(true));
    expect(menu.querySelector("[data-testid^='menu-count-']")).toBeNull();
    expect(menu).not.toHaveTextContent(/\(0\)/);
    expect(screen.getByTestId("notification-bell").closest(".ant-badge")?.querySelector(".ant-badge-count")).toBeFalsy();
  });

  it("shows the clerk how many signed documents wait to be issued beside Văn bản đi", async () => {
    const { api, calls } = fakeGateway({
      "GET /api/v1/documents": (url: URL) => url.searchParams.get("status") === "signed"
        ? { items: [arrival({ direction: "outgoing", status: "signed" })], next_page_token: null }
        : { items: [], next_page_token: null },
      "GET /api/v1/workflow/inbox": INBOX,
      "GET /api/v1/notifications": { notifications: [], unread: 0, next_page_token: "" },
    });
    renderWith(<AppLayout />, { api });
    await openMenu();
    expect(await screen.findByTestId("menu-count-van-ban-di")).toHaveTextContent("(1)");
    expect(within(screen.getByRole("dialog")).getByRole("link", { name: "Văn bản đi" })).toBeInTheDocument();
    expect(calls.some((c) => c.path.includes("direction=outgoing") && c.path.includes("status=signed"))).toBe(true);
    expect(screen.queryByTestId("menu-count-van-ban-den")).not.toBeInTheDocument();  // no arrival waits
  });

  it("shows the archivist how many files wait for deposit beside Hồ sơ, as the home page does", async () => {
    const file = { id: "f-1", state: "submitted" };
    const { api, calls } = fakeGateway({
      "GET /api/v1/records/files": { files: [file, { ...file, id: "f-2" }], next_cursor: "" },
      "GET /api/v1/notifications": { notifications: [], unread: 0, next_page_token: "" },
    });
    renderWith(<AppLayout />, { api, person: { ...CLERK, username: "luutru.snv", name: "Đỗ Thị Lưu", roles: ["archivist"] } });
    await openMenu();
    expect(await screen.findByTestId("menu-count-ho-so")).toHaveTextContent("(2)");
    expect(calls.find((c) => c.path.startsWith("/api/v1/records/files"))?.path).toContain("state=submitted");
    expect(calls.some((c) => c.path.startsWith("/api/v1/documents"))).toBe(false);
  });

  it("shows those who sign how many documents wait for their signature under Chờ ký, linking to the list's tab", async () => {
    const { api, calls } = fakeGateway({
      "GET /api/v1/workflow/inbox": (url: URL) => url.searchParams.getAll("kind").includes("sign")
        ? { ...INBOX, counts: { ...INBOX.counts, todo: 2 } } : { ...INBOX, counts: { ...INBOX.counts, todo: 1 } },
      "GET /api/v1/notifications": { notifications: [], unread: 0, next_page_token: "" },
    });
    const leader = { ...CLERK, username: "lanhdao.snv", name: "Nguyễn Văn Hưởng", roles: ["leader" as const] };
    renderWith(<AppLayout />, { api, person: leader });
    await openMenu();
    expect(await screen.findByTestId("menu-count-cho-ky")).toHaveTextContent("(2)");
    expect(await screen.findByTestId("menu-count-cong-viec")).toHaveTextContent("(1)");
    const link = within(screen.getByRole("dialog")).getByRole("link", { name: "Chờ ký" });
    expect(link).toHaveAttribute("href", "/van-ban-di?tab=submitted");
    const asked = calls.find((c) => c.path.includes("kind=sign"))?.path ?? "";
    expect(new URL(asked, "http://x").searchParams.get("case_kind")).toBe("outgoing");
  });

  it("lists no Chờ ký for those who do not sign", async () => {
    const { api, calls } = fakeGateway({
      "GET /api/v1/workflow/inbox": INBOX,
      "GET /api/v1/notifications": { notifications: [], unread: 0, next_page_token: "" },
    });
    renderWith(<AppLayout />, { api, person: { ...CLERK, username: "chuyenvien.snv", roles: ["officer"] } });
    await openMenu();
    expect(await screen.findByTestId("menu-count-cong-viec")).toBeInTheDocument();
    expect(within(screen.getByRole("dialog")).queryByRole("link", { name: "Chờ ký" })).not.toBeInTheDocument();
    expect(calls.some((c) => c.path.includes("kind=sign"))).toBe(false);
  });

  it("keeps the whole name on a phone (up to two lines), sign-out in the drawer, and the content as narrow as it", async () => {
    const { api } = fakeGateway({ "GET /api/v1/workflow/inbox": INBOX,
      "GET /api/v1/notifications": { notifications: [], unread: 0, next_page_token: "" } });
    renderWith(<AppLayout />, { api, person: { ...CLERK, name: "Nguyễn Thị Hoàng Phương Thảo" } });
    const name = await screen.findByTestId("user-name");
    expect(name).toHaveTextContent("Nguyễn Thị Hoàng Phương Thảo");
    expect(name.style.whiteSpace).toBe("normal");  // wraps, not cut to a few letters
    expect(screen.queryByRole("button", { name: "Đăng xuất" })).not.toBeInTheDocument();
    await openMenu();
    expect(within(screen.getByRole("dialog")).getByRole("button", { name: "Đăng xuất" })).toBeInTheDocument();
    // a wide table scrolls inside the page instead of widening it (and being clipped at Nơi nhận)
    expect(["0", "0px"]).toContain(screen.getByTestId("content").style.minWidth);
  });
});
