import type { components } from "../../api/schema";
import type { Role } from "../../auth/claims";

export type Plan = components["schemas"]["PlanOut"];
export type PlanHeading = components["schemas"]["PlanHeadingOut"];
export type PlanEntry = components["schemas"]["PlanEntryOut"];
export type RecordFile = components["schemas"]["FileOut"];
export type HeadingIn = components["schemas"]["PlanHeadingIn"];

/** Who may do what on records (the access table: services/records; the server judges again). */
export const PLAN_DRAFTERS: Role[] = ["clerk", "archivist"];
export const RECORD_KEEPERS: Role[] = ["officer", "head", "clerk", "leader"];

/**
 * Chữ viết tắt của đề mục lớn as the server takes it (services/records, domain/plan.py ABBREVIATION): A–Z, Đ and
 * digits, 1–10, checked on what was typed (lower case allowed, upper-cased on saving).
 */
export const ABBREVIATION = /^[A-Za-zĐđ0-9]{1,10}$/;

/** A draft plan's outline as the PUT body takes it (entries keep their ids). */
export function outline(plan: Plan): HeadingIn[] {
  const entries = (list: PlanEntry[]) => list.map((e) => ({ id: e.id, title: e.title, retention_years: e.retention_years,
    creator: e.creator, notes: e.notes, creator_subject: e.creator_subject ?? "" }));
  return plan.headings.map((h) => ({ title: h.title, abbreviation: h.abbreviation, entries: entries(h.entries),
    subheadings: h.subheadings.map((s) => ({ title: s.title, entries: entries(s.entries) })) }));
}

/** What the clerk may change of a draft plan's entry (its number and notation are the server's). */
export interface EntryChange {
  title: string;
  retention_years: number;
  /** Người lập hồ sơ picked from the directory (their subject); none picked keeps what the entry said before. */
  creator_subject?: string;
  notes?: string;
}

/**
 * The outline with the entry ``id`` changed (title, retention, người lập hồ sơ, notes; text trimmed and
 * NFC-normalised), wherever it sits (under a heading or a sub-heading); the other entries untouched. An unknown id
 * changes nothing. A person picked replaces the entry's người lập (the server writes their name); none picked keeps
 * the text a plan written before had.
 */
export function editEntry(headings: HeadingIn[], id: string, change: EntryChange): HeadingIn[] {
  const nfc = (s?: string) => (s ?? "").trim().normalize("NFC");
  const edit = (list: HeadingIn["entries"] = []) => list.map((e) => e.id === id && id ? { ...e, title: nfc(change.title),
    retention_years: change.retention_years, creator_subject: change.creator_subject ?? "",
    creator: change.creator_subject ? "" : e.creator, notes: nfc(change.notes) } : e);
  return headings.map((h) => ({ ...h, entries: edit(h.entries),
    subheadings: (h.subheadings ?? []).map((s) => ({ ...s, entries: edit(s.entries) })) }));
}
