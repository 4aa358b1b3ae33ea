/**
 * The filters of Công việc (the person's tasks from the workflow inbox): kept in the URL's query string (a link or a
 * reload keeps them) and sent to GET /api/v1/workflow/inbox, which filters the list and its counts on the server,
 * always among the person's own tasks.
 */

/** What a task is about: an incoming document, an outgoing draft, a job (giao việc). */
export const CASE_KINDS = ["incoming", "outgoing", "job"] as const;
/** The roles a task may have, in the order people meet them. */
export const TASK_KINDS = ["lead", "cooperating", "for_information", "direct", "extension", "review", "consult",
  "draft", "sign", "issue"] as const;

export interface WorkFilters {
  q?: string;
  date_from?: string;
  date_to?: string;
  case_kind?: string;
  kind?: string;
}

const KEYS = ["q", "date_from", "date_to", "case_kind", "kind"] as const satisfies readonly (keyof WorkFilters)[];
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Only what a filter may hold: known keys, non-empty trimmed text (NFC), dates as YYYY-MM-DD, known kinds. */
export function cleanWorkFilters(values: Partial<Record<string, unknown>>): WorkFilters {
  const clean: WorkFilters = {};
  for (const key of KEYS) {
    const value = values[key];
    if (typeof value !== "string") continue;
    const text = value.normalize("NFC").trim();
    if (!text) continue;
    if ((key === "date_from" || key === "date_to") && !ISO_DATE.test(text)) continue;
    if (key === "case_kind" && !(CASE_KINDS as readonly string[]).includes(text)) continue;
    if (key === "kind" && !(TASK_KINDS as readonly string[]).includes(text)) continue;
    clean[key] = text;
  }
  return clean;
}

export function workFiltersFromParams(params: URLSearchParams): WorkFilters {
  return cleanWorkFilters(Object.fromEntries(KEYS.map((key) => [key, params.get(key) ?? undefined])));
}

/** ``params`` with its work filters replaced by ``filters`` (anything else kept). */
export function withWorkFilters(params: URLSearchParams, filters: WorkFilters): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const key of KEYS) next.delete(key);
  for (const [key, value] of Object.entries(cleanWorkFilters(filters as Record<string, unknown>))) next.set(key, value);
  return next;
}

/** The inbox query's narrowing for these filters. */
export function workQuery(filters: WorkFilters) {
  const { q, date_from, date_to } = filters;
  return {
    ...Object.fromEntries(Object.entries({ q, date_from, date_to }).filter(([, v]) => v !== undefined)) as
      { q?: string; date_from?: string; date_to?: string },
    ...(filters.case_kind ? { case_kind: filters.case_kind as (typeof CASE_KINDS)[number] } : {}),
    ...(filters.kind ? { kind: [filters.kind as (typeof TASK_KINDS)[number]] } : {}),
  };
}
