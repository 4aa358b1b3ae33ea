import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { arrival, draft, outgoingCase } from "../../test/fixtures";
import { fakeGateway, renderWith, type Call } from "../../test/render";
import { defaultRegister } from "./ArrivalActions";
import { DocumentPage } from "./DocumentPage";

const ID = "0192f0a1-7c3e-7b1a-9c1d-2f3e4a5b6c7d";
const HISTORY = [{ at: "2026-11-30T00:30:00+07:00", actor: "interchange", action: "arrived", changes: {}, note: "" }];

function posts(calls: Call[]) {
  return calls.filter((c) => c.method === "POST");
}

describe("a document's page", () => {
  it("shows metadata, files and history; the clerk returns an arrival only with a reason", async () => {
    const { api, calls } = fakeGateway({
      [`GET /api/v1/documents/${ID}`]: arrival(),
      [`GET /api/v1/documents/${ID}/history`]: HISTORY,
      [`POST /api/v1/documents/${ID}/reject`]: arrival({ status: "rejected", reason: "Gửi nhầm đơn vị" }),
    });
    renderWith(<DocumentPage />, { api, path: `/van-ban/${ID}`, route: "/van-ban/:id" });
    expect(await screen.findByText("Ủy ban nhân dân tỉnh Vĩnh Long")).toBeInTheDocument();
    expect(screen.getByText("Công văn.pdf")).toBeInTheDocument();
    expect(await screen.findByText("Văn bản đến")).toBeInTheDocument(); // history: arrived
    expect(screen.getByText("29/11/2026")).toBeInTheDocument();

    const user = userEvent.setup({ delay: null });
    await user.click(screen.getByRole("button", { name: "Trả lại" }));
    const dialog = await screen.findByRole("dialog");
    await user.click(dialog.querySelector("button.ant-btn-dangerous") as HTMLElement);
    expect(await screen.findByText("Hãy nhập lý do.")).toBeInTheDocument();
    expect(posts(calls)).toHaveLength(0);

    fireEvent.change(screen.getByLabelText("Lý do trả lại"), { target: { value: "Gửi nhầm đơn vị" } });
    await user.click(dialog.querySelector("button.ant-btn-dangerous") as HTMLElement);
    await waitFor(() => expect(posts(calls)).toHaveLength(1));
    expect(posts(calls)[0]?.body).toEqual({ reason: "Gửi nhầm đơn vị" });
  });

  it("asks the clerk to confirm and give a reason before registering an arrival whose signature is not valid",
    async () => {
      const { api, calls } = fakeGateway({
        [`GET /api/v1/documents/${ID}`]: arrival({ signature_check: "invalid" }),
        [`GET /api/v1/documents/${ID}/history`]: [],
        "GET /api/v1/registers": [{ id: "reg-1", name: "Sổ văn bản đến 2026", active: true, direction: "incoming",
          agency_code: "000.00.02.H61", agency_abbreviation: "", type_codes: [], legal_normative: false,
          separate_arrival_series: false }],
        [`POST /api/v1/documents/${ID}/register`]: arrival({ status: "registered", number: 12 }),
      });
      renderWith(<DocumentPage />, { api, path: `/van-ban/${ID}`, route: "/van-ban/:id" });
      const user = userEvent.setup({ delay: null });
      await user.click(await screen.findByRole("button", { name: "Vào sổ" }));
      expect(await screen.findByText(/chưa được xác nhận hợp lệ\. Hãy đối chiếu/)).toBeInTheDocument();
      await waitFor(() => expect(calls.some((c) => c.path.startsWith("/api/v1/registers"))).toBe(true));
      await user.click(screen.getByRole("checkbox"));
      fireEvent.change(screen.getByLabelText("Lý do vẫn vào sổ"), { target: { value: "Đã đối chiếu bản giấy" } });
      await user.click(await screen.findByRole("radio", { name: "Sổ văn bản đến 2026" }));
      const ok = screen.getAllByRole("button", { name: "Vào sổ" }).at(-1) as HTMLElement;
      await user.click(ok);
      await waitFor(() => expect(posts(calls)).toHaveLength(1));
      expect(posts(calls)[0]?.body).toEqual({ register_id: "reg-1", confirm_duplicate: false,
        confirm_signature_problem: true, reason: "Đã đối chiếu bản giấy" });
    });

  it("preselects the agency's only open incoming register in Vào sổ, so the clerk just confirms", async () => {
    const register = (id: string, name: string, active = true, type_codes: string[] = []) => ({ id, name, active,
      direction: "incoming", agency_code: "000.00.00.H61", agency_abbreviation: "", type_codes, legal_normative: false,
      separate_arrival_series: false });
    const { api, calls } = fakeGateway({
      [`GET /api/v1/documents/${ID}`]: arrival({ signature_check: "valid" }),
      [`GET /api/v1/documents/${ID}/history`]: [],
      "GET /api/v1/registers": [register("reg-old", "Sổ văn bản đến 2025", false), register("reg-1", "Sổ văn bản đến")],
      [`POST /api/v1/documents/${ID}/register`]: arrival({ status: "registered", number: 14 }),
    });
    renderWith(<DocumentPage />, { api, path: `/van-ban/${ID}`, route: "/van-ban/:id" });
    const user = userEvent.setup({ delay: null });
    await user.click(await screen.findByRole("button", { name: "Vào sổ" }));
    expect(await screen.findByRole("radio", { name: "Sổ văn bản đến" })).toBeChecked();
    await user.click(screen.getAllByRole("button", { name: "Vào sổ" }).at(-1) as HTMLElement);
    await waitFor(() => expect(posts(calls).map((c) => (c.body as { register_id: string }).register_id))
      .toEqual(["reg-1"]));
    // several open registers: the one kept for the arrival's type, else the clerk chooses
    expect(defaultRegister([register("a", "Sổ chung"), register("b", "Sổ quyết định", true, ["quyet_dinh"])],
      "quyet_dinh")).toBe("b");
    expect(defaultRegister([register("a", "Sổ chung"), register("b", "Sổ quyết định", true, ["quyet_dinh"])],
      "cong_van")).toBe("");
    expect(defaultRegister([], "cong_van")).toBe("");
  });

  it("registers a paper arrival (its scan is unsigned) with no signature confirmation", async () => {
    const { api, calls } = fakeGateway({
      [`GET /api/v1/documents/${ID}`]: arrival({ signature_check: "unsigned" }),
      [`GET /api/v1/documents/${ID}/history`]: [],
      "GET /api/v1/registers": [{ id: "reg-1", name: "Sổ văn bản đến 2026", active: true, direction: "incoming",
        agency_code: "000.00.02.H61", agency_abbreviation: "", type_codes: [], legal_normative: false,
        separate_arrival_series: false }],
      [`POST /api/v1/documents/${ID}/register`]: arrival({ status: "registered", number: 13 }),
    });
    renderWith(<DocumentPage />, { api, path: `/van-ban/${ID}`, route: "/van-ban/:id" });
    expect(await screen.findByText("Văn bản giấy (bản quét)")).toBeInTheDocument();
    const user = userEvent.setup({ delay: null });
    await user.click(await screen.findByRole("button", { name: "Vào sổ" }));
    await user.click(await screen.findByRole("radio", { name: "Sổ văn bản đến 2026" }));
    expect(screen.queryByText(/chưa được xác nhận hợp lệ/)).not.toBeInTheDocument();
    expect(screen.queryByRole("checkbox")).not.toBeInTheDocument();
    await user.click(screen.getAllByRole("button", { name: "Vào sổ" }).at(-1) as HTMLElement);
    await waitFor(() => expect(posts(calls)).toHaveLength(1));
    expect(posts(calls)[0]?.body).toEqual({ register_id: "reg-1", confirm_duplicate: false,
      confirm_signature_problem: false, reason: "" });
  });

  it("offers no clerk gesture to a leader", async () => {
    const { api } = fakeGateway({ [`GET /api/v1/documents/${ID}`]: arrival(),
      [`GET /api/v1/documents/${ID}/history`]: [] });
    renderWith(<DocumentPage />, { api, path: `/van-ban/${ID}`, route: "/van-ban/:id",
      person: { username: "lanhdao.snv", name: "Trương Công Lý", agency: "000.00.02.H61", roles: ["leader"] } });
    expect(await screen.findByText("Ủy ban nhân dân tỉnh Vĩnh Long")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Vào sổ" })).not.toBeInTheDocument();
  });

  it("says Chưa vào sổ for the số đến of an arrival waiting to be registered (the row was blank)", async () => {
    const { api } = fakeGateway({ [`GET /api/v1/documents/${ID}`]: arrival({ status: "arrived", number: 0 }),
      [`GET /api/v1/documents/${ID}/history`]: [] });
    renderWith(<DocumentPage />, { api, path: `/van-ban/${ID}`, route: "/van-ban/:id" });
    expect(await screen.findByTestId("arrival-number")).toHaveTextContent(/^Chưa vào sổ$/);
  });

  it("keeps a revoked arrival's số đến: the register line stays, only the content went", async () => {
    // issue 14 review: after the clerk accepted a revocation, the page showed no số đến
    const { api } = fakeGateway({
      [`GET /api/v1/documents/${ID}`]: arrival({ status: "revoked", number: 1,
        abstract: "Văn bản đã bị thu hồi theo yêu cầu của cơ quan gửi; nội dung đã được xóa, chỉ giữ thông tin thu hồi" }),
    });
    renderWith(<DocumentPage />, { api, path: `/van-ban/${ID}`, route: "/van-ban/:id" });
    expect(await screen.findByTestId("arrival-number")).toHaveTextContent(/^01$/);
  });

  it("names each history entry and who made it in Vietnamese: people by name, the platform's services as Hệ thống",
    async () => {
    const { api } = fakeGateway({
      [`GET /api/v1/documents/${ID}`]: arrival({ status: "registered", number: 3 }),
      [`GET /api/v1/documents/${ID}/history`]: [
        { at: "2026-11-30T00:30:00+07:00", actor: "service-account-vanthu-interchange", action: "arrived",
          changes: {}, note: "" },
        { at: "2026-11-30T00:31:00+07:00", actor: "vanthu-signing", action: "signature_valid", changes: {}, note: "" },
        { at: "2026-11-30T08:00:00+07:00", actor: "vanthu.snv", action: "registered", changes: {}, note: "" },
        { at: "2026-11-30T08:05:00+07:00", actor: "nguoi.da.nghi", action: "updated", changes: {}, note: "" },
        { at: "2026-11-30T09:00:00+07:00", actor: "service-account-vanthu-interchange", action: "revocation_pending",
          changes: {}, note: "" },
        { at: "2026-11-30T09:05:00+07:00", actor: "vanthu.snv", action: "some_future_action", changes: {}, note: "" }],
      "GET /api/v1/people": [{ username: "vanthu.snv", name: "Đặng Thị Mỹ Xuyên", subject: "s-1" }],
    });
    renderWith(<DocumentPage />, { api, path: `/van-ban/${ID}`, route: "/van-ban/:id" });
    expect(await screen.findAllByText(/Đặng Thị Mỹ Xuyên/)).toHaveLength(2);
    expect(screen.getByTestId("arrival-number")).toHaveTextContent(/^03$/);  // as the register book prints it
    expect(screen.getAllByText(/Hệ thống \(liên thông văn bản\)/)).toHaveLength(2);
    expect(screen.getByText(/Hệ thống \(kiểm tra chữ ký số\)/)).toBeInTheDocument();
    expect(screen.getByText(/nguoi\.da\.nghi/)).toBeInTheDocument(); // someone who left: their username
    expect(screen.queryByText(/service-account|vanthu-signing|vanthu\.snv/)).not.toBeInTheDocument();
    expect(screen.getByText("Gửi đề nghị thu hồi")).toBeInTheDocument();
    expect(screen.getByText("Thay đổi khác")).toBeInTheDocument(); // never the action's code
    expect(screen.queryByText(/revocation_|some_future/)).not.toBeInTheDocument();
    // no empty metadata rows for what the arrival lacks (hạn xử lý, lý do: "" is not a row)
    const labels = Array.from(document.querySelectorAll(".ant-descriptions-item-label"));
    expect(labels.length).toBeGreaterThan(5);
    expect(labels.filter((l) => !l.textContent?.trim())).toHaveLength(0);
  });

  it("names the workflow's steps in the history by the step (trình, giao xử lý), not as 'workflow'", async () => {
    const { api } = fakeGateway({ [`GET /api/v1/documents/${ID}`]: arrival({ status: "rejected" }),
      [`GET /api/v1/documents/${ID}/history`]: [
        { at: "2026-11-30T09:00:00+07:00", actor: "lanhdao.ubnd", action: "workflow", changes: { step: "assign" },
          note: "chủ trì: Phòng Tổng hợp" }] });
    renderWith(<DocumentPage />, { api, path: `/van-ban/${ID}`, route: "/van-ban/:id" });
    expect(await screen.findByText("Giao xử lý")).toBeInTheDocument();
    expect(screen.queryByText("workflow")).not.toBeInTheDocument();
  });
  it("lets a leader cancel an outgoing draft only with a reason, and offers it to no officer", async () => {
    const draft = { ...arrival(), direction: "outgoing", status: "draft" };
    const { api, calls } = fakeGateway({ [`GET /api/v1/documents/${ID}`]: draft,
      [`GET /api/v1/documents/${ID}/history`]: [],
      [`POST /api/v1/documents/${ID}/cancel`]: { ...draft, status: "cancelled" } });
    const leader = { username: "lanhdao.ubnd", name: "Nguyễn Văn Hưởng", agency: "000.00.00.H61", roles: ["leader" as const] };
    const { unmount } = renderWith(<DocumentPage />, { api, path: `/van-ban/${ID}`, route: "/van-ban/:id", person: leader });
    const user = userEvent.setup({ delay: null });
    await user.click(await screen.findByRole("button", { name: "Hủy văn bản" }));
    const dialog = await screen.findByRole("dialog");
    await user.click(within(dialog).getByRole("button", { name: "Hủy văn bản" }));
    expect(await within(dialog).findByText("Hãy nhập lý do hủy.")).toBeInTheDocument();
    expect(posts(calls)).toEqual([]);
    await user.type(within(dialog).getByLabelText("Lý do hủy"), "Không ban hành nữa theo chỉ đạo");
    await user.click(within(dialog).getByRole("button", { name: "Hủy văn bản" }));
    await waitFor(() => expect(posts(calls).map((c) => [c.path, c.body])).toEqual([
      [`/api/v1/documents/${ID}/cancel`, { reason: "Không ban hành nữa theo chỉ đạo" }]]));
    unmount();

    // the server (CancelDocument: clerk, leader) refuses the drafter, an officer or a head: neither is offered it
    for (const [username, role] of [["chuyenvien.ubnd", "officer"], ["truongphong.ubnd", "head"]] as const) {
      const drafter = fakeGateway({ [`GET /api/v1/documents/${ID}`]: draft, [`GET /api/v1/documents/${ID}/history`]: [] });
      const view = renderWith(<DocumentPage />, { api: drafter.api, path: `/van-ban/${ID}`, route: "/van-ban/:id",
        person: { username, name: "Phạm Thị Ngọc Ánh", agency: "000.00.00.H61", roles: [role] } });
      expect(await screen.findByText("Ủy ban nhân dân tỉnh Vĩnh Long")).toBeInTheDocument();
      expect(screen.queryByRole("button", { name: "Hủy văn bản" })).not.toBeInTheDocument();
      view.unmount();
    }
  });

  it("tells whoever opens a cancelled document that it was cancelled, by whom, when and why", async () => {
    const cancelled = { ...arrival(), direction: "outgoing", status: "cancelled", reason: "Không ban hành nữa theo chỉ đạo" };
    const { api } = fakeGateway({ [`GET /api/v1/documents/${ID}`]: cancelled,
      [`GET /api/v1/documents/${ID}/history`]: [{ at: "2026-11-30T09:15:00+07:00", actor: "lanhdao.ubnd",
        action: "cancelled", changes: {}, note: "Không ban hành nữa theo chỉ đạo" }],
      "GET /api/v1/people": [{ username: "lanhdao.ubnd", name: "Nguyễn Văn Hưởng", units: [], roles: ["leader"] }] });
    renderWith(<DocumentPage />, { api, path: `/van-ban/${ID}`, route: "/van-ban/:id",
      person: { username: "truongphong.ubnd", name: "Lê Văn Tâm", agency: "000.00.00.H61", roles: ["head"] } });
    const notice = await screen.findByTestId("cancelled-notice");
    expect(notice).toHaveTextContent("Văn bản đã bị hủy");
    expect(notice).toHaveTextContent("Lý do: Không ban hành nữa theo chỉ đạo");
    await waitFor(() => expect(notice).toHaveTextContent("Người hủy: Nguyễn Văn Hưởng, lúc 30/11/2026 09:15."));
    expect(screen.queryByRole("button", { name: "Hủy văn bản" })).not.toBeInTheDocument();
  });

  it("shows cấp số's note as a sentence while the seal is awaited, and no longer once the document is issued",
    async () => {
      const numbered = { at: "2026-11-30T10:30:00+07:00", actor: "vanthu.ubnd", action: "numbered", changes: {},
        note: "số và ngày đã cấp; chờ đóng dấu (ký số của cơ quan)" };
      const issued = { at: "2026-11-30T10:30:05+07:00", actor: "vanthu.ubnd", action: "issued", changes: {}, note: "" };
      const doc = { ...arrival(), direction: "outgoing", status: "numbered" };
      const waiting = fakeGateway({ [`GET /api/v1/documents/${ID}`]: doc, [`GET /api/v1/documents/${ID}/history`]: [numbered] });
      const { unmount } = renderWith(<DocumentPage />, { api: waiting.api, path: `/van-ban/${ID}`, route: "/van-ban/:id" });
      expect(await screen.findByText("Số và ngày đã cấp; chờ đóng dấu (ký số của cơ quan)")).toBeInTheDocument();
      unmount();
      const done = fakeGateway({ [`GET /api/v1/documents/${ID}`]: { ...doc, status: "issued" },
        [`GET /api/v1/documents/${ID}/history`]: [numbered, issued] });
      renderWith(<DocumentPage />, { api: done.api, path: `/van-ban/${ID}`, route: "/van-ban/:id" });
      expect(await screen.findByText("Phát hành")).toBeInTheDocument();
      expect(screen.getByText("Cấp số")).toBeInTheDocument();
      expect(screen.queryByText(/chờ đóng dấu/i)).not.toBeInTheDocument();
    });

  it("shows Trình ký and Ký số once each, though the registry and the workflow both record them", async () => {
    const { api } = fakeGateway({ [`GET /api/v1/documents/${ID}`]: arrival({ status: "registered", number: 4 }),
      [`GET /api/v1/documents/${ID}/history`]: [
        { at: "2026-11-30T09:00:00+07:00", actor: "chuyenvien.ubnd", action: "submitted", changes: {}, note: "" },
        { at: "2026-11-30T09:00:01+07:00", actor: "chuyenvien.ubnd", action: "workflow",
          changes: { step: "submit_for_signature" }, note: "Kính trình lãnh đạo" },
        { at: "2026-11-30T10:00:00+07:00", actor: "lanhdao.ubnd", action: "signed", changes: {}, note: "" },
        { at: "2026-11-30T10:00:01+07:00", actor: "lanhdao.ubnd", action: "workflow", changes: { step: "sign" },
          note: "" }] });
    renderWith(<DocumentPage />, { api, path: `/van-ban/${ID}`, route: "/van-ban/:id" });
    expect(await screen.findByText("Kính trình lãnh đạo")).toBeInTheDocument();
    const history = screen.getByText("Kính trình lãnh đạo").closest(".ant-timeline") as HTMLElement;
    expect(within(history).getAllByText("Trình ký")).toHaveLength(1);
    expect(within(history).getAllByText("Ký số")).toHaveLength(1);
  });

  it("lets the clerk answer the sender's thu hồi: refusing needs a reason, accepting says what it removes",
    async () => {
      const requested = arrival({ status: "registered", number: 7, revocation: "requested", revocation_kind: "revoke",
        revocation_reason: "Văn bản ban hành sai thẩm quyền" });
      const { api, calls } = fakeGateway({
        [`GET /api/v1/documents/${ID}`]: requested,
        [`GET /api/v1/documents/${ID}/history`]: HISTORY,
        [`POST /api/v1/documents/${ID}/revocation/refuse`]: arrival({ status: "registered", revocation: "refused" }),
        [`POST /api/v1/documents/${ID}/revocation/accept`]: arrival({ status: "registered", revocation: "accepted" }),
      });
      renderWith(<DocumentPage />, { api, path: `/van-ban/${ID}`, route: "/van-ban/:id" });
      expect(await screen.findByText("Nơi gửi đề nghị thu hồi văn bản này.")).toBeInTheDocument();
      expect(screen.getByText(/Văn bản ban hành sai thẩm quyền/)).toBeInTheDocument();
      const user = userEvent.setup({ delay: null });

      await user.click(screen.getByRole("button", { name: "Đồng ý" }));
      const accept = await screen.findByRole("dialog", { name: "Đồng ý thu hồi văn bản đến" });
      expect(within(accept).getByText(/Nội dung văn bản sẽ được gỡ/)).toBeInTheDocument();
      await user.click(within(accept).getByRole("button", { name: "Hủy" }));
      await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
      expect(posts(calls)).toHaveLength(0);

      await user.click(screen.getByRole("button", { name: "Từ chối" }));
      const refuse = await screen.findByRole("dialog");
      await user.click(within(refuse).getByRole("button", { name: "Từ chối" }));
      expect(await screen.findByText("Hãy nhập lý do.")).toBeInTheDocument();
      expect(posts(calls)).toHaveLength(0);
      fireEvent.change(screen.getByLabelText("Lý do từ chối"), { target: { value: "Văn bản đã nộp lưu" } });
      await user.click(within(refuse).getByRole("button", { name: "Từ chối" }));
      await waitFor(() => expect(posts(calls)).toHaveLength(1));
      expect(posts(calls)[0]).toMatchObject({ path: `/api/v1/documents/${ID}/revocation/refuse`,
        body: { reason: "Văn bản đã nộp lưu" } });
    });

  it("names each signer with their title and the signing time in the signature verdict", async () => {
    const lines = ["Nguyễn Văn Hưởng — Chủ tịch (Ủy ban nhân dân tỉnh Vĩnh Long), ký lúc 09:31 01/12/2026",
      "Ủy ban nhân dân tỉnh Vĩnh Long, ký lúc 10:02 01/12/2026"];
    const { api } = fakeGateway({
      [`GET /api/v1/documents/${ID}`]: arrival({ signature_signers: lines }),
      [`GET /api/v1/documents/${ID}/history`]: HISTORY,
    });
    renderWith(<DocumentPage />, { api, path: `/van-ban/${ID}`, route: "/van-ban/:id" });
    const signers = await screen.findByTestId("signature-signers");
    expect([...signers.querySelectorAll("li")].map((li) => li.textContent)).toEqual(lines);
  });

  it("names a signature found on several files once, saying on how many", async () => {
    const seal = "Ủy ban nhân dân tỉnh Vĩnh Long, ký lúc 10:02 01/12/2026";
    const leader = "Nguyễn Văn Hưởng — Chủ tịch (Ủy ban nhân dân tỉnh Vĩnh Long), ký lúc 09:31 01/12/2026";
    const { api } = fakeGateway({
      [`GET /api/v1/documents/${ID}`]: arrival({ signature_signers: [leader, seal, seal, seal] }),
      [`GET /api/v1/documents/${ID}/history`]: HISTORY,
    });
    renderWith(<DocumentPage />, { api, path: `/van-ban/${ID}`, route: "/van-ban/:id" });
    const signers = await screen.findByTestId("signature-signers");
    expect([...signers.querySelectorAll("li")].map((li) => li.textContent)).toEqual([leader, `${seal} (trên 3 tệp)`]);
  });

  it("names an agency's seal once in the signature verdict, in its signer line and in the note", async () => {
    const agency = "Ủy ban nhân dân tỉnh Vĩnh Long";
    const { api } = fakeGateway({
      [`GET /api/v1/documents/${ID}`]: arrival({
        signature_signers: [`${agency} (${agency}), ký lúc 10:02 01/12/2026`],
        signature_note: `cong-van.pdf: HỢP LỆ (1 chữ ký: ${agency} (${agency}), ký lúc 10:02 01/12/2026)` }),
      [`GET /api/v1/documents/${ID}/history`]: HISTORY,
    });
    renderWith(<DocumentPage />, { api, path: `/van-ban/${ID}`, route: "/van-ban/:id" });
    const signers = await screen.findByTestId("signature-signers");
    expect([...signers.querySelectorAll("li")].map((li) => li.textContent))
      .toEqual([`${agency}, ký lúc 10:02 01/12/2026`]);
    expect(screen.getByText(`cong-van.pdf: HỢP LỆ (1 chữ ký: ${agency}, ký lúc 10:02 01/12/2026)`)).toBeInTheDocument();
  });

  it("gives an outgoing document's circuit the page's whole width, below the metadata and the PDF", async () => {
    const doc = draft();
    const { api } = fakeGateway({
      [`GET /api/v1/documents/${doc.id}`]: doc,
      [`GET /api/v1/documents/${doc.id}/history`]: [],
      [`GET /api/v1/workflow/documents/${doc.id}/case`]: outgoingCase({ document_id: doc.id }),
    });
    renderWith(<DocumentPage />, { api, path: `/van-ban/${doc.id}`, route: "/van-ban/:id" });
    const state = await screen.findByTestId("outgoing-state");
    const work = screen.getByTestId("document-work");
    expect(work).toContainElement(state);
    expect(screen.getByTestId("document-details")).not.toContainElement(state);
    // outside the two-column row: not half of the page beside the PDF
    expect(work.closest(".ant-row")).toBeNull();
  });

  it("shows an outgoing draft's status as its circuit's state (Đã trình ký), not Dự thảo", async () => {
    // fresh-user trial: the badge said Dự thảo while the circuit said Chờ duyệt / Đã trình ký
    const doc = draft({ status: "draft" });
    const { api } = fakeGateway({
      [`GET /api/v1/documents/${doc.id}`]: doc,
      [`GET /api/v1/documents/${doc.id}/history`]: [],
      [`GET /api/v1/workflow/documents/${doc.id}/case`]: outgoingCase({ document_id: doc.id, state: "submitted" }),
    });
    renderWith(<DocumentPage />, { api, path: `/van-ban/${doc.id}`, route: "/van-ban/:id" });
    await waitFor(() => expect(screen.getByTestId("document-status")).toHaveTextContent("Đã trình ký"));
    expect(screen.queryByText("Dự thảo", { selector: ".ant-tag" })).toBeNull();
  });

  it("puts the PDF beside the metadata from 1200 px, one column below, and wraps metadata between words", async () => {
    const { api } = fakeGateway({
      [`GET /api/v1/documents/${ID}`]: arrival(),
      [`GET /api/v1/documents/${ID}/history`]: HISTORY,
    });
    renderWith(<DocumentPage />, { api, path: `/van-ban/${ID}`, route: "/van-ban/:id" });
    const issuer = await screen.findByText("Ủy ban nhân dân tỉnh Vĩnh Long");
    const details = screen.getByTestId("document-details");
    const files = screen.getByTestId("document-files");
    // one row, two columns from xl (1200 px): the metadata on the left, the files and their PDF on the right
    expect(details.parentElement).toBe(files.parentElement);
    for (const column of [details, files]) {
      expect(column).toHaveClass("ant-col-xs-24", "ant-col-xl-12");
    }
    expect(within(details).getByText("Ủy ban nhân dân tỉnh Vĩnh Long")).toBe(issuer);
    expect(within(files).getByText("Công văn.pdf")).toBeInTheDocument();
    // words stay whole: no break inside a word (break-word / break-all), only a string longer than the cell breaks
    const cell = issuer.closest("td") as HTMLElement;
    expect(cell.style.wordBreak).toBe("normal");
    expect(cell.style.overflowWrap).toBe("break-word");
    // the labels keep a readable width beside the PDF (1440 px gave them a sliver)
    const label = within(details).getByText("Cơ quan ban hành").closest("th") as HTMLElement;
    expect([label.style.width, label.style.minWidth]).toEqual(["168px", "128px"]);
    expect(label.style.wordBreak).toBe("normal");
  });
});
