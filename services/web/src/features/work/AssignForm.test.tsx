import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { Case, PersonEntry, Unit } from "../../api/client";
import { AssignForm } from "./AssignForm";
import { fakeGateway, renderWith, typeDate } from "../../test/render";

const UNITS: Unit[] = [
  { code: "TH", name: "Phòng Tổng hợp", kind: "division", active: true, parent_code: null, head_subject: "s-th", head_username: "truongphong.ubnd" },
  { code: "NC", name: "Phòng Nội chính", kind: "division", active: true, parent_code: null, head_subject: null, head_username: null },
  { code: "CU", name: "Phòng cũ", kind: "division", active: false, parent_code: null, head_subject: null, head_username: null },
  { code: "TCCB", name: "Phòng Tổ chức cán bộ", kind: "division", active: true, parent_code: null, head_subject: "s-tccb", head_username: "truongphong.tccb" },
];
const PEOPLE: PersonEntry[] = [
  { subject: "s-cv", username: "chuyenvien.ubnd", name: "Lê Văn Chuyên", enabled: true, title: "Chuyên viên", leader: false, handler: true, signer: false, units: [], primary_unit: "" },
  { subject: "s-tp", username: "truongphong.ubnd", name: "Phạm Thị Trưởng", enabled: true, title: "Trưởng phòng", leader: false, handler: true, signer: true, units: ["TH"], primary_unit: "TH" },
  { subject: "s-pct", username: "phochutich.ubnd", name: "Trần Văn Phó", enabled: true, title: "Phó Chủ tịch", leader: true, handler: true, signer: true, units: [], primary_unit: "" },
  { subject: "s-vt", username: "vanthu.ubnd", name: "Đặng Thị Mỹ Xuyên", enabled: true, title: "Văn thư", leader: false, handler: false, signer: false, units: ["VP"], primary_unit: "VP" },
  { subject: "s-lt", username: "luutru.ubnd", name: "Võ Thị Lưu", enabled: true, title: "Lưu trữ viên", leader: false, handler: false, signer: false, units: ["VP"], primary_unit: "VP" },
  { subject: "s-qt", username: "quantri.ubnd", name: "Huỳnh Văn Quản", enabled: true, title: "Quản trị hệ thống", leader: false, handler: false, signer: false, units: [], primary_unit: "" },
  { subject: "s-nghi", username: "nghihuu.ubnd", name: "Lý Văn Nghỉ", enabled: false, title: "Chuyên viên", leader: false, handler: true, signer: false, units: [], primary_unit: "" },
  { subject: "s-son", username: "son.ubnd", name: "Nguyễn Văn Sơn", enabled: true, title: "Chuyên viên", leader: false, handler: true, signer: false, units: ["TCCB"], primary_unit: "TCCB" },
];

/**
 * The workflow service's deadlines as GET /api/v1/workflow/deadline answers them on Friday 27/11/2026 and Tuesday
 * 01/12/2026 (its calendar: Tết Dương lịch skipped); anything else is refused as the service would.
 */
const DEADLINES: Record<string, { deadline: string; today: string; day_off: string }> = {
  "days=5": { deadline: "2026-12-04", today: "2026-11-27", day_off: "" },
  "days=1": { deadline: "2026-11-30", today: "2026-11-27", day_off: "" },
  "days=23": { deadline: "2027-01-04", today: "2026-12-01", day_off: "" },
  "date=2026-12-15": { deadline: "2026-12-15", today: "2026-11-27", day_off: "" },
  "date=2027-01-01": { deadline: "2027-01-01", today: "2026-12-01", day_off: "Tết Dương lịch" },
};

function workflowGateway() {
  return fakeGateway({
    "GET /api/v1/workflow/deadline": (url: URL) => DEADLINES[url.searchParams.toString()] ?? new Response(
      JSON.stringify({ title: "Yêu cầu không hợp lệ", status: 400, detail: "Hạn xử lý: không hợp lệ" }),
      { status: 400, headers: { "Content-Type": "application/problem+json" } }),
  });
}

export function submittedCase(overrides: Partial<Case> = {}): Case {
  return {
    id: "case-1", agency_code: "000.00.00.H61", document_id: "doc-1", state: "submitted", version: 3,
    abstract: "V/v báo cáo", arrival_number: 7, leader: "", lead: null, cooperating: [], for_information: [],
    deadline: "", instruction: "", result: "", reply_document_id: "", created_at: "", updated_at: "", tasks: [],
    steps: [], kind: "incoming", type_code: "", circuit: [], definition_version: 0, drafter: "", drafter_name: "",
    unit_code: "", parent_id: "", depth: 0, result_file_ids: [],
    ...overrides,
  };
}

function renderForm(onSubmit = vi.fn(), { current = submittedCase(), today = "2026-11-27" } = {}) {
  const gateway = workflowGateway();
  renderWith(<AssignForm current={current} units={UNITS} people={PEOPLE} today={today} onSubmit={onSubmit} />,
    { api: gateway.api });
  return Object.assign(onSubmit, { calls: gateway.calls });
}

/** The texts of the options the open dropdown shows, and which of them are disabled. */
function shown() {
  const open = Array.from(document.querySelectorAll(".ant-select-dropdown:not(.ant-select-dropdown-hidden)")).at(-1);
  const options = Array.from(open?.querySelectorAll(".ant-select-item-option") ?? []);
  return { all: options.map((o) => o.textContent),
    disabled: options.filter((o) => o.classList.contains("ant-select-item-option-disabled")).map((o) => o.textContent) };
}

async function choose(label: string, option: string) {
  const box = screen.getByLabelText(label);
  fireEvent.mouseDown(box);
  const item = await waitFor(() => {
    const found = Array.from(document.querySelectorAll(".ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option"))
      .find((o) => o.textContent === option);
    if (!found) throw new Error(`no option ${option}`);
    return found as HTMLElement;
  });
  fireEvent.click(item);
}

describe("the leader's assignment form (giao xử lý)", () => {
  it("needs a lead and refuses one unit in two roles; sends nothing until fixed", async () => {
    const onSubmit = renderForm();
    const user = userEvent.setup({ delay: null });
    await user.click(screen.getByRole("button", { name: "Giao xử lý" }));
    expect(await screen.findByText("Hãy chọn đơn vị hoặc người chủ trì.")).toBeInTheDocument();
    expect(onSubmit).not.toHaveBeenCalled();

    await choose("Chủ trì", "Phòng Tổng hợp");
    await choose("Phối hợp", "Phòng Tổng hợp");
    await user.click(screen.getByRole("button", { name: "Giao xử lý" }));
    expect((await screen.findAllByText(/Mỗi đơn vị, mỗi người chỉ nhận một vai trò/)).length).toBeGreaterThan(0);
    expect(onSubmit).not.toHaveBeenCalled();
  });

  it("offers only active units, shows the date a count of working days gives, and sends lead, cooperating and days",
    async () => {
      const onSubmit = renderForm();
      fireEvent.mouseDown(screen.getByLabelText("Chủ trì"));
      await screen.findAllByText("Phòng Nội chính (chưa có trưởng đơn vị)");
      expect(screen.queryByText("Phòng cũ")).not.toBeInTheDocument();
      // five working days after Friday 27/11/2026: Friday 04/12/2026, as the workflow service counts them
      await waitFor(() => expect(screen.getByTestId("deadline-gives")).toHaveTextContent("04/12/2026"));
      fireEvent.change(screen.getByLabelText("Số ngày làm việc"), { target: { value: "1" } });
      await waitFor(() => expect(screen.getByTestId("deadline-gives")).toHaveTextContent("30/11/2026"));

      await choose("Chủ trì", "Phòng Tổng hợp");
      await choose("Phối hợp", "Lê Văn Chuyên — Chuyên viên");
      fireEvent.change(screen.getByLabelText("Ý kiến chỉ đạo"), { target: { value: " Khẩn trương tham mưu " } });
      await userEvent.setup({ delay: null }).click(screen.getByRole("button", { name: "Giao xử lý" }));
      await waitFor(() => expect(onSubmit).toHaveBeenCalledTimes(1));
      expect(onSubmit.mock.calls[0]?.[0]).toEqual({
        version: 3, lead: { kind: "unit", id: "TH" }, cooperating: [{ kind: "person", id: "s-cv" }],
        for_information: [], deadline_days: 1, instruction: "Khẩn trương tham mưu" });
    });

  it("names every option of the pickers for a screen reader by the unit's or the person's name, never its code",
    async () => {
      renderForm();
      for (const label of ["Chủ trì", "Phối hợp", "Để biết"]) {
        fireEvent.mouseDown(screen.getByLabelText(label));
        await screen.findAllByText("Lê Văn Chuyên — Chuyên viên");
        const options = screen.getAllByRole("option");
        expect(options.length).toBeGreaterThan(0);
        for (const option of options) {
          // what a screen reader reads: the option's text (and any aria-label), never "unit:TH" or a subject id
          expect(option.textContent).not.toMatch(/^(unit|person):/);
          expect(option.getAttribute("aria-label") ?? "").not.toMatch(/^(unit|person):/);
          expect(option.textContent).toMatch(/^(Phòng|Lê|Phạm|Trần|Nguyễn)/);
        }
        fireEvent.keyDown(screen.getByLabelText(label), { key: "Escape" });
      }
    });

  it("offers as chủ trì, phối hợp and để biết only the people who handle documents: no clerk, archivist or admin",
    async () => {
      renderForm();
      const offered = async (label: string) => {
        fireEvent.mouseDown(screen.getByLabelText(label));
        await screen.findAllByText("Lê Văn Chuyên — Chuyên viên");
        return shown();
      };
      for (const label of ["Chủ trì", "Phối hợp", "Để biết"]) {
        expect(await offered(label)).toEqual({
          all: ["Phòng Tổng hợp", "Phòng Nội chính (chưa có trưởng đơn vị)", "Phòng Tổ chức cán bộ",
            "Lê Văn Chuyên — Chuyên viên", "Phạm Thị Trưởng — Trưởng phòng", "Trần Văn Phó — Phó Chủ tịch",
            "Nguyễn Văn Sơn — Chuyên viên"],
          disabled: ["Phòng Nội chính (chưa có trưởng đơn vị)"] });
        fireEvent.keyDown(screen.getByLabelText(label), { key: "Escape" });
      }
    });

  it("takes a deadline as a date, not before today", async () => {
    const onSubmit = renderForm();
    const user = userEvent.setup({ delay: null });
    await choose("Chủ trì", "Phòng Tổng hợp");
    await user.click(screen.getByRole("radio", { name: "Ngày cụ thể" }));
    const date = await screen.findByLabelText("Hạn xử lý (ngày)");
    typeDate(date, "20/11/2026");
    await user.click(screen.getByRole("button", { name: "Giao xử lý" }));
    expect(await screen.findByText("Hạn xử lý không được trước hôm nay.")).toBeInTheDocument();
    expect(onSubmit).not.toHaveBeenCalled();
    typeDate(date, "15/12/2026");
    await user.click(screen.getByRole("button", { name: "Giao xử lý" }));
    await waitFor(() => expect(onSubmit).toHaveBeenCalledTimes(1));
    const body = onSubmit.mock.calls[0]?.[0] as Record<string, unknown>;
    expect(body.deadline).toBe("2026-12-15");
    expect(body).not.toHaveProperty("deadline_days");
    expect(within(document.body).queryByTestId("deadline-gives")).not.toBeInTheDocument();
  });

  it("shows a unit without a head disabled: choosing it selects nothing", async () => {
    const onSubmit = renderForm();
    fireEvent.mouseDown(screen.getByLabelText("Chủ trì"));
    const item = (await screen.findAllByText("Phòng Nội chính (chưa có trưởng đơn vị)")).at(-1)!;
    fireEvent.click(item);
    await userEvent.setup({ delay: null }).click(screen.getByRole("button", { name: "Giao xử lý" }));
    expect(await screen.findByText("Hãy chọn đơn vị hoặc người chủ trì.")).toBeInTheDocument();
    expect(onSubmit).not.toHaveBeenCalled();
  });

  it("finds units and people typed without tones in the three pickers", async () => {
    renderForm();
    for (const label of ["Chủ trì", "Phối hợp", "Để biết"]) {
      const box = screen.getByLabelText(label);
      fireEvent.mouseDown(box);
      for (const [typed, found] of [["son", ["Nguyễn Văn Sơn — Chuyên viên"]], ["to chuc", ["Phòng Tổ chức cán bộ"]],
        ["Tổ chức", ["Phòng Tổ chức cán bộ"]], ["noi chinh", ["Phòng Nội chính (chưa có trưởng đơn vị)"]],
        ["PHAM THI", ["Phạm Thị Trưởng — Trưởng phòng"]]] as const) {
        fireEvent.change(box, { target: { value: typed } });
        await waitFor(() => expect(shown().all).toEqual(found));
      }
      fireEvent.change(box, { target: { value: "" } });
      fireEvent.keyDown(box, { key: "Escape" });
    }
  });

  it("previews the deadline the workflow service saves: 23 working days from 01/12/2026 skip Tết Dương lịch",
    async () => {
      const onSubmit = renderForm(vi.fn(), { today: "2026-12-01" });
      fireEvent.change(screen.getByLabelText("Số ngày làm việc"), { target: { value: "23" } });
      // a weekends-only count gives Friday 01/01/2027, a holiday; the service saves Monday 04/01/2027
      await waitFor(() => expect(screen.getByTestId("deadline-gives")).toHaveTextContent("04/01/2027"));
      expect(screen.getByTestId("deadline-gives")).not.toHaveTextContent("01/01/2027");
      expect(onSubmit.calls.map((c) => c.path)).toContain("/api/v1/workflow/deadline?days=23");
    });

  it("warns of a date on a day off, and still sends it", async () => {
    const onSubmit = renderForm(vi.fn(), { today: "2026-12-01" });
    const user = userEvent.setup({ delay: null });
    await choose("Chủ trì", "Phòng Tổng hợp");
    await user.click(screen.getByRole("radio", { name: "Ngày cụ thể" }));
    typeDate(await screen.findByLabelText("Hạn xử lý (ngày)"), "01/01/2027");
    expect(await screen.findByTestId("deadline-day-off")).toHaveTextContent(
      "Ngày 01/01/2027 là ngày nghỉ (Tết Dương lịch)");
    await user.click(screen.getByRole("button", { name: "Giao xử lý" }));
    await waitFor(() => expect(onSubmit).toHaveBeenCalledTimes(1));
    expect((onSubmit.mock.calls[0]?.[0] as Record<string, unknown>).deadline).toBe("2027-01-01");
  });

  it("giao xử lý lại keeps the case's lead, direction and current deadline", async () => {
    const current = submittedCase({ state: "assigned", lead: { kind: "unit", id: "TH", name: "Phòng Tổng hợp" },
      deadline: "2026-12-15", instruction: "Phòng Tổng hợp chủ trì" });
    const onSubmit = renderForm(vi.fn(), { current });
    expect(screen.getByRole("radio", { name: "Ngày cụ thể" })).toBeChecked();
    expect(screen.getByLabelText("Hạn xử lý (ngày)")).toHaveValue("15/12/2026");
    expect(screen.queryByTestId("deadline-gives")).not.toBeInTheDocument();
    await userEvent.setup({ delay: null }).click(screen.getByRole("button", { name: "Giao xử lý" }));
    await waitFor(() => expect(onSubmit).toHaveBeenCalledTimes(1));
    const body = onSubmit.mock.calls[0]?.[0] as Record<string, unknown>;
    expect(body).toMatchObject({ lead: { kind: "unit", id: "TH" }, deadline: "2026-12-15",
      instruction: "Phòng Tổng hợp chủ trì" });
    expect(body).not.toHaveProperty("deadline_days");
  });

  it("giao xử lý lại of a case without a deadline keeps none", async () => {
    renderForm(vi.fn(), { current: submittedCase({ state: "assigned",
      lead: { kind: "unit", id: "TH", name: "Phòng Tổng hợp" }, deadline: "" }) });
    expect(screen.getByRole("radio", { name: "Không đặt hạn" })).toBeChecked();
  });
});
