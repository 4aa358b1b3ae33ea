import { fireEvent, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { delegation, outgoingCase, outTask } from "../../test/fixtures";
import { fakeGateway, renderWith } from "../../test/render";
import { CaseTasks } from "./CaseTasks";

const HEAD = { username: "truongphong.ubnd", name: "Lê Hoàng Phúc", agency: "000.00.00.H61", roles: ["head" as const] };
const OFFICER = { username: "chuyenvien2.ubnd", name: "Trần Thị Ưng", agency: "000.00.00.H61", roles: ["officer" as const] };
const MEMBERS = [
  { unit_code: "TH", subject: "s-tp", username: "truongphong.ubnd", name: "Lê Hoàng Phúc", position: "head" },
  { unit_code: "TH", subject: "s-cv", username: "chuyenvien.ubnd", name: "Lê Văn Chuyên", position: "officer" },
  { unit_code: "TH", subject: "s-cv2", username: "chuyenvien2.ubnd", name: "Trần Thị Ưng", position: "officer" },
];
/** An arrival being processed whose lead task the head of Phòng Tổng hợp gave to Lê Văn Chuyên. */
const given = outTask("lead", { id: "task-lead", case_id: "case-1", assignee_kind: "person", assignee: "s-cv",
  unit_code: "TH", state: "in_progress", case_kind: "incoming" });
const processing = outgoingCase({ id: "case-1", kind: "incoming", state: "in_progress", version: 7, circuit: [],
  tasks: [given] });

describe("the tasks of a case the person acts on", () => {
  it("lets the head give again (giao lại) the unit's task a person of the unit holds, as the workflow allows", async () => {
    const { api, calls } = fakeGateway({ "GET /api/v1/units/TH/members": MEMBERS,
      "POST /api/v1/workflow/tasks/task-lead/delegate": processing });
    renderWith(<CaseTasks current={processing} mine={[]} onChanged={async () => {}} />, { api, person: HEAD });
    const user = userEvent.setup({ delay: null });
    await user.click(await screen.findByRole("button", { name: "Giao lại trong đơn vị" }));
    const dialog = await screen.findByRole("dialog");
    fireEvent.mouseDown(screen.getByLabelText("Người xử lý"));
    fireEvent.click(await waitFor(() => {
      const o = document.querySelector(".ant-select-item-option[title='Trần Thị Ưng — Chuyên viên']");
      if (!o) throw new Error("no option");
      return o as HTMLElement;
    }));
    await user.click(dialog.querySelector(".ant-modal-footer .ant-btn-primary") as HTMLElement);
    await waitFor(() => expect(calls.filter((c) => c.method === "POST").map((c) => [c.path, c.body])).toEqual([
      ["/api/v1/workflow/tasks/task-lead/delegate", { version: 7, subject: "s-cv2", comment: "" }]]));
  });

  it("offers nothing on a task held by another person to an officer, or to a head of another unit", async () => {
    const officer = fakeGateway({ "GET /api/v1/units/TH/members": MEMBERS });
    const { unmount } = renderWith(<CaseTasks current={processing} mine={[]} onChanged={async () => {}} />,
      { api: officer.api, person: OFFICER });
    await waitFor(() => expect(officer.calls).toEqual([]));
    expect(screen.queryByRole("button")).not.toBeInTheDocument();
    unmount();
    const other = fakeGateway({ "GET /api/v1/units/TH/members": MEMBERS });
    renderWith(<CaseTasks current={processing} mine={[]} onChanged={async () => {}} />,
      { api: other.api, person: { ...HEAD, username: "truongphong2.ubnd" } });
    await waitFor(() => expect(other.calls.map((c) => c.path)).toEqual(["/api/v1/units/TH/members"]));
    expect(screen.queryByRole("button")).not.toBeInTheDocument();
  });

  it("lets the head's deputy under the unit's delegation in force give it again", async () => {
    const deputy = { ...OFFICER, subject: "s-cv2" };
    const toDeputy = delegation({ delegator: "s-tp", delegator_username: "truongphong.ubnd",
      delegator_name: "Lê Hoàng Phúc", deputy: "s-cv2", deputy_name: "Trần Thị Ưng", unit_code: "TH" });
    const { api, calls } = fakeGateway({ "GET /api/v1/units/TH/members": MEMBERS,
      "GET /api/v1/workflow/delegations": [toDeputy],
      "POST /api/v1/workflow/tasks/task-lead/delegate": processing });
    renderWith(<CaseTasks current={processing} mine={[]} onChanged={async () => {}} />, { api, person: deputy });
    const user = userEvent.setup({ delay: null });
    await user.click(await screen.findByRole("button", { name: "Giao lại trong đơn vị" }));
    const dialog = await screen.findByRole("dialog");
    fireEvent.mouseDown(screen.getByLabelText("Người xử lý"));
    fireEvent.click(await waitFor(() => {
      const o = document.querySelector(".ant-select-item-option[title='Lê Văn Chuyên — Chuyên viên']");
      if (!o) throw new Error("no option");
      return o as HTMLElement;
    }));
    await user.click(dialog.querySelector(".ant-modal-footer .ant-btn-primary") as HTMLElement);
    await waitFor(() => expect(calls.filter((c) => c.method === "POST").map((c) => [c.path, c.body])).toEqual([
      ["/api/v1/workflow/tasks/task-lead/delegate", { version: 7, subject: "s-cv", comment: "" }]]));
    expect(calls.find((c) => c.path.startsWith("/api/v1/workflow/delegations"))?.path).toBe(
      "/api/v1/workflow/delegations?active_only=true");
  });

  it("offers nothing to a deputy of another unit's head, nor to the deputy of a leader", async () => {
    for (const [unit, delegator] of [["NC", "s-nc"], ["", "s-ld"]]) {
      const { api, calls } = fakeGateway({ "GET /api/v1/units/TH/members": MEMBERS,
        "GET /api/v1/workflow/delegations": [delegation({ delegator, deputy: "s-cv2", unit_code: unit })] });
      const { unmount } = renderWith(<CaseTasks current={processing} mine={[]} onChanged={async () => {}} />,
        { api, person: { ...OFFICER, subject: "s-cv2" } });
      await waitFor(() => expect(calls.map((c) => c.path)).toContain("/api/v1/workflow/delegations?active_only=true"));
      expect(screen.queryByRole("button")).not.toBeInTheDocument();
      unmount();
    }
  });
});
