import { Alert, Form, InputNumber, Radio, Select, Typography } from "antd";
import type { PersonEntry, Unit } from "../../api/client";
import { DateField, dateRule, isInvalidDate } from "../../components/DateField";
import { formatDate } from "../../components/dates";
import { FieldSelect, READABLE_OPTIONS } from "../../components/FieldSelect";
import { foldFilter } from "../../components/fold";
import { useServerDeadline, wholeDaysRules } from "./deadline";
import { personLabel } from "./people";
import { work } from "./messages";

const t = work.assign;

/** A unit or a person as the workflow's API names them. */
export interface Party {
  kind: "unit" | "person";
  id: string;
}

/** The fields of the pickers and the deadline, as :func:`PartyPickers` and :func:`DeadlineFields` keep them. */
export interface PartyValues {
  lead?: string;
  cooperating?: string[];
  for_information?: string[];
  mode: "days" | "date" | "none";
  days?: number | null;
  date?: string;
}

/** "unit:TH" / "person:<subject>" → the API's party. */
export function party(value: string): Party {
  const [kind, ...rest] = value.split(":");
  return { kind: kind as Party["kind"], id: rest.join(":") };
}

/** The API's party → the pickers' value ("unit:TH"). */
export const partyKey = (p: { kind: string; id: string }) => `${p.kind}:${p.id}`;

/**
 * The choices: the agency's active units, then its people (enabled accounts, "Họ tên — Chức vụ"). A unit without a
 * head (trưởng đơn vị) is shown disabled, "(chưa có trưởng đơn vị)": its task would reach nobody, and the workflow
 * service refuses it.
 */
export function partyOptions(units: Unit[], people: PersonEntry[]) {
  return [
    { label: t.units, options: units.filter((u) => u.active).map((u) => u.head_subject
      ? { value: `unit:${u.code}`, label: u.name }
      : { value: `unit:${u.code}`, label: `${u.name} ${t.noHead}`, disabled: true }) },
    { label: t.people, options: people.filter((p) => p.enabled).map((p) => ({ value: `person:${p.subject}`, label: personLabel(p) })) },
  ];
}

/**
 * The deadline fields of a form that (re)assigns ``current``: its deadline kept when it is given again (giao lại: the
 * case's hạn xử lý as a date, or none when it had none), 5 working days for a first assignment.
 */
export function deadlineValues(current?: { lead?: unknown; deadline?: string } | null): Pick<PartyValues, "mode" | "days" | "date"> {
  if (!current?.lead) return { mode: "days", days: 5 };
  return current.deadline ? { mode: "date", days: 5, date: current.deadline } : { mode: "none", days: 5 };
}

/** The parties and the deadline of ``values`` as a request body's fields (days, a date, or neither). */
export function partiesBody(values: PartyValues) {
  return {
    lead: party(values.lead ?? ""),
    cooperating: (values.cooperating ?? []).map(party),
    for_information: (values.for_information ?? []).map(party),
    deadline_days: values.mode === "days" ? values.days ?? undefined : undefined,
    deadline: values.mode === "date" ? values.date : undefined,
  };
}

/**
 * Chủ trì (one, required), phối hợp and để biết (any) units or people of the agency, inside the enclosing antd Form:
 * one party in two roles is refused here as the workflow service would (the server checks again). Typed names are
 * found with or without tones (:func:`foldFilter`: "to chuc" finds "Phòng Tổ chức cán bộ").
 */
export function PartyPickers({ units, people, leadHelp = t.leadHelp }: {
  units: Unit[];
  people: PersonEntry[];
  leadHelp?: string;
}) {
  const form = Form.useFormInstance<PartyValues>();
  const options = partyOptions(units, people);
  const noTwice = (field: "lead" | "cooperating" | "for_information") => ({
    validator: async () => {
      const v = form.getFieldsValue(["lead", "cooperating", "for_information"]) as PartyValues;
      const all = [v.lead, ...(v.cooperating ?? []), ...(v.for_information ?? [])].filter(Boolean);
      const mine = field === "lead" ? [v.lead] : v[field] ?? [];
      if (mine.some((x) => x && all.filter((y) => y === x).length > 1)) throw new Error(t.twice);
    },
  });
  return (
    <>
      <Form.Item name="lead" label={t.lead} extra={leadHelp} dependencies={["cooperating", "for_information"]}
        rules={[{ required: true, message: t.leadRequired }, noTwice("lead")]}>
        <FieldSelect showSearch filterOption={foldFilter} placeholder={t.choose} options={options} allowClear />
      </Form.Item>
      <Form.Item name="cooperating" label={t.cooperating} dependencies={["lead", "for_information"]}
        rules={[noTwice("cooperating")]}>
        <Select {...READABLE_OPTIONS} mode="multiple" showSearch filterOption={foldFilter} placeholder={t.choose} options={options} />
      </Form.Item>
      <Form.Item name="for_information" label={t.forInformation} dependencies={["lead", "cooperating"]}
        rules={[noTwice("for_information")]}>
        <Select {...READABLE_OPTIONS} mode="multiple" showSearch filterOption={foldFilter} placeholder={t.choose} options={options} />
      </Form.Item>
    </>
  );
}

/**
 * Hạn xử lý, inside the enclosing antd Form: in working days (1–365; the date they give shown as the workflow service
 * counts it, :func:`useServerDeadline`: weekends, Tết and the other holidays skipped), as a date not before ``today``
 * (yyyy-mm-dd, Vietnam; a day off is warned about, not refused), or none. ``givesTestId`` names the line that shows
 * the date the days give.
 */
export function DeadlineFields({ today, givesTestId }: { today: string; givesTestId: string }) {
  const form = Form.useFormInstance<PartyValues>();
  const mode = Form.useWatch("mode", form) ?? "days";
  const days = Form.useWatch("days", form);
  const date = Form.useWatch("date", form);
  const server = useServerDeadline({ mode, days, date: isInvalidDate(date ?? "") ? "" : date, today });
  const asked = server.fetchStatus !== "idle" || server.data !== undefined;
  const gives = mode === "days" && typeof days === "number" ? server.data?.deadline ?? "" : "";
  const dayOff = mode === "date" && date && server.data?.deadline === date ? server.data.day_off : "";
  return (
    <fieldset style={{ border: 0, padding: 0, margin: "0 0 16px" }}>
      <legend style={{ fontSize: 15, marginBottom: 8 }}>{t.deadlineMode}</legend>
      <Form.Item name="mode" noStyle>
        <Radio.Group options={[{ value: "days", label: t.byDays }, { value: "date", label: t.byDate },
          { value: "none", label: t.none }]} />
      </Form.Item>
      {mode === "days" && (
        <Form.Item name="days" label={t.days} style={{ marginTop: 12, marginBottom: 0 }}
          rules={wholeDaysRules(t.daysRequired, work.task.daysWhole)}>
          <InputNumber min={1} max={365} decimalSeparator="," inputMode="numeric" style={{ width: 140 }} />
        </Form.Item>
      )}
      {mode === "days" && asked && (
        <Typography.Text data-testid={givesTestId}>{gives ? t.gives(formatDate(gives)) : t.counting}</Typography.Text>
      )}
      {mode === "date" && (
        <Form.Item name="date" label={t.date} style={{ marginTop: 12, marginBottom: 0 }}
          rules={[{ required: true, message: t.dateRequired }, dateRule,
            { validator: async (_, v?: string) => {
              if (v && !isInvalidDate(v) && v < today) throw new Error(t.datePast);
            } }]}>
          <DateField />
        </Form.Item>
      )}
      {dayOff && (
        <Alert type="warning" showIcon role="status" style={{ marginTop: 8 }} data-testid="deadline-day-off"
          message={t.dayOff(formatDate(date ?? ""), dayOff)} />
      )}
    </fieldset>
  );
}
