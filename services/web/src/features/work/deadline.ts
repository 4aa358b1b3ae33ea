import { useQuery } from "@tanstack/react-query";
import { unwrap } from "../../api/client";
import { useApi } from "../../api/ApiProvider";

/** What the workflow service says of a deadline (GET /api/v1/workflow/deadline): the date, its today, a day off. */
export interface ServerDeadline {
  deadline: string;
  today: string;
  day_off: string;
}

/**
 * The deadline the workflow service would save for an assignment made now (GET /api/v1/workflow/deadline, its clock
 * and its calendar: weekends, Tết and the other holidays skipped), so that the form previews exactly what is saved:
 * ``days`` working days from today, or the date ``date`` (YYYY-MM-DD, from ``today`` on) with the day off it falls
 * on, if any. ``start`` (YYYY-MM-DD): the days are counted from it instead of today — a request for more time (xin gia
 * hạn) counts them from the current deadline, as the service does. Nothing is asked while the input is incomplete or
 * out of range (``data`` undefined).
 */
export function useServerDeadline({ mode, days, date, today, start }: {
  mode: "days" | "date" | "none";
  days?: number | null;
  date?: string;
  today: string;
  start?: string;
}) {
  const api = useApi();
  const from = start && /^\d{4}-\d{2}-\d{2}$/.test(start) ? { start } : {};
  const query = mode === "days" && typeof days === "number" && Number.isInteger(days) && days >= 1 && days <= 365
    ? { days, ...from }
    : mode === "date" && date && /^\d{4}-\d{2}-\d{2}$/.test(date) && date >= today ? { date } : null;
  return useQuery({
    queryKey: ["deadline", query],
    queryFn: async (): Promise<ServerDeadline> =>
      unwrap(await api.GET("/api/v1/workflow/deadline", { params: { query: query ?? {} } })),
    enabled: query !== null,
    staleTime: 60_000,
  });
}

/**
 * The date a deadline in working days gives, as the leader sees it while assigning: ``days`` working days after
 * ``today`` (YYYY-MM-DD, Vietnam), skipping Saturdays and Sundays. An estimate only: the workflow service counts with the
 * platform's calendar (vanthu_core.workdays: Tết and the other holidays too); the assignment forms ask it
 * (:func:`useServerDeadline`) instead. ``days`` < 1 or not an integer: "".
 */
export function addWorkingDays(today: string, days: number): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(today);
  if (!m || !Number.isInteger(days) || days < 1) return "";
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  let left = days;
  while (left > 0) {
    d.setUTCDate(d.getUTCDate() + 1);
    const weekday = d.getUTCDay();
    if (weekday !== 0 && weekday !== 6) left -= 1;
  }
  return d.toISOString().slice(0, 10);
}

/** Today's date in Vietnam (YYYY-MM-DD) at the instant ``now``. */
export function vietnamToday(now: Date = new Date()): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Ho_Chi_Minh", year: "numeric", month: "2-digit",
    day: "2-digit" }).format(now);
}

/**
 * The antd form rules of a number of working days (1–365, whole): ``message`` when it is missing or out of range,
 * ``whole`` when it has a fraction ("1,5": the field reads a decimal comma as one, never as a thousands separator that
 * made it 15). Working days are whole days (Decree 30/2020 counts deadlines in days).
 */
export function wholeDaysRules(message: string, whole: string) {
  return [{ required: true, message }, { type: "number" as const, min: 1, max: 365, message },
    { validator: async (_: unknown, value: unknown) => {
      if (typeof value === "number" && !Number.isInteger(value)) throw new Error(whole);
    } }];
}
