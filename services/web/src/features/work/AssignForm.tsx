import { Alert, Button, Form, Input, Space } from "antd";
import type { AssignBody, Case, PersonEntry, Unit } from "../../api/client";
import { work } from "./messages";
import { deadlineValues, DeadlineFields, partiesBody, partyKey, PartyPickers, type PartyValues } from "./Parties";
import { handlers } from "./people";

const t = work.assign;
const MAX_TEXT = 2000;

interface Values extends PartyValues {
  instruction?: string;
}

/**
 * The leader's giao xử lý: one lead (chủ trì), cooperating (phối hợp) and for-information (để biết) units or people,
 * the deadline in working days (the date it gives shown, as the workflow service counts it) or as a date (giao lại:
 * the case's deadline kept, :func:`deadlineValues`), and the instruction (ý kiến chỉ đạo). Of
 * ``people`` only those who handle documents are offered (:func:`handlers`: no clerk, archivist or administrator). Checks
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
  const initial: Values = {
    lead: current.lead ? partyKey(current.lead) : undefined,
    cooperating: current.cooperating.map(partyKey),
    for_information: current.for_information.map(partyKey),
    ...deadlineValues(current),
    instruction: current.instruction,
  };
  const finish = (v: Values) => {
    const { deadline_days, deadline, ...parties } = partiesBody(v);
    const body: AssignBody = { version: current.version, ...parties,
      instruction: (v.instruction ?? "").trim().normalize("NFC") };
    if (deadline_days !== undefined) body.deadline_days = deadline_days;
    if (deadline !== undefined) body.deadline = deadline;
    onSubmit(body);
  };
  return (
    <Form form={form} layout="vertical" initialValues={initial} onFinish={finish} aria-label={t.title}>
      <PartyPickers units={units} people={handlers(people)} />
      <DeadlineFields today={today} givesTestId="deadline-gives" />
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
