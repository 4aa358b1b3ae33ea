import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { Person } from "../../auth/claims";
import { delegation } from "../../test/fixtures";
import { fakeGateway, findClickable, renderWith, typeDate } from "../../test/render";
import { delegationState } from "../work/delegations";
import { addDays, Delegations } from "./Delegations";

const UBND = "000.00.00.H61";
const TODAY = "2026-12-01";
const LEADER: Person = { username: "lanhdao.ubnd", subject: "s-ld", name: "Nguyễn Văn Hưởng", agency: UBND,
  roles: ["leader"] };
const HEAD: Person = { username: "truongphong.ubnd", subject: "s-tp", name: "Lê Hoàng Phúc", agency: UBND,
  roles: ["head"] };
const OFFICER: Person = { username: "chuyenvien.ubnd", subject: "s-cv", name: "Phạm Thị Ngọc Ánh", agency: UBND,
  roles: ["officer"] };
const person = (username: string, subject: string, name: string, title: string, roles: string[] = ["officer"]) =>
  ({ username, subject, name, title, leader: roles.includes("leader"), units: [], enabled: true });
const PEOPLE = [
  person("lanhdao.ubnd", "s-ld", "Nguyễn Văn Hưởng", "Chủ tịch", ["leader"]),
  person("truongphong.ubnd", "s-tp", "Lê Hoàng Phúc", "Trưởng phòng Tổng hợp", ["head"]),
  person("chuyenvien.ubnd", "s-cv", "Phạm Thị Ngọc Ánh", "Chuyên viên"),
  person("luutru.ubnd", "s-lt", "Võ Minh Đường", "Lưu trữ viên", ["archivist"]),
];
const UNITS = [
  { code: "TH", name: "Phòng Tổng hợp", kind: "division", parent_code: null, active: true, head_subject: "s-tp",
    head_username: "truongphong.ubnd" },
  { code: "NC", name: "Phòng Nội chính", kind: "division", parent_code: null, active: true, head_subject: "s-nc",
    head_username: "truongphong2.ubnd" },
];
const TH_MEMBERS = [
  { unit_code: "TH", subject: "s-tp", username: "truongphong.ubnd", name: "Lê Hoàng Phúc", position: "head" },
  { unit_code: "TH", subject: "s-cv", username: "chuyenvien.ubnd", name: "Phạm Thị Ngọc Ánh", position: "officer" },
];
const problem = (status: number, detail: string) => new Response(JSON.stringify({ status, detail, title: "Lỗi" }),
  { status, headers: { "Content-Type": "application/problem+json" } });

/** Opens the deputy picker, types ``text`` and returns the option labels shown. */
async function typeDeputy(text: string): Promise<string[]> {
  const input = screen.getByLabelText("Người được ủy quyền");
  fireEvent.mouseDown(input);
  fireEvent.change(input, { target: { value: text } });
  return waitFor(() => {
    const shown = [...document.querySelectorAll(".ant-select-item-option")].map((o) => o.getAttribute("title") ?? "");
    if (!shown.length) throw new Error("no option");
    return shown;
  });
}

describe("ủy quyền on the personal page", () => {
  it("lists the delegations newest first with where each stands and its period as dd/mm/yyyy", async () => {
    const { api, calls } = fakeGateway({ "GET /api/v1/workflow/delegations": [
      delegation({ id: "d4", valid_from: "2026-12-10", valid_to: "2026-12-12", active: false }),
      delegation({ id: "d3" }),
      delegation({ id: "d2", valid_from: "2026-11-01", valid_to: "2026-11-30", active: false }),
      delegation({ id: "d1", revoked_at: "2026-11-02T08:00:00+07:00", revoked_by: "lanhdao.ubnd", active: false,
        competence: "TUQ.", unit_code: "TH", delegator_name: "Lê Hoàng Phúc", delegator_username: "truongphong.ubnd",
        deputy_name: "Phạm Thị Ngọc Ánh" }),
    ], "GET /api/v1/units": UNITS });
    renderWith(<Delegations today={TODAY} />, { api, person: LEADER });
    await waitFor(() => expect(screen.getAllByTestId("delegation")).toHaveLength(4));
    expect(screen.getAllByTestId("delegation-state").map((e) => e.textContent)).toEqual(
      ["Chưa đến ngày", "Đang hiệu lực", "Đã hết hạn", "Đã thu hồi"]);
    expect(screen.getAllByTestId("delegation-period")[0]).toHaveTextContent("Thời hạn: 10/12/2026 – 12/12/2026");
    const revoked = screen.getAllByTestId("delegation")[3] as HTMLElement;
    expect(await within(revoked).findByText("Việc được ủy quyền: Việc của Phòng Tổng hợp")).toBeInTheDocument();
    expect(revoked).toHaveTextContent("TUQ. (thừa ủy quyền)");
    // the leader may end those not yet over (theirs or the agency's); an ended or expired one offers nothing
    expect(screen.getAllByRole("button", { name: "Thu hồi ủy quyền" })).toHaveLength(2);
    expect(screen.getByText(/Lãnh đạo xem được mọi ủy quyền của cơ quan/)).toBeInTheDocument();
    expect(calls[0]?.path).toBe("/api/v1/workflow/delegations?active_only=false");
  });

  it("finds the deputy by typing (without diacritics, never oneself), fills their position, explains KT./TUQ.",
    async () => {
      const { api } = fakeGateway({ "GET /api/v1/workflow/delegations": [], "GET /api/v1/people": PEOPLE });
      renderWith(<Delegations today={TODAY} />, { api, person: LEADER });
      const user = userEvent.setup({ delay: null });
      await user.click(await screen.findByRole("button", { name: "Ủy quyền mới" }));
      const dialog = await screen.findByRole("dialog");
      expect(within(dialog).getByTestId("delegation-scope")).toHaveTextContent("Việc của tôi (lãnh đạo)");
      expect(await typeDeputy("")).not.toContain("Nguyễn Văn Hưởng — Chủ tịch");
      expect(await typeDeputy("phuc")).toEqual(["Lê Hoàng Phúc — Trưởng phòng Tổng hợp"]);
      fireEvent.click(document.querySelector(".ant-select-item-option") as HTMLElement);
      expect(within(dialog).getByLabelText("Chức vụ của người được ủy quyền")).toHaveValue("Trưởng phòng Tổng hợp");
      expect(within(dialog).getByTestId("delegation-max")).toHaveTextContent(
        "Ủy quyền kéo dài tối đa một năm: muộn nhất đến ngày 01/12/2027.");
      expect(dialog).toHaveTextContent("không được ủy quyền lại");
    });

  it("offers KT. (ký thay) only for a leader's own tasks given to another leader (Decree 30/2020 Art. 13)",
    async () => {
      const people = [...PEOPLE, person("phochutich.ubnd", "s-pct", "Trần Văn Hai", "Phó Chủ tịch", ["leader"])];
      const { api, calls } = fakeGateway({ "GET /api/v1/workflow/delegations": [], "GET /api/v1/people": people,
        "POST /api/v1/workflow/delegations": delegation({ id: "d9" }) });
      renderWith(<Delegations today={TODAY} />, { api, person: LEADER });
      const user = userEvent.setup({ delay: null });
      await user.click(await screen.findByRole("button", { name: "Ủy quyền mới" }));
      const dialog = await screen.findByRole("dialog");
      await typeDeputy("phuc");  // a head of a unit: not a deputy of the agency's head
      fireEvent.click(document.querySelector(".ant-select-item-option") as HTMLElement);
      expect(within(dialog).queryByLabelText("KT. (ký thay)")).not.toBeInTheDocument();
      expect(within(dialog).getByLabelText("TUQ. (thừa ủy quyền)")).toBeChecked();
      expect(within(dialog).getByTestId("kt-only-deputies")).toHaveTextContent("người khác ký TUQ.");

      await typeDeputy("hai");  // the vice-chairman: a leader, who may sign KT.
      fireEvent.click(document.querySelector(".ant-select-item-option") as HTMLElement);
      fireEvent.click(within(dialog).getByLabelText("KT. (ký thay)"));
      expect(dialog).toHaveTextContent("Cấp phó ký thay người đứng đầu");
      await typeDeputy("phuc");  // back to the head: KT. is taken away again
      fireEvent.click(document.querySelector(".ant-select-item-option") as HTMLElement);
      await waitFor(() => expect(within(dialog).getByLabelText("TUQ. (thừa ủy quyền)")).toBeChecked());
      expect(within(dialog).queryByLabelText("KT. (ký thay)")).not.toBeInTheDocument();
      typeDate(within(dialog).getByLabelText("Hiệu lực đến ngày"), "05/12/2026");
      await user.click(within(dialog).getByRole("button", { name: "Ủy quyền" }));
      await waitFor(() => expect(calls.filter((c) => c.method === "POST").map((c) => (c.body as { competence: string })
        .competence)).toEqual(["TUQ."]));
    });

  it("refuses more than a year before sending, then sends the leader's delegation and reads the list again",
    async () => {
      const { api, calls } = fakeGateway({ "GET /api/v1/workflow/delegations": [], "GET /api/v1/people": PEOPLE,
        "POST /api/v1/workflow/delegations": delegation({ id: "d9" }) });
      renderWith(<Delegations today={TODAY} />, { api, person: LEADER });
      const user = userEvent.setup({ delay: null });
      await user.click(await screen.findByRole("button", { name: "Ủy quyền mới" }));
      const dialog = await screen.findByRole("dialog");
      await typeDeputy("phuc");
      fireEvent.click(document.querySelector(".ant-select-item-option") as HTMLElement);
      typeDate(within(dialog).getByLabelText("Hiệu lực đến ngày"), "02/12/2027");
      await user.click(within(dialog).getByRole("button", { name: "Ủy quyền" }));
      expect(await within(dialog).findByText("Quá một năm: muộn nhất đến ngày 01/12/2027.")).toBeInTheDocument();
      expect(calls.some((c) => c.method === "POST")).toBe(false);
      typeDate(within(dialog).getByLabelText("Hiệu lực đến ngày"), "05/12/2026");
      fireEvent.change(within(dialog).getByLabelText("Lý do"), { target: { value: "Đi công tác" } });
      await user.click(within(dialog).getByRole("button", { name: "Ủy quyền" }));
      await waitFor(() => expect(calls.filter((c) => c.method === "POST").map((c) => c.body)).toEqual([{
        deputy: "s-tp", unit_code: "", valid_from: "2026-12-01", valid_to: "2026-12-05", competence: "TUQ.",
        deputy_position: "Trưởng phòng Tổng hợp", reason: "Đi công tác" }]));
      await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
      expect(calls.filter((c) => c.path.startsWith("/api/v1/workflow/delegations") && c.method === "GET"))
        .toHaveLength(2);
    });

  it("shows the server's refusal as it says it, in Vietnamese", async () => {
    const { api } = fakeGateway({ "GET /api/v1/workflow/delegations": [], "GET /api/v1/people": PEOPLE,
      "POST /api/v1/workflow/delegations": problem(400,
        "Hiệu lực đến ngày: thời hạn đã qua (hôm nay là 2026-12-01).") });
    renderWith(<Delegations today={TODAY} />, { api, person: LEADER });
    const user = userEvent.setup({ delay: null });
    await user.click(await screen.findByRole("button", { name: "Ủy quyền mới" }));
    const dialog = await screen.findByRole("dialog");
    await typeDeputy("anh");
    fireEvent.click(document.querySelector(".ant-select-item-option") as HTMLElement);
    typeDate(within(dialog).getByLabelText("Hiệu lực đến ngày"), "03/12/2026");
    await user.click(within(dialog).getByRole("button", { name: "Ủy quyền" }));
    expect(await within(dialog).findByText("Hiệu lực đến ngày: thời hạn đã qua (hôm nay là 2026-12-01)."))
      .toBeInTheDocument();
    expect(screen.getByRole("dialog")).toBeInTheDocument();  // kept open: nothing was created
  });

  it("lets a head delegate only a unit they head, to a member of it", async () => {
    const { api, calls } = fakeGateway({ "GET /api/v1/workflow/delegations": [], "GET /api/v1/people": PEOPLE,
      "GET /api/v1/units": UNITS, "GET /api/v1/units/TH/members": TH_MEMBERS,
      "POST /api/v1/workflow/delegations": delegation({ unit_code: "TH" }) });
    renderWith(<Delegations today={TODAY} />, { api, person: HEAD });
    const user = userEvent.setup({ delay: null });
    await user.click(await screen.findByRole("button", { name: "Ủy quyền mới" }));
    const dialog = await screen.findByRole("dialog");
    await waitFor(() => expect(within(dialog).getByTestId("delegation-scope")).toHaveTextContent(
      "Việc được ủy quyền: Việc của Phòng Tổng hợp"));
    await waitFor(async () => expect(await typeDeputy("")).toEqual(["Phạm Thị Ngọc Ánh — Chuyên viên"]));
    fireEvent.click(document.querySelector(".ant-select-item-option") as HTMLElement);
    typeDate(within(dialog).getByLabelText("Hiệu lực đến ngày"), "04/12/2026");
    await user.click(within(dialog).getByRole("button", { name: "Ủy quyền" }));
    await waitFor(() => expect(calls.find((c) => c.method === "POST")?.body).toMatchObject(
      { deputy: "s-cv", unit_code: "TH", deputy_position: "Chuyên viên" }));
  });

  it("revokes after the delegator confirms", async () => {
    const given = delegation({ delegator: "s-tp", delegator_username: "truongphong.ubnd",
      delegator_name: "Lê Hoàng Phúc", deputy: "s-cv", deputy_name: "Phạm Thị Ngọc Ánh", unit_code: "TH" });
    let revoked = false;
    const { api, calls } = fakeGateway({
      "GET /api/v1/workflow/delegations": () => [revoked ? { ...given, revoked_at: "2026-12-01T10:00:00+07:00",
        active: false } : given],
      "GET /api/v1/units": UNITS,
      "POST /api/v1/workflow/delegations/del-1/revoke": () => { revoked = true; return { ...given, active: false }; },
    });
    renderWith(<Delegations today={TODAY} />, { api, person: HEAD });
    const user = userEvent.setup({ delay: null });
    await user.click(await findClickable("button", { name: "Thu hồi ủy quyền" }));
    expect(await screen.findByText("Phạm Thị Ngọc Ánh thôi xử lý việc được ủy quyền từ bây giờ.")).toBeInTheDocument();
    expect(calls.some((c) => c.method === "POST")).toBe(false);  // not before the confirmation
    await user.click(screen.getByRole("button", { name: "Thu hồi" }));
    await waitFor(() => expect(screen.getByTestId("delegation-state")).toHaveTextContent("Đã thu hồi"));
    expect(calls.filter((c) => c.method === "POST").map((c) => c.path)).toEqual(
      ["/api/v1/workflow/delegations/del-1/revoke"]);
    expect(screen.queryByRole("button", { name: "Thu hồi ủy quyền" })).not.toBeInTheDocument();
  });

  it("shows an officer only what was delegated to them, without a form or a way to end it", async () => {
    const none = fakeGateway({ "GET /api/v1/workflow/delegations": [] });
    const { unmount } = renderWith(<Delegations today={TODAY} />, { api: none.api, person: OFFICER });
    await waitFor(() => expect(none.calls).toHaveLength(1));
    expect(screen.queryByRole("heading", { name: "Ủy quyền" })).not.toBeInTheDocument();
    unmount();
    const mine = fakeGateway({ "GET /api/v1/workflow/delegations": [delegation({ deputy: "s-cv",
      deputy_name: "Phạm Thị Ngọc Ánh" })] });
    renderWith(<Delegations today={TODAY} />, { api: mine.api, person: OFFICER });
    expect(await screen.findByRole("heading", { name: "Ủy quyền" })).toBeInTheDocument();
    expect(screen.getByTestId("delegation-state")).toHaveTextContent("Đang hiệu lực");
    expect(screen.queryByRole("button", { name: "Ủy quyền mới" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Thu hồi ủy quyền" })).not.toBeInTheDocument();
  });
});

describe("where a delegation stands", () => {
  it("is revoked first, then before, after or inside its period (Vietnam dates, both days included)", () => {
    const d = { valid_from: "2026-12-01", valid_to: "2026-12-05", revoked_at: "" };
    expect(delegationState(d, "2026-11-30")).toBe("pending");
    expect(delegationState(d, "2026-12-01")).toBe("active");
    expect(delegationState(d, "2026-12-05")).toBe("active");
    expect(delegationState(d, "2026-12-06")).toBe("expired");
    expect(delegationState({ ...d, revoked_at: "2026-12-02T08:00:00+07:00" }, "2026-12-03")).toBe("revoked");
    expect(addDays("2028-02-28", 365)).toBe("2029-02-27");  // 2028 is a leap year
  });
});
