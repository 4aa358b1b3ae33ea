import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { Task } from "../../api/client";
import { fakeGateway, renderWith } from "../../test/render";
import type { StoredObject, Uploader } from "../outgoing/upload";
import { TaskActions } from "./TaskActions";
import { ResultFileLinks } from "./TaskActionsResultFiles";

function task(overrides: Partial<Task> = {}): Task {
  return {
    id: "task-1", case_id: "case-1", document_id: "", kind: "lead", assignee_kind: "person", assignee: "s-cv",
    unit_code: "TH", state: "open", deadline: "2026-12-04", deadline_state: "on_time", created_at: "", done_at: "",
    abstract: "Báo cáo tình hình cải cách hành chính", note: "", case_kind: "job", outcome: "", case_state: "assigned", case_deadline: "", requested_deadline: "", given_by: "", given_by_name: "", ...overrides,
  };
}

/** Uploads that report 40 % and wait until ``finish`` is called (as the draft form's tests do). */
function pausedUploader() {
  const waiting: (() => void)[] = [];
  const uploader: Uploader = (file, onProgress) => new Promise((resolve) => {
    onProgress(40);
    waiting.push(() => resolve({ object_id: `obj-${file.name}`, file_name: file.name } as StoredObject));
  });
  return { uploader, finish: () => waiting.splice(0).forEach((go) => go()) };
}

describe("the complete dialog's result files (báo cáo kết quả)", () => {
  it("uploads the dropped files with their progress, waits for them, then completes with their ids", async () => {
    const paused = pausedUploader();
    const onAction = vi.fn(async () => undefined);
    renderWith(<TaskActions task={task()} caseState="assigned" onAction={onAction} today="2026-12-01"
      uploader={paused.uploader} />, { api: fakeGateway({}).api });
    const user = userEvent.setup({ delay: null });
    await user.click(screen.getByRole("button", { name: "Hoàn thành" }));
    const dialog = await screen.findByRole("dialog");
    expect(screen.getByText("Kéo thả tệp báo cáo kết quả vào đây hoặc bấm để chọn tệp")).toBeInTheDocument();
    await user.type(screen.getByLabelText("Kết quả xử lý"), "Đã gửi báo cáo");
    const input = dialog.querySelector<HTMLInputElement>("input[type=file]") as HTMLInputElement;
    await user.upload(input, new File(["%PDF-1.7"], "Báo cáo kết quả.pdf", { type: "application/pdf" }));
    expect(await screen.findByRole("progressbar", { name: "Báo cáo kết quả.pdf" })).toHaveAttribute("aria-valuenow", "40");
    const ok = dialog.querySelector(".ant-modal-footer .ant-btn-primary") as HTMLElement;
    await user.click(ok);
    expect(await screen.findByText("Tệp đang tải lên: chờ tải xong rồi hoàn thành.")).toBeInTheDocument();
    expect(onAction).not.toHaveBeenCalled();
    paused.finish();
    await waitFor(() => expect(screen.queryByRole("progressbar", { name: "Báo cáo kết quả.pdf" })).not.toBeInTheDocument());
    await user.click(ok);
    await waitFor(() => expect(onAction).toHaveBeenCalledWith("complete", {
      result: "Đã gửi báo cáo", result_file_ids: ["obj-Báo cáo kết quả.pdf"] }));
  });

  it("offers no files to a cooperating task (the lead's result holds them)", async () => {
    renderWith(<TaskActions task={task({ kind: "cooperating" })} caseState="assigned" onAction={vi.fn()}
      today="2026-12-01" uploader={pausedUploader().uploader} />, { api: fakeGateway({}).api });
    await userEvent.setup({ delay: null }).click(screen.getByRole("button", { name: "Hoàn thành" }));
    await screen.findByRole("dialog");
    expect(screen.queryByText("Tệp báo cáo kết quả")).not.toBeInTheDocument();
  });

  it("lists a case's result files by name, each a download link", async () => {
    const gateway = fakeGateway({
      "GET /api/v1/files/obj-1": () => ({ object_id: "obj-1", file_name: "Báo cáo kết quả.pdf" }),
    });
    renderWith(<ResultFileLinks ids={["obj-1"]} />, { api: gateway.api });
    expect(await screen.findByRole("button", { name: "Tải về tệp báo cáo kết quả Báo cáo kết quả.pdf" }))
      .toHaveTextContent("Báo cáo kết quả.pdf");
  });
});
