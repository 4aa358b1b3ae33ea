import { Radio, Space, Typography } from "antd";
import { useState } from "react";
import { DateField, isInvalidDate } from "../../components/DateField";
import { formatDate } from "../../components/dates";
import { dash } from "./messages";
import { periodOf, type Preset } from "./period";

/** A report's period: a preset (this month, quarter, year, from ``today``, YYYY-MM-DD Vietnam) or chosen dates. */
export function usePeriod(today: string) {
  const [preset, setPreset] = useState<Preset | "custom">("month");
  const [custom, setCustom] = useState<[string, string]>(periodOf("month", today));
  const [from, to] = preset === "custom" ? custom : periodOf(preset, today);
  return { preset, setPreset, custom, setCustom, from, to };
}

/**
 * The period's fields (Thời gian: Tháng này, Quý này, Năm nay, Tùy chọn with two dates up to ``today``) and the
 * period it gives, dd/mm/yyyy – dd/mm/yyyy (``testId``); shared by Báo cáo thống kê and Thống kê liên thông.
 */
export function PeriodPicker({ period, today, testId }: {
  period: ReturnType<typeof usePeriod>; today: string; testId: string;
}) {
  const { preset, setPreset, custom, setCustom, from, to } = period;
  return (
    <>
      <fieldset style={{ border: 0, padding: 0, margin: 0 }}>
        <legend style={{ fontSize: 15, marginBottom: 8 }}>{dash.period}</legend>
        <Radio.Group value={preset} onChange={(e) => setPreset(e.target.value as Preset | "custom")}
          options={(["month", "quarter", "year", "custom"] as const).map((p) => ({ value: p, label: dash.presets[p] }))} />
        {preset === "custom" && (
          <Space wrap style={{ marginTop: 8 }}>
            <label>{dash.from}{" "}
              <DateField value={custom[0]} max={today} width={170} ariaLabel={dash.from}
                onChange={(v) => { if (!isInvalidDate(v)) setCustom([v ?? "", custom[1]]); }} />
            </label>
            <label>{dash.to}{" "}
              <DateField value={custom[1]} max={today} width={170} ariaLabel={dash.to}
                onChange={(v) => { if (!isInvalidDate(v)) setCustom([custom[0], v ?? ""]); }} />
            </label>
          </Space>
        )}
      </fieldset>
      <Typography.Text data-testid={testId}>{formatDate(from)} – {formatDate(to)}</Typography.Text>
    </>
  );
}
