import { useMutation, useQueries } from "@tanstack/react-query";
import { Alert, App, Form, Input, Modal, Space } from "antd";
import { unwrap, type Case, type Task } from "../../api/client";
import { useApi } from "../../api/ApiProvider";
import { work } from "./messages";
import { TaskActions, type ActionBody, type TaskAction } from "./TaskActions";
import { useAuth } from "../../auth/AuthProvider";
import { useActingFor } from "./delegations";

const MAX_TEXT = 2000;

/** A task still to do. */
const isOpen = (task: Task) => task.state === "open" || task.state === "in_progress";

/**
 * The person's own tasks on a case (``mine``: from their inbox, the server says which are theirs) with the gestures
 * of giao xử lý's tasks — tiến độ, hoàn thành, trả lại, xin gia hạn, giao trong đơn vị (to the members of the unit
 * a unit's task names) — on an arrival's processing and on a job alike; and, for a head, the tasks of their unit
 * they gave to a person of it (the case's tasks held by a person through the unit), which they may give again (giao
 * lại: the workflow allows the unit's head to). Who heads a unit: the unit's members (position "head"). The head's
 * deputy under a delegation of the unit in force (ủy quyền, the workflow's Actor.head_or_deputy) gives them again too;
 * the step then names the head they act for (StepActor). ``onChanged`` gets the case as the workflow returns it.
 */
export function CaseTasks({ current, mine, onChanged }: {
  current: Case;
  mine: Task[];
  onChanged: (c: Case) => Promise<void>;
}) {
  const api = useApi();
  const { message } = App.useApp();
  const { person } = useAuth();
  const held = new Set(mine.map((task) => task.id));
  const byPeople = (current.tasks ?? []).filter((task) => !held.has(task.id) && task.assignee_kind === "person"
    && !!task.unit_code && isOpen(task) && ["lead", "cooperating", "for_information"].includes(task.kind));
  // the units whose heads delegated their tasks to this person (asked only when a unit's task is held by a person)
  const deputyFor = new Set(useActingFor(byPeople.length > 0).map((d) => d.unit_code).filter(Boolean));
  const heads = !!person?.roles.includes("head");
  const given = byPeople.filter((task) => heads || deputyFor.has(task.unit_code));
  const unitOf = (task: Task) => (task.assignee_kind === "unit" ? task.assignee : task.unit_code);
  const codes = [...new Set([...mine.filter((task) => task.assignee_kind === "unit" || heads), ...given]
    .map(unitOf).filter(Boolean))];
  const members = useQueries({
    queries: codes.map((code) => ({
      queryKey: ["members", code],
      queryFn: async () => unwrap(await api.GET("/api/v1/units/{code}/members", { params: { path: { code } } })),
      staleTime: 300_000,
    })),
  });
  const membersOf = (task: Task) => members[codes.indexOf(unitOf(task))]?.data;
  const headOf = (task: Task) => deputyFor.has(unitOf(task)) || (heads && !!membersOf(task)?.some(
    (m) => m.username === person?.username && m.position === "head"));
  const act = useMutation({
    mutationFn: async ({ task, action, body }: { task: Task; action: TaskAction; body: ActionBody }) => {
      const path = { params: { path: { task_id: task.id } } };
      const version = current.version;
      switch (action) {
        case "delegate":
          return unwrap(await api.POST("/api/v1/workflow/tasks/{task_id}/delegate",
            { ...path, body: { version, subject: body.subject ?? "", comment: body.comment ?? "" } }));
        case "progress":
          return unwrap(await api.POST("/api/v1/workflow/tasks/{task_id}/progress",
            { ...path, body: { version, comment: body.comment ?? "" } }));
        case "extension":
          return unwrap(await api.POST("/api/v1/workflow/tasks/{task_id}/extension",
            { ...path, body: { version, days: body.days, deadline: body.deadline, reason: body.reason ?? "" } }));
        case "return":
          return unwrap(await api.POST("/api/v1/workflow/tasks/{task_id}/return",
            { ...path, body: { version, reason: body.reason ?? "" } }));
        default:
          return unwrap(await api.POST("/api/v1/workflow/tasks/{task_id}/complete",
            { ...path, body: { version, result: body.result ?? "", reply_document_id: body.reply_document_id ?? "",
              result_file_ids: body.result_file_ids ?? [] } }));
      }
    },
    onSuccess: async (c) => { await onChanged(c); void message.success(work.task.done); },
  });
  const regivable = given.filter(headOf);
  if (!mine.length && !regivable.length) return null;
  return (
    <Space direction="vertical" style={{ width: "100%" }}>
      {[...mine, ...regivable].map((task) => (
        <div key={task.id}>
          <TaskActions task={task} caseState={current.state} members={membersOf(task)} me={person?.username}
            pending={act.isPending} holder={held.has(task.id)} head={headOf(task)}
            replyTo={current.kind === "incoming" ? current.document_id : ""}
            onAction={(action, body) => act.mutateAsync({ task, action, body })} />
        </div>
      ))}
      {act.isError && <Alert type="error" showIcon message={act.error.message} />}
    </Space>
  );
}

/**
 * Thu hồi: the giver takes a case back (an arrival's assignment, a job), with an optional comment (NFC, at most 2000
 * characters); ``onRecall`` gets the comment. ``title``, ``okText``, ``label``: the dialog's words.
 */
export function RecallDialog({ open, title, okText, label, pending, error, onCancel, onRecall }: {
  open: boolean;
  title: string;
  okText: string;
  label: string;
  pending: boolean;
  error?: string;
  onCancel: () => void;
  onRecall: (comment: string) => void;
}) {
  const [form] = Form.useForm<{ comment?: string }>();
  return (
    <Modal open={open} title={title} okText={okText} cancelText="Hủy" okButtonProps={{ danger: true }}
      confirmLoading={pending} onCancel={onCancel} destroyOnHidden
      onOk={() => void form.validateFields().then((v) => onRecall((v.comment ?? "").trim().normalize("NFC")),
        () => undefined)}>
      <Form form={form} layout="vertical" preserve={false}>
        <Form.Item name="comment" label={label}>
          <Input.TextArea rows={2} maxLength={MAX_TEXT} />
        </Form.Item>
        {error && <Alert type="error" showIcon message={error} />}
      </Form>
    </Modal>
  );
}
