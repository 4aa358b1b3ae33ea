import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { arrival, draft } from "../../test/fixtures";
import { fakeGateway, renderWith } from "../../test/render";
import { DraftPage } from "./DraftPage";
import { ReplyLinks } from "./Replies";

const ID = "0192f0a1-7c3e-7b1a-9c1d-000000000001";
const TYPES = [{ code: "cong_van", name: "Công văn", abbreviation: "", agency_code: "", exchange_form: "electronic",
  exchange_form_set_at: "", exchange_form_set_by: "" }];
const OFFICER = { username: "chuyenvien.ubnd", name: "Lê Văn Chuyên", agency: "000.00.00.H61", roles: ["officer" as const] };

describe("sửa dự thảo", () => {
  it("saves a returned draft with PUT and the version it read, keeping its file and recipients", async () => {
    const { api, calls } = fakeGateway({
      "GET /api/v1/document-types": TYPES,
      [`GET /api/v1/documents/${ID}`]: draft({ version: 4 }),
      [`PUT /api/v1/documents/${ID}`]: draft({ version: 5 }),
    });
    renderWith(<DraftPage />, { api, path: `/van-ban-di/${ID}/sua`, route: "/van-ban-di/:id/sua", person: OFFICER });
    const user = userEvent.setup({ delay: null });
    await user.click(await screen.findByRole("button", { name: "Lưu dự thảo" }));
    await waitFor(() => expect(calls.some((c) => c.method === "PUT")).toBe(true));
    expect(calls.some((c) => c.method === "POST")).toBe(false);
    const put = calls.find((c) => c.method === "PUT")?.body as Record<string, unknown>;
    expect(put).toMatchObject({ expected_version: 4, type_code: "cong_van", unit_abbreviation: "VP",
      recipients: [{ agency_code: "000.00.02.H61", name: "Sở Nội vụ" }],
      files: [{ object_id: "obj-9", role: "main", file_name: "Dự thảo.pdf", sha256: "" }] });
    expect(put).not.toHaveProperty("agency_code"); // DraftUpdate has none: the gateway answers 422 to it
  });

  it("sends a corrected returned draft back to review on its circuit (gửi lại), not a second circuit", async () => {
    const { api, calls } = fakeGateway({
      "GET /api/v1/document-types": TYPES,
      [`GET /api/v1/documents/${ID}`]: draft({ version: 4 }),
      [`PUT /api/v1/documents/${ID}`]: draft({ version: 5 }),
      [`GET /api/v1/workflow/documents/${ID}/case`]: { id: "case-7", version: 3, state: "returned", steps: [] },
      "POST /api/v1/workflow/cases/case-7/resend": { id: "case-7", version: 4, state: "in_review" },
    });
    renderWith(<DraftPage />, { api, path: `/van-ban-di/${ID}/sua`, route: "/van-ban-di/:id/sua", person: OFFICER });
    const user = userEvent.setup({ delay: null });
    await user.click(await screen.findByRole("button", { name: "Lưu và gửi duyệt" }));
    await waitFor(() => expect(calls.some((c) => c.path.endsWith("/resend"))).toBe(true));
    expect(calls.filter((c) => c.method !== "GET").map((c) => [c.method, c.path, c.body])).toEqual([
      ["PUT", `/api/v1/documents/${ID}`, expect.objectContaining({ expected_version: 4 })],
      ["POST", "/api/v1/workflow/cases/case-7/resend", { version: 3, comment: "" }]]);
  });

  it("shows the reviewer's comments above the form of a returned draft", async () => {
    const { api } = fakeGateway({
      "GET /api/v1/document-types": TYPES,
      [`GET /api/v1/documents/${ID}`]: draft({ version: 4 }),
      [`GET /api/v1/workflow/documents/${ID}/case`]: { id: "case-7", version: 3, state: "returned", steps: [
        { action: "start", actor: "chuyenvien.ubnd", actor_name: "Lê Văn Chuyên", at: "2031-06-10T02:00:00Z", comment: "" },
        { action: "return_draft", actor: "truongphong.ubnd", actor_name: "Trần Thị Phương", at: "2031-06-11T03:30:00Z",
          comment: "Bổ sung căn cứ pháp lý; sửa trích yếu cho đúng thể thức." }] },
    });
    renderWith(<DraftPage />, { api, path: `/van-ban-di/${ID}/sua`, route: "/van-ban-di/:id/sua", person: OFFICER });
    const banner = await screen.findByTestId("returned-reason");
    expect(banner).toHaveTextContent("Dự thảo bị trả lại bởi Trần Thị Phương lúc 11/06/2031 10:30");
    expect(banner).toHaveTextContent("Bổ sung căn cứ pháp lý; sửa trích yếu cho đúng thể thức.");
    expect(screen.getByRole("button", { name: "Lưu dự thảo" })).toBeInTheDocument();
  });

  it("lets the drafter replace the file of an approved, unsubmitted draft, which goes back to review (issue 14)",
    async () => {
      const { api, calls } = fakeGateway({
        "GET /api/v1/document-types": TYPES,
        [`GET /api/v1/documents/${ID}`]: draft({ version: 4 }),
        [`PUT /api/v1/documents/${ID}`]: draft({ version: 5 }),
        [`GET /api/v1/workflow/documents/${ID}/case`]: () => ({ id: "case-7", version: calls.some(
          (c) => c.method === "PUT") ? 6 : 5, state: calls.some((c) => c.method === "PUT") ? "returned" : "approved",
        steps: [] }),
        "POST /api/v1/workflow/cases/case-7/resend": { id: "case-7", version: 7, state: "in_review" },
      });
      renderWith(<DraftPage />, { api, path: `/van-ban-di/${ID}/sua`, route: "/van-ban-di/:id/sua", person: OFFICER });
      const user = userEvent.setup({ delay: null });
      await user.click(await screen.findByRole("button", { name: "Lưu và gửi duyệt" }));
      await waitFor(() => expect(calls.some((c) => c.path.endsWith("/resend"))).toBe(true));
      expect(calls.filter((c) => c.method !== "GET").map((c) => [c.method, c.path, c.body])).toEqual([
        ["PUT", `/api/v1/documents/${ID}`, expect.objectContaining({ expected_version: 4 })],
        ["POST", "/api/v1/workflow/cases/case-7/resend", { version: 6, comment: "" }]]);
    });

  it("does not offer the form for a draft submitted for signature (what was approved is what is signed)", async () => {
    const { api } = fakeGateway({
      "GET /api/v1/document-types": TYPES,
      [`GET /api/v1/documents/${ID}`]: draft({ version: 4 }),
      [`GET /api/v1/workflow/documents/${ID}/case`]: { id: "case-7", version: 5, state: "submitted", steps: [] },
    });
    renderWith(<DraftPage />, { api, path: `/van-ban-di/${ID}/sua`, route: "/van-ban-di/:id/sua", person: OFFICER });
    expect(await screen.findByText(/Dự thảo đang trong quy trình \(đã trình ký\)/)).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Lưu dự thảo" })).not.toBeInTheDocument();
  });

  it("does not offer the form for a document that is no longer a draft", async () => {
    const { api } = fakeGateway({
      "GET /api/v1/document-types": TYPES,
      [`GET /api/v1/documents/${ID}`]: draft({ status: "signed" }),
    });
    renderWith(<DraftPage />, { api, path: `/van-ban-di/${ID}/sua`, route: "/van-ban-di/:id/sua", person: OFFICER });
    expect(await screen.findByText("Văn bản này không còn là dự thảo nên không sửa được.")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Lưu dự thảo" })).not.toBeInTheDocument();
  });
});

describe("soạn văn bản trả lời (from an arrival's task)", () => {
  const ARRIVAL = arrival({ id: "0192f0a1-7c3e-7b1a-9c1d-00000000a001", agency_code: "000.00.00.H61",
    status: "registered", abstract: "V/v rà soát biên chế công chức năm 2027", number_symbol: "15/SNV-TCBC",
    issuing_agency_code: "000.00.02.H61", issuing_agency_name: "Sở Nội vụ tỉnh Vĩnh Long" });
  const SNV = { code: "000.00.02.H61", name: "Sở Nội vụ tỉnh Vĩnh Long", short_name: "", parent_code: "000.00.00.H61",
    level: 2, email: "", phone: "", address: "", place: "Vĩnh Long", code_conforms: true, source: "", valid_from: null,
    valid_to: null };
  const path = `/van-ban-di/soan?tra-loi=${ARRIVAL.id}`;

  it("starts the draft as a reply to the arrival's sender, linked to it, its trích yếu V/v trả lời … (editable)",
    async () => {
      const { api, calls } = fakeGateway({
        "GET /api/v1/document-types": TYPES,
        [`GET /api/v1/documents/${ARRIVAL.id}`]: ARRIVAL,
        "GET /api/v1/agencies/000.00.02.H61": SNV,
        "POST /api/v1/documents": draft(),
      });
      renderWith(<DraftPage />, { api, path, route: "/van-ban-di/soan", person: OFFICER });
      expect(await screen.findByRole("heading", { name: "Soạn văn bản trả lời" })).toBeInTheDocument();
      expect(screen.getByTestId("reply-to")).toHaveTextContent(
        "Trả lời văn bản số 15/SNV-TCBC của Sở Nội vụ tỉnh Vĩnh Long: V/v rà soát biên chế công chức năm 2027");
      const abstract = screen.getByLabelText("Trích yếu");
      expect(abstract).toHaveValue(
        "V/v trả lời văn bản số 15/SNV-TCBC của Sở Nội vụ tỉnh Vĩnh Long về rà soát biên chế công chức năm 2027");
      const user = userEvent.setup({ delay: null });
      await user.type(abstract, " của tỉnh");
      await user.click(screen.getByRole("button", { name: "Lưu dự thảo" }));
      await waitFor(() => expect(calls.some((c) => c.method === "POST")).toBe(true));
      expect(calls.find((c) => c.method === "POST")?.body).toMatchObject({
        direction: "outgoing", type_code: "cong_van", answers_document_id: ARRIVAL.id,
        abstract: "V/v trả lời văn bản số 15/SNV-TCBC của Sở Nội vụ tỉnh Vĩnh Long về rà soát biên chế công chức năm "
          + "2027 của tỉnh",
        recipients: [{ agency_code: "000.00.02.H61", name: "Sở Nội vụ tỉnh Vĩnh Long" }] });
    });

  it("shows the saved reply on the arrival's list of replies at once (not the list read before it)", async () => {
    const saved = draft({ answers_document_id: ARRIVAL.id, abstract: "V/v trả lời văn bản số 15/SNV-TCBC" });
    let posted = false;
    const { api } = fakeGateway({
      "GET /api/v1/document-types": TYPES,
      [`GET /api/v1/documents/${ARRIVAL.id}`]: ARRIVAL,
      "GET /api/v1/agencies/000.00.02.H61": SNV,
      "GET /api/v1/documents": () => ({ items: posted ? [saved] : [], next_page_token: null }),
      "POST /api/v1/documents": () => { posted = true; return saved; },
    });
    // both stay on the page after the save (the route matches any address)
    renderWith(<><ReplyLinks doc={ARRIVAL} /><DraftPage /></>, { api, path, person: OFFICER });
    const user = userEvent.setup({ delay: null });
    await user.click(await screen.findByRole("button", { name: "Lưu dự thảo" }));
    expect(await screen.findByTestId("replies")).toHaveTextContent("Dự thảo — V/v trả lời văn bản số 15/SNV-TCBC");
  });

  it("starts a reply to a Hỏa tốc arrival as Hỏa tốc (its độ khẩn, editable), not Thường", async () => {
    const { api, calls } = fakeGateway({
      "GET /api/v1/document-types": TYPES,
      [`GET /api/v1/documents/${ARRIVAL.id}`]: { ...ARRIVAL, urgency: "express" },
      "GET /api/v1/agencies/000.00.02.H61": SNV,
      "POST /api/v1/documents": draft(),
    });
    renderWith(<DraftPage />, { api, path, route: "/van-ban-di/soan", person: OFFICER });
    expect(await screen.findByRole("radio", { name: "Hỏa tốc" })).toBeChecked();
    const user = userEvent.setup({ delay: null });
    await user.click(screen.getByRole("radio", { name: "Thượng khẩn" }));
    await user.click(screen.getByRole("button", { name: "Lưu dự thảo" }));
    await waitFor(() => expect(calls.some((c) => c.method === "POST")).toBe(true));
    expect(calls.find((c) => c.method === "POST")?.body).toMatchObject({ answers_document_id: ARRIVAL.id,
      urgency: "very_urgent" });
  });

  it("leaves the recipient to choose when the sender is not in the directory, and says so", async () => {
    const { api, calls } = fakeGateway({
      "GET /api/v1/document-types": TYPES,
      [`GET /api/v1/documents/${ARRIVAL.id}`]: { ...ARRIVAL, issuing_agency_code: "",
        issuing_agency_name: "Công ty TNHH Phú Quý" },
      "POST /api/v1/documents": draft(),
    });
    renderWith(<DraftPage />, { api, path, route: "/van-ban-di/soan", person: OFFICER });
    expect(await screen.findByTestId("reply-to")).toHaveTextContent(
      "Cơ quan gửi (Công ty TNHH Phú Quý) không có trong danh bạ: hãy chọn nơi nhận.");
    const user = userEvent.setup({ delay: null });
    await user.click(screen.getByRole("button", { name: "Lưu dự thảo" }));
    await waitFor(() => expect(calls.some((c) => c.method === "POST")).toBe(true));
    expect(calls.find((c) => c.method === "POST")?.body).toMatchObject({ answers_document_id: ARRIVAL.id,
      recipients: [] });
  });

  it("keeps the reply's link when its draft is edited", async () => {
    const { api, calls } = fakeGateway({
      "GET /api/v1/document-types": TYPES,
      [`GET /api/v1/documents/${ID}`]: draft({ version: 2, answers_document_id: ARRIVAL.id }),
      [`PUT /api/v1/documents/${ID}`]: draft({ version: 3, answers_document_id: ARRIVAL.id }),
    });
    renderWith(<DraftPage />, { api, path: `/van-ban-di/${ID}/sua`, route: "/van-ban-di/:id/sua", person: OFFICER });
    const user = userEvent.setup({ delay: null });
    await user.click(await screen.findByRole("button", { name: "Lưu dự thảo" }));
    await waitFor(() => expect(calls.some((c) => c.method === "PUT")).toBe(true));
    expect(calls.find((c) => c.method === "PUT")?.body).toMatchObject({ answers_document_id: ARRIVAL.id });
  });
});
