import { screen, waitFor } from "@testing-library/react";
import type { Person } from "../../auth/claims";
import { fakeGateway, renderWith } from "../../test/render";
import { delegation, outTask } from "../../test/fixtures";
import { recordFile } from "../records/fixtures";
import { Home } from "./Home";

const UBND = "000.00.00.H61";
const ARCHIVIST: Person = { username: "luutru.ubnd", name: "Phan Thị Lưu", agency: UBND, roles: ["archivist"] };
const OFFICER: Person = { username: "chuyenvien.ubnd", name: "Lê Văn Chuyên", agency: UBND, roles: ["officer"] };
const INBOX = { tasks: [], counts: { todo: 0, due_soon: 0, overdue: 0, done: 0 }, next_page_token: "" };
const HEAD: Person = { username: "truongphong.ubnd", name: "Lê Hoàng Phúc", agency: UBND, roles: ["head"] };

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

  it("shows in a head's Đã xong a review they returned as Đã trả lại, one they approved as Hoàn thành", async () => {
    const done = (id: string, abstract: string, outcome: string) => outTask("review",
      { id, abstract, state: "done", outcome, done_at: "2026-12-01T09:00:00+07:00" });
    const { api, calls } = fakeGateway({ "GET /api/v1/workflow/inbox": { ...INBOX,
      counts: { todo: 0, due_soon: 0, overdue: 0, done: 2 },
      tasks: [done("t1", "V/v báo cáo quý IV", "return_draft"), done("t2", "V/v kế hoạch năm 2027", "approve")] } });
    renderWith(<Home />, { api, person: HEAD });
    (await screen.findByTestId("count-done")).click();
    await waitFor(() => expect(calls.some((c) => c.path.includes("bucket=done"))).toBe(true));
    const returned = (await screen.findByRole("link", { name: "V/v báo cáo quý IV" })).closest("li") as HTMLElement;
    expect(returned).toHaveTextContent("Đã trả lại");
    expect(returned).not.toHaveTextContent("Hoàn thành");
    const approved = screen.getByRole("link", { name: "V/v kế hoạch năm 2027" }).closest("li") as HTMLElement;
    expect(approved).toHaveTextContent("Hoàn thành");
  });

  it("tells a deputy who delegated to them, how (KT./TUQ.) and for how long, while it is in force", async () => {
    const head: Person = { username: "truongphong.ubnd", subject: "s-tp", name: "Lê Hoàng Phúc", agency: UBND,
      roles: ["head"] };
    const { api, calls } = fakeGateway({ "GET /api/v1/workflow/inbox": INBOX,
      "GET /api/v1/workflow/delegations": [
        delegation(),
        // the head's own delegation to someone else, and one a unit's head gave them (the unit named)
        delegation({ id: "d2", delegator: "s-tp", delegator_username: "truongphong.ubnd", deputy: "s-cv",
          unit_code: "TH" }),
        delegation({ id: "d3", delegator: "s-nc", delegator_name: "Trần Văn Nội", unit_code: "NC",
          competence: "TUQ.", valid_from: "2026-12-02", valid_to: "2026-12-09" }),
      ],
      "GET /api/v1/units": [{ code: "NC", name: "Phòng Nội chính", kind: "division", parent_code: null, active: true,
        head_subject: "s-nc", head_username: "truongphong2.ubnd" }] });
    renderWith(<Home />, { api, person: head });
    await waitFor(() => expect(screen.getAllByTestId("delegation-notice")).toHaveLength(2));
    const [leader, unit] = screen.getAllByTestId("delegation-notice");
    expect(leader).toHaveTextContent(
      "Bạn đang được Nguyễn Văn Hưởng ủy quyền (KT.) từ 01/12/2026 đến 05/12/2026. Việc của người ủy quyền");
    await waitFor(() => expect(unit).toHaveTextContent(
      "Bạn đang được Trần Văn Nội ủy quyền (TUQ.) từ 02/12/2026 đến 09/12/2026, việc của Phòng Nội chính."));
    expect(calls.find((c) => c.path.startsWith("/api/v1/workflow/delegations"))?.path).toBe(
      "/api/v1/workflow/delegations?active_only=true");
  });

  it("says nothing to a person no delegation in force names", async () => {
    const { api, calls } = fakeGateway({ "GET /api/v1/workflow/inbox": INBOX,
      "GET /api/v1/workflow/delegations": [delegation({ deputy: "s-other" })] });
    renderWith(<Home />, { api, person: { ...OFFICER, subject: "s-cv" } });
    await waitFor(() => expect(calls.some((c) => c.path.startsWith("/api/v1/workflow/delegations"))).toBe(true));
    await screen.findByRole("heading", { name: "Việc của tôi" });
    expect(screen.queryByTestId("delegation-notice")).not.toBeInTheDocument();
  });
});
