/**
 * The filters of the Giao việc lists (Việc tôi giao, Việc được giao): kept in the URL's query string (a link or a
 * reload keeps them), sent to the workflow's lists (GET /api/v1/workflow/jobs, GET /api/v1/workflow/inbox), which
 * filter on the server a page at a time, always among the person's own jobs.
 */

export type JobsTab = "given" | "received";

/** The states a job given may be filtered by (the workflow's job states), in the order people think of them. */
export const GIVEN_STATES = ["assigned", "in_progress", "extension_requested", "returned", "completed",
  "submitted"] as const;
/** The buckets a task received may be filtered by (the workflow inbox's buckets: to do, due soon, overdue, done). */
export const RECEIVED_STATES = ["todo", "due_soon", "overdue", "done"] as const;

export interface JobFilters {
  q?: string;
  date_from?: string;
  date_to?: string;
  state?: string;
}

export const JOB_FILTER_KEYS = ["q", "date_from", "date_to", "state"] as const satisfies readonly (keyof JobFilters)[];

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Only what a filter of ``tab`` may hold: known keys, non-empty trimmed text (NFC), dates as YYYY-MM-DD, a state
 * of the tab's list. */
export function cleanJobFilters(tab: JobsTab, values: Partial<Record<string, unknown>>): JobFilters {
  const states: readonly string[] = tab === "given" ? GIVEN_STATES : RECEIVED_STATES;
  const clean: JobFilters = {};
  for (const key of JOB_FILTER_KEYS) {
    const value = values[key];
    if (typeof value !== "string") continue;
    const text = value.normalize("NFC").trim();
    if (!text) continue;
    if ((key === "date_from" || key === "date_to") && !ISO_DATE.test(text)) continue;
    if (key === "state" && !states.includes(text)) continue;
    clean[key] = text;
  }
  return clean;
}

/** The filters of ``tab`` the URL carries. */
export function jobFiltersFromParams(tab: JobsTab, params: URLSearchParams): JobFilters {
  return cleanJobFilters(tab, Object.fromEntries(JOB_FILTER_KEYS.map((key) => [key, params.get(key) ?? undefined])));
}

/** ``params`` with its job filters replaced by ``filters`` (the tab and anything else kept). */
export function withJobFilters(params: URLSearchParams, tab: JobsTab, filters: JobFilters): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const key of JOB_FILTER_KEYS) next.delete(key);
  for (const [key, value] of Object.entries(cleanJobFilters(tab, filters as Record<string, unknown>))) next.set(key, value);
  return next;
}

/** The query of GET /api/v1/workflow/jobs for these filters (the jobs the person gave). */
export function givenQuery(filters: JobFilters) {
  const { q, date_from, date_to } = filters;
  const state = filters.state as (typeof GIVEN_STATES)[number] | undefined;
  return Object.fromEntries(Object.entries({ q, state, date_from, date_to })
    .filter(([, value]) => value !== undefined)) as { q?: string; state?: (typeof GIVEN_STATES)[number];
    date_from?: string; date_to?: string };
}

/** The query of GET /api/v1/workflow/inbox for these filters (the person's tasks on jobs): the state is the inbox's
 * bucket (all of them when none is chosen), the days those the task was given. */
export function receivedQuery(filters: JobFilters) {
  const { q, date_from, date_to } = filters;
  const bucket = (filters.state ?? "all") as (typeof RECEIVED_STATES)[number] | "all";
  return { bucket, ...Object.fromEntries(Object.entries({ q, date_from, date_to })
    .filter(([, value]) => value !== undefined)) as { q?: string; date_from?: string; date_to?: string } };
}
