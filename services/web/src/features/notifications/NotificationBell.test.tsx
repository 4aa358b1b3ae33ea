import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { fakeGateway, renderWith } from "../../test/render";
import { NotificationBell, notificationPath } from "./NotificationBell";
import { parseEvents } from "./stream";

const NOTE = {
  id: "n-1", kind: "new_task", title: "Nhiệm vụ mới: chủ trì xử lý văn bản", body: "V/v báo cáo chuyển đổi số năm 2026",
  case_id: "case-1", task_id: "task-1", document_id: "0192f0a1-7c3e-7b1a-9c1d-000000000001",
  created_at: "2026-11-30T09:15:00+07:00", read: false,
};

describe("the notifications bell", () => {
  it("shows the unread count, lists the latest and marks one read when it is opened", async () => {
    const gateway = fakeGateway({
      "GET /api/v1/notifications": {
        notifications: [NOTE, { ...NOTE, id: "n-2", kind: "overdue", title: "Quá hạn xử lý", body: "", read: true,
          created_at: "2026-11-29T16:00:00+07:00" }],
        next_page_token: "", unread: 1,
      },
      "POST /api/v1/notifications/read": { marked: 1, unread: 0 },
    });
    renderWith(<NotificationBell />, { api: gateway.api });
    const bell = await screen.findByRole("button", { name: "Thông báo, 1 chưa đọc" });
    const user = userEvent.setup({ delay: null });
    await user.click(bell);
    expect(await screen.findByText("V/v báo cáo chuyển đổi số năm 2026")).toBeInTheDocument();
    expect(screen.getByText("30/11/2026 09:15")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Nhiệm vụ mới: chủ trì xử lý văn bản" }));
    await waitFor(() => expect(gateway.calls.filter((c) => c.method === "POST")).toHaveLength(1));
    expect(gateway.calls.find((c) => c.method === "POST")).toMatchObject({
      path: "/api/v1/notifications/read", body: { ids: ["n-1"], all: false } });
  });

  it("marks every one read at once, and has nothing to mark when all are read", async () => {
    const gateway = fakeGateway({
      "GET /api/v1/notifications": { notifications: [NOTE], next_page_token: "", unread: 1 },
      "POST /api/v1/notifications/read": { marked: 1, unread: 0 },
    });
    renderWith(<NotificationBell />, { api: gateway.api });
    const user = userEvent.setup({ delay: null });
    await user.click(await screen.findByRole("button", { name: "Thông báo, 1 chưa đọc" }));
    await user.click(await screen.findByRole("button", { name: "Đánh dấu tất cả đã đọc" }));
    await waitFor(() => expect(gateway.calls.find((c) => c.method === "POST")).toMatchObject({
      body: { ids: [], all: true } }));
  });
});

describe("the bell on a phone", () => {
  it("opens the notifications in a drawer across the screen's width, not a popover hanging off the bell", async () => {
    // jsdom answers no media query: Ant Design's breakpoints see a phone (narrower than md, 768 px)
    const gateway = fakeGateway({
      "GET /api/v1/notifications": { notifications: [NOTE], next_page_token: "", unread: 1 },
    });
    renderWith(<NotificationBell />, { api: gateway.api });
    const user = userEvent.setup({ delay: null });
    await user.click(await screen.findByRole("button", { name: "Thông báo, 1 chưa đọc" }));
    const panel = await screen.findByRole("dialog");
    expect(within(panel).getByText("Thông báo")).toBeInTheDocument();
    expect(await within(panel).findByText("V/v báo cáo chuyển đổi số năm 2026")).toBeInTheDocument();
    // a top drawer spans the viewport (left 0, right 0) whatever the bell's place in the header
    expect(panel.closest(".ant-drawer-top")).not.toBeNull();
    expect(document.querySelector(".ant-popover")).toBeNull();
    expect(within(panel).getByTestId("notification-panel")).not.toHaveStyle({ width: "360px" });
    await user.click(within(panel).getByRole("button", { name: "Nhiệm vụ mới: chủ trì xử lý văn bản" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
  });
});

describe("where a notification leads", () => {
  it("to its document, or to the job it is about (a job has no document), or nowhere", () => {
    expect(notificationPath({ document_id: "doc-1", case_id: "case-1" })).toBe("/van-ban/doc-1");
    expect(notificationPath({ document_id: "", case_id: "job-1" })).toBe("/giao-viec/job-1");
    expect(notificationPath({ document_id: "", case_id: "" })).toBe("");
    // a file plan's step leads to the plan's year; only a path of the app itself is followed
    expect(notificationPath({ document_id: "", case_id: "", link: "/ho-so?nam=2027" })).toBe("/ho-so?nam=2027");
    expect(notificationPath({ document_id: "", case_id: "", link: "//evil.example/x" })).toBe("");
    expect(notificationPath({ document_id: "", case_id: "", link: "https://evil.example/x" })).toBe("");
    // browsers read a backslash (and drop a tab or newline) in a path: each of these is //evil.example, another site
    for (const link of ["/\\evil.example", "/\\evil.example/ho-so", "/\t/evil.example", "/\n/evil.example"]) {
      expect(notificationPath({ document_id: "", case_id: "", link })).toBe("");
    }
    // dot segments resolve on this origin to a path that starts with //: the router's pushState of it is refused as
    // another origin, and it then loads the URL, //evil.example (another site): not followed either
    for (const link of ["/.//evil.example/x", "/a/..//evil.example", "/%2e//evil.example", "/ho-so/../..//evil.example"]) {
      expect(notificationPath({ document_id: "", case_id: "", link })).toBe("");
    }
  });
});

describe("reading the server-sent events", () => {
  it("counts only complete notification events and keeps the unfinished rest", () => {
    const text = ": keep-alive\n\nid: n-1\nevent: notification\ndata: {\"id\":\"n-1\",\"title\":\"Nhiệm vụ mới\"}\n\n" +
      "id: n-2\nevent: notifi";
    const { events, rest } = parseEvents(text);
    expect(events).toEqual(["{\"id\":\"n-1\",\"title\":\"Nhiệm vụ mới\"}"]);
    expect(rest).toBe("id: n-2\nevent: notifi");
    expect(parseEvents(rest + "cation\ndata: {}\r\n\r\n").events).toEqual(["{}"]);
    expect(parseEvents(": keep-alive\n\n").events).toEqual([]);
  });
});
