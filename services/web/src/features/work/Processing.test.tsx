import { screen, waitFor, within } from "@testing-library/react";
import { job, jobTask, PEOPLE } from "../jobs/fixtures";
import { arrival, delegation, outgoingCase } from "../../test/fixtures";
import { fakeGateway, renderWith } from "../../test/render";
import { Processing, ProcessingTree } from "./Processing";

describe("the processing tree", () => {
  it("names the officer a unit's head gave the task to, with the unit, never a subject", async () => {
    const { api } = fakeGateway({ "GET /api/v1/people": PEOPLE });
    const current = job({ state: "in_progress", tasks: [
      jobTask({ id: "jt-unit", assignee_kind: "unit", assignee: "TH", state: "done" }),
      jobTask({ id: "jt-cv", assignee_kind: "person", assignee: "s-cv", state: "open" }),
      jobTask({ id: "jt-left", kind: "cooperating", assignee_kind: "person", assignee: "s-gone", unit_code: "TH" })] });
    renderWith(<ProcessingTree current={current} />, { api });
    const rows = within(screen.getByTestId("processing-tasks")).getAllByRole("row");
    expect(rows[1]).toHaveTextContent("Phòng Tổng hợp");
    expect(await within(rows[2] as HTMLElement).findByText("Lê Văn Chuyên (Phòng Tổng hợp)")).toBeInTheDocument();
    expect(rows[2]).not.toHaveTextContent("s-cv");
    expect(rows[3]).toHaveTextContent("Phòng Tổng hợp — đã giao cán bộ xử lý");  // a person no longer in the agency
  });

  it("offers giao xử lý to a leader's deputy under a delegation in force, not to the deputy of a unit's head", async () => {
    const doc = arrival({ status: "registered", agency_code: "000.00.00.H61" });
    const submitted = outgoingCase({ id: "case-9", kind: "incoming", state: "submitted", document_id: doc.id,
      circuit: [], tasks: [] });
    const person = { username: "truongphong.ubnd", subject: "s-tp", name: "Lê Hoàng Phúc", agency: "000.00.00.H61",
      roles: ["head" as const] };
    const inbox = { tasks: [], counts: { todo: 0, due_soon: 0, overdue: 0, done: 0 }, next_page_token: "" };
    for (const [unit, offered] of [["", true], ["TH", false]] as const) {
      const { api, calls } = fakeGateway({ [`GET /api/v1/workflow/documents/${doc.id}/case`]: submitted,
        "GET /api/v1/workflow/inbox": inbox,
        "GET /api/v1/workflow/delegations": [delegation({ unit_code: unit })] });
      const { unmount } = renderWith(<Processing doc={doc} />, { api, person });
      expect(await screen.findByText("Đã trình lãnh đạo")).toBeInTheDocument();
      if (offered) expect(await screen.findByRole("button", { name: "Giao xử lý" })).toBeInTheDocument();
      else {
        await waitFor(() => expect(calls.map((c) => c.path)).toContain("/api/v1/workflow/delegations?active_only=true"));
        await new Promise((resolve) => setTimeout(resolve, 50));  // the answer rendered
        expect(screen.queryByRole("button", { name: "Giao xử lý" })).not.toBeInTheDocument();
      }
      unmount();
    }
  });
});
