/**
 * The date a deadline in working days gives, as the leader sees it while assigning: ``days`` working days after
 * ``today`` (YYYY-MM-DD, Vietnam), skipping Saturdays and Sundays. An estimate: the workflow service counts with the
 * platform's calendar (vanthu_core.workdays: Tết and the other holidays too) and its answer is what the page shows
 * once assigned. ``days`` < 1 or not an integer: "".
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
