import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { App as AntApp, ConfigProvider } from "antd";
import viVN from "antd/locale/vi_VN";
import type { Task } from "../../api/client";
import { fakeGateway, renderWith, typeDate } from "../../test/render";
import { actionsFor, memberOptions, TaskActions } from "./TaskActions";

function task(overrides: Partial<Task> = {}): Task {
  return {
    id: "task-1", case_id: "case-1", document_id: "doc-1", kind: "lead", assignee_kind: "person", assignee: "s-cv",
    unit_code: "TH", state: "open", deadline: "2026-12-04", deadline_state: "on_time", created_at: "", done_at: "",
    abstract: "V/v báo cáo", note: "", case_kind: "incoming", outcome: "", case_state: "assigned", case_deadline: "", requested_deadline: "", given_by: "", given_by_name: "", ...overrides,
  };
}

describe("the people a head gives the unit's task to", () => {
  it("lists the others first by position, each with it, and the head themself last as (bạn)", () => {
    const member = (username: string, name: string, position: string) =>
      ({ unit_code: "TH", subject: `s-${username}`, username, name, position });
    expect(memberOptions([member("truongphong.ubnd", "Lê Hoàng Phúc", "head"),
      member("chuyenvien2.ubnd", "Trần Thị Ưng", "officer"), member("pho.ubnd", "Đỗ Văn Đức", "deputy"),
      member("chuyenvien.ubnd", "Lê Văn Chuyên", "officer")], "truongphong.ubnd").map((o) => o.label)).toEqual([
      "Đỗ Văn Đức — Phó trưởng đơn vị", "Lê Văn Chuyên — Chuyên viên", "Trần Thị Ưng — Chuyên viên",
      "Lê Hoàng Phúc — Trưởng đơn vị (bạn)"]);
  });
});

describe("the actions a task offers, by its kind and state", () => {
  it("gives the lead progress, extension, return and completion; a unit's task also delegation", () => {
    expect(actionsFor(task(), "assigned")).toEqual(["progress", "extension", "return", "complete"]);
    expect(actionsFor(task({ assignee_kind: "unit", assignee: "TH" }), "in_progress"))
      .toEqual(["delegate", "progress", "extension", "return", "complete"]);
  });
  it("lets the head of the task's unit give again (giao lại) a task a person of the unit holds, as the workflow does",
    () => {
      const given = task({ assignee_kind: "person", assignee: "s-cv", unit_code: "TH", state: "in_progress" });
      expect(actionsFor(given, "in_progress", { holder: false, head: true })).toEqual(["delegate"]);
      expect(actionsFor(given, "extension_requested", { holder: false, head: true })).toEqual(["delegate"]);
      expect(actionsFor({ ...given, kind: "cooperating" }, "assigned", { holder: false, head: true }))
        .toEqual(["delegate"]);
      // not the head, a task that did not come through a unit, a closed task or case: nothing to give
      expect(actionsFor(given, "in_progress", { holder: false })).toEqual([]);
      expect(actionsFor({ ...given, unit_code: "" }, "in_progress", { holder: false, head: true })).toEqual([]);
      expect(actionsFor({ ...given, state: "done" }, "in_progress", { holder: false, head: true })).toEqual([]);
      expect(actionsFor(given, "completed", { holder: false, head: true })).toEqual([]);
      expect(actionsFor({ ...given, kind: "for_information" }, "completed", { holder: false, head: true })).toEqual([]);
      // the head who gave it to themself keeps their gestures and may give it on
      expect(actionsFor(given, "in_progress", { head: true }))
        .toEqual(["delegate", "progress", "extension", "return", "complete"]);
      // a unit's for-information task is given too (the workflow allows it), then marked read
      expect(actionsFor(task({ kind: "for_information", assignee_kind: "unit", assignee: "TH" }), "assigned"))
        .toEqual(["delegate", "complete"]);
    });
  it("lets the lead finish or give back while an extension is being decided, but not ask again", () => {
    // finishing or giving it back need not wait for the answer to the request for more time
    expect(actionsFor(task({ state: "in_progress" }), "extension_requested")).toEqual(["progress", "return", "complete"]);
  });
  it("gives cooperating and for-information tasks less, and closed tasks or cases nothing", () => {
    expect(actionsFor(task({ kind: "cooperating" }), "in_progress")).toEqual(["progress", "complete"]);
    expect(actionsFor(task({ kind: "for_information" }), "assigned")).toEqual(["complete"]);
    expect(actionsFor(task({ state: "done" }), "in_progress")).toEqual([]);
    expect(actionsFor(task({ state: "cancelled" }), "in_progress")).toEqual([]);
    expect(actionsFor(task(), "completed")).toEqual([]);
    // the case completed, a for-information task still open is marked read; a closed one offers nothing
    expect(actionsFor(task({ kind: "for_information" }), "completed")).toEqual(["complete"]);
    expect(actionsFor(task({ kind: "for_information", state: "done" }), "completed")).toEqual([]);
    expect(actionsFor(task({ kind: "cooperating" }), "completed")).toEqual([]);
    expect(actionsFor(task(), "returned")).toEqual([]);
    expect(actionsFor(task({ kind: "direct", assignee_kind: "role", assignee: "leader" }), "submitted")).toEqual([]);
  });
});

/** The workflow's deadline preview as the service answers it on Tuesday 1 December 2026 (its calendar: Tết Dương lịch
 * on Friday 1 January 2027): 3 working days from the 30th are Tuesday 5 January; 1 January is a day off. */
const DEADLINES = {
  "GET /api/v1/workflow/deadline": (url: URL) => {
    const { days, start, date } = Object.fromEntries(url.searchParams);
    if (date) return { deadline: date, today: "2026-12-01", day_off: date === "2027-01-01" ? "Tết Dương lịch" : "" };
    if (start === "2026-12-30" && days === "3") return { deadline: "2027-01-05", today: "2026-12-01", day_off: "" };
    if (start === "2026-12-04" && days === "3") return { deadline: "2026-12-09", today: "2026-12-01", day_off: "" };
    return new Response(JSON.stringify({ title: "Bad Request", status: 400, detail: "unexpected" }), { status: 400 });
  },
};

function renderActions(t: Task, caseState: string, onAction = vi.fn(async () => undefined)) {
  const gateway = fakeGateway(DEADLINES);
  renderWith(
    <TaskActions task={t} caseState={caseState} onAction={onAction} today="2026-12-01"
      members={[{ subject: "s-cv", name: "Lê Văn Chuyên", username: "chuyenvien.ubnd", unit_code: "TH", position: "" }]} />,
    { api: gateway.api },
  );
  return Object.assign(onAction, { calls: gateway.calls });
}

describe("a task's buttons and dialogs", () => {
  it("asks more time in whole working days only, and shows the deadline it would give before sending", async () => {
    const onAction = renderActions(task(), "assigned");  // deadline Friday 04/12/2026
    const user = userEvent.setup({ delay: null });
    await user.click(screen.getByRole("button", { name: "Xin gia hạn" }));
    const dialog = await screen.findByRole("dialog");
    const ok = () => dialog.querySelector(".ant-modal-footer .ant-btn-primary") as HTMLElement;
    const days = screen.getByLabelText("Thêm số ngày làm việc");
    fireEvent.change(screen.getByLabelText("Lý do xin gia hạn"), { target: { value: "Chờ số liệu của các xã" } });
    await user.clear(days);
    await user.type(days, "1,5");
    await user.click(ok());
    expect(await screen.findByText("Số ngày làm việc phải là số nguyên (ví dụ 2), không có phần lẻ như 1,5."))
      .toBeInTheDocument();
    expect(onAction).not.toHaveBeenCalled();
    await user.clear(days);
    await user.type(days, "3");
    expect(await screen.findByTestId("extension-gives")).toHaveTextContent(/^Hạn xử lý mới nếu được đồng ý: 09\/12\/2026/);
    await user.click(ok());
    await waitFor(() => expect(onAction).toHaveBeenCalledWith("extension", { days: 3, reason: "Chờ số liệu của các xã" }));
  });

  it("previews the extension from the current deadline with the service's calendar, and warns of a day off", async () => {
    // 3 working days after Wednesday 30/12/2026: 05/01/2027 (Tết Dương lịch skipped), not the 04/01 weekends give
    const onAction = renderActions(task({ deadline: "2026-12-30" }), "assigned");
    const user = userEvent.setup({ delay: null });
    await user.click(screen.getByRole("button", { name: "Xin gia hạn" }));
    const dialog = await screen.findByRole("dialog");
    const ok = () => dialog.querySelector(".ant-modal-footer .ant-btn-primary") as HTMLElement;
    const days = screen.getByLabelText("Thêm số ngày làm việc");
    await user.clear(days);
    await user.type(days, "3");
    expect(await screen.findByText(/^Hạn xử lý mới nếu được đồng ý: 05\/01\/2027/)).toBeInTheDocument();
    expect(onAction.calls.some((c) => c.path.startsWith("/api/v1/workflow/deadline?")
      && c.path.includes("days=3") && c.path.includes("start=2026-12-30"))).toBe(true);

    // a date instead: on a day off it is named, and still sent
    await user.click(within(dialog).getByRole("radio", { name: "Ngày cụ thể" }));
    typeDate(await within(dialog).findByLabelText("Hạn xử lý mới"), "01/01/2027");
    expect(await within(dialog).findByTestId("extension-day-off")).toHaveTextContent(
      "Ngày 01/01/2027 là ngày nghỉ (Tết Dương lịch)");
    fireEvent.change(screen.getByLabelText("Lý do xin gia hạn"), { target: { value: "Chờ số liệu của các xã" } });
    await user.click(ok());
    await waitFor(() => expect(onAction).toHaveBeenCalledWith("extension",
      { deadline: "2027-01-01", reason: "Chờ số liệu của các xã" }));
  });

  it("shows the lead's buttons and needs a reason to return", async () => {
    const onAction = renderActions(task(), "assigned");
    for (const name of ["Cập nhật tiến độ", "Xin gia hạn", "Trả lại", "Hoàn thành"]) {
      expect(screen.getByRole("button", { name })).toBeInTheDocument();
    }
    expect(screen.queryByRole("button", { name: "Giao trong đơn vị" })).not.toBeInTheDocument();
    const user = userEvent.setup({ delay: null });
    await user.click(screen.getByRole("button", { name: "Trả lại" }));
    const dialog = await screen.findByRole("dialog");
    const ok = () => dialog.querySelector(".ant-modal-footer .ant-btn-primary") as HTMLElement;
    await user.click(ok());
    expect(await screen.findByText("Hãy nhập nội dung.")).toBeInTheDocument();
    expect(onAction).not.toHaveBeenCalled();
    fireEvent.change(screen.getByLabelText("Lý do trả lại"), { target: { value: "Không thuộc thẩm quyền" } });
    await user.click(ok());
    await waitFor(() => expect(onAction).toHaveBeenCalledWith("return", { reason: "Không thuộc thẩm quyền" }));
  });

  it("lets a head give the unit's task to a person of the unit", async () => {
    const onAction = renderActions(task({ assignee_kind: "unit", assignee: "TH" }), "assigned");
    const user = userEvent.setup({ delay: null });
    await user.click(screen.getByRole("button", { name: "Giao trong đơn vị" }));
    const dialog = await screen.findByRole("dialog");
    fireEvent.mouseDown(screen.getByLabelText("Người xử lý"));
    fireEvent.click(await waitFor(() => {
      const o = document.querySelector(".ant-select-item-option[title='Lê Văn Chuyên']");
      if (!o) throw new Error("no option");
      return o as HTMLElement;
    }));
    await user.click(dialog.querySelector(".ant-modal-footer .ant-btn-primary") as HTMLElement);
    await waitFor(() => expect(onAction).toHaveBeenCalledWith("delegate", { subject: "s-cv", comment: "" }));
  });

  it("finds a member of the unit by a name typed without tones (anh finds Ánh)", async () => {
    renderWith(
      <TaskActions task={task({ assignee_kind: "unit", assignee: "TH" })} caseState="assigned" onAction={vi.fn()}
        today="2026-12-01" members={[
          { subject: "s-anh", name: "Phạm Thị Ngọc Ánh", username: "anh.ubnd", unit_code: "TH", position: "" },
          { subject: "s-cv", name: "Lê Văn Chuyên", username: "chuyenvien.ubnd", unit_code: "TH", position: "" }]} />,
      { api: fakeGateway(DEADLINES).api },
    );
    const user = userEvent.setup({ delay: null });
    await user.click(screen.getByRole("button", { name: "Giao trong đơn vị" }));
    await screen.findByRole("dialog");
    fireEvent.change(screen.getByLabelText("Người xử lý"), { target: { value: "anh" } });
    await waitFor(() => {
      const shown = [...document.querySelectorAll(".ant-select-item-option")].map((o) => o.getAttribute("title"));
      expect(shown).toEqual(["Phạm Thị Ngọc Ánh"]);
    });
  });

  it("says the unit's members are still coming instead of showing an empty list", async () => {
    renderWith(
      <TaskActions task={task({ assignee_kind: "unit", assignee: "TH" })} caseState="assigned" onAction={vi.fn()}
        today="2026-12-01" members={undefined} head />,
      { api: fakeGateway(DEADLINES).api },
    );
    const user = userEvent.setup({ delay: null });
    await user.click(screen.getByRole("button", { name: "Giao trong đơn vị" }));
    await screen.findByRole("dialog");
    fireEvent.mouseDown(screen.getByLabelText("Người xử lý"));
    expect(await screen.findByText("Đang tải danh sách người trong đơn vị…")).toBeInTheDocument();
  });

  it("offers a for-information task only 'Đã xem', and a closed task nothing", () => {
    renderActions(task({ kind: "for_information" }), "in_progress");
    expect(screen.getByRole("button", { name: "Đã xem" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Cập nhật tiến độ" })).not.toBeInTheDocument();
  });

  it("shows a head the task of their unit a person holds with only Giao lại trong đơn vị", async () => {
    const given = task({ assignee_kind: "person", assignee: "s-cv", unit_code: "TH", state: "in_progress" });
    const onAction = vi.fn(async () => undefined);
    render(
      <ConfigProvider locale={viVN}>
        <AntApp>
          <TaskActions task={given} caseState="in_progress" holder={false} head onAction={onAction}
            members={[{ subject: "s-cv", name: "Lê Văn Chuyên", username: "chuyenvien.ubnd", unit_code: "TH", position: "" },
              { subject: "s-cv2", name: "Trần Thị Ưng", username: "chuyenvien2.ubnd", unit_code: "TH", position: "" }]} />
        </AntApp>
      </ConfigProvider>,
    );
    expect(screen.getByText("Việc của đơn vị bạn, đã giao trong đơn vị: Chủ trì")).toBeInTheDocument();
    expect(screen.getAllByRole("button").map((b) => b.textContent)).toEqual(["Giao lại trong đơn vị"]);
    const user = userEvent.setup({ delay: null });
    await user.click(screen.getByRole("button", { name: "Giao lại trong đơn vị" }));
    const dialog = await screen.findByRole("dialog");
    fireEvent.mouseDown(screen.getByLabelText("Người xử lý"));
    fireEvent.click(await waitFor(() => {
      const o = document.querySelector(".ant-select-item-option[title='Trần Thị Ưng']");
      if (!o) throw new Error("no option");
      return o as HTMLElement;
    }));
    await user.click(dialog.querySelector(".ant-modal-footer .ant-btn-primary") as HTMLElement);
    await waitFor(() => expect(onAction).toHaveBeenCalledWith("delegate", { subject: "s-cv2", comment: "" }));
  });
});
