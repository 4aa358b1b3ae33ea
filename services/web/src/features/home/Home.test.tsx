import { screen, waitFor } from "@testing-library/react";
import type { Person } from "../../auth/claims";
import { fakeGateway, renderWith } from "../../test/render";
import { recordFile } from "../records/fixtures";
import { Home } from "./Home";

const UBND = "000.00.00.H61";
const ARCHIVIST: Person = { username: "luutru.ubnd", name: "Phan Thị Lưu", agency: UBND, roles: ["archivist"] };
const OFFICER: Person = { username: "chuyenvien.ubnd", name: "Lê Văn Chuyên", agency: UBND, roles: ["officer"] };
const INBOX = { tasks: [], counts: { todo: 0, due_soon: 0, overdue: 0, done: 0 }, next_page_token: "" };

describe("trang chủ", () => {
  it("tells the archivist how many deposits wait for them, with the way to them", async () => {
    const { api, calls } = fakeGateway({
      "GET /api/v1/workflow/inbox": INBOX,
      "GET /api/v1/records/files": { files: [recordFile({ id: "f1", state: "submitted" }),
        recordFile({ id: "f2", state: "submitted" })], next_cursor: null },
    });
    renderWith(<Home />, { api, person: ARCHIVIST });
    expect(await screen.findByTestId("deposits-waiting")).toHaveTextContent(
      "2 hồ sơ đang chờ đồng chí tiếp nhận nộp lưu.");
    expect(screen.getByRole("link", { name: "Xem hồ sơ chờ tiếp nhận" })).toHaveAttribute("href", "/ho-so?tab=deposits");
    expect(calls.find((c) => c.path.startsWith("/api/v1/records/files"))?.path).toContain("state=submitted");
  });

  it("says when none waits, and shows an officer no deposits at all", async () => {
    const { api } = fakeGateway({ "GET /api/v1/workflow/inbox": INBOX,
      "GET /api/v1/records/files": { files: [], next_cursor: null } });
    const { unmount } = renderWith(<Home />, { api, person: ARCHIVIST });
    expect(await screen.findByTestId("deposits-waiting")).toHaveTextContent("Không có hồ sơ nào chờ tiếp nhận.");
    unmount();
    const officer = fakeGateway({ "GET /api/v1/workflow/inbox": INBOX });
    renderWith(<Home />, { api: officer.api, person: OFFICER });
    await waitFor(() => expect(officer.calls.some((c) => c.path.startsWith("/api/v1/workflow/inbox"))).toBe(true));
    expect(screen.queryByTestId("deposits-waiting")).not.toBeInTheDocument();
    expect(officer.calls.some((c) => c.path.startsWith("/api/v1/records"))).toBe(false);
  });
});
