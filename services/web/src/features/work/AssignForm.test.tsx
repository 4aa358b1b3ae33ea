import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { ConfigProvider } from "antd";
import viVN from "antd/locale/vi_VN";
import type { Case, PersonEntry, Unit } from "../../api/client";
import { AssignForm } from "./AssignForm";
import { typeDate } from "../../test/render";

const UNITS: Unit[] = [
  { code: "TH", name: "Phòng Tổng hợp", kind: "division", active: true, parent_code: null, head_subject: "s-th", head_username: "truongphong.ubnd" },
  { code: "NC", name: "Phòng Nội chính", kind: "division", active: true, parent_code: null, head_subject: null, head_username: null },
  { code: "CU", name: "Phòng cũ", kind: "division", active: false, parent_code: null, head_subject: null, head_username: null },
];
const PEOPLE: PersonEntry[] = [
  { subject: "s-cv", username: "chuyenvien.ubnd", name: "Lê Văn Chuyên", enabled: true, title: "Chuyên viên", leader: false, handler: true, units: [] },
  { subject: "s-tp", username: "truongphong.ubnd", name: "Phạm Thị Trưởng", enabled: true, title: "Trưởng phòng", leader: false, handler: true, units: ["TH"] },
  { subject: "s-pct", username: "phochutich.ubnd", name: "Trần Văn Phó", enabled: true, title: "Phó Chủ tịch", leader: true, handler: true, units: [] },
  { subject: "s-vt", username: "vanthu.ubnd", name: "Đặng Thị Mỹ Xuyên", enabled: true, title: "Văn thư", leader: false, handler: false, units: ["VP"] },
  { subject: "s-lt", username: "luutru.ubnd", name: "Võ Thị Lưu", enabled: true, title: "Lưu trữ viên", leader: false, handler: false, units: ["VP"] },
  { subject: "s-qt", username: "quantri.ubnd", name: "Huỳnh Văn Quản", enabled: true, title: "Quản trị hệ thống", leader: false, handler: false, units: [] },
  { subject: "s-nghi", username: "nghihuu.ubnd", name: "Lý Văn Nghỉ", enabled: false, title: "Chuyên viên", leader: false, handler: true, units: [] },
];

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

function renderForm(onSubmit = vi.fn()) {
  render(
    <ConfigProvider locale={viVN}>
      <AssignForm current={submittedCase()} units={UNITS} people={PEOPLE} today="2026-11-27" onSubmit={onSubmit} />
    </ConfigProvider>,
  );
  return onSubmit;
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
      await screen.findAllByText("Phòng Nội chính");
      expect(screen.queryByText("Phòng cũ")).not.toBeInTheDocument();
      // five working days after Friday 27/11/2026: Friday 04/12/2026
      expect(screen.getByTestId("deadline-gives")).toHaveTextContent("04/12/2026");
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

  it("offers as chủ trì, phối hợp and để biết only the people who handle documents: no clerk, archivist or admin",
    async () => {
      renderForm();
      const offered = async (label: string) => {
        fireEvent.mouseDown(screen.getByLabelText(label));
        await screen.findAllByText("Lê Văn Chuyên — Chuyên viên");
        const open = Array.from(document.querySelectorAll(".ant-select-dropdown:not(.ant-select-dropdown-hidden)")).at(-1);
        return Array.from(open?.querySelectorAll(".ant-select-item-option") ?? []).map((o) => o.textContent);
      };
      for (const label of ["Chủ trì", "Phối hợp", "Để biết"]) {
        expect(await offered(label)).toEqual(["Phòng Tổng hợp", "Phòng Nội chính", "Lê Văn Chuyên — Chuyên viên",
          "Phạm Thị Trưởng — Trưởng phòng", "Trần Văn Phó — Phó Chủ tịch"]);
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
});
