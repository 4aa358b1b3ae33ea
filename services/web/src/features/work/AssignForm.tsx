import { Alert, Button, Form, Input, InputNumber, Radio, Select, Space, Typography } from "antd";
import type { AssignBody, Case, PersonEntry, Unit } from "../../api/client";
import { formatDate } from "../../components/dates";
import { addWorkingDays } from "./deadline";
import { FieldSelect } from "../../components/FieldSelect";
import { work } from "./messages";

const t = work.assign;
const MAX_TEXT = 2000;

interface Values {
  lead?: string;
  cooperating?: string[];
  for_information?: string[];
  mode: "days" | "date" | "none";
  days?: number | null;
  date?: string;
  instruction?: string;
}

/** "unit:TH" / "person:<subject>" → the API's party. */
function party(value: string) {
  const [kind, ...rest] = value.split(":");
  return { kind: kind as "unit" | "person", id: rest.join(":") };
}

/** The choices: the agency's active units, then its people (enabled accounts). */
export function partyOptions(units: Unit[], people: PersonEntry[]) {
  return [
    { label: t.units, options: units.filter((u) => u.active).map((u) => ({ value: `unit:${u.code}`, label: u.name })) },
    { label: t.people, options: people.filter((p) => p.enabled).map((p) => ({ value: `person:${p.subject}`, label: p.name })) },
  ];
}

/**
 * The leader's giao xử lý: one lead (chủ trì), cooperating (phối hợp) and for-information (để biết) units or people,
 * the deadline in working days (the date it gives shown) or as a date, and the instruction (ý kiến chỉ đạo). Checks
 * here what the workflow service would refuse (no lead, one party named twice, no days/date, a date before
 * ``today``); the server checks again. ``onSubmit`` gets the request body.
 */
export function AssignForm({ current, units, people, today, pending, error, onSubmit }: {
  current: Case;
  units: Unit[];
  people: PersonEntry[];
  today: string;
  pending?: boolean;
  error?: string;
  onSubmit: (body: AssignBody) => void;
}) {
  const [form] = Form.useForm<Values>();
  const mode = Form.useWatch("mode", form) ?? "days";
  const days = Form.useWatch("days", form);
  const options = partyOptions(units, people);
  const initial: Values = {
    lead: current.lead ? `${current.lead.kind}:${current.lead.id}` : undefined,
    cooperating: current.cooperating.map((p) => `${p.kind}:${p.id}`),
    for_information: current.for_information.map((p) => `${p.kind}:${p.id}`),
    mode: "days",
    days: 5,
    instruction: current.instruction,
  };
  const noTwice = (field: keyof Values) => ({
    validator: async () => {
      const v = form.getFieldsValue(["lead", "cooperating", "for_information"]) as Values;
      const all = [v.lead, ...(v.cooperating ?? []), ...(v.for_information ?? [])].filter(Boolean);
      const mine = field === "lead" ? [v.lead] : (v[field] as string[] | undefined) ?? [];
      if (mine.some((x) => x && all.filter((y) => y === x).length > 1)) throw new Error(t.twice);
    },
  });
  const finish = (v: Values) => {
    const body: AssignBody = {
      version: current.version,
      lead: party(v.lead ?? ""),
      cooperating: (v.cooperating ?? []).map(party),
      for_information: (v.for_information ?? []).map(party),
      instruction: (v.instruction ?? "").trim().normalize("NFC"),
    };
    if (v.mode === "days") body.deadline_days = v.days ?? undefined;
    if (v.mode === "date") body.deadline = v.date;
    onSubmit(body);
  };
  const gives = mode === "days" && typeof days === "number" ? addWorkingDays(today, days) : "";
  return (
    <Form form={form} layout="vertical" initialValues={initial} onFinish={finish} aria-label={t.title}>
      <Form.Item name="lead" label={t.lead} extra={t.leadHelp} dependencies={["cooperating", "for_information"]}
        rules={[{ required: true, message: t.leadRequired }, noTwice("lead")]}>
        <FieldSelect showSearch optionFilterProp="label" placeholder={t.choose} options={options} allowClear />
      </Form.Item>
      <Form.Item name="cooperating" label={t.cooperating} dependencies={["lead", "for_information"]}
        rules={[noTwice("cooperating")]}>
        <Select mode="multiple" showSearch optionFilterProp="label" placeholder={t.choose} options={options} />
      </Form.Item>
      <Form.Item name="for_information" label={t.forInformation} dependencies={["lead", "cooperating"]}
        rules={[noTwice("for_information")]}>
        <Select mode="multiple" showSearch optionFilterProp="label" placeholder={t.choose} options={options} />
      </Form.Item>
      <fieldset style={{ border: 0, padding: 0, margin: "0 0 16px" }}>
        <legend style={{ fontSize: 15, marginBottom: 8 }}>{t.deadlineMode}</legend>
        <Form.Item name="mode" noStyle>
          <Radio.Group options={[{ value: "days", label: t.byDays }, { value: "date", label: t.byDate },
            { value: "none", label: t.none }]} />
        </Form.Item>
        {mode === "days" && (
          <Form.Item name="days" label={t.days} style={{ marginTop: 12, marginBottom: 0 }}
            rules={[{ required: true, type: "integer", min: 1, max: 365, message: t.daysRequired }]}>
            <InputNumber min={1} max={365} precision={0} style={{ width: 140 }} />
          </Form.Item>
        )}
        {gives && <Typography.Text data-testid="deadline-gives">{t.gives(formatDate(gives))}</Typography.Text>}
        {mode === "date" && (
          <Form.Item name="date" label={t.date} style={{ marginTop: 12, marginBottom: 0 }}
            rules={[{ required: true, message: t.dateRequired },
              { validator: async (_, v?: string) => { if (v && v < today) throw new Error(t.datePast); } }]}>
            <Input type="date" min={today} style={{ width: 180 }} />
          </Form.Item>
        )}
      </fieldset>
      <Form.Item name="instruction" label={t.instruction}>
        <Input.TextArea rows={3} maxLength={MAX_TEXT} showCount />
      </Form.Item>
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} />}
      <Space>
        <Button type="primary" htmlType="submit" loading={pending}>{t.button}</Button>
      </Space>
    </Form>
  );
}
