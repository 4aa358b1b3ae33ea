import { fireEvent, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { job, PEOPLE, UNITS } from "./fixtures";
import { JobForm } from "./JobForm";
import { fakeGateway, renderWith, typeDate } from "../../test/render";

async function choose(label: string, option: string) {
  fireEvent.mouseDown(screen.getByLabelText(label));
  const item = await waitFor(() => {
    const found = Array.from(document.querySelectorAll(".ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option"))
      .find((o) => o.textContent === option);
    if (!found) throw new Error(`no option ${option}`);
    return found as HTMLElement;
  });
  fireEvent.click(item);
}

/** The workflow service's deadlines on Friday 27/11/2026 (GET /api/v1/workflow/deadline). */
const DEADLINES: Record<string, string> = { "days=5": "2026-12-04", "days=3": "2026-12-02" };

function renderForm(props: Partial<Parameters<typeof JobForm>[0]> = {}) {
  const onSubmit = vi.fn();
  const gateway = fakeGateway({
    "GET /api/v1/workflow/deadline": (url: URL) => {
      const deadline = DEADLINES[url.searchParams.toString()];
      return deadline ? { deadline, today: "2026-11-27", day_off: "" } : new Response("{}", { status: 400 });
    },
  });
  renderWith(<JobForm units={UNITS} people={PEOPLE} today="2026-11-27" onSubmit={onSubmit} {...props} />,
    { api: gateway.api });
  return onSubmit;
}

/** The texts of the options the open dropdown shows. */
function shown() {
  const open = Array.from(document.querySelectorAll(".ant-select-dropdown:not(.ant-select-dropdown-hidden)")).at(-1);
  return Array.from(open?.querySelectorAll(".ant-select-item-option") ?? []).map((o) => o.textContent);
}

describe("the giao việc form", () => {
  it("needs a title and a lead, then sends the job with parties and working days (the date they give shown)", async () => {
    const onSubmit = renderForm();
    const user = userEvent.setup({ delay: null });
    await user.click(screen.getByRole("button", { name: "Giao việc" }));
    expect(await screen.findByText("Hãy nhập tên công việc.")).toBeInTheDocument();
    expect(screen.getByText("Hãy chọn đơn vị hoặc người chủ trì.")).toBeInTheDocument();
    expect(onSubmit).not.toHaveBeenCalled();

    fireEvent.change(screen.getByLabelText("Tên công việc"), { target: { value: "  Chuẩn bị hội nghị " } });
    fireEvent.change(screen.getByLabelText("Nội dung, yêu cầu"), { target: { value: "Hội trường, giấy mời" } });
    await choose("Chủ trì", "Phòng Tổng hợp");
    await choose("Phối hợp", "Phòng Tổ chức cán bộ");
    await choose("Để biết", "Lê Văn Chuyên — Chuyên viên");
    fireEvent.change(screen.getByLabelText("Số ngày làm việc"), { target: { value: "3" } });
    // three working days after Friday 27/11/2026: Wednesday 02/12/2026
    await waitFor(() => expect(screen.getByTestId("job-deadline-gives")).toHaveTextContent("02/12/2026"));
    await user.click(screen.getByRole("button", { name: "Giao việc" }));
    await waitFor(() => expect(onSubmit).toHaveBeenCalledTimes(1));
    expect(onSubmit.mock.calls[0]?.[0]).toEqual({
      title: "Chuẩn bị hội nghị", description: "Hội trường, giấy mời", parent_id: "",
      lead: { kind: "unit", id: "TH" }, cooperating: [{ kind: "unit", id: "TCCB" }],
      for_information: [{ kind: "person", id: "s-cv" }], deadline_days: 3, deadline: undefined });
  });

  it("gives a sub-job under its parent, with no deadline when none is chosen", async () => {
    const onSubmit = renderForm({ parentId: "job-1" });
    const user = userEvent.setup({ delay: null });
    expect(screen.getByText("Việc con giao cho người trong đơn vị chủ trì.")).toBeInTheDocument();
    fireEvent.change(screen.getByLabelText("Tên công việc"), { target: { value: "Số liệu quý IV" } });
    await choose("Chủ trì", "Lê Văn Chuyên — Chuyên viên");
    await user.click(screen.getByRole("radio", { name: "Không đặt hạn" }));
    await user.click(screen.getByRole("button", { name: "Giao việc con" }));
    await waitFor(() => expect(onSubmit).toHaveBeenCalledTimes(1));
    const body = onSubmit.mock.calls[0]?.[0] as Record<string, unknown>;
    expect(body).toMatchObject({ parent_id: "job-1", lead: { kind: "person", id: "s-cv" } });
    expect(body.deadline_days).toBeUndefined();
    expect(body.deadline).toBeUndefined();
  });

  it("is the giver's giao lại for a job: its parties filled in, the version and a comment sent, no title", async () => {
    const onSubmit = renderForm({ current: job({ version: 4 }) });
    const user = userEvent.setup({ delay: null });
    expect(screen.queryByLabelText("Tên công việc")).not.toBeInTheDocument();
    // the job's current deadline is kept until changed
    expect(screen.getByRole("radio", { name: "Ngày cụ thể" })).toBeChecked();
    expect(screen.getByLabelText("Hạn xử lý (ngày)")).toHaveValue("07/12/2026");
    typeDate(await screen.findByLabelText("Hạn xử lý (ngày)"), "20/12/2026");
    fireEvent.change(screen.getByLabelText("Ý kiến"), { target: { value: "Giao lại để kịp tiến độ" } });
    await user.click(screen.getByRole("button", { name: "Giao lại" }));
    await waitFor(() => expect(onSubmit).toHaveBeenCalledTimes(1));
    expect(onSubmit.mock.calls[0]?.[0]).toEqual({
      version: 4, comment: "Giao lại để kịp tiến độ", lead: { kind: "unit", id: "TH" }, cooperating: [],
      for_information: [], deadline_days: undefined, deadline: "2026-12-20" });
  });

  it("finds units and people typed without tones, and shows a unit without a head disabled", async () => {
    renderForm();
    const box = screen.getByLabelText("Chủ trì");
    fireEvent.mouseDown(box);
    for (const [typed, found] of [["son", ["Nguyễn Văn Sơn — Chuyên viên"]], ["to chuc", ["Phòng Tổ chức cán bộ"]],
      ["noi chinh", ["Phòng Nội chính (chưa có trưởng đơn vị)"]]] as const) {
      fireEvent.change(box, { target: { value: typed } });
      await waitFor(() => expect(shown()).toEqual(found));
    }
    const disabled = document.querySelector(".ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option-disabled");
    expect(disabled).toHaveTextContent("Phòng Nội chính (chưa có trưởng đơn vị)");
  });
});
