import { Select } from "antd";
import { useState } from "react";
import { fold } from "../../components/fold";
import { READABLE_OPTIONS } from "../../components/FieldSelect";
import { rec } from "./messages";

/**
 * The usual retention periods (thời hạn bảo quản) of a file plan's entries, as the records service's rules list them
 * (services/records domain/plan.py: permanent, 0, or the code list's 70, 50, 30, 20, 10 years; 5 years, from which a
 * file is deposited): the server's contract stays a number of years, 0 for vĩnh viễn.
 */
export const RETENTION_PERIODS = [0, 70, 50, 30, 20, 10, 5];
/** The records service's bound on another period (07 Khác: 1–99 years). */
const MAX_YEARS = 99;

/**
 * Thời hạn bảo quản chosen from a list (Vĩnh viễn, 70 … 5 năm); another period (Khác) is typed as a number of years
 * into the list's search (1–99), and a value already stored outside the list stays offered. ``value``/``onChange``:
 * the years, as Form.Item hands them.
 */
export function RetentionSelect({ value, onChange, id }: { value?: number; onChange?: (years: number) => void;
  id?: string }) {
  const [typed, setTyped] = useState("");
  const other = /^\d{1,2}$/.test(typed.trim()) ? Number(typed.trim()) : 0;
  const years = [...RETENTION_PERIODS];
  for (const extra of [value, other]) {
    if (typeof extra === "number" && extra >= 1 && extra <= MAX_YEARS && !years.includes(extra)) years.push(extra);
  }
  const options = years.map((y) => ({ value: y, label: rec.retention(y) }));
  return (
    <Select {...READABLE_OPTIONS} id={id} value={value} onChange={(y: number) => { setTyped(""); onChange?.(y); }}
      options={options} showSearch onSearch={setTyped} style={{ maxWidth: 240 }}
      notFoundContent={rec.plan.retentionOther}
      filterOption={(input, option) => fold(String(option?.label ?? "")).includes(fold(input.trim()))} />
  );
}
