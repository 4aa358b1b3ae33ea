import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { ConfigProvider } from "antd";
import viVN from "antd/locale/vi_VN";
import { job, PEOPLE, UNITS } from "./fixtures";
import { JobForm } from "./JobForm";
import { typeDate } from "../../test/render";

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

function renderForm(props: Partial<Parameters<typeof JobForm>[0]> = {}) {
  const onSubmit = vi.fn();
  render(
    <ConfigProvider locale={viVN}>
      <JobForm units={UNITS} people={PEOPLE} today="2026-11-27" onSubmit={onSubmit} {...props} />
    </ConfigProvider>,
  );
  return onSubmit;
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
    await choose("Phối hợp", "Phòng Nội chính");
    await choose("Để biết", "Lê Văn Chuyên — Chuyên viên");
    fireEvent.change(screen.getByLabelText("Số ngày làm việc"), { target: { value: "3" } });
    // three working days after Friday 27/11/2026: Wednesday 02/12/2026
    await waitFor(() => expect(screen.getByTestId("job-deadline-gives")).toHaveTextContent("02/12/2026"));
    await user.click(screen.getByRole("button", { name: "Giao việc" }));
    await waitFor(() => expect(onSubmit).toHaveBeenCalledTimes(1));
    expect(onSubmit.mock.calls[0]?.[0]).toEqual({
      title: "Chuẩn bị hội nghị", description: "Hội trường, giấy mời", parent_id: "",
      lead: { kind: "unit", id: "TH" }, cooperating: [{ kind: "unit", id: "NC" }],
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
    await user.click(screen.getByRole("radio", { name: "Ngày cụ thể" }));
    typeDate(await screen.findByLabelText("Hạn xử lý (ngày)"), "20/12/2026");
    fireEvent.change(screen.getByLabelText("Ý kiến"), { target: { value: "Giao lại để kịp tiến độ" } });
    await user.click(screen.getByRole("button", { name: "Giao lại" }));
    await waitFor(() => expect(onSubmit).toHaveBeenCalledTimes(1));
    expect(onSubmit.mock.calls[0]?.[0]).toEqual({
      version: 4, comment: "Giao lại để kịp tiến độ", lead: { kind: "unit", id: "TH" }, cooperating: [],
      for_information: [], deadline_days: undefined, deadline: "2026-12-20" });
  });
});
