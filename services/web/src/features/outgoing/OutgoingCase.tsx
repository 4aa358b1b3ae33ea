import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Card, Descriptions, Form, Input, Modal, Select, Skeleton, Space, Timeline,
  Typography } from "antd";
import { useState } from "react";
import { useNavigate } from "react-router-dom";
import { ApiError, unwrap, type Case, type Document, type Task } from "../../api/client";
import { useApi } from "../../api/ApiProvider";
import { useAuth } from "../../auth/AuthProvider";
import { formatDateTime } from "../../components/dates";
import { common } from "../../components/messages";
import { out } from "./messages";
import { SignDialog, type TwoStep } from "../signing/SignDialog";
import { IssueDialog } from "./IssueDialog";
import { StepActor } from "../work/StepActor";
import { work } from "../work/messages";
import { READABLE_OPTIONS } from "../../components/FieldSelect";
import { caseOf } from "../work/caseOf";

const MAX_TEXT = 2000;
const OUT_KINDS = ["review", "consult", "draft", "sign", "issue"] as const;
const isOutKind = (kind: string) => (OUT_KINDS as readonly string[]).includes(kind);

export type OutAction = "approve" | "return" | "edit" | "resend" | "submit" | "answer" | "sign" | "decline"
  | "issue";

/**
 * The gestures a person's open task on an outgoing case offers in the case's state (the workflow's transitions,
 * services/workflow domain/outgoing.py): review in_review → duyệt or trả lại; the drafter's task → sửa and gửi lại
 * once returned, trình ký once approved; consult → cho ý kiến; sign → ký số or trả lại (không ký, with the reason);
 * issue → phát hành. The server checks
 * again: a button shown here is one the server would accept.
 */
export function outgoingActions(task: Pick<Task, "kind" | "state">, caseState: string): OutAction[] {
  if (!["open", "in_progress"].includes(task.state)) return [];
  switch (`${task.kind}/${caseState}`) {
    case "review/in_review":
      return ["approve", "return"];
    case "draft/returned":
      return ["edit", "resend"];
    case "draft/approved": // its file may still need replacing (trình ký refused it): changed, it goes back to review
      return ["submit", "edit"];
    case "consult/consulting":
      return ["answer"];
    case "sign/submitted":
      return ["sign", "decline"];
    case "issue/signed":
      return ["issue"];
    default:
      return [];
  }
}

interface DialogValues {
  comment?: string;
  consult?: string[];
  /** Ký số with a USB token: the prepared handle and the token's value. */
  twoStep?: TwoStep;
}

const DIALOGS: Partial<Record<OutAction, { title: string; ok: string; field: string; required?: string }>> = {
  approve: { title: out.actions.approveTitle, ok: out.actions.approve, field: out.actions.comment },
  return: { title: out.actions.returnTitle, ok: out.actions.return, field: out.actions.returnComment,
    required: out.actions.commentRequired },
  resend: { title: out.actions.resend, ok: out.actions.resend, field: out.actions.resendComment },
  submit: { title: out.actions.submit, ok: out.actions.submit, field: out.actions.submitComment },
  answer: { title: out.actions.answerTitle, ok: out.actions.answer, field: out.actions.opinion,
    required: out.actions.opinionRequired },
  decline: { title: out.actions.declineTitle, ok: out.actions.decline, field: out.actions.declineComment,
    required: out.actions.commentRequired },
};

/** One of the person's tasks on the case: its buttons, and the dialog of the one pressed. */
function TaskButtons({ task, current, doc, onAct, pending }: {
  task: Task;
  current: Case;
  doc: Document;
  onAct: (action: OutAction, values: DialogValues) => Promise<unknown>;
  pending: boolean;
}) {
  const api = useApi();
  const navigate = useNavigate();
  const [dialog, setDialog] = useState<OutAction | "">("");
  const [form] = Form.useForm<DialogValues>();
  const actions = outgoingActions(task, current.state);
  const units = useQuery({ queryKey: ["units"], queryFn: async () => unwrap(await api.GET("/api/v1/units")),
    enabled: dialog === "approve", staleTime: 300_000 });
  if (!actions.length) return null;
  const spec = dialog ? DIALOGS[dialog] : undefined;
  const press = (action: OutAction) => {
    if (action === "edit") navigate(`/van-ban-di/${doc.id}/sua`);
    else setDialog(action);
  };
  const label: Record<OutAction, string> = { approve: out.actions.approve, return: out.actions.return,
    edit: out.circuit.edit, resend: out.actions.resend, submit: out.actions.submit, answer: out.actions.answer,
    sign: out.actions.sign, decline: out.actions.decline, issue: out.actions.issue };
  return (
    <Space direction="vertical" style={{ width: "100%" }}>
      <Typography.Text strong>{out.circuit.yourTask(out.task(task.kind, current.state))}</Typography.Text>
      <Space wrap>
        {actions.map((action) => (
          <Button key={action} type={["approve", "resend", "submit", "sign", "issue", "answer"].includes(action)
            ? "primary" : "default"} danger={action === "return" || action === "decline"}
            loading={pending && action === "issue"}
            onClick={() => press(action)}>
            {label[action]}
          </Button>
        ))}
      </Space>
      <SignDialog doc={doc} caseId={current.id} caseVersion={current.version} open={dialog === "sign"} pending={pending} onCancel={() => setDialog("")}
        onSign={(twoStep) => onAct("sign", { twoStep }).then(() => setDialog(""))} />
      <IssueDialog doc={doc} open={dialog === "issue"} pending={pending} onCancel={() => setDialog("")}
        onIssue={() => void onAct("issue", {}).then(() => setDialog(""), () => setDialog(""))} />
      <Modal open={!!spec} title={spec?.title} okText={spec?.ok} cancelText="Hủy" confirmLoading={pending}
        okButtonProps={{ danger: dialog === "return" || dialog === "decline" }} onCancel={() => setDialog("")} destroyOnHidden
        onOk={() => void form.validateFields().then((v) => onAct(dialog as OutAction, v).then(() => setDialog("")),
          () => undefined).catch(() => undefined)}>
        <Form form={form} layout="vertical" preserve={false}>
          <Form.Item name="comment" label={spec?.field}
            rules={spec?.required ? [{ required: true, whitespace: true, message: spec.required }] : []}>
            <Input.TextArea rows={3} maxLength={MAX_TEXT} />
          </Form.Item>
          {dialog === "approve" && (
            <Form.Item name="consult" label={out.actions.consult}>
              <Select {...READABLE_OPTIONS} mode="multiple" showSearch optionFilterProp="label" loading={units.isLoading}
                options={(units.data ?? []).filter((u) => u.active && u.code !== current.unit_code)
                  // a unit without a head: nobody would receive the draft (the workflow refuses it), shown disabled
                  .map((u) => u.head_subject ? { value: u.code, label: u.name }
                    : { value: u.code, label: `${u.name} ${work.assign.noHead}`, disabled: true })} />
            </Form.Item>
          )}
        </Form>
      </Modal>
    </Space>
  );
}

/**
 * The circuit's steps as they apply to this case, in words: "Duyệt (Trưởng đơn vị) → Ký số (Lãnh đạo) → …". Lấy ý
 * kiến is a step only when the reviewer asks other units (the workflow's approve with ``consult``): it is named as it
 * is while the review may still ask it ("nếu người duyệt đề nghị"), as a step once a unit was consulted, and left out
 * once the draft was approved without consulting anyone.
 */
export function circuitSteps(current: Pick<Case, "circuit" | "state" | "tasks">): string {
  const consulted = current.state === "consulting" || (current.tasks ?? []).some((t) => t.kind === "consult");
  const mayAsk = current.state === "in_review" || current.state === "returned";
  return (current.circuit ?? []).flatMap((s) => {
    const name = `${out.circuitStep[s.step] ?? s.step} (${out.role[s.role] ?? s.role}`;
    if (s.step !== "consult" || consulted) return [`${name})`];
    return mayAsk ? [`${name}, ${out.circuit.ifAsked})`] : [];
  }).join(" → ");
}

/** The circuit's state, drafter, steps (duyệt → lấy ý kiến → ký số → phát hành) and what happened so far. */
export function CircuitView({ current }: { current: Case }) {
  return (
    <Space direction="vertical" size="middle" style={{ width: "100%" }}>
      <Descriptions column={{ xs: 1, sm: 1, md: 2 }} size="small" bordered>
        <Descriptions.Item label={out.circuit.state}>
          <span data-testid="outgoing-state">{out.caseState[current.state] ?? current.state}</span>
        </Descriptions.Item>
        <Descriptions.Item label={out.circuit.drafter}>{current.drafter_name || current.drafter}</Descriptions.Item>
        <Descriptions.Item label={out.circuit.circuit} span={2}>
          <span data-testid="circuit-steps">{circuitSteps(current)}</span>
        </Descriptions.Item>
      </Descriptions>
      <h3 style={{ fontSize: 16, margin: 0 }}>{out.circuit.steps}</h3>
      <Timeline items={current.steps.map((s) => ({
        children: (
          <>
            <Typography.Text strong>{out.step[s.action] ?? s.action}</Typography.Text>
            {" — "}{formatDateTime(s.at)} · <StepActor step={s} />
            {s.comment && <div>{s.comment}</div>}
          </>
        ),
      }))} />
    </Space>
  );
}

/**
 * An outgoing document's workflow case (quy trình văn bản đi), null before its circuit starts: one query for the
 * circuit and the page's status badge (``enabled`` false for an incoming document).
 */
export function useOutgoingCase(documentId: string, enabled: boolean) {
  const api = useApi();
  return useQuery({
    queryKey: ["outgoing-case", documentId], enabled,
    queryFn: () => caseOf(api, documentId),
    retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
  });
}

/**
 * What an outgoing document's status badge says: while the document is a draft or submitted, its circuit is further
 * along than that status (Chờ duyệt, Đã duyệt, chờ trình ký, Đã trình ký…), so the case's state; from signed on, the
 * document's own status (Đã cấp số, Đã phát hành, Đã thu hồi).
 */
export function outgoingStatus(doc: Pick<Document, "status">, current: Pick<Case, "state"> | null | undefined): string {
  if (current && ["draft", "submitted"].includes(doc.status) && out.caseState[current.state]) {
    return out.caseState[current.state] ?? "";
  }
  return common.status[doc.status] ?? doc.status;
}

/**
 * Quy trình văn bản đi on a document's page: before the circuit, the drafter's "Sửa dự thảo" and "Gửi duyệt"; then
 * the person's own open tasks on the case (from their inbox: the server says which are theirs) with the gestures
 * their kind offers in the case's state, and the circuit's steps.
 */
export function OutgoingCase({ doc }: { doc: Document }) {
  const api = useApi();
  const queries = useQueryClient();
  const navigate = useNavigate();
  const { message } = App.useApp();
  const { person } = useAuth();
  const caseQuery = useOutgoingCase(doc.id, true);
  const current = caseQuery.data;
  const inbox = useQuery({
    queryKey: ["inbox", "outgoing"],
    queryFn: async () => unwrap(await api.GET("/api/v1/workflow/inbox",
      { params: { query: { bucket: "todo", kind: [...OUT_KINDS], page_size: 200 } } })),
    enabled: !!current && current.state !== "issued",
  });
  const changed = async (c: Case) => {
    queries.setQueryData(["outgoing-case", doc.id], c);
    await Promise.all([
      queries.invalidateQueries({ queryKey: ["inbox"] }),
      queries.invalidateQueries({ queryKey: ["document", doc.id] }),
      queries.invalidateQueries({ queryKey: ["history", doc.id] }),
      queries.invalidateQueries({ queryKey: ["documents", "outgoing"] }),
    ]);
  };
  const start = useMutation({
    mutationFn: async () => unwrap(await api.POST("/api/v1/workflow/outgoing", {
      body: { document_id: doc.id, comment: "", unit_code: "" } })),
    onSuccess: async (c) => { await changed(c); void message.success(out.form.started); },
  });
  const act = useMutation({
    mutationFn: async ({ task, action, values }: { task: Task; action: OutAction; values: DialogValues }) => {
      if (!current) throw new Error("no case");
      const path = { params: { path: { case_id: current.id } } };
      const version = current.version;
      const comment = (values.comment ?? "").trim().normalize("NFC");
      switch (action) {
        case "approve":
        case "return":
          return unwrap(await api.POST("/api/v1/workflow/cases/{case_id}/review",
            { ...path, body: { version, approve: action === "approve", comment, consult: values.consult ?? [] } }));
        case "resend":
          return unwrap(await api.POST("/api/v1/workflow/cases/{case_id}/resend", { ...path, body: { version, comment } }));
        case "submit":
          return unwrap(await api.POST("/api/v1/workflow/cases/{case_id}/submit", { ...path, body: { version, comment } }));
        case "answer":
          return unwrap(await api.POST("/api/v1/workflow/tasks/{task_id}/answer",
            { params: { path: { task_id: task.id } }, body: { version, opinion: comment } }));
        case "sign":
          return unwrap(await api.POST("/api/v1/workflow/cases/{case_id}/sign",
            { ...path, body: { version, handle: values.twoStep?.handle ?? "",
              signature_value: values.twoStep?.signature_value ?? "" } }));
        case "decline":
          return unwrap(await api.POST("/api/v1/workflow/cases/{case_id}/return-unsigned",
            { ...path, body: { version, reason: comment } }));
        default:
          return unwrap(await api.POST("/api/v1/workflow/cases/{case_id}/issue",
            { ...path, body: { version, register_id: "" } }));
      }
    },
    onSuccess: async (c, { action }) => {
      await changed(c);
      void message.success(action === "sign" ? out.actions.signed : action === "issue" ? out.actions.issued : out.actions.done);
    },
  });
  const mine = current ? (inbox.data?.tasks ?? []).filter((t) => t.case_id === current.id && isOutKind(t.kind)) : [];
  const drafter = !!person && doc.created_by === person.username;
  // past its draft without a circuit (submitted, signed and issued by the registry's own calls): "Dự thảo chưa được
  // gửi duyệt" under an issued letter said what is not so; there is no circuit to show
  if (!caseQuery.isLoading && !caseQuery.isError && !current && doc.status !== "draft") return null;
  return (
    <Card title={<h2 style={{ fontSize: 18, margin: 0 }}>{out.circuit.title}</h2>}>
      {caseQuery.isLoading ? <Skeleton active /> : caseQuery.isError ? (
        <Alert type="error" showIcon message={caseQuery.error.message} />
      ) : !current ? (
        <Space direction="vertical">
          <Typography.Text>{out.circuit.notStarted}</Typography.Text>
          {drafter && doc.status === "draft" && (
            <Space wrap>
              <Button onClick={() => navigate(`/van-ban-di/${doc.id}/sua`)}>{out.circuit.edit}</Button>
              <Button type="primary" loading={start.isPending} onClick={() => start.mutate()}>{out.circuit.start}</Button>
            </Space>
          )}
          {start.isError && <Alert type="error" showIcon message={start.error.message} />}
        </Space>
      ) : (
        <Space direction="vertical" size="middle" style={{ width: "100%" }}>
          {mine.map((task) => (
            <TaskButtons key={task.id} task={task} current={current} doc={doc} pending={act.isPending}
              onAct={(action, values) => act.mutateAsync({ task, action, values })} />
          ))}
          {act.isError && <Alert type="error" showIcon message={act.error.message} />}
          <CircuitView current={current} />
        </Space>
      )}
    </Card>
  );
}
