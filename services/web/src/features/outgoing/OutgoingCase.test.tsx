import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { Person } from "../../auth/claims";
import { draft, outgoingCase, outTask } from "../../test/fixtures";
import { fakeGateway, renderWith, type Call } from "../../test/render";
import { DocumentPage } from "../documents/DocumentPage";
import { issuingRegister } from "./IssueDialog";
import { circuitSteps, outgoingActions } from "./OutgoingCase";

const ID = "0192f0a1-7c3e-7b1a-9c1d-000000000001";
const HEAD: Person = { username: "truongphong.ubnd", name: "Phạm Thị Trưởng", agency: "000.00.00.H61", roles: ["head"] };
const CLERK: Person = { username: "vanthu.ubnd", name: "Võ Thị Văn Thư", agency: "000.00.00.H61", roles: ["clerk"] };
const LEADER: Person = { username: "lanhdao.ubnd", name: "Nguyễn Văn Lãnh", agency: "000.00.00.H61", roles: ["leader"] };
const OFFICER: Person = { username: "chuyenvien.ubnd", name: "Lê Văn Chuyên", agency: "000.00.00.H61", roles: ["officer"] };

function posts(calls: Call[]) {
  return calls.filter((c) => c.method === "POST");
}

function page(routes: Record<string, unknown>, person: Person) {
  const gateway = fakeGateway({ [`GET /api/v1/documents/${ID}/history`]: [], ...routes });
  renderWith(<DocumentPage />, { api: gateway.api, path: `/van-ban/${ID}`, route: "/van-ban/:id", person });
  return gateway.calls;
}

describe("the gestures of an outgoing case, by the person's task and the case's state", () => {
  it("offers each step only to the task that holds it, in the state it belongs to", () => {
    expect(outgoingActions(outTask("review"), "in_review")).toEqual(["approve", "return"]);
    expect(outgoingActions(outTask("draft"), "returned")).toEqual(["edit", "resend"]);
    expect(outgoingActions(outTask("draft"), "approved")).toEqual(["submit", "edit"]); // issue 14: a refused file
    expect(outgoingActions(outTask("consult"), "consulting")).toEqual(["answer"]);
    expect(outgoingActions(outTask("sign"), "submitted")).toEqual(["sign", "decline"]);
    expect(outgoingActions(outTask("issue"), "signed")).toEqual(["issue"]);
  });
  it("offers nothing for a step out of its state, or a closed task", () => {
    expect(outgoingActions(outTask("sign"), "in_review")).toEqual([]);
    expect(outgoingActions(outTask("review"), "approved")).toEqual([]);
    expect(outgoingActions(outTask("issue"), "issued")).toEqual([]);
    expect(outgoingActions(outTask("review", { state: "done" }), "in_review")).toEqual([]);
    expect(outgoingActions(outTask("lead"), "in_review")).toEqual([]);
  });
});

describe("the circuit's steps shown on an outgoing case", () => {
  it("names Lấy ý kiến only when it applies: maybe while in review, as a step once asked, not when nobody was", () => {
    expect(circuitSteps(outgoingCase())).toBe("Duyệt (Trưởng đơn vị) → Lấy ý kiến (Trưởng đơn vị, nếu người duyệt "
      + "đề nghị) → Ký số (Lãnh đạo) → Phát hành (Văn thư)");
    expect(circuitSteps(outgoingCase({ state: "consulting", tasks: [outTask("consult", { assignee: "NC" })] })))
      .toBe("Duyệt (Trưởng đơn vị) → Lấy ý kiến (Trưởng đơn vị) → Ký số (Lãnh đạo) → Phát hành (Văn thư)");
    expect(circuitSteps(outgoingCase({ state: "submitted", tasks: [outTask("consult", { state: "done" })] })))
      .toContain("→ Lấy ý kiến (Trưởng đơn vị) →");
    for (const state of ["approved", "submitted", "signed", "issued", "withdrawn"]) {
      expect(circuitSteps(outgoingCase({ state, tasks: [outTask("review", { state: "done" })] })))
        .toBe("Duyệt (Trưởng đơn vị) → Ký số (Lãnh đạo) → Phát hành (Văn thư)");
    }
  });
  it("shows the page's circuit without Lấy ý kiến once approved without consulting", async () => {
    page({ [`GET /api/v1/documents/${ID}`]: draft({ status: "submitted" }),
      [`GET /api/v1/workflow/documents/${ID}/case`]: outgoingCase({ state: "submitted" }),
      "GET /api/v1/workflow/inbox": { tasks: [], counts: {}, next_page_token: null } }, CLERK);
    expect(await screen.findByTestId("circuit-steps")).toHaveTextContent(
      /^Duyệt \(Trưởng đơn vị\) → Ký số \(Lãnh đạo\) → Phát hành \(Văn thư\)$/);
    expect(screen.queryByText(/Lấy ý kiến/)).not.toBeInTheDocument();
  });
});

describe("an outgoing document's page", () => {
  it("lets the head return the draft only with a comment; the review's buttons go with the review", async () => {
    const calls = page({
      [`GET /api/v1/documents/${ID}`]: draft(),
      [`GET /api/v1/workflow/documents/${ID}/case`]: outgoingCase(),
      "GET /api/v1/workflow/inbox": { tasks: [outTask("review")], counts: {}, next_page_token: null },
      "POST /api/v1/workflow/cases/case-out-1/review": outgoingCase({ state: "returned", version: 4 }),
    }, HEAD);
    expect(await screen.findByTestId("outgoing-state")).toHaveTextContent("Chờ duyệt");
    expect(screen.getByText("Sở Nội vụ")).toBeInTheDocument();
    const user = userEvent.setup({ delay: null });
    await user.click(await screen.findByRole("button", { name: "Trả lại" }));
    expect(screen.getByText("Việc của bạn: Duyệt dự thảo")).toBeInTheDocument();
    const dialog = await screen.findByRole("dialog");
    const ok = () => dialog.querySelector(".ant-modal-footer .ant-btn-primary") as HTMLElement;
    await user.click(ok());
    expect(await screen.findByText("Hãy nhập nội dung cần sửa.")).toBeInTheDocument();
    expect(posts(calls)).toHaveLength(0);
    fireEvent.change(screen.getByLabelText("Nội dung cần sửa"), { target: { value: "Bổ sung căn cứ pháp lý" } });
    await user.click(ok());
    await waitFor(() => expect(posts(calls)).toHaveLength(1));
    expect(posts(calls)[0]?.body).toEqual({ version: 3, approve: false, comment: "Bổ sung căn cứ pháp lý", consult: [] });
    expect(await screen.findByTestId("outgoing-state")).toHaveTextContent("Bị trả lại dự thảo");
    expect(screen.queryByRole("button", { name: "Duyệt" })).not.toBeInTheDocument();
  });

  it("shows the drafter no review button while the draft waits for review", async () => {
    page({
      [`GET /api/v1/documents/${ID}`]: draft(),
      [`GET /api/v1/workflow/documents/${ID}/case`]: outgoingCase(),
      "GET /api/v1/workflow/inbox": { tasks: [], counts: {}, next_page_token: null },
    }, OFFICER);
    expect(await screen.findByTestId("outgoing-state")).toHaveTextContent("Chờ duyệt");
    expect(screen.getByText("Gửi dự thảo")).toBeInTheDocument(); // the start step
    expect(screen.queryByRole("button", { name: "Duyệt" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Sửa dự thảo" })).not.toBeInTheDocument();
  });

  it("shows no circuit under a letter issued without one (the registry's own calls), not \"chưa được gửi duyệt\"",
    async () => {
      page({ [`GET /api/v1/documents/${ID}`]: draft({ status: "issued", number_symbol: "01/UBND-VP" }),
        [`GET /api/v1/documents/${ID}/deliveries`]: [],
        "GET /api/v1/workflow/inbox": { tasks: [], counts: {}, next_page_token: null } }, CLERK);
      expect(await screen.findByText("Tình hình gửi, nhận")).toBeInTheDocument();
      await waitFor(() => expect(screen.queryByText("Quy trình văn bản đi")).not.toBeInTheDocument());
      expect(screen.queryByText("Dự thảo chưa được gửi duyệt.")).not.toBeInTheDocument();
    });

  it("offers the drafter sửa and gửi duyệt before the circuit starts", async () => {
    const calls = page({
      [`GET /api/v1/documents/${ID}`]: draft(),
      "POST /api/v1/workflow/outgoing": outgoingCase(),
    }, OFFICER);
    const user = userEvent.setup({ delay: null });
    expect(await screen.findByText("Dự thảo chưa được gửi duyệt.")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Sửa dự thảo" })).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Gửi duyệt" }));
    await waitFor(() => expect(posts(calls)).toHaveLength(1));
    expect(posts(calls)[0]?.body).toEqual({ document_id: ID, comment: "", unit_code: "" });
    expect(await screen.findByTestId("outgoing-state")).toHaveTextContent("Chờ duyệt");
  });

  it("asks the clerk to confirm phát hành, naming the register, the next number and the recipients", async () => {
    const register = (id: string, name: string, type_codes: string[], next_number: number) => ({ id, name,
      type_codes, active: true, direction: "outgoing", legal_normative: false, agency_code: "000.00.00.H61",
      agency_abbreviation: "UBND", separate_arrival_series: false, next_number });
    const calls = page({
      [`GET /api/v1/documents/${ID}`]: draft({ status: "signed", type_code: "cong_van",
        recipients: [{ agency_code: "000.00.02.H61", name: "Sở Nội vụ" }, { agency_code: "000.00.03.H61", name: "Sở Tài chính" }] }),
      [`GET /api/v1/workflow/documents/${ID}/case`]: outgoingCase({ state: "signed", version: 8 }),
      "GET /api/v1/workflow/inbox": { tasks: [outTask("issue", { assignee_kind: "role", assignee: "clerk" })],
        counts: {}, next_page_token: null },
      "GET /api/v1/registers": [register("r-qd", "Sổ quyết định", ["quyet_dinh"], 31),
        register("r-di", "Sổ văn bản đi", [], 7)],
      "POST /api/v1/workflow/cases/case-out-1/issue": outgoingCase({ state: "issued", version: 9 }),
    }, CLERK);
    const user = userEvent.setup({ delay: null });
    await user.click(await screen.findByRole("button", { name: "Phát hành" }));
    const dialog = await screen.findByRole("dialog", { name: "Phát hành văn bản" });
    expect(await within(dialog).findByTestId("issue-register")).toHaveTextContent("Sổ văn bản đi");
    expect(within(dialog).getByTestId("issue-number")).toHaveTextContent(
      "Số 07 (dự kiến: số chính thức được cấp khi phát hành)");  // the covering register's, not the other's
    expect(within(dialog).getByTestId("issue-recipients")).toHaveTextContent("Sở Nội vụ; Sở Tài chính");
    await user.click(within(dialog).getByRole("button", { name: "Hủy" }));
    expect(posts(calls)).toHaveLength(0);  // nothing issued without the confirmation
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument(), { timeout: 10_000 });
    await user.click(await screen.findByRole("button", { name: "Phát hành" }));
    await user.click(within(await screen.findByRole("dialog", { name: "Phát hành văn bản" }))
      .getByRole("button", { name: "Phát hành" }));
    await waitFor(() => expect(posts(calls)).toHaveLength(1));
    expect(posts(calls)[0]).toMatchObject({ path: "/api/v1/workflow/cases/case-out-1/issue",
      body: { version: 8, register_id: "" } });
    expect(await screen.findByTestId("outgoing-state")).toHaveTextContent("Đã phát hành");
  });

  it("lets the leader return a submitted draft unsigned only with the reason", async () => {
    const calls = page({
      [`GET /api/v1/documents/${ID}`]: draft({ status: "submitted" }),
      [`GET /api/v1/workflow/documents/${ID}/case`]: outgoingCase({ state: "submitted", version: 6 }),
      "GET /api/v1/workflow/inbox": { tasks: [outTask("sign", { assignee_kind: "role", assignee: "leader" })],
        counts: {}, next_page_token: null },
      "POST /api/v1/workflow/cases/case-out-1/return-unsigned": outgoingCase({ state: "returned", version: 7 }),
    }, LEADER);
    const user = userEvent.setup({ delay: null });
    await user.click(await screen.findByRole("button", { name: "Trả lại, không ký" }));
    const dialog = await screen.findByRole("dialog");
    const ok = () => dialog.querySelector(".ant-modal-footer .ant-btn-primary") as HTMLElement;
    await user.click(ok());
    expect(await screen.findByText("Hãy nhập nội dung cần sửa.")).toBeInTheDocument();
    expect(posts(calls)).toHaveLength(0);
    fireEvent.change(screen.getByLabelText("Lý do trả lại, nội dung cần sửa"),
      { target: { value: "Sửa lại căn cứ pháp lý ở đoạn đầu" } });
    await user.click(ok());
    await waitFor(() => expect(posts(calls)).toHaveLength(1));
    expect(posts(calls)[0]).toMatchObject({ path: "/api/v1/workflow/cases/case-out-1/return-unsigned",
      body: { version: 6, reason: "Sửa lại căn cứ pháp lý ở đoạn đầu" } });
    expect(await screen.findByTestId("outgoing-state")).toHaveTextContent("Bị trả lại dự thảo");
  });

  it("shows an issued document's delivery timeline per recipient", async () => {
    page({
      [`GET /api/v1/documents/${ID}`]: draft({ status: "issued", number_symbol: "15/UBND-VP" }),
      [`GET /api/v1/workflow/documents/${ID}/case`]: outgoingCase({ state: "issued" }),
      [`GET /api/v1/documents/${ID}/deliveries`]: [{
        id: "d-1", document_id: ID, recipient_code: "000.00.02.H61", recipient_name: "Sở Nội vụ", route: "local",
        state: "sent", attempts: 1, created_at: "", sent_at: "2026-11-30T01:05:00+00:00", last_error: "",
        last_status: "03", edxml_document_id: "", revocation: "", revocation_reason: "",
        statuses: [{ code: "01", name: "Đã đến", at: "2026-11-30T08:06:00+07:00", description: "", received_at: "", staff: null },
          { code: "03", name: "Đã tiếp nhận", at: "2026-11-30T09:00:00+07:00", description: "", received_at: "", staff: null }],
      }],
    }, CLERK);
    const list = await screen.findByTestId("deliveries");
    expect(list).toHaveTextContent("Sở Nội vụ");
    expect(list).toHaveTextContent("Đã gửi");
    expect(list).toHaveTextContent("Đã đến — 30/11/2026 08:06");
    expect(list).toHaveTextContent("Đã tiếp nhận — 30/11/2026 09:00");
  });

  it("lets the clerk take an issued document back (thu hồi) with a reason, then shows each answer", async () => {
    const sent = { id: "d-1", document_id: ID, recipient_code: "000.00.02.H61", recipient_name: "Sở Nội vụ",
      route: "local", state: "sent", attempts: 1, created_at: "", sent_at: "2026-11-30T01:05:00+00:00", last_error: "",
      last_status: "01", edxml_document_id: "", revocation: "", revocation_reason: "", statuses: [] };
    const calls = page({
      [`GET /api/v1/documents/${ID}`]: draft({ status: "issued", number_symbol: "15/UBND-VP" }),
      [`GET /api/v1/workflow/documents/${ID}/case`]: outgoingCase({ state: "issued" }),
      [`GET /api/v1/documents/${ID}/deliveries`]: [sent],
      [`POST /api/v1/documents/${ID}/revoke`]: [{ ...sent, revocation: "pending",
        revocation_reason: "Sai số liệu tại phụ lục" }],
    }, CLERK);
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Thu hồi văn bản" }));
    const dialog = await screen.findByRole("dialog");
    await user.click(within(dialog).getByRole("button", { name: "Thu hồi văn bản" }));
    expect(await within(dialog).findByText("Hãy ghi lý do thu hồi.")).toBeInTheDocument();
    expect(posts(calls)).toHaveLength(0);
    fireEvent.change(within(dialog).getByLabelText("Lý do thu hồi"), { target: { value: "Sai số liệu tại phụ lục" } });
    await user.click(within(dialog).getByRole("button", { name: "Thu hồi văn bản" }));
    await waitFor(() => expect(posts(calls)).toHaveLength(1));
    expect(posts(calls)[0]).toMatchObject({ path: `/api/v1/documents/${ID}/revoke`,
      body: { reason: "Sai số liệu tại phụ lục" } });
    const list = await screen.findByTestId("deliveries");
    expect(await within(list).findByText("Đề nghị thu hồi: chờ trả lời")).toBeInTheDocument();
    expect(list).toHaveTextContent("Lý do thu hồi: Sai số liệu tại phụ lục");
    expect(screen.queryByRole("button", { name: "Thu hồi văn bản" })).not.toBeInTheDocument(); // one at a time
  });

  it("names the recipient's reason when a take-back is refused (16)", async () => {
    page({
      [`GET /api/v1/documents/${ID}`]: draft({ status: "issued", number_symbol: "15/UBND-VP" }),
      [`GET /api/v1/workflow/documents/${ID}/case`]: outgoingCase({ state: "issued" }),
      [`GET /api/v1/documents/${ID}/deliveries`]: [{ id: "d-1", document_id: ID, recipient_code: "000.00.02.H61",
        recipient_name: "Sở Nội vụ", route: "local", state: "sent", attempts: 1, created_at: "",
        sent_at: "2026-11-30T01:05:00+00:00", last_error: "", last_status: "16", edxml_document_id: "",
        revocation: "refused", revocation_reason: "Văn bản đã được giao xử lý", statuses: [] }],
    }, CLERK);
    const list = await screen.findByTestId("deliveries");
    expect(await within(list).findByText("Nơi nhận từ chối thu hồi")).toBeInTheDocument();
    expect(list).toHaveTextContent("Lý do nơi nhận từ chối: Văn bản đã được giao xử lý");
    expect(list).not.toHaveTextContent("Lý do thu hồi");
  });

  it("does not offer thu hồi to a leader", async () => {
    page({
      [`GET /api/v1/documents/${ID}`]: draft({ status: "issued", number_symbol: "15/UBND-VP" }),
      [`GET /api/v1/workflow/documents/${ID}/case`]: outgoingCase({ state: "issued" }),
      [`GET /api/v1/documents/${ID}/deliveries`]: [],
    }, LEADER);
    expect(await screen.findByText("Chưa có thông tin gửi.")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Thu hồi văn bản" })).not.toBeInTheDocument();
  });
});

describe("the register phát hành numbers a document in (as the registry chooses it)", () => {
  const reg = (id: string, type_codes: string[], extra: object = {}) => ({ id, name: id, type_codes, active: true,
    direction: "outgoing" as const, legal_normative: false, agency_code: "A", agency_abbreviation: "",
    separate_arrival_series: false, next_number: 1, ...extra });
  const doc = (type_code: string, legal_normative = false) => ({ type_code, legal_normative, register_id: "" });
  it("takes the register listing the type, else the one listing none, of the document's kind", () => {
    const all = [reg("qd", ["quyet_dinh"]), reg("di", []), reg("qppl", ["quyet_dinh"], { legal_normative: true }),
      reg("cu", ["cong_van"], { active: false }), reg("den", [], { direction: "incoming" })];
    expect(issuingRegister(all, doc("quyet_dinh"))?.id).toBe("qd");
    expect(issuingRegister(all, doc("cong_van"))?.id).toBe("di");
    expect(issuingRegister(all, doc("quyet_dinh", true))?.id).toBe("qppl");
    expect(issuingRegister(all, doc("nghi_quyet", true))).toBeUndefined();
    expect(issuingRegister(all, { ...doc("cong_van"), register_id: "qd" })?.id).toBe("qd");
  });
});

describe("xin ý kiến: the units a draft may be sent to for comments", () => {
  it("shows a unit without a head disabled, naming why, and sends only the units chosen", async () => {
    const calls = page({
      [`GET /api/v1/documents/${ID}`]: draft(),
      [`GET /api/v1/workflow/documents/${ID}/case`]: outgoingCase(),
      "GET /api/v1/workflow/inbox": { tasks: [outTask("review")], counts: {}, next_page_token: null },
      "GET /api/v1/units": [
        { code: "NC", name: "Phòng Nội chính", kind: "division", active: true, parent_code: null, head_subject: null,
          head_username: null },
        { code: "VP", name: "Văn phòng", kind: "division", active: true, parent_code: null, head_subject: "s-vp",
          head_username: "chanhvanphong.ubnd" }],
      "POST /api/v1/workflow/cases/case-out-1/review": outgoingCase({ state: "consulting", version: 4 }),
    }, HEAD);
    const user = userEvent.setup({ delay: null });
    await user.click(await screen.findByRole("button", { name: "Duyệt" }));
    const dialog = await screen.findByRole("dialog");
    fireEvent.mouseDown(await within(dialog).findByLabelText("Lấy ý kiến các đơn vị (không bắt buộc)"));
    const headless = await screen.findByTitle("Phòng Nội chính (chưa có trưởng đơn vị)");
    await waitFor(() => expect(headless.closest(".ant-select-item-option"))
      .toHaveClass("ant-select-item-option-disabled"));
    fireEvent.click(headless);
    fireEvent.click(screen.getByTitle("Văn phòng"));
    await user.click(dialog.querySelector(".ant-modal-footer .ant-btn-primary") as HTMLElement);
    await waitFor(() => expect(posts(calls)).toHaveLength(1));
    expect(posts(calls)[0]?.body).toMatchObject({ approve: true, consult: ["VP"] });
  });
});
