import type { Case, Delegation, Document, Task } from "../api/client";

export function arrival(overrides: Partial<Document> = {}): Document {
  return {
    id: "0192f0a1-7c3e-7b1a-9c1d-2f3e4a5b6c7d", agency_code: "000.00.02.H61", direction: "incoming", status: "arrived",
    type_code: "cong_van", abstract: "V/v tổ chức hội nghị tổng kết công tác văn thư, lưu trữ năm 2026",
    urgency: "normal", drafting_unit: "", unit_abbreviation: "", signer: { name: "", title: "", competence: "", subject: "" },
    place: "", recipients: [], files: [{ object_id: "obj-1", sha256: "", role: "main", file_name: "Công văn.pdf",
      content_type: "application/pdf" }],
    answers_document_id: "", due_date: "", issuing_agency_code: "000.00.00.H61",
    issuing_agency_name: "Ủy ban nhân dân tỉnh Vĩnh Long", number_symbol: "15/UBND-VP", document_date: "2026-11-29",
    register_id: "", number: 0, numbered_at: "", duplicate_of: "", signature_check: "valid", signature_note: "", signature_signers: [],
    signed_by: "", signed_at: "", seal_error: "", legal_normative: false, arrived_at: "2026-11-29T17:30:00+00:00",
    exchange_form: "electronic", reason: "", created_by: "", created_at: "", updated_at: "", version: 1,
    revocation: "", revocation_reason: "", revocation_kind: "", replaces_document_id: "", replaced_by_document_id: "",
    ...overrides,
  };
}

/** An outgoing draft of UBND tỉnh by the officer chuyenvien.ubnd, to Sở Nội vụ. */
export function draft(overrides: Partial<Document> = {}): Document {
  return arrival({
    id: "0192f0a1-7c3e-7b1a-9c1d-000000000001", agency_code: "000.00.00.H61", direction: "outgoing", status: "draft",
    abstract: "V/v triển khai quy trình văn bản đi qua hệ thống", issuing_agency_code: "", issuing_agency_name: "",
    number_symbol: "", document_date: "", signature_check: "", arrived_at: "", exchange_form: "",
    unit_abbreviation: "VP", signer: { name: "Nguyễn Văn Lãnh", title: "Chủ tịch", competence: "", subject: "" },
    recipients: [{ agency_code: "000.00.02.H61", name: "Sở Nội vụ" }], created_by: "chuyenvien.ubnd",
    files: [{ object_id: "obj-9", sha256: "", role: "main", file_name: "Dự thảo.pdf", content_type: "application/pdf" }],
    ...overrides,
  });
}

/** The outgoing case of ``draft()`` in ``state``, with the standard circuit. */
export function outgoingCase(overrides: Partial<Case> = {}): Case {
  return {
    id: "case-out-1", agency_code: "000.00.00.H61", document_id: "0192f0a1-7c3e-7b1a-9c1d-000000000001",
    state: "in_review", version: 3, abstract: "V/v triển khai quy trình văn bản đi qua hệ thống", arrival_number: 0,
    leader: "", lead: null, cooperating: [], for_information: [], deadline: "", instruction: "", result: "",
    reply_document_id: "", created_at: "", updated_at: "", tasks: [], kind: "outgoing", type_code: "cong_van",
    circuit: [{ step: "review", role: "head" }, { step: "consult", role: "head" }, { step: "sign", role: "leader" },
      { step: "issue", role: "clerk" }],
    definition_version: 1, drafter: "s-cv", drafter_name: "Lê Văn Chuyên", unit_code: "TH",
    parent_id: "", depth: 0, result_file_ids: [],
    steps: [{ seq: 1, action: "start", actor: "chuyenvien.ubnd", actor_name: "Lê Văn Chuyên",
      at: "2026-11-30T08:00:00+07:00", comment: "Kính gửi anh Phúc", from_state: "", to_state: "in_review", task_id: "t0",
      on_behalf_of: "", delegation_id: "", competence: "" }],
    ...overrides,
  };
}

/** An open task of the outgoing case. */
export function outTask(kind: string, overrides: Partial<Task> = {}): Task {
  return {
    id: `task-${kind}`, case_id: "case-out-1", document_id: "0192f0a1-7c3e-7b1a-9c1d-000000000001", kind,
    assignee_kind: "unit", assignee: "TH", unit_code: "", state: "open", deadline: "", deadline_state: "",
    created_at: "", done_at: "", abstract: "V/v triển khai quy trình văn bản đi qua hệ thống", note: "",
    case_kind: "outgoing", outcome: "", case_state: "in_review", case_deadline: "", requested_deadline: "", given_by: "", given_by_name: "", ...overrides,
  };
}

/**
 * A delegation (ủy quyền) of UBND tỉnh: the leader Nguyễn Văn Hưởng's own tasks to Lê Hoàng Phúc (KT.), 01/12/2026 to
 * 05/12/2026, in force.
 */
export function delegation(overrides: Partial<Delegation> = {}): Delegation {
  return {
    id: "del-1", agency_code: "000.00.00.H61", delegator: "s-ld", delegator_username: "lanhdao.ubnd",
    delegator_name: "Nguyễn Văn Hưởng", unit_code: "", deputy: "s-tp", deputy_name: "Lê Hoàng Phúc",
    valid_from: "2026-12-01", valid_to: "2026-12-05", competence: "KT.", reason: "Đi công tác",
    created_at: "2026-11-30T09:00:00+07:00", revoked_at: "", revoked_by: "", active: true,
    deputy_position: "Trưởng phòng Tổng hợp", ...overrides,
  };
}
