import type { Case, PersonEntry, Task, Unit } from "../../api/client";
import type { Person } from "../../auth/claims";

export const LEADER: Person = { username: "lanhdao.ubnd", name: "Nguyễn Văn Lãnh", agency: "000.00.00.H61", roles: ["leader"] };
export const OFFICER: Person = { username: "chuyenvien.ubnd", name: "Lê Văn Chuyên", agency: "000.00.00.H61", roles: ["officer"] };

export const UNITS: Unit[] = [
  { code: "TH", name: "Phòng Tổng hợp", kind: "division", active: true, parent_code: null, head_subject: "s-th",
    head_username: "truongphong.ubnd" },
  { code: "NC", name: "Phòng Nội chính", kind: "division", active: true, parent_code: null, head_subject: null,
    head_username: null },
  { code: "TCCB", name: "Phòng Tổ chức cán bộ", kind: "division", active: true, parent_code: null,
    head_subject: "s-tccb", head_username: "truongphong.tccb" },
];
export const PEOPLE: PersonEntry[] = [
  { subject: "s-cv", username: "chuyenvien.ubnd", name: "Lê Văn Chuyên", enabled: true, title: "Chuyên viên", leader: false, handler: true, signer: false, units: [], primary_unit: "" },
  { subject: "s-son", username: "son.ubnd", name: "Nguyễn Văn Sơn", enabled: true, title: "Chuyên viên", leader: false, handler: true, signer: false, units: ["TCCB"], primary_unit: "TCCB" },
];

/** A job given by the leader (subject s-ld) to Phòng Tổng hợp, in ``state``. */
export function job(overrides: Partial<Case> = {}): Case {
  return {
    id: "job-1", agency_code: "000.00.00.H61", document_id: "job-1", state: "assigned", version: 2,
    abstract: "Chuẩn bị báo cáo tổng kết năm 2026", arrival_number: 0, leader: "", drafter: "s-ld",
    drafter_name: "Nguyễn Văn Lãnh", lead: { kind: "unit", id: "TH", name: "Phòng Tổng hợp" }, cooperating: [],
    for_information: [], deadline: "2026-12-07", instruction: "Tổng hợp số liệu các phòng", result: "",
    reply_document_id: "", created_at: "2026-11-30T08:00:00+07:00", updated_at: "", tasks: [], steps: [],
    kind: "job", type_code: "", circuit: [], definition_version: 0, unit_code: "", parent_id: "", depth: 0,
    result_file_ids: [], ...overrides,
  };
}

export function jobTask(overrides: Partial<Task> = {}): Task {
  return {
    id: "jt-1", case_id: "job-1", document_id: "job-1", kind: "lead", assignee_kind: "person", assignee: "s-cv",
    unit_code: "TH", state: "open", deadline: "2026-12-07", deadline_state: "overdue", created_at: "", done_at: "",
    abstract: "Chuẩn bị báo cáo tổng kết năm 2026", note: "", case_kind: "job", outcome: "", case_state: "assigned", case_deadline: "", requested_deadline: "", given_by: "", given_by_name: "", ...overrides,
  };
}
