/** Dates as clerks write them (dd/mm/yyyy) in Vietnam time, whatever the browser's time zone. */
const TIME_ZONE = "Asia/Ho_Chi_Minh";
const DATE = new Intl.DateTimeFormat("en-GB", { timeZone: TIME_ZONE, day: "2-digit", month: "2-digit", year: "numeric" });
const TIME = new Intl.DateTimeFormat("en-GB", { timeZone: TIME_ZONE, hour: "2-digit", minute: "2-digit", hour12: false });

/** "2026-11-30" (a calendar date) or an instant ("2026-11-29T18:30:00+00:00") → "30/11/2026"; empty → "". */
export function formatDate(value: string | null | undefined): string {
  if (!value) return "";
  const plain = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (plain) return `${plain[3]}/${plain[2]}/${plain[1]}`;
  const instant = new Date(value);
  return Number.isNaN(instant.getTime()) ? value : DATE.format(instant);
}

/** An instant → "30/11/2026 08:05" in Vietnam time. */
export function formatDateTime(value: string | null | undefined): string {
  if (!value) return "";
  const instant = new Date(value);
  if (Number.isNaN(instant.getTime())) return value;
  return `${DATE.format(instant)} ${TIME.format(instant)}`;
}

/**
 * The class of a table cell (or span) holding a date: base.css keeps it on one line (white-space: nowrap), so a
 * narrow column on a phone never breaks "08/12/2026" into "08/12/20" and "26".
 */
export const DATE_CELL = "date-cell";
