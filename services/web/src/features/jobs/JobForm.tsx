import { Alert, Button, Form, Input, InputNumber, Radio, Select, Typography } from "antd";
import type { components } from "../../api/schema";
import type { Case, PersonEntry, Unit } from "../../api/client";
import { formatDate } from "../../components/dates";
import { FieldSelect } from "../../components/FieldSelect";
import { partyOptions } from "../work/AssignForm";
import { addWorkingDays } from "../work/deadline";
import { work } from "../work/messages";
import { jobs } from "./messages";

export type JobBody = components["schemas"]["JobIn"];
export type ReassignBody = components["schemas"]["ReassignJobIn"];

const t = work.assign;
const MAX_TEXT = 2000;
const MAX_TITLE = 500;

interface Values {
  title?: string;
  description?: string;
  lead?: string;
  cooperating?: string[];
  for_information?: string[];
  mode: "days" | "date" | "none";
  days?: number | null;
  date?: string;
  comment?: string;
}

function party(value: string) {
  const [kind, ...rest] = value.split(":");
  return { kind: kind as "unit" | "person", id: rest.join(":") };
}

const key = (p: { kind: string; id: string }) => `${p.kind}:${p.id}`;

/**
 * Giao việc: the leader's (or a head's, within their unit; or a job's lead: a sub-job, ``parentId``) form for a job —
 * tên công việc, nội dung, one chủ trì, any phối hợp and để biết units or people (the pickers of giao xử lý), the hạn
 * xử lý in working days (the date it gives shown, weekends skipped; the server also skips holidays) or as a date, or
 * none. With ``current`` (a job) it is the giver's giao lại: the parties and deadline again, with a comment.
 * Checks what the workflow service would refuse (no title or lead, one party in two roles, a past date); the server
 * checks again (who may give to whom, depth). ``onSubmit`` gets the request body.
 */
export function JobForm({ current, parentId = "", units, people, today, pending, error, onSubmit }: {
  current?: Case;
  parentId?: string;
  units: Unit[];
  people: PersonEntry[];
  today: string;
  pending?: boolean;
  error?: string;
  onSubmit: (body: JobBody | ReassignBody) => void;
}) {
  const [form] = Form.useForm<Values>();
  const mode = Form.useWatch("mode", form) ?? "days";
  const days = Form.useWatch("days", form);
  const options = partyOptions(units, people);
  const initial: Values = {
    lead: current?.lead ? key(current.lead) : undefined,
    cooperating: current?.cooperating.map(key) ?? [],
    for_information: current?.for_information.map(key) ?? [],
    mode: "days",
    days: 5,
  };
  const noTwice = (field: "lead" | "cooperating" | "for_information") => ({
    validator: async () => {
      const v = form.getFieldsValue(["lead", "cooperating", "for_information"]) as Values;
      const all = [v.lead, ...(v.cooperating ?? []), ...(v.for_information ?? [])].filter(Boolean);
      const mine = field === "lead" ? [v.lead] : v[field] ?? [];
      if (mine.some((x) => x && all.filter((y) => y === x).length > 1)) throw new Error(t.twice);
    },
  });
  const clean = (s?: string) => (s ?? "").trim().normalize("NFC");
  const finish = (v: Values) => {
    const parties = {
      lead: party(v.lead ?? ""),
      cooperating: (v.cooperating ?? []).map(party),
      for_information: (v.for_information ?? []).map(party),
      deadline_days: v.mode === "days" ? v.days ?? undefined : undefined,
      deadline: v.mode === "date" ? v.date : undefined,
    };
    if (current) onSubmit({ version: current.version, comment: clean(v.comment), ...parties });
    else onSubmit({ title: clean(v.title), description: clean(v.description), parent_id: parentId, ...parties });
  };
  const gives = mode === "days" && typeof days === "number" ? addWorkingDays(today, days) : "";
  const submitLabel = current ? jobs.page.reassign : parentId ? jobs.giveSub : jobs.give;
  return (
    <Form form={form} layout="vertical" initialValues={initial} onFinish={finish} aria-label={submitLabel}>
      {!current && (
        <>
          <Form.Item name="title" label={jobs.form.title}
            rules={[{ required: true, whitespace: true, message: jobs.form.titleRequired }]}>
            <Input maxLength={MAX_TITLE} />
          </Form.Item>
          <Form.Item name="description" label={jobs.form.description}>
            <Input.TextArea rows={3} maxLength={MAX_TEXT} />
          </Form.Item>
        </>
      )}
      <Form.Item name="lead" label={t.lead} extra={parentId ? jobs.form.subHelp : t.leadHelp}
        dependencies={["cooperating", "for_information"]}
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
        {gives && <Typography.Text data-testid="job-deadline-gives">{t.gives(formatDate(gives))}</Typography.Text>}
        {mode === "date" && (
          <Form.Item name="date" label={t.date} style={{ marginTop: 12, marginBottom: 0 }}
            rules={[{ required: true, message: t.dateRequired },
              { validator: async (_, v?: string) => { if (v && v < today) throw new Error(t.datePast); } }]}>
            <Input type="date" min={today} style={{ width: 180 }} />
          </Form.Item>
        )}
      </fieldset>
      {current && (
        <Form.Item name="comment" label={jobs.form.comment}>
          <Input.TextArea rows={2} maxLength={MAX_TEXT} />
        </Form.Item>
      )}
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} />}
      <Button type="primary" htmlType="submit" loading={pending}>{submitLabel}</Button>
    </Form>
  );
}
