import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { DocumentType, Member, Unit } from "../../api/client";
import type { components } from "../../api/schema";
import type { Person } from "../../auth/claims";
import { CLERK, fakeGateway, findClickable, renderWith } from "../../test/render";
import { AdminPage } from "./AdminPage";

type Agency = components["schemas"]["AgencyOut"];
const ADMIN: Person = { username: "quantri.snv", name: "Phan Quản Trị", agency: "000.00.02.H61", roles: ["admin"] };
const UNIT: Unit = { code: "TCBC", name: "Phòng Tổ chức biên chế", kind: "division", parent_code: null, active: true,
  head_subject: "s-head", head_username: "truongphong.snv" };
const MEMBER: Member = { unit_code: "TCBC", subject: "s-cv", username: "chuyenvien.snv", name: "Lê Văn Chuyên",
  position: "officer" };
const SNV: Agency = { code: "000.00.02.H61", name: "Sở Nội vụ", short_name: "SNV", parent_code: "000.00.00.H61",
  level: 2, valid_from: null, valid_to: null, code_conforms: true, address: "", email: "", phone: "", source: "seed",
  place: "Vĩnh Long" };
const BRANCH: Agency = { ...SNV, code: "000.01.02.H61", name: "Ban Thi đua – Khen thưởng", short_name: "",
  parent_code: "000.00.02.H61", level: 3, source: "" };
const TYPE: DocumentType = { code: "cong_van", name: "Công văn", abbreviation: "", agency_code: "",
  exchange_form: "electronic", exchange_form_set_at: "", exchange_form_set_by: "" };

function gateway(extra: Record<string, unknown> = {}) {
  return fakeGateway({
    "GET /api/v1/units": [UNIT],
    "GET /api/v1/units/TCBC/members": [MEMBER],
    "GET /api/v1/people": [{ subject: "s-new", username: "nhanvien.snv", name: "Võ Thị Mới", email: "", enabled: true }],
    "PUT /api/v1/units/TCBC/members/s-new": { member: { ...MEMBER, subject: "s-new" }, created: true },
    "PUT /api/v1/units/TCBC/members/s-cv": { member: { ...MEMBER, position: "head" }, created: false },
    "DELETE /api/v1/units/TCBC/members/s-cv": new Response(null, { status: 204 }),
    "GET /api/v1/agencies/000.00.02.H61": SNV,
    "GET /api/v1/agencies": { items: [BRANCH], next_page_token: null },
    "PUT /api/v1/agencies/000.01.02.H61": { agency: BRANCH, created: false, warnings: [] },
    "GET /api/v1/document-types": [TYPE],
    "PUT /api/v1/document-types/cong_van/exchange-form": { ...TYPE, exchange_form: "electronic_and_paper" },
    ...extra,
  });
}

describe("the administration", () => {
  it("is for admins only: a clerk is told so and nothing is asked of the gateway", async () => {
    const { api, calls } = gateway();
    renderWith(<AdminPage />, { api, person: CLERK });
    expect(await screen.findByText("Chỉ quản trị viên của cơ quan được dùng trang này.")).toBeInTheDocument();
    expect(screen.queryByRole("tab")).not.toBeInTheDocument();
    expect(calls).toEqual([]);
  });

  it("adds a person to a unit, makes a member its head and takes one out", async () => {
    const { api, calls } = gateway();
    renderWith(<AdminPage />, { api, person: ADMIN });
    const user = userEvent.setup({ delay: null });
    expect(await screen.findByText("Phòng Tổ chức biên chế")).toBeInTheDocument();
    expect(screen.getByText("truongphong.snv")).toBeInTheDocument();
    // the table's loading overlay (pointer-events: none) must be gone before a person can click in it
    await waitFor(() => expect(document.querySelector(".ant-spin-spinning, .ant-spin-blur")).toBeNull());
    await user.click(screen.getByRole("button", { name: "Thành viên của Phòng Tổ chức biên chế" }));
    const members = await screen.findByRole("region", { name: "Thành viên của Phòng Tổ chức biên chế" });
    expect(await within(members).findByText("Lê Văn Chuyên (chuyenvien.snv)")).toBeInTheDocument();

    await user.click(within(members).getByRole("button", { name: "Thêm thành viên" }));
    expect(await within(members).findByText("Hãy chọn một người.")).toBeInTheDocument();
    fireEvent.mouseDown(within(members).getByRole("combobox", { name: "Người" }));
    fireEvent.click(await screen.findByTitle("Võ Thị Mới (nhanvien.snv)"));
    await user.click(within(members).getByRole("button", { name: "Thêm thành viên" }));
    await waitFor(() => expect(calls.find((c) => c.method === "PUT")).toEqual({ method: "PUT",
      path: "/api/v1/units/TCBC/members/s-new", body: { position: "officer" } }));

    await user.click(within(members).getByRole("button", { name: "Đặt làm trưởng đơn vị: Lê Văn Chuyên" }));
    await waitFor(() => expect(calls.filter((c) => c.method === "PUT").at(-1)).toEqual({ method: "PUT",
      path: "/api/v1/units/TCBC/members/s-cv", body: { position: "head" } }));

    await user.click(within(members).getByRole("button", { name: "Bỏ khỏi đơn vị: Lê Văn Chuyên" }));
    const confirm = await screen.findByRole("tooltip");
    await user.click(within(confirm).getByRole("button", { name: "Bỏ khỏi đơn vị" }));
    await waitFor(() => expect(calls.map((c) => `${c.method} ${c.path}`)).toContain(
      "DELETE /api/v1/units/TCBC/members/s-cv"));
    expect(await screen.findByText("Đã bỏ khỏi đơn vị.")).toBeInTheDocument();
  });

  it("creates a unit only with a valid code", async () => {
    const { api, calls } = gateway({ "PUT /api/v1/units/VP": { unit: { ...UNIT, code: "VP" }, created: true } });
    renderWith(<AdminPage />, { api, person: ADMIN });
    const user = userEvent.setup({ delay: null });
    await user.click(await screen.findByRole("button", { name: "Thêm đơn vị" }));
    const dialog = await screen.findByRole("dialog");
    fireEvent.change(within(dialog).getByLabelText("Mã đơn vị"), { target: { value: "Văn phòng" } });
    fireEvent.change(within(dialog).getByLabelText("Tên đơn vị"), { target: { value: "Văn phòng Sở" } });
    await user.click(within(dialog).getByRole("button", { name: "Lưu" }));
    expect(await within(dialog).findByText(/Mã đơn vị chỉ gồm/)).toBeInTheDocument();
    expect(calls.some((c) => c.method === "PUT")).toBe(false);
    fireEvent.change(within(dialog).getByLabelText("Mã đơn vị"), { target: { value: "VP" } });
    await user.click(within(dialog).getByRole("button", { name: "Lưu" }));
    await waitFor(() => expect(calls.find((c) => c.method === "PUT")).toEqual({ method: "PUT",
      path: "/api/v1/units/VP", body: { name: "Văn phòng Sở", kind: "division", parent_code: null, active: true } }));
  });

  it("edits an entry under the agency without moving it", async () => {
    const { api, calls } = gateway();
    renderWith(<AdminPage />, { api, person: ADMIN, path: "/?tab=agencies" });
    const user = userEvent.setup({ delay: null });
    // the directory's page arrives after the agency's own entry (two requests in a row): a longer wait on a busy machine
    // ... and the table stays blurred behind its spinner for a render after it loads: wait for the button to be usable
    await user.click(await findClickable("button", { name: "Sửa Ban Thi đua – Khen thưởng" }, 20_000));
    const dialog = await screen.findByRole("dialog");
    fireEvent.change(within(dialog).getByLabelText("Điện thoại"), { target: { value: "0270 3822 111" } });
    await user.click(within(dialog).getByRole("button", { name: "Lưu" }));
    await waitFor(() => expect(calls.find((c) => c.method === "PUT")).toMatchObject({
      path: "/api/v1/agencies/000.01.02.H61",
      body: { name: "Ban Thi đua – Khen thưởng", phone: "0270 3822 111", parent_code: "000.00.02.H61", level: 3 } }));
    expect(calls.map((c) => c.path)).toContain("/api/v1/agencies?parent_code=000.00.02.H61&page_size=500");
  });

  it("sets a type's exchange form in the catalogue", async () => {
    const { api, calls } = gateway();
    renderWith(<AdminPage />, { api, person: ADMIN, path: "/?tab=types" });
    fireEvent.mouseDown(await screen.findByRole("combobox", { name: "Hình thức gửi của Công văn" }));
    fireEvent.click(await screen.findByTitle("Gửi điện tử và bản giấy"));
    await waitFor(() => expect(calls.find((c) => c.method === "PUT")).toEqual({ method: "PUT",
      path: "/api/v1/document-types/cong_van/exchange-form", body: { exchange_form: "electronic_and_paper" } }));
  });

  it("shows the agency's signing certificate as people read it, not as its RFC 4514 subject", async () => {
    const { api } = gateway({
      "GET /api/v1/signing/profile": { kind: "agency", agency_code: "000.00.02.H61", username: "", custody: "server",
        certificate_subject: "CN=Sở Nội vụ tỉnh Vĩnh Long,OU=VanThu DEVELOPMENT ONLY,O=Sở Nội vụ,C=VN",
        certificate_not_after: "2028-06-30T16:59:59+00:00", has_image: true, updated_at: "" },
    });
    renderWith(<AdminPage />, { api, person: ADMIN, path: "/quan-tri?tab=signing" });
    expect(await screen.findByText("Sở Nội vụ tỉnh Vĩnh Long (VanThu DEVELOPMENT ONLY, Sở Nội vụ)")).toBeInTheDocument();
    expect(screen.queryByText(/CN=/)).not.toBeInTheDocument();
  });
});
