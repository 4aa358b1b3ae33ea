import { screen, within } from "@testing-library/react";
import { arrival, draft, outgoingCase } from "../../test/fixtures";
import { fakeGateway, renderWith } from "../../test/render";
import { ProcessingTree } from "../work/Processing";
import { ReplyLinks, replyAbstract } from "./Replies";

const ARRIVAL = arrival({ id: "0192f0a1-7c3e-7b1a-9c1d-00000000a001", agency_code: "000.00.00.H61",
  status: "registered", abstract: "Về việc rà soát biên chế công chức năm 2027", number_symbol: "15/SNV-TCBC",
  issuing_agency_code: "000.00.02.H61", issuing_agency_name: "Sở Nội vụ tỉnh Vĩnh Long" });
const REPLY = draft({ id: "0192f0a1-7c3e-7b1a-9c1d-00000000b002", number_symbol: "20/UBND-VP", status: "issued",
  answers_document_id: ARRIVAL.id, abstract: "V/v trả lời văn bản số 15/SNV-TCBC về rà soát biên chế" });

describe("văn bản trả lời", () => {
  it("starts the reply's trích yếu from the arrival's, without its own V/v", () => {
    expect(replyAbstract(ARRIVAL)).toBe(
      "V/v trả lời văn bản số 15/SNV-TCBC của Sở Nội vụ tỉnh Vĩnh Long về rà soát biên chế công chức năm 2027");
    expect(replyAbstract({ ...ARRIVAL, abstract: "x".repeat(600) })).toHaveLength(500);
  });

  it("names on the reply the arrival it answers, and lists on the arrival its replies", async () => {
    const { api, calls } = fakeGateway({
      [`GET /api/v1/documents/${ARRIVAL.id}`]: ARRIVAL,
      "GET /api/v1/documents": { items: [REPLY], next_page_token: null },
    });
    const { unmount } = renderWith(<ReplyLinks doc={REPLY} />, { api });
    const answers = await screen.findByText(
      "Trả lời văn bản số 15/SNV-TCBC của Sở Nội vụ tỉnh Vĩnh Long: Về việc rà soát biên chế công chức năm 2027");
    expect(answers.closest("a")).toHaveAttribute("href", `/van-ban/${ARRIVAL.id}`);
    unmount();

    renderWith(<ReplyLinks doc={ARRIVAL} />, { api });
    const replies = await screen.findByTestId("replies");
    expect(within(replies).getByRole("link", { name: "20/UBND-VP — V/v trả lời văn bản số 15/SNV-TCBC về rà soát "
      + "biên chế" })).toHaveAttribute("href", `/van-ban/${REPLY.id}`);
    const listed = new URL(calls.filter((c) => c.path.startsWith("/api/v1/documents?")).at(-1)?.path ?? "",
      "http://x").searchParams;
    expect(listed.get("answers_document_id")).toBe(ARRIVAL.id);
  });

  it("names on an arrival the outgoing document it answers, and lists on that document the replies that arrived",
    async () => {
      const LETTER = draft({ id: "0192f0a1-7c3e-7b1a-9c1d-00000000c003", number_symbol: "01/UBND-VP", status: "issued",
        issuing_agency_name: "Ủy ban nhân dân tỉnh Vĩnh Long", abstract: "V/v đề nghị báo cáo biên chế năm 2027" });
      const ANSWER = arrival({ id: "0192f0a1-7c3e-7b1a-9c1d-00000000d004", number_symbol: "17/SNV-TCBC",
        abstract: "V/v báo cáo biên chế năm 2027", answers_document_id: LETTER.id });
      const { api, calls } = fakeGateway({
        [`GET /api/v1/documents/${LETTER.id}`]: LETTER,
        "GET /api/v1/documents": (url: URL) => ({ next_page_token: null,
          items: url.searchParams.get("direction") === "incoming" ? [ANSWER] : [] }),
      });
      const { unmount } = renderWith(<ReplyLinks doc={ANSWER} />, { api });
      const answers = await screen.findByText(
        "Trả lời văn bản số 01/UBND-VP của Ủy ban nhân dân tỉnh Vĩnh Long: V/v đề nghị báo cáo biên chế năm 2027");
      expect(answers.closest("a")).toHaveAttribute("href", `/van-ban/${LETTER.id}`);
      unmount();

      renderWith(<ReplyLinks doc={LETTER} />, { api });
      const replies = await screen.findByTestId("replies");
      expect(within(replies).getByRole("link", { name: "17/SNV-TCBC — V/v báo cáo biên chế năm 2027" }))
        .toHaveAttribute("href", `/van-ban/${ANSWER.id}`);
      const listed = new URL(calls.filter((c) => c.path.startsWith("/api/v1/documents?")).at(-1)?.path ?? "",
        "http://x").searchParams;
      expect([listed.get("direction"), listed.get("answers_document_id")]).toEqual(["incoming", LETTER.id]);
    });

  it("links the reply on the lead's completion in the processing steps", async () => {
    const { api } = fakeGateway({ [`GET /api/v1/documents/${REPLY.id}`]: REPLY });
    const step = { seq: 4, action: "complete", actor: "chuyenvien.ubnd", actor_name: "Phạm Thị Ngọc Ánh",
      at: "2026-12-01T09:00:00+07:00", comment: "Đã trả lời Sở Nội vụ", from_state: "in_progress",
      to_state: "completed", on_behalf_of: "", delegation_id: "", competence: "" };
    const current = outgoingCase({ kind: "incoming", state: "completed", document_id: ARRIVAL.id, circuit: [],
      reply_document_id: REPLY.id, result: "Đã trả lời Sở Nội vụ",
      tasks: [{ id: "t-lead", case_id: "case-out-1", document_id: ARRIVAL.id, kind: "lead", assignee_kind: "person",
        assignee: "s-cv", unit_code: "", state: "done", deadline: "", deadline_state: "", created_at: "", done_at: "",
        abstract: ARRIVAL.abstract, note: "", case_kind: "incoming", outcome: "complete", case_state: "completed", case_deadline: "", requested_deadline: "", given_by: "", given_by_name: "" },
      { id: "t-coop", case_id: "case-out-1", document_id: ARRIVAL.id, kind: "cooperating", assignee_kind: "person",
        assignee: "s-tp", unit_code: "", state: "done", deadline: "", deadline_state: "", created_at: "", done_at: "",
        abstract: ARRIVAL.abstract, note: "", case_kind: "incoming", outcome: "complete", case_state: "completed", case_deadline: "", requested_deadline: "", given_by: "", given_by_name: "" }],
      steps: [{ ...step, seq: 3, task_id: "t-coop", to_state: "in_progress", comment: "Đã góp ý" },
        { ...step, task_id: "t-lead" }] });
    renderWith(<ProcessingTree current={current} />, { api });
    const links = await screen.findAllByRole("link", { name: "20/UBND-VP — V/v trả lời văn bản số 15/SNV-TCBC về rà "
      + "soát biên chế" });
    expect(links).toHaveLength(2);  // the case's result, and the lead's completion step (not the cooperating one's)
    const completion = screen.getByText("Đã trả lời Sở Nội vụ", { selector: ".ant-timeline-item div" });
    expect(completion.parentElement).toHaveTextContent("Văn bản trả lời: 20/UBND-VP");
    expect(screen.getByText("Đã góp ý").parentElement).not.toHaveTextContent("Văn bản trả lời");
  });
});
