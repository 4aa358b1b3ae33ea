import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { arrival, outTask } from "../test/fixtures";
import { CLERK, fakeGateway, renderWith } from "../test/render";
import { AppLayout } from "./AppLayout";

const HEAD = { ...CLERK, username: "truongphong.snv", name: "Võ Minh Trưởng", roles: ["head" as const] };
const INBOX = { tasks: [outTask("lead", { case_kind: "incoming" })], counts: { todo: 3, due_soon: 1, overdue: 0, done: 2 },
  next_page_token: "" };

/** jsdom is narrow: the menu is the phone's drawer. */
async function openMenu() {
  await userEvent.setup({ delay: null }).click(await screen.findByRole("button", { name: "Mở danh mục" }));
}

describe("the menu", () => {
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
});
