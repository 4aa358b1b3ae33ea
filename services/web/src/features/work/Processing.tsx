import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Card, Descriptions, Form, Input, Modal, Select, Skeleton, Space, Table, Tag, Timeline,
  Typography } from "antd";
import { useState } from "react";
import { ApiError, unwrap, type AssignBody, type Case, type Document, type Task } from "../../api/client";
import { useApi } from "../../api/ApiProvider";
import { useAuth } from "../../auth/AuthProvider";
import { DATE_CELL, formatDate, formatDateTime } from "../../components/dates";
import { foldFilter } from "../../components/fold";
import { AssignForm } from "./AssignForm";
import { vietnamToday } from "./deadline";
import { work } from "./messages";
import { CaseTasks, RecallDialog } from "./CaseTasks";
import { caseOf } from "./caseOf";
import { StepActor } from "./StepActor";
import { ResultFileLinks } from "./TaskActionsResultFiles";
import { informedClosedText } from "./taskCases";
import { useActingFor } from "./delegations";
import { leaders, personLabel, usePeopleBySubject } from "./people";
import { out } from "../outgoing/messages";
import { ReplyDocumentLink } from "../outgoing/Replies";
import { READABLE_OPTIONS } from "../../components/FieldSelect";

const MAX_TEXT = 2000;

/** A task's deadline with its colour: overdue in red, due soon in amber (ux.md). */
export function DeadlineTag({ task }: { task: Pick<Task, "deadline" | "deadline_state"> }) {
  if (!task.deadline) return <Typography.Text>{work.tree.noDeadline}</Typography.Text>;
  const color = task.deadline_state === "overdue" ? "#cf1322" : task.deadline_state === "due_soon" ? "#ad6800" : undefined;
  return (
    <Space size={4} wrap>
      <span className={DATE_CELL}>{formatDate(task.deadline)}</span>
      {task.deadline_state && <Tag color={color}>{work.deadlineState[task.deadline_state] ?? task.deadline_state}</Tag>}
    </Space>
  );
}

/** The steps that close a task by returning it (trả lại): the task is done, but not "Hoàn thành". */
const RETURNS = ["return", "return_draft", "return_unsigned"];

/** What a task's state says to its holder: a done task they returned (its ``outcome``) is "Đã trả lại"; a để biết
 * task left open on a finished case (``caseState``, else the task's own ``case_state``: completed, withdrawn) is "Đã
 * xong" (:func:`informedClosedText`). */
export function taskStateText(task: Pick<Task, "state"> & { outcome?: string; kind?: string; case_state?: string },
  caseState: string | undefined = task.case_state): string {
  const closed = informedClosedText({ kind: task.kind ?? "", state: task.state }, caseState);
  if (closed) return closed;
  if (task.state === "done" && RETURNS.includes(task.outcome ?? "")) return work.taskReturned;
  return work.taskState[task.state] ?? task.state;
}

function parties(list: Case["cooperating"]) {
  return list.length ? list.map((p) => p.name || p.id).join(", ") : "—";
}

/** The processing tree (lead, cooperating, for information; each task's assignee — a person by name, with the unit
 * that gave it —, state and deadline) and steps. */
export function ProcessingTree({ current }: { current: Case }) {
  const tasks = current.tasks.filter((task) => ["lead", "cooperating", "for_information"].includes(task.kind));
  const named = new Map([current.lead, ...current.cooperating, ...current.for_information]
    .filter((p): p is NonNullable<typeof p> => !!p).map((p) => [p.id, p.name || p.id]));
  const nameBySubject = usePeopleBySubject();
  // the lead's completion closes the case with its reply (văn bản trả lời), linked on that step
  const leadTask = [...current.steps].reverse().find((s) => s.action === "complete"
    && current.tasks.some((task) => task.id === s.task_id && task.kind === "lead"))?.task_id ?? "";
  // a person's task (given directly, or by the head inside the unit) names the person, with the unit it came from
  const who = (task: Task) => {
    const party = named.get(task.assignee);
    if (party) return party;
    const unit = named.get(task.unit_code);
    const person = task.assignee_kind === "person" ? nameBySubject(task.assignee) : "";
    if (person) return unit ? `${person} (${unit})` : person;
    return unit ? `${unit} — ${work.tree.delegated}` : task.assignee;
  };
  return (
    <Space direction="vertical" size="middle" style={{ width: "100%" }}>
      <Descriptions column={{ xs: 1, sm: 1, md: 2 }} size="small" bordered>
        <Descriptions.Item label={work.tree.state}>
          <span data-testid="case-state">{work.caseState[current.state] ?? current.state}</span>
        </Descriptions.Item>
        <Descriptions.Item label={work.tree.deadline}>{formatDate(current.deadline) || "—"}</Descriptions.Item>
        <Descriptions.Item label={work.tree.lead}>{current.lead ? current.lead.name || current.lead.id : "—"}</Descriptions.Item>
        <Descriptions.Item label={work.tree.cooperating}>{parties(current.cooperating)}</Descriptions.Item>
        <Descriptions.Item label={work.tree.forInformation}>{parties(current.for_information)}</Descriptions.Item>
        {!!current.instruction && <Descriptions.Item label={work.tree.instruction} span={2}>{current.instruction}</Descriptions.Item>}
        {!!current.result && <Descriptions.Item label={work.tree.result} span={2}>{current.result}</Descriptions.Item>}
        {current.result_file_ids.length > 0 && (
          <Descriptions.Item label={work.task.resultFiles} span={2}>
            <ResultFileLinks ids={current.result_file_ids} />
          </Descriptions.Item>
        )}
        {!!current.reply_document_id && (
          <Descriptions.Item label={out.reply.replyDocument} span={2}>
            <ReplyDocumentLink id={current.reply_document_id} />
          </Descriptions.Item>
        )}
      </Descriptions>
      {tasks.length > 0 && (
        <>
          <h3 style={{ fontSize: 16, margin: 0 }}>{work.tree.tasks}</h3>
          <div data-testid="processing-tasks">
          <Table size="small" rowKey="id" pagination={false} dataSource={tasks} scroll={{ x: true }}
            columns={[
              { title: work.home.columns.kind, dataIndex: "kind", render: (k: string) => work.kind[k] ?? k },
              { title: work.tree.who, key: "who", render: (_, task: Task) => who(task) },
              { title: work.home.columns.state, key: "state",
                render: (_, task: Task) => taskStateText(task, current.state) },
              { title: work.home.columns.deadline, key: "deadline", render: (_, task: Task) => <DeadlineTag
                task={informedClosedText(task, current.state) ? { ...task, deadline_state: "" } : task} /> },
            ]} />
          </div>
        </>
      )}
      <h3 style={{ fontSize: 16, margin: 0 }}>{work.tree.steps}</h3>
      <Timeline items={current.steps.map((s) => ({
        children: (
          <>
            <Typography.Text strong>{work.step[s.action] ?? s.action}</Typography.Text>
            {" — "}{formatDateTime(s.at)} · <StepActor step={s} />
            {s.comment && <div>{s.comment}</div>}
            {s.action === "complete" && s.task_id === leadTask && !!current.reply_document_id && (
              <div>{out.reply.replyDocument}: <ReplyDocumentLink id={current.reply_document_id} /></div>
            )}
          </>
        ),
      }))} />
    </Space>
  );
}

/**
 * Trình lãnh đạo: the clerk submits a registered arrival, choosing the leader (or all the agency's leaders). Only the
 * agency's leaders are offered, "Họ tên — Chức vụ"; the workflow refuses anyone else and its reason is shown.
 */
function SubmitToLeader({ doc }: { doc: Document }) {
  const api = useApi();
  const queries = useQueryClient();
  const { message } = App.useApp();
  const [open, setOpen] = useState(false);
  const [form] = Form.useForm<{ leader?: string; comment?: string }>();
  const people = useQuery({
    queryKey: ["people"],
    queryFn: async () => unwrap(await api.GET("/api/v1/people")),
    enabled: open,
    staleTime: 300_000,
  });
  const submit = useMutation({
    mutationFn: async (v: { leader?: string; comment?: string }) =>
      unwrap(await api.POST("/api/v1/workflow/incoming", { body: { document_id: doc.id, leader: v.leader || null,
        comment: (v.comment ?? "").trim().normalize("NFC") } })),
    onSuccess: async (created) => {
      queries.setQueryData(["case", doc.id], created);
      await queries.invalidateQueries({ queryKey: ["inbox"] });
      setOpen(false);
      void message.success(work.submit.done);
    },
  });
  return (
    <>
      <Button type="primary" onClick={() => setOpen(true)}>{work.submit.button}</Button>
      <Modal open={open} title={work.submit.title} okText={work.submit.button} cancelText="Hủy"
        confirmLoading={submit.isPending} onCancel={() => setOpen(false)}
        onOk={() => void form.validateFields().then((v) => submit.mutate(v), () => undefined)} destroyOnHidden>
        <Form form={form} layout="vertical" preserve={false} initialValues={{ leader: "" }}>
          <Form.Item name="leader" label={work.submit.leader}>
            <Select {...READABLE_OPTIONS} showSearch filterOption={foldFilter} loading={people.isLoading}
              options={[{ value: "", label: work.submit.anyLeader },
                ...leaders(people.data ?? []).map((p) => ({ value: p.subject, label: personLabel(p) }))]} />
          </Form.Item>
          <Form.Item name="comment" label={work.submit.comment}>
            <Input.TextArea rows={3} maxLength={MAX_TEXT} />
          </Form.Item>
          {submit.isError && <Alert type="error" showIcon message={submit.error.message} data-testid="submit-error" />}
        </Form>
      </Modal>
    </>
  );
}

const WORKING = ["assigned", "in_progress", "extension_requested"];

/** The leader's gestures on the case: giao xử lý (or again: the people offered leave the leader out), thu hồi,
 * decide an extension request. */
function LeaderActions({ current, onChanged }: { current: Case; onChanged: (c: Case) => Promise<void> }) {
  const api = useApi();
  const { person } = useAuth();
  const { message } = App.useApp();
  const [dialog, setDialog] = useState<"" | "assign" | "recall">("");
  const units = useQuery({ queryKey: ["units"], queryFn: async () => unwrap(await api.GET("/api/v1/units")),
    enabled: dialog === "assign", staleTime: 300_000 });
  const people = useQuery({ queryKey: ["people"], queryFn: async () => unwrap(await api.GET("/api/v1/people")),
    enabled: dialog === "assign", staleTime: 300_000 });
  const assign = useMutation({
    mutationFn: async (body: AssignBody) => unwrap(await api.POST("/api/v1/workflow/cases/{case_id}/assign",
      { params: { path: { case_id: current.id } }, body })),
    onSuccess: async (c) => { await onChanged(c); setDialog(""); void message.success(work.assign.done); },
  });
  const recall = useMutation({
    mutationFn: async (comment: string) => unwrap(await api.POST("/api/v1/workflow/cases/{case_id}/recall",
      { params: { path: { case_id: current.id } }, body: { version: current.version, comment } })),
    onSuccess: async (c) => { await onChanged(c); setDialog(""); void message.success(work.assign.recalled); },
  });
  const decide = useMutation({
    mutationFn: async (grant: boolean) => unwrap(await api.POST("/api/v1/workflow/cases/{case_id}/extension",
      { params: { path: { case_id: current.id } }, body: { version: current.version, grant, comment: "" } })),
    onSuccess: async (c) => { await onChanged(c); void message.success(work.assign.decided); },
  });
  const canAssign = ["submitted", "returned", ...WORKING].includes(current.state);
  const canRecall = [...WORKING, "returned"].includes(current.state);
  if (!canAssign && !canRecall) return null;
  return (
    <>
      <Space wrap>
        {canAssign && (
          <Button type="primary" onClick={() => setDialog("assign")}>
            {WORKING.includes(current.state) ? work.assign.reassign : work.assign.button}
          </Button>
        )}
        {current.state === "extension_requested" && (
          <>
            <Button onClick={() => decide.mutate(true)} loading={decide.isPending}>{work.assign.grant}</Button>
            <Button onClick={() => decide.mutate(false)} loading={decide.isPending}>{work.assign.refuse}</Button>
          </>
        )}
        {canRecall && <Button danger onClick={() => setDialog("recall")}>{work.assign.recall}</Button>}
      </Space>
      {decide.isError && <Alert type="error" showIcon message={decide.error.message} />}
      <Modal open={dialog === "assign"} title={work.assign.title} footer={null} onCancel={() => setDialog("")}
        destroyOnHidden width={640}>
        {units.isLoading || people.isLoading ? <Skeleton active /> : (
          <AssignForm current={current} units={units.data ?? []} today={vietnamToday()}
            people={(people.data ?? []).filter((p) => p.username !== person?.username)}
            pending={assign.isPending} error={assign.error?.message} onSubmit={(body) => assign.mutate(body)} />
        )}
      </Modal>
      <RecallDialog open={dialog === "recall"} title={work.assign.recallTitle} okText={work.assign.recall}
        label={work.assign.recallComment} pending={recall.isPending} error={recall.error?.message}
        onCancel={() => setDialog("")} onRecall={(comment) => recall.mutate(comment)} />
    </>
  );
}

/** The person's own open tasks on the case (from their inbox: the server says which are theirs), with actions. */
function MyTasks({ current, onChanged }: { current: Case; onChanged: (c: Case) => Promise<void> }) {
  const api = useApi();
  const inbox = useQuery({
    queryKey: ["inbox", "all"],
    queryFn: async () => unwrap(await api.GET("/api/v1/workflow/inbox", { params: { query: { bucket: "all", page_size: 200 } } })),
  });
  const mine = (inbox.data?.tasks ?? []).filter((task) => task.case_id === current.id
    && ["lead", "cooperating", "for_information"].includes(task.kind));
  return <CaseTasks current={current} mine={mine} onChanged={onChanged} />;
}

/**
 * A document's processing (xử lý): submit (clerk), assign/recall (leader, or a leader's deputy under a delegation in
 * force), the person's task, the tree and steps.
 */
export function Processing({ doc }: { doc: Document }) {
  const api = useApi();
  const queries = useQueryClient();
  const { person } = useAuth();
  const roles = person?.roles ?? [];
  // a leader's deputy under a delegation in force (ủy quyền) assigns and recalls in the leader's name
  const deputy = useActingFor(!roles.includes("leader") && doc.direction === "incoming")
    .some((d) => !d.unit_code);
  const query = useQuery({
    queryKey: ["case", doc.id],
    // an arrival not yet submitted has no case: asked so that none is null, not a 404 in the console
    queryFn: () => caseOf(api, doc.id),
    enabled: doc.direction === "incoming" && doc.status === "registered",
    retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
  });
  if (doc.direction !== "incoming" || doc.status !== "registered") return null;
  const changed = async (c: Case) => {
    queries.setQueryData(["case", doc.id], c);
    await queries.invalidateQueries({ queryKey: ["inbox"] });
    await queries.invalidateQueries({ queryKey: ["history", doc.id] });
  };
  const current = query.data;
  return (
    <Card title={<h2 style={{ fontSize: 18, margin: 0 }}>{work.tree.title}</h2>}>
      {query.isLoading ? <Skeleton active /> : query.isError ? (
        <Alert type="error" message={query.error.message} />
      ) : !current ? (
        <Space direction="vertical">
          <Typography.Text>{work.tree.none}</Typography.Text>
          {roles.includes("clerk") && <SubmitToLeader doc={doc} />}
        </Space>
      ) : (
        <Space direction="vertical" size="middle" style={{ width: "100%" }}>
          {(roles.includes("leader") || deputy) && <LeaderActions current={current} onChanged={changed} />}
          <MyTasks current={current} onChanged={changed} />
          <ProcessingTree current={current} />
        </Space>
      )}
    </Card>
  );
}
