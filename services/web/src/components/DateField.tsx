import { DatePicker } from "antd";
import dayjs from "dayjs";
import customParseFormat from "dayjs/plugin/customParseFormat";

dayjs.extend(customParseFormat);

/** What a typed date may look like (the first is how it is shown): 04/05/2026, 4/5/2026, 04-05-2026, 04.05.2026. */
const FORMATS = ["DD/MM/YYYY", "D/M/YYYY", "DD-MM-YYYY", "D-M-YYYY", "DD.MM.YYYY", "D.M.YYYY"];
/** The value a DateField holds while its text is not a date: this prefix and the text, never sent (see dateRule). */
const INVALID = "!";
export const INVALID_DATE_MESSAGE = "Ngày không hợp lệ: nhập theo dạng dd/mm/yyyy (ví dụ 04/05/2026).";

/** True when a DateField's value is typed text that is not a date (its rule refuses it). */
export function isInvalidDate(value: string | undefined | null): boolean {
  return !!value && value.startsWith(INVALID);
}

/** The form rule every DateField inside a Form.Item needs: typed text that is not a date is refused, with why. */
export const dateRule = {
  validator: async (_: unknown, value: unknown) => {
    if (typeof value === "string" && isInvalidDate(value)) throw new Error(INVALID_DATE_MESSAGE);
  },
};

/**
 * A date typed or picked as dd/mm/yyyy (the way Vietnamese forms write dates, whatever the browser's language; 4/5/2026,
 * 04-05-2026 and 04.05.2026 are read too), held as an ISO date string (``YYYY-MM-DD``, the API's form) or
 * ``undefined``. Text that is not a date stays in the field when it loses focus (never cleared silently) and the value
 * becomes an invalid marker that :data:`dateRule` refuses with a Vietnamese message. ``id`` ties it to its Form.Item
 * label; ``min``/``max`` (ISO) grey out the days outside them in the calendar (a typed day outside them is left to
 * the form's own rule, which says why).
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
    <DatePicker id={id} aria-label={ariaLabel} format={FORMATS} placeholder="dd/mm/yyyy" style={{ width }}
      value={value && !isInvalidDate(value) ? dayjs(value) : null} preserveInvalidOnBlur
      // Enter confirms the typed date; it must not also submit the dialog's form (the browser's implicit submission)
      onKeyDown={(event) => { if (event.key === "Enter") event.preventDefault(); }}
      onBlur={(event) => {
        const text = ((event.target as HTMLInputElement).value ?? "").trim();
        if (text && !dayjs(text, FORMATS, true).isValid()) onChange?.(INVALID + text);
        else if (!text && isInvalidDate(value)) onChange?.(undefined);
      }}
      onChange={(day) => onChange?.(day ? day.format("YYYY-MM-DD") : undefined)}
      disabledDate={(day) => (!!min && day.format("YYYY-MM-DD") < min) || (!!max && day.format("YYYY-MM-DD") > max)} />
  );
}
