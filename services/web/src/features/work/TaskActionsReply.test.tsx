import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useLocation } from "react-router-dom";
import type { Task } from "../../api/client";
import { draft } from "../../test/fixtures";
import { fakeGateway, renderWith } from "../../test/render";
import { TaskActions } from "./TaskActions";

const ARRIVAL = "0192f0a1-7c3e-7b1a-9c1d-2f3e4a5b6c7d";
const OFFICER = { username: "chuyenvien.ubnd", name: "Phạm Thị Ngọc Ánh", agency: "000.00.00.H61",
  roles: ["officer" as const] };

function task(overrides: Partial<Task> = {}): Task {
  return {
    id: "task-1", case_id: "case-1", document_id: ARRIVAL, kind: "lead", assignee_kind: "person", assignee: "s-cv",
    unit_code: "", state: "in_progress", deadline: "2026-12-04", deadline_state: "on_time", created_at: "",
    done_at: "", abstract: "V/v rà soát biên chế năm 2027", note: "", case_kind: "incoming", outcome: "", case_state: "assigned", case_deadline: "", requested_deadline: "", given_by: "", given_by_name: "", ...overrides,
  };
}

/** Where the app went (the draft form's address). */
function Where() {
  const location = useLocation();
  return <output data-testid="where">{location.pathname + location.search}</output>;
}

const NEWEST = draft({ id: "reply-2", abstract: "V/v trả lời văn bản số 15/SNV-TCBC về rà soát biên chế" });
const OLDER = draft({ id: "reply-1", number_symbol: "20/UBND-VP", status: "issued",
  abstract: "V/v trả lời văn bản số 15/SNV-TCBC (lần đầu)" });

function renderLead(t: Task, replyTo: string, items = [NEWEST, OLDER]) {
  const onAction = vi.fn(async () => undefined);
  const gateway = fakeGateway({ "GET /api/v1/documents": { items, next_page_token: null } });
  renderWith(<><TaskActions task={t} caseState="in_progress" replyTo={replyTo} onAction={onAction} /><Where /></>,
    { api: gateway.api, person: OFFICER });
  return { onAction, calls: gateway.calls };
}

describe("the lead answers the arrival from their task", () => {
  it("opens the draft form answering the arrival (Soạn văn bản trả lời)", async () => {
    renderLead(task(), ARRIVAL);
    const user = userEvent.setup({ delay: null });
    await user.click(screen.getByRole("button", { name: "Soạn văn bản trả lời" }));
    expect(screen.getByTestId("where")).toHaveTextContent(`/van-ban-di/soan?tra-loi=${ARRIVAL}`);
  });

  it("completes with their own newest reply to the arrival chosen, or none", async () => {
    const { onAction, calls } = renderLead(task(), ARRIVAL);
    const user = userEvent.setup({ delay: null });
    await user.click(screen.getByRole("button", { name: "Hoàn thành" }));
    const dialog = await screen.findByRole("dialog");
    // the newest of the caller's replies to this arrival (the one just drafted) is chosen to start with
    await waitFor(() => expect(dialog).toHaveTextContent("Dự thảo — V/v trả lời văn bản số 15/SNV-TCBC về rà soát"));
    const listed = calls.find((c) => c.path.startsWith("/api/v1/documents?"))?.path ?? "";
    const query = new URL(listed, "http://x").searchParams;
    expect([query.get("direction"), query.get("answers_document_id"), query.get("mine")])
      .toEqual(["outgoing", ARRIVAL, "true"]);
    await user.type(screen.getByLabelText("Kết quả xử lý"), "Đã dự thảo văn bản trả lời Sở Nội vụ");
    await user.click(within(dialog).getByRole("button", { name: "Hoàn thành" }));
    await waitFor(() => expect(onAction).toHaveBeenCalledWith("complete",
      { result: "Đã dự thảo văn bản trả lời Sở Nội vụ", reply_document_id: "reply-2" }));
  });

  it("says when the officer has no reply yet and completes without one", async () => {
    const { onAction } = renderLead(task(), ARRIVAL, []);
    const user = userEvent.setup({ delay: null });
    await user.click(screen.getByRole("button", { name: "Hoàn thành" }));
    expect(await screen.findByText(/Chưa có văn bản trả lời nào do đồng chí soạn/)).toBeInTheDocument();
    await user.type(screen.getByLabelText("Kết quả xử lý"), "Đã trao đổi trực tiếp");
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Hoàn thành" }));
    await waitFor(() => expect(onAction).toHaveBeenCalledWith("complete",
      { result: "Đã trao đổi trực tiếp", reply_document_id: "" }));
  });

  it("offers no reply to a cooperating task or on a job", async () => {
    const { calls } = renderLead(task({ kind: "cooperating" }), ARRIVAL);
    expect(screen.queryByRole("button", { name: "Soạn văn bản trả lời" })).not.toBeInTheDocument();
    const user = userEvent.setup({ delay: null });
    await user.click(screen.getByRole("button", { name: "Hoàn thành" }));
    await screen.findByRole("dialog");
    expect(screen.queryByText("Văn bản trả lời")).not.toBeInTheDocument();
    expect(calls).toEqual([]);
  });
});

describe("after the lead completed the arrival's task", () => {
  it("still offers Soạn văn bản trả lời, and nothing else", async () => {
    const onAction = vi.fn(async () => undefined);
    renderWith(<><TaskActions task={task({ state: "completed", done_at: "2026-12-01T03:00:00Z" })} caseState="completed"
      replyTo={ARRIVAL} onAction={onAction} /><Where /></>, { api: fakeGateway({}).api, person: OFFICER });
    expect(screen.getByText("Việc của bạn (đã hoàn thành): Chủ trì")).toBeInTheDocument();
    expect(screen.getAllByRole("button").map((b) => b.textContent)).toEqual(["Soạn văn bản trả lời"]);
    const user = userEvent.setup({ delay: null });
    await user.click(screen.getByRole("button", { name: "Soạn văn bản trả lời" }));
    expect(screen.getByTestId("where")).toHaveTextContent(`/van-ban-di/soan?tra-loi=${ARRIVAL}`);
  });

  it("offers nothing on a completed cooperating task, a job, a task taken back or one the head gave away", () => {
    for (const [t, replyTo, holder] of [[task({ state: "completed", kind: "cooperating" }), ARRIVAL, true],
      [task({ state: "completed" }), "", true], [task({ state: "cancelled" }), ARRIVAL, true],
      [task({ state: "completed" }), ARRIVAL, false]] as const) {
      const { unmount } = renderWith(<TaskActions task={t} caseState="completed" replyTo={replyTo} holder={holder}
        onAction={vi.fn()} />, { api: fakeGateway({}).api, person: OFFICER });
      expect(screen.queryByRole("button")).not.toBeInTheDocument();
      unmount();
    }
  });
});
