/** The dashboard's period presets, from ``today`` (YYYY-MM-DD, Vietnam): [from, to] as YYYY-MM-DD, both included. */
export type Preset = "month" | "quarter" | "year";

export function periodOf(preset: Preset, today: string): [string, string] {
  const y = Number(today.slice(0, 4));
  const m = Number(today.slice(5, 7));
  const pad = (n: number) => String(n).padStart(2, "0");
  if (preset === "year") return [`${y}-01-01`, today];
  if (preset === "quarter") return [`${y}-${pad(Math.floor((m - 1) / 3) * 3 + 1)}-01`, today];
  return [`${y}-${pad(m)}-01`, today];
}
