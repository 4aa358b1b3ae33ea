import { Alert, Button, Form, Input } from "antd";
import type { components } from "../../api/schema";
import type { Case, PersonEntry, Unit } from "../../api/client";
import { deadlineValues, DeadlineFields, partiesBody, partyKey, PartyPickers, type PartyValues } from "../work/Parties";
import { jobs } from "./messages";

export type JobBody = components["schemas"]["JobIn"];
export type ReassignBody = components["schemas"]["ReassignJobIn"];

const MAX_TEXT = 2000;
const MAX_TITLE = 500;

interface Values extends PartyValues {
  title?: string;
  description?: string;
  comment?: string;
}

/**
 * Giao việc: the leader's (or a head's, within their unit; or a job's lead: a sub-job, ``parentId``) form for a job —
 * tên công việc, nội dung, one chủ trì, any phối hợp and để biết units or people (the pickers of giao xử lý), the hạn
 * xử lý in working days (the date it gives shown as the workflow service counts it: weekends and holidays skipped) or
 * as a date, or none. With ``current`` (a job) it is the giver's giao lại: the parties again and the deadline kept
 * (:func:`deadlineValues`), with a comment.
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
  const initial: Values = {
    lead: current?.lead ? partyKey(current.lead) : undefined,
    cooperating: current?.cooperating.map(partyKey) ?? [],
    for_information: current?.for_information.map(partyKey) ?? [],
    ...deadlineValues(current),
  };
  const clean = (s?: string) => (s ?? "").trim().normalize("NFC");
  const finish = (v: Values) => {
    const parties = partiesBody(v);
    if (current) onSubmit({ version: current.version, comment: clean(v.comment), ...parties });
    else onSubmit({ title: clean(v.title), description: clean(v.description), parent_id: parentId, ...parties });
  };
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
      <PartyPickers units={units} people={people} leadHelp={parentId ? jobs.form.subHelp : undefined} />
      <DeadlineFields today={today} givesTestId="job-deadline-gives" />
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
