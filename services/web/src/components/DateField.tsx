import { DatePicker } from "antd";
import dayjs from "dayjs";

/**
 * A date typed or picked as dd/mm/yyyy (the way Vietnamese forms write dates, whatever the browser's language), held
 * as an ISO date string (``YYYY-MM-DD``, the API's form) or ``undefined``. ``id`` ties it to its Form.Item label;
 * ``min``/``max`` (ISO) grey out the days outside them in the calendar (a typed day outside them is left to the
 * form's own rule, which says why).
 */
export function DateField({ id, value, onChange, min, max, width = 180, ariaLabel }: {
  id?: string;
  value?: string;
  onChange?: (value: string | undefined) => void;
  min?: string;
  max?: string;
  width?: number;
  ariaLabel?: string;
}) {
  return (
    <DatePicker id={id} aria-label={ariaLabel} format="DD/MM/YYYY" placeholder="dd/mm/yyyy" style={{ width }}
      value={value ? dayjs(value) : null}
      // Enter confirms the typed date; it must not also submit the dialog's form (the browser's implicit submission)
      onKeyDown={(event) => { if (event.key === "Enter") event.preventDefault(); }}
      onChange={(day) => onChange?.(day ? day.format("YYYY-MM-DD") : undefined)}
      disabledDate={(day) => (!!min && day.format("YYYY-MM-DD") < min) || (!!max && day.format("YYYY-MM-DD") > max)} />
  );
}
