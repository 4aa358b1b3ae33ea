import type { Plan, RecordFile } from "./types";

/** The 2026 file plan of UBND tỉnh: one heading (I. Tổ chức cán bộ, TCCB) with one entry. */
export function plan(overrides: Partial<Plan> = {}): Plan {
  return {
    id: "plan-1", agency_code: "000.00.00.H61", year: 2026, plan_version: 1, state: "draft",
    title: "Danh mục hồ sơ năm 2026", numbering: "continuous",
    headings: [{ numeral: "I", title: "Tổ chức cán bộ", abbreviation: "TCCB", subheadings: [], entries: [
      { id: "entry-1", number: 1, notation: "01.TCCB", title: "Hồ sơ tuyển dụng công chức năm 2026",
        retention_years: 0, creator: "Phòng Tổ chức", notes: "", creator_subject: "" }] }],
    created_by: "vanthu.ubnd", approved_by: "", approved_at: "", decision_number: "", decision_date: "",
    submitted_by: "", submitted_at: "", return_reason: "",
    created_at: "2026-01-05T08:00:00+07:00",
    updated_at: "2026-01-05T08:00:00+07:00", version: 2, revises_plan_id: "",
    ...overrides,
  };
}

/** A file opened by chuyenvien.ubnd from the plan's entry, in ``state``. */
export function recordFile(overrides: Partial<RecordFile> = {}): RecordFile {
  return {
    id: "file-1", agency_code: "000.00.00.H61", file_code: "000.00.00.H61.2026.01.TCCB", year: 2026,
    notation: "01.TCCB", title: "Hồ sơ tuyển dụng công chức năm 2026", retention_years: 0, rights: "", language: "vi",
    creator: "Lê Văn Chuyên", creator_username: "chuyenvien.ubnd", start_date: "2026-02-03", end_date: "",
    document_total: 1, page_total: 3, description: "", keywords: "", plan_id: "plan-1", plan_entry_id: "entry-1",
    state: "collecting", closed_at: "", deposit_deadline: "", deposit_due: false, deposit_overdue: false,
    submitted_at: "", deposited_at: "", deposited_by: "", return_reason: "", retain_approval: "",
    documents: [{ document_id: "doc-1", ordinal: 1, document_code: "000.00.00.H61.2026.01.TCCB.001",
      direction: "outgoing", type_name: "Công văn", code_number: "15", code_notation: "UBND-TCCB",
      issued_date: "2026-02-03", organ_name: "Ủy ban nhân dân tỉnh Vĩnh Long", subject: "V/v tuyển dụng công chức",
      language: "vi", page_amount: 3, description: "", signer: "Nguyễn Văn Lãnh", keywords: "", mode: "", confidence_level: "",
      files: [], added_by: "chuyenvien.ubnd", added_at: "2026-02-03T09:00:00+07:00" }],
    created_at: "2026-02-03T08:00:00+07:00", updated_at: "2026-02-03T09:00:00+07:00", version: 4, unit: "Phòng Tổ chức",
    ...overrides,
  };
}
