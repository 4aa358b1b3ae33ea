import type { Document } from "../api/client";

export function arrival(overrides: Partial<Document> = {}): Document {
  return {
    id: "0192f0a1-7c3e-7b1a-9c1d-2f3e4a5b6c7d", agency_code: "000.00.02.H61", direction: "incoming", status: "arrived",
    type_code: "cong_van", abstract: "V/v tổ chức hội nghị tổng kết công tác văn thư, lưu trữ năm 2026",
    urgency: "normal", drafting_unit: "", unit_abbreviation: "", signer: { name: "", title: "", competence: "" },
    place: "", recipients: [], files: [{ object_id: "obj-1", sha256: "", role: "main", file_name: "Công văn.pdf",
      content_type: "application/pdf" }],
    answers_document_id: "", due_date: "", issuing_agency_code: "000.00.00.H61",
    issuing_agency_name: "Ủy ban nhân dân tỉnh Vĩnh Long", number_symbol: "15/UBND-VP", document_date: "2026-11-29",
    register_id: "", number: 0, numbered_at: "", duplicate_of: "", signature_check: "valid", signature_note: "",
    signed_by: "", signed_at: "", seal_error: "", legal_normative: false, arrived_at: "2026-11-29T17:30:00+00:00",
    exchange_form: "electronic", reason: "", created_by: "", created_at: "", updated_at: "", version: 1,
    revocation: "", revocation_reason: "", revocation_kind: "", replaces_document_id: "", replaced_by_document_id: "",
    ...overrides,
  };
}
