/**
 * The filters of the lists of documents (văn bản đến, văn bản đi): kept in the URL's query string (a link or a reload
 * keeps them), sent to GET /api/v1/documents and its export, and saved by name per person and list in localStorage.
 */

/** The list a filter belongs to (and the part of its localStorage key that says so). */
export type ListName = "incoming" | "outgoing";

/** Where saved filters are kept apart: a list of documents, or a person's own tasks on arrivals (the Văn bản đến
 * work tabs: Chờ xử lý, Để biết, Đã xử lý), whose filters mean the days the task was given, not arrival dates. */
export type SavedList = ListName | "incoming-work";

export interface ListFilters {
  date_from?: string;
  date_to?: string;
  type_code?: string;
  register_id?: string;
  issuing_agency_code?: string;
  /** Shown in the agency select after a reload; never sent to the gateway. */
  issuing_agency_name?: string;
  /** Words of the sender's name as stored (tones optional): a sender typed by hand has no code to pick. */
  issuer_q?: string;
  q?: string;
}

export const FILTER_KEYS = ["date_from", "date_to", "type_code", "register_id", "issuing_agency_code",
  "issuing_agency_name", "issuer_q", "q"] as const satisfies readonly (keyof ListFilters)[];

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Only what a filter may hold: known keys, non-empty trimmed text (NFC), dates as YYYY-MM-DD. */
export function cleanFilters(values: Partial<Record<string, unknown>>): ListFilters {
  const clean: ListFilters = {};
  for (const key of FILTER_KEYS) {
    const value = values[key];
    if (typeof value !== "string") continue;
    const text = value.normalize("NFC").trim();
    if (!text || ((key === "date_from" || key === "date_to") && !ISO_DATE.test(text))) continue;
    clean[key] = text;
  }
  if (!clean.issuing_agency_code) delete clean.issuing_agency_name;
  if (clean.issuing_agency_code) delete clean.issuer_q;  // one issuer filter at a time: the agency picked wins
  return clean;
}

/** The filters the URL carries. */
export function filtersFromParams(params: URLSearchParams): ListFilters {
  return cleanFilters(Object.fromEntries(FILTER_KEYS.map((key) => [key, params.get(key) ?? undefined])));
}

/** ``params`` with its filters replaced by ``filters`` (the tab and anything else kept). */
export function withFilters(params: URLSearchParams, filters: ListFilters): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const key of FILTER_KEYS) next.delete(key);
  for (const [key, value] of Object.entries(cleanFilters(filters as Record<string, unknown>))) next.set(key, value);
  return next;
}

/** True when no filter is set. */
export function isEmpty(filters: ListFilters): boolean {
  return Object.keys(filters).length === 0;
}

/**
 * The query of GET /api/v1/workflow/inbox for these filters (a person's tasks): the words, the type, the issuing
 * agency and the days the task was given; a register is not a task's (it is left out).
 */
export function inboxFilters(filters: ListFilters) {
  const { q, type_code, issuing_agency_code, date_from, date_to } = filters;
  return Object.fromEntries(Object.entries({ q, type_code, issuing_agency_code, date_from, date_to })
    .filter(([, value]) => value !== undefined)) as Pick<ListFilters, "q" | "type_code" | "issuing_agency_code" | "date_from" | "date_to">;
}

/** ``params`` without the filters a list of tasks does not take (the register, a sender's name): what the work tabs
 * keep. */
export function withoutDocumentOnly(params: URLSearchParams): URLSearchParams {
  const next = new URLSearchParams(params);
  next.delete("register_id");
  next.delete("issuer_q");
  return next;
}

/** The query of GET /api/v1/documents (and its export) for these filters: the agency's name stays on screen. */
export function apiFilters(filters: ListFilters) {
  const { issuing_agency_name: _name, ...query } = filters;
  void _name;
  return query;
}

export interface SavedFilter {
  name: string;
  filters: ListFilters;
}

/** Where a person's saved filters of a list are kept: per username and per list. */
export function savedKey(username: string, list: SavedList): string {
  return `vanthu.saved-filters.${username}.${list}`;
}

/** A person's saved filters of a list (what cannot be read is left out). */
export function loadSaved(username: string, list: SavedList): SavedFilter[] {
  let raw: unknown;
  try {
    raw = JSON.parse(window.localStorage.getItem(savedKey(username, list)) ?? "[]");
  } catch {
    return [];
  }
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((item: unknown) => {
    const entry = item as { name?: unknown; filters?: unknown };
    if (typeof entry?.name !== "string" || !entry.name.trim() || typeof entry.filters !== "object" || !entry.filters) {
      return [];
    }
    return [{ name: entry.name.normalize("NFC").trim(), filters: cleanFilters(entry.filters as Record<string, unknown>) }];
  });
}

function store(username: string, list: SavedList, saved: SavedFilter[]): SavedFilter[] {
  window.localStorage.setItem(savedKey(username, list), JSON.stringify(saved));
  return saved;
}

/** Saves ``filters`` under ``name`` (NFC, trimmed; the same name replaces the one saved before); the new list. */
export function saveFilter(username: string, list: SavedList, name: string, filters: ListFilters): SavedFilter[] {
  const clean = name.normalize("NFC").trim();
  const others = loadSaved(username, list).filter((s) => s.name !== clean);
  return store(username, list, [...others, { name: clean, filters: cleanFilters(filters as Record<string, unknown>) }]
    .sort((a, b) => a.name.localeCompare(b.name, "vi")));
}

/** Deletes the saved filter ``name``; the list left. */
export function deleteSaved(username: string, list: SavedList, name: string): SavedFilter[] {
  const clean = name.normalize("NFC").trim();
  return store(username, list, loadSaved(username, list).filter((s) => s.name !== clean));
}
