import { Button, Form, Input, InputNumber, Modal, Space, Typography } from "antd";
import { useState } from "react";
import type { Member, Task } from "../../api/client";
import { FieldSelect } from "../../components/FieldSelect";
import { common } from "../../components/messages";
import { work } from "./messages";

const t = work.task;
const MAX_TEXT = 2000;

export type TaskAction = "delegate" | "progress" | "extension" | "return" | "complete";

/**
 * What the person may do with a task of theirs (one their inbox lists), by its kind and state — the workflow
 * service's table (services/workflow/.../domain/incoming.py): the lead (chủ trì) records progress, asks for more
 * time, returns or completes; a cooperating (phối hợp) or for-information (để biết) task is progressed or completed;
 * a unit's task is given by its head to a person of the unit. Closed tasks, and a lead task while an extension is
 * being decided (except progress), offer less. ``caseState``: the case's state.
 */
export function actionsFor(task: Task, caseState: string): TaskAction[] {
  if (task.state !== "open" && task.state !== "in_progress") return [];
  // a for-information task stays open when the case is completed: its holder still marks it read
  if (task.kind === "for_information" && caseState === "completed") return ["complete"];
  if (!["assigned", "in_progress", "extension_requested"].includes(caseState)) return [];
  const delegate: TaskAction[] = task.assignee_kind === "unit" ? ["delegate"] : [];
  if (task.kind === "lead") {
    if (caseState === "extension_requested") return [...delegate, "progress"];
    return [...delegate, "progress", "extension", "return", "complete"];
  }
  if (task.kind === "cooperating") return [...delegate, "progress", "complete"];
  if (task.kind === "for_information") return ["complete"];
  return [];
}

export interface ActionBody {
  comment?: string;
  reason?: string;
  result?: string;
  days?: number;
  subject?: string;
}

/** The buttons of one task and the dialog of each; ``onAction`` sends it (the caller adds the case's version). */
/**
 * The people a head may give the unit's task to: the others first, by position (phó trưởng đơn vị, chuyên viên,
 * nhân viên) then name, each named with their position; the head themself last, marked "(bạn)".
 */
export function memberOptions(members: Member[], me: string): { value: string; label: string }[] {
  const rank = (m: Member) => (m.username === me ? 9 : ["deputy", "officer", "staff", "head"].indexOf(m.position) + 1);
  return [...members]
    .sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name, "vi"))
    .map((m) => ({ value: m.subject, label: [m.name, common.positions[m.position] ? `— ${common.positions[m.position]}` : "",
      m.username === me ? common.you : ""].filter(Boolean).join(" ") }));
}

export function TaskActions({ task, caseState, members, me, pending, onAction }: {
  task: Task;
  caseState: string;
  members?: Member[];
  /** The signed-in person's username: named "(bạn)" and listed last among the members. */
  me?: string;
  pending?: boolean;
  onAction: (action: TaskAction, body: ActionBody) => Promise<unknown>;
}) {
  const [open, setOpen] = useState<TaskAction | "">("");
  const [form] = Form.useForm<ActionBody>();
  const actions = actionsFor(task, caseState);
  if (!actions.length) return null;
  const label = (a: TaskAction) =>
    a === "complete" && task.kind === "for_information" ? t.read : t[a];
  const required = [{ required: true, whitespace: true, message: t.textRequired }];
  const submit = () =>
    form.validateFields().then(async (v) => {
      const clean = (s?: string) => (s ?? "").trim().normalize("NFC");
      const body: ActionBody =
        open === "progress" ? { comment: clean(v.comment) }
          : open === "extension" ? { days: v.days, reason: clean(v.reason) }
            : open === "return" ? { reason: clean(v.reason) }
              : open === "delegate" ? { subject: v.subject, comment: clean(v.comment) }
                : { result: clean(v.result) };
      await onAction(open as TaskAction, body);
      setOpen("");
    }, () => undefined);
  return (
    <>
      <Typography.Text strong>{t.yourTask(work.kind[task.kind] ?? task.kind)}</Typography.Text>
      <Space wrap style={{ display: "flex", marginTop: 8 }}>
        {actions.map((a) => (
          <Button key={a} type={a === "complete" ? "primary" : "default"} danger={a === "return"}
            onClick={() => { form.resetFields(); setOpen(a); }}>
            {label(a)}
          </Button>
        ))}
      </Space>
      <Modal open={open !== ""} title={open ? label(open) : ""} okText={open ? label(open) : ""} cancelText="Hủy"
        confirmLoading={pending} onCancel={() => setOpen("")} onOk={() => void submit()} destroyOnHidden>
        <Form form={form} layout="vertical" preserve={false} initialValues={{ days: 5 }}>
          {open === "progress" && (
            <Form.Item name="comment" label={t.progressComment} rules={required}>
              <Input.TextArea rows={3} maxLength={MAX_TEXT} />
            </Form.Item>
          )}
          {open === "extension" && (
            <>
              <Form.Item name="days" label={t.extensionDays}
                rules={[{ required: true, type: "integer", min: 1, max: 365, message: t.daysRequired }]}>
                <InputNumber min={1} max={365} precision={0} />
              </Form.Item>
              <Form.Item name="reason" label={t.extensionReason} rules={required}>
                <Input.TextArea rows={3} maxLength={MAX_TEXT} />
              </Form.Item>
            </>
          )}
          {open === "return" && (
            <Form.Item name="reason" label={t.returnReason} rules={required}>
              <Input.TextArea rows={3} maxLength={MAX_TEXT} />
            </Form.Item>
          )}
          {open === "complete" && task.kind !== "for_information" && (
            <Form.Item name="result" label={t.completeResult} rules={task.kind === "lead" ? required : []}>
              <Input.TextArea rows={3} maxLength={MAX_TEXT} />
            </Form.Item>
          )}
          {open === "delegate" && (
            <>
              <Form.Item name="subject" label={t.delegateTo} rules={[{ required: true, message: t.chooseMember }]}>
                <FieldSelect showSearch optionFilterProp="label"
                  options={memberOptions(members ?? [], me ?? "")} />
              </Form.Item>
              <Form.Item name="comment" label={t.delegateComment}>
                <Input.TextArea rows={2} maxLength={MAX_TEXT} />
              </Form.Item>
            </>
          )}
        </Form>
      </Modal>
    </>
  );
}
