import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import axe from "axe-core";
import type { PersonEntry } from "../../api/client";
import { job, jobTask, LEADER, PEOPLE, UNITS } from "../jobs/fixtures";
import { arrival, delegation, outgoingCase } from "../../test/fixtures";
import { fakeGateway, renderWith } from "../../test/render";
import { Processing, ProcessingTree, taskStateText } from "./Processing";

/** The agency's people: a leader, the officer (listed first, as the identity provider may), a clerk. */
const AGENCY: PersonEntry[] = [
  ...PEOPLE,
  { subject: "s-ld", username: "lanhdao.ubnd", name: "Nguyễn Văn Lãnh", enabled: true, title: "Chủ tịch",
    leader: true, handler: true, signer: true, units: [], primary_unit: "" },
  { subject: "s-vt", username: "vanthu.ubnd", name: "Đặng Thị Mỹ Xuyên", enabled: true, title: "Văn thư",
    leader: false, handler: false, signer: false, units: [], primary_unit: "" },
  { subject: "s-pct", username: "phochutich.ubnd", name: "Trần Văn Phó", enabled: true, title: "",
    leader: true, handler: true, signer: true, units: [], primary_unit: "" },
];

/** The labels of the open dropdown's options. */
async function openOptions(box: HTMLElement): Promise<string[]> {
  fireEvent.mouseDown(box);
  return waitFor(() => {
    const found = Array.from(document.querySelectorAll(
      ".ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option")).map((o) => o.textContent ?? "");
    if (!found.length) throw new Error("no options");
    return found;
  });
}

describe("Trình lãnh đạo and giao xử lý: who is offered", () => {
  it("offers the clerk only the agency's leaders, as Họ tên — Chức vụ, and shows the workflow's refusal", async () => {
    const refusal = new Response(JSON.stringify({ title: "Bad Request", status: 400,
      detail: "Người nhận trình phải là lãnh đạo cơ quan." }),
    { status: 400, headers: { "Content-Type": "application/problem+json" } });
    const { api, calls } = fakeGateway({ "GET /api/v1/people": AGENCY, "POST /api/v1/workflow/incoming": refusal });
    renderWith(<Processing doc={arrival({ status: "registered" })} />, { api });
    fireEvent.click(await screen.findByRole("button", { name: "Trình lãnh đạo" }));
    const dialog = await screen.findByRole("dialog");
    await waitFor(() => expect(calls.some((c) => c.path === "/api/v1/people")).toBe(true));
    const options = await openOptions(within(dialog).getByLabelText("Lãnh đạo nhận trình"));
    expect(options).toEqual(["Tất cả lãnh đạo cơ quan", "Nguyễn Văn Lãnh — Chủ tịch",
      "Trần Văn Phó (phochutich.ubnd)"]);
    fireEvent.click(screen.getByTitle("Nguyễn Văn Lãnh — Chủ tịch"));
    fireEvent.click(within(dialog).getByRole("button", { name: "Trình lãnh đạo" }));
    expect(await within(dialog).findByText("Người nhận trình phải là lãnh đạo cơ quan.")).toBeInTheDocument();
    expect(calls.find((c) => c.method === "POST")?.body).toMatchObject({ leader: "s-ld" });
  });

  it("asks whether an arrival not yet submitted has a case without a 404: null is none, and the clerk submits", async () => {
    const { api, calls } = fakeGateway({ "GET /api/v1/people": AGENCY,
      "GET /api/v1/workflow/documents/0192f0a1-7c3e-7b1a-9c1d-2f3e4a5b6c7d/case": null });
    renderWith(<Processing doc={arrival({ status: "registered" })} />, { api });
    expect(await screen.findByText("Chưa trình lãnh đạo.")).toBeInTheDocument();
    const asked = calls.filter((c) => c.path.includes("/case"));
    expect(asked.map((c) => new URL(c.path, "http://x").searchParams.get("if_exists"))).toEqual(["true"]);
    expect(screen.getByRole("button", { name: "Trình lãnh đạo" })).toBeInTheDocument();
  });

  it("ties Lãnh đạo nhận trình to its select for screen readers (label for = the combobox's id; axe: no violation)",
    async () => {
      const { api } = fakeGateway({ "GET /api/v1/people": AGENCY });
      renderWith(<Processing doc={arrival({ status: "registered" })} />, { api });
      fireEvent.click(await screen.findByRole("button", { name: "Trình lãnh đạo" }));
      const dialog = await screen.findByRole("dialog");
      const select = within(dialog).getByRole("combobox", { name: "Lãnh đạo nhận trình" });
      const label = within(dialog).getByText("Lãnh đạo nhận trình").closest("label");
      expect(label?.htmlFor).toBeTruthy();
      expect(label?.htmlFor).toBe(select.id);
      expect(document.querySelectorAll(`[id="${select.id}"]`)).toHaveLength(1);
      const results = await axe.run(dialog, { rules: { region: { enabled: false },
        "color-contrast": { enabled: false } } });
      expect(results.violations.filter((v) => v.impact === "serious" || v.impact === "critical")).toEqual([]);
    });

  it("offers the leader's giao xử lý everyone but himself, as Họ tên — Chức vụ", async () => {
    const { api } = fakeGateway({ "GET /api/v1/people": AGENCY, "GET /api/v1/units": UNITS,
      "GET /api/v1/workflow/documents/0192f0a1-7c3e-7b1a-9c1d-2f3e4a5b6c7d/case": job({ kind: "incoming", state: "submitted", lead: null, document_id: "0192f0a1-7c3e-7b1a-9c1d-2f3e4a5b6c7d" }),
      "GET /api/v1/workflow/inbox": { tasks: [], next_page_token: null } });
    renderWith(<Processing doc={arrival({ status: "registered" })} />, { api, person: LEADER });
    fireEvent.click(await screen.findByRole("button", { name: "Giao xử lý" }));
    const dialog = await screen.findByRole("dialog");
    const options = await openOptions(await within(dialog).findByLabelText("Chủ trì"));
    expect(options).toContain("Lê Văn Chuyên — Chuyên viên");
    expect(options).toContain("Trần Văn Phó (phochutich.ubnd)");
    expect(options.some((o) => o.includes("Nguyễn Văn Lãnh"))).toBe(false);
  });
});

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

  it("says Đã xong of a để biết task left open once the case is completed", async () => {
    const { api } = fakeGateway({ "GET /api/v1/people": PEOPLE });
    const current = job({ state: "completed", tasks: [
      jobTask({ id: "jt-lead", state: "done" }),
      jobTask({ id: "jt-info", kind: "for_information", assignee_kind: "person", assignee: "s-cv", state: "open" })] });
    renderWith(<ProcessingTree current={current} />, { api });
    const rows = within(screen.getByTestId("processing-tasks")).getAllByRole("row");
    expect(rows[2]).toHaveTextContent("Đã xong");
    expect(rows[2]).not.toHaveTextContent("Chưa xử lý");
    expect(rows[2]).not.toHaveTextContent("Quá hạn");
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

describe("a task's state as its holder reads it", () => {
  it("says Đã trả lại for a done task they returned (an arrival's task, a draft, a signature), else its state", () => {
    for (const outcome of ["return", "return_draft", "return_unsigned"]) {
      expect(taskStateText({ state: "done", outcome })).toBe("Đã trả lại");
    }
    expect(taskStateText({ state: "done", outcome: "complete" })).toBe("Hoàn thành");
    expect(taskStateText({ state: "done", outcome: "" })).toBe("Hoàn thành");
    expect(taskStateText({ state: "withdrawn", outcome: "" })).toBe("Đã thu hồi");
  });
});
