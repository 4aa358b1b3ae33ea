import { Alert, Button, Form, Input, InputNumber, Modal, Progress, Radio, Space, Typography, Upload } from "antd";
import type { UploadFile, UploadProps } from "antd";
import { useState } from "react";
import type { Member, Task } from "../../api/client";
import { DateField, dateRule, isInvalidDate } from "../../components/DateField";
import { formatDate } from "../../components/dates";
import { FieldSelect } from "../../components/FieldSelect";
import { foldFilter } from "../../components/fold";
import { common } from "../../components/messages";
import { useServerDeadline, vietnamToday, wholeDaysRules } from "./deadline";
import { useUploader, type StoredObject, type Uploader } from "../outgoing/upload";
import { ComposeReplyButton, ReplyField } from "./TaskActionsReply";
import { work } from "./messages";

const t = work.task;
type RequestOptions = Parameters<NonNullable<UploadProps<StoredObject>["customRequest"]>>[0];
const MAX_TEXT = 2000;

export type TaskAction = "delegate" | "progress" | "extension" | "return" | "complete";

/** The kinds of task a person works on (a leader's own, direct and extension, go through the case). */
const WORKED = ["lead", "cooperating", "for_information"];

/**
 * What the person may do with a task, by its kind and state — the workflow service's table
 * (services/workflow/.../domain/incoming.py): the lead (chủ trì) records progress, asks for more time, returns or
 * completes; a cooperating (phối hợp) or for-information (để biết) task is progressed or completed (for-information:
 * marked read). Giao trong đơn vị: the head of the task's unit gives a unit's task to a person of the unit, and gives
 * again (giao lại) one a person of the unit already holds (its ``unit_code``) — the workflow allows it while the case
 * is being processed (``head``: the person heads the task's unit; ``holder``: the task is in their inbox — false for
 * a task a head gave to someone else, which then offers giao lại only). Closed tasks offer nothing; a lead task while
 * an extension is being decided offers all but another request (the lead may finish or give it back meanwhile: the
 * request is then moot). ``caseState``: the case's state.
 */
export function actionsFor(task: Task, caseState: string,
  { holder = true, head = false }: { holder?: boolean; head?: boolean } = {}): TaskAction[] {
  if (task.state !== "open" && task.state !== "in_progress") return [];
  // a for-information task stays open when the case is completed: its holder still marks it read
  if (task.kind === "for_information" && caseState === "completed") return holder ? ["complete"] : [];
  if (!["assigned", "in_progress", "extension_requested"].includes(caseState) || !WORKED.includes(task.kind)) return [];
  const delegate: TaskAction[] = task.assignee_kind === "unit" || (head && !!task.unit_code) ? ["delegate"] : [];
  if (!holder) return delegate;
  if (task.kind === "lead") {
    if (caseState === "extension_requested") return [...delegate, "progress", "return", "complete"];
    return [...delegate, "progress", "extension", "return", "complete"];
  }
  if (task.kind === "cooperating") return [...delegate, "progress", "complete"];
  return [...delegate, "complete"];
}

export interface ActionBody {
  comment?: string;
  reason?: string;
  result?: string;
  /** Hoàn thành: the person's reply (văn bản trả lời) to the arrival, "" for none. */
  reply_document_id?: string;
  /** Hoàn thành (the lead): the files of the result (báo cáo kết quả) the person uploaded, by id. */
  result_file_ids?: string[];
  days?: number;
  /** Xin gia hạn: the new deadline as a date (YYYY-MM-DD), instead of ``days``. */
  deadline?: string;
  /** Xin gia hạn's dialog: the new deadline in working days more, or as a date (never sent). */
  mode?: "days" | "date";
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

/**
 * The new deadline a request for more time (xin gia hạn) asks for: Thêm ngày làm việc — whole days 1–365, counted
 * from the current deadline ``from`` (empty: from today), the date they give shown as the workflow service counts it
 * (:func:`useServerDeadline` with ``start``: weekends, Tết and the other holidays skipped) — or a Ngày cụ thể not
 * before ``today``, warned about when it is a day off (as giao xử lý warns). A decimal comma is read as one ("1,5" is
 * 1.5, refused with a message) — never dropped as a thousands separator, which made "1,5" 15 days.
 */
function ExtensionFields({ from, today }: { from: string; today: string }) {
  const form = Form.useFormInstance<ActionBody>();
  const mode = (Form.useWatch("mode", form) as ActionBody["mode"]) ?? "days";
  const days = Form.useWatch("days", form) as number | null | undefined;
  const date = Form.useWatch("deadline", form) as string | undefined;
  const server = useServerDeadline({ mode, days, date: isInvalidDate(date ?? "") ? "" : date, today,
    start: from || undefined });
  const asked = server.fetchStatus !== "idle" || server.data !== undefined;
  const gives = mode === "days" && typeof days === "number" ? server.data?.deadline ?? "" : "";
  const dayOff = mode === "date" && date && server.data?.deadline === date ? server.data.day_off : "";
  return (
    <fieldset style={{ border: 0, padding: 0, margin: "0 0 16px" }}>
      <legend style={{ fontSize: 15, marginBottom: 8 }}>{t.extensionMode}</legend>
      <Form.Item name="mode" noStyle>
        <Radio.Group options={[{ value: "days", label: t.extensionByDays }, { value: "date", label: t.extensionByDate }]} />
      </Form.Item>
      {mode === "days" && (
        <Form.Item name="days" label={t.extensionDays} style={{ marginTop: 12, marginBottom: 0 }}
          rules={wholeDaysRules(t.daysRequired, t.daysWhole)}>
          <InputNumber min={1} max={365} decimalSeparator="," inputMode="numeric" style={{ width: 140 }} />
        </Form.Item>
      )}
      {mode === "days" && asked && (
        <Typography.Paragraph data-testid="extension-gives" style={{ margin: "8px 0 0" }}>
          {gives ? t.extensionGives(formatDate(gives)) : work.assign.counting}
        </Typography.Paragraph>
      )}
      {mode === "date" && (
        <Form.Item name="deadline" label={t.extensionDate} style={{ marginTop: 12, marginBottom: 0 }}
          rules={[{ required: true, message: t.extensionDateRequired }, dateRule,
            { validator: async (_, v?: string) => {
              if (v && !isInvalidDate(v) && v < today) throw new Error(work.assign.datePast);
            } }]}>
          <DateField />
        </Form.Item>
      )}
      {dayOff && (
        <Alert type="warning" showIcon role="status" style={{ marginTop: 8 }} data-testid="extension-day-off"
          message={t.extensionDayOff(formatDate(date ?? ""), dayOff)} />
      )}
    </fieldset>
  );
}

/** The types a result file may have (the workflow's: PDF, DOCX, XLSX) and the gateway's upload limit. */
const RESULT_ACCEPT = ".pdf,.docx,.xlsx,application/pdf,application/vnd.openxmlformats-officedocument.wordprocessingml.document,"
  + "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const MAX_RESULT_MB = 200;
const MAX_RESULT_FILES = 20;

function resultFileList(event: { fileList: UploadFile<StoredObject>[] } | UploadFile<StoredObject>[]) {
  return Array.isArray(event) ? event : event.fileList;
}

/**
 * Tệp báo cáo kết quả: files dropped or chosen, each uploaded at once with its progress bar (the draft form's
 * uploader, ``POST /api/v1/files``); the dialog is not sent while one is uploading or after one failed (the server's
 * reason shown). ``uploader``: tests give one; otherwise the signed-in person's.
 */
function ResultFilesField({ uploader }: { uploader?: Uploader }) {
  const own = useUploader();
  const upload = uploader ?? own;
  const form = Form.useFormInstance<ActionBody & { files?: UploadFile<StoredObject>[] }>();
  const request = (options: RequestOptions) => {
    upload(options.file as File, (percent) => options.onProgress?.({ percent }))
      .then((object) => options.onSuccess?.(object))
      .catch((e: Error) => options.onError?.(e));
  };
  const progress = (file: UploadFile) =>
    file.status === "uploading" ? <Progress percent={Math.round(file.percent ?? 0)} size="small" aria-label={file.name} /> : null;
  return (
    <Form.Item name="files" label={t.resultFiles} valuePropName="fileList" getValueFromEvent={resultFileList}
      extra={t.resultFilesHelp(MAX_RESULT_MB)}
      rules={[{ validator: async (_: unknown, v: UploadFile<StoredObject>[] | undefined) => {
        if ((v ?? []).some((f) => f.status === "uploading")) throw new Error(t.resultUploading);
        const failed = (v ?? []).find((f) => f.status === "error");
        if (failed) throw new Error(t.resultUploadFailed(failed.name, failed.error instanceof Error ? failed.error.message : ""));
      } }]}>
      <Upload.Dragger multiple accept={RESULT_ACCEPT} maxCount={MAX_RESULT_FILES} customRequest={request}
        itemRender={(node, file) => <>{node}{progress(file)}</>}
        beforeUpload={(file) => {
          if (file.size > MAX_RESULT_MB * 1024 * 1024) {
            form.setFields([{ name: "files", errors: [t.resultTooLarge(file.name, MAX_RESULT_MB)] }]);
            return Upload.LIST_IGNORE;
          }
          return true;
        }}>
        <p style={{ margin: 0 }}>{t.resultDrop}</p>
      </Upload.Dragger>
    </Form.Item>
  );
}

export function TaskActions({ task, caseState, members, me, pending, onAction, today, holder = true, head = false,
  replyTo = "", uploader }: {
  task: Task;
  /** Uploads the result files (tests give one; otherwise the signed-in person's, as the draft form's). */
  uploader?: Uploader;
  caseState: string;
  /** The arrival the case processes (its lead drafts the reply — soạn văn bản trả lời — and links it on completing);
   * "" for a job. */
  replyTo?: string;
  /** The task is in the person's inbox (false: a head sees a task of their unit they gave to someone). */
  holder?: boolean;
  /** The person heads the task's unit (giao lại a task a person of the unit holds). */
  head?: boolean;
  /** Today in Vietnam (YYYY-MM-DD; tests give one): a request for more time counts from it when the task has no
   * deadline. */
  today?: string;
  /** The members of the task's unit (giao trong đơn vị); undefined while they are fetched (the picker says so). */
  members?: Member[];
  /** The signed-in person's username: named "(bạn)" and listed last among the members. */
  me?: string;
  pending?: boolean;
  onAction: (action: TaskAction, body: ActionBody) => Promise<unknown>;
}) {
  const [open, setOpen] = useState<TaskAction | "">("");
  const [form] = Form.useForm<ActionBody & { files?: UploadFile<StoredObject>[] }>();
  const actions = actionsFor(task, caseState, { holder, head });
  if (!actions.length) {
    // the lead who completed an arrival's task still drafts a reply to it: its holder keeps seeing the arrival
    // (the workflow's audience keeps a finished task's holder), which is all the registry asks of a reply
    if (!!replyTo && holder && task.kind === "lead" && task.state === "completed") {
      return (
        <>
          <Typography.Text strong>{t.yourDoneTask(work.kind[task.kind] ?? task.kind)}</Typography.Text>
          <Space wrap style={{ display: "flex", marginTop: 8 }}><ComposeReplyButton documentId={replyTo} /></Space>
        </>
      );
    }
    return null;
  }
  // the lead of an arrival answers it: drafts the reply, then links it when completing
  const replies = !!replyTo && task.kind === "lead" && actions.includes("complete");
  const label = (a: TaskAction) =>
    a === "complete" && task.kind === "for_information" ? t.read
      : a === "delegate" && task.assignee_kind === "person" ? t.redelegate : t[a];
  const required = [{ required: true, whitespace: true, message: t.textRequired }];
  const submit = () =>
    form.validateFields().then(async (v) => {
      const clean = (s?: string) => (s ?? "").trim().normalize("NFC");
      // the lead's result files (báo cáo kết quả), uploaded: the stored objects' ids
      const resultFiles = (v.files ?? []).filter((f) => f.status === "done" && f.response?.object_id)
        .map((f) => f.response?.object_id ?? "");
      const body: ActionBody =
        open === "progress" ? { comment: clean(v.comment) }
          : open === "extension" ? (v.mode === "date" ? { deadline: v.deadline, reason: clean(v.reason) }
            : { days: v.days, reason: clean(v.reason) })
            : open === "return" ? { reason: clean(v.reason) }
              : open === "delegate" ? { subject: v.subject, comment: clean(v.comment) }
                : { result: clean(v.result), ...(replies ? { reply_document_id: v.reply_document_id ?? "" } : {}),
                  ...(resultFiles.length ? { result_file_ids: resultFiles } : {}) };
      await onAction(open as TaskAction, body);
      setOpen("");
    }, () => undefined);
  return (
    <>
      <Typography.Text strong>
        {(holder ? t.yourTask : t.unitTask)(work.kind[task.kind] ?? task.kind)}
      </Typography.Text>
      <Space wrap style={{ display: "flex", marginTop: 8 }}>
        {actions.map((a) => (
          <Button key={a} type={a === "complete" ? "primary" : "default"} danger={a === "return"}
            onClick={() => { form.resetFields(); setOpen(a); }}>
            {label(a)}
          </Button>
        ))}
        {replies && <ComposeReplyButton documentId={replyTo} />}
      </Space>
      <Modal open={open !== ""} title={open ? label(open) : ""} okText={open ? label(open) : ""} cancelText="Hủy"
        confirmLoading={pending} onCancel={() => setOpen("")} onOk={() => void submit()} destroyOnHidden>
        <Form form={form} layout="vertical" preserve={false} initialValues={{ days: 5, mode: "days" }}>
          {open === "progress" && (
            <Form.Item name="comment" label={t.progressComment} rules={required}>
              <Input.TextArea rows={3} maxLength={MAX_TEXT} />
            </Form.Item>
          )}
          {open === "extension" && (
            <>
              <ExtensionFields from={task.deadline} today={today || vietnamToday()} />
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
          {open === "complete" && task.kind === "lead" && <ResultFilesField uploader={uploader} />}
          {open === "complete" && replies && <ReplyField documentId={replyTo} />}
          {open === "delegate" && (
            <>
              <Form.Item name="subject" label={t.delegateTo} rules={[{ required: true, message: t.chooseMember }]}>
                <FieldSelect showSearch filterOption={foldFilter} loading={members === undefined}
                  notFoundContent={members === undefined ? t.membersLoading : undefined}
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
