import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  Alert, App, Button, Card, DatePicker, Descriptions, Form, Input, InputNumber, Modal, Radio, Result, Select, Skeleton, Space, Table,
  Tag, Timeline, Typography,
} from "antd";
import type { Dayjs } from "dayjs";
import { useState } from "react";
import { Link, useParams } from "react-router-dom";
import { ApiError, unwrap } from "../../api/client";
import { useApi } from "../../api/ApiProvider";
import { useAuth } from "../../auth/AuthProvider";
import { DATE_CELL, formatDate, formatDateTime } from "../../components/dates";
import { common } from "../../components/messages";
import { useDebounced, SEARCH_DELAY_MS } from "../outgoing/RecipientPicker";
import { fileNameOf } from "../registers/RegistersPage";
import { usePeopleNames } from "../work/people";
import { FileState } from "./FilesList";
import { rec } from "./messages";
import { RECORD_KEEPERS, type Plan, type PlanEntry, type RecordFile } from "./types";
import { READABLE_OPTIONS } from "../../components/FieldSelect";

const MAX_REASON = 500;
type FileDocument = RecordFile["documents"][number];
type Dialog = "" | "add" | "close" | "return" | "retain";
type Values = { documents?: string[]; document?: string; end_date?: Dayjs; description?: string; reason?: string;
  approval?: string; years?: number; pages?: Record<string, number> };
/** The states a file is exported from (an open one is still being filled). */
const EXPORTABLE = ["closed", "submitted", "returned", "retained", "deposited"];

/** The documents the person may put in a file (issued outgoing, registered incoming), found by typing. */
function DocumentPicker({ value, onChange, id }: { value?: string[]; onChange?: (v: string[]) => void; id?: string }) {
  const api = useApi();
  const [typed, setTyped] = useState("");
  const q = useDebounced(typed.trim(), SEARCH_DELAY_MS);
  const found = useQuery({
    queryKey: ["documents", "for-file", q],
    queryFn: async () => unwrap(await api.GET("/api/v1/documents", { params: { query: { q: q || null, page_size: 30 } } })),
    staleTime: 30_000,
  });
  const options = (found.data?.items ?? []).filter((d) => d.status === "issued" || d.status === "registered")
    .map((d) => ({ value: d.id, label: `${d.number_symbol ? `${d.number_symbol} — ` : ""}${d.abstract}` }));
  return (
    <Select {...READABLE_OPTIONS} id={id} mode="multiple" value={value} onChange={onChange} showSearch filterOption={false}
      onSearch={setTyped} loading={found.isLoading} options={options}
      notFoundContent={found.isLoading ? null : <span style={{ color: "#595959", whiteSpace: "normal" }}>{rec.file.addNone}</span>} />
  );
}

/** A history comment with the ids of the file's documents (thêm văn bản, bỏ văn bản) replaced by their số, ký hiệu
 *  (or mã văn bản); an id of a document no longer in the file stays as it is. */
export function withCodes(comment: string, documents: FileDocument[]): string {
  const codes = new Map(documents.map((d) => [d.document_id,
    [d.code_number, d.code_notation].filter(Boolean).join("/") || d.document_code]));
  return comment.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, (id) => codes.get(id) ?? id);
}

/** The entry of ``plan`` with ``id``, under a heading or a sub-heading. */
export function entryOf(plan: Plan | undefined, id: string): PlanEntry | undefined {
  for (const h of plan?.headings ?? []) {
    const found = [...h.entries, ...h.subheadings.flatMap((s) => s.entries)].find((e) => e.id === id);
    if (found) return found;
  }
  return undefined;
}

/** The archivist's check of a deposit against the file plan: the entry's notation, title and retention beside the
 *  file's, each marked the same or different (in words). */
function PlanCheck({ file }: { file: RecordFile }) {
  const api = useApi();
  const plan = useQuery({
    queryKey: ["records", "plan", file.plan_id],
    queryFn: async () => unwrap(await api.GET("/api/v1/records/plans/{plan_id}",
      { params: { path: { plan_id: file.plan_id } } })),
    enabled: !!file.plan_id,
  });
  const title = <h2 style={{ fontSize: 18, margin: 0 }}>{rec.file.plan}</h2>;
  if (!file.plan_entry_id) return <Card title={title}><Typography.Text>{rec.file.outsidePlan}</Typography.Text></Card>;
  if (plan.isError) return <Card title={title}><Alert type="error" showIcon message={plan.error.message} /></Card>;
  const entry = entryOf(plan.data, file.plan_entry_id);
  const rows = entry ? [
    { key: "notation", field: rec.file.planFields.notation, plan: entry.notation, file: file.notation },
    { key: "title", field: rec.file.planFields.title, plan: entry.title, file: file.title },
    { key: "retention", field: rec.file.planFields.retention, plan: rec.retention(entry.retention_years),
      file: rec.retention(file.retention_years) },
  ] : [];
  return (
    <Card title={title} data-testid="plan-check">
      {plan.data && !entry ? <Typography.Text>{rec.file.planMissing}</Typography.Text> : (
        <Table size="small" rowKey="key" pagination={false} loading={plan.isLoading} dataSource={rows}
          scroll={{ x: true }} aria-label={rec.file.plan} columns={[
            { title: rec.file.planColumns.field, dataIndex: "field" },
            { title: rec.file.planColumns.plan, dataIndex: "plan" },
            { title: rec.file.planColumns.file, dataIndex: "file" },
            { title: "", key: "same", render: (_, r) => r.plan === r.file
              ? <Tag color="#237804">{rec.file.planSame}</Tag> : <Tag color="#a8071a">{rec.file.planDiffers}</Tag> },
          ]} />
      )}
    </Card>
  );
}

/** Who read, printed or downloaded the file and when (nhật ký khai thác; archivists, leaders, administrators). */
function AccessLog({ id }: { id: string }) {
  const api = useApi();
  const nameOf = usePeopleNames();
  const log = useQuery({
    queryKey: ["records", "file-access", id],
    queryFn: async () => unwrap(await api.GET("/api/v1/records/files/{file_id}/access-log",
      { params: { path: { file_id: id } } })),
  });
  return (
    <Card title={<h2 style={{ fontSize: 18, margin: 0 }}>{rec.file.accessLog}</h2>}>
      {log.isError ? <Alert type="error" showIcon message={log.error.message} /> : (
        <Table size="small" rowKey={(e) => `${e.at}-${e.actor}-${e.action}-${e.document_id}`} loading={log.isLoading}
          dataSource={log.data?.entries ?? []} pagination={{ pageSize: 20, hideOnSinglePage: true }}
          scroll={{ x: true }} aria-label={rec.file.accessLog} data-testid="access-log"
          locale={{ emptyText: <span style={{ color: "#595959" }}>{rec.file.accessNone}</span> }}
          columns={[
            { title: rec.file.accessColumns.at, dataIndex: "at", className: DATE_CELL, render: (v: string) => formatDateTime(v) },
            { title: rec.file.accessColumns.actor, dataIndex: "actor", render: (v: string) => nameOf(v) },
            { title: rec.file.accessColumns.action, dataIndex: "action", render: (v: string) => rec.file.access[v] ?? v },
          ]} />
      )}
    </Card>
  );
}

/** Tải gói hồ sơ: the closed or deposited file as one ZIP (metadata.xml, its files, manifest-sha256.txt). */
function ExportButton({ id }: { id: string }) {
  const api = useApi();
  const queries = useQueryClient();
  const { message } = App.useApp();
  const [busy, setBusy] = useState(false);
  const download = async () => {
    setBusy(true);
    try {
      const reply = await api.GET("/api/v1/records/files/{file_id}/export",
        { params: { path: { file_id: id } }, parseAs: "blob" });
      if (!reply.response.ok || !reply.data) {
        const detail = (reply.error as { detail?: string } | undefined)?.detail;
        void message.error(detail ? `${rec.file.exportFailed}: ${detail}` : rec.file.exportFailed);
        return;
      }
      const url = URL.createObjectURL(reply.data as unknown as Blob);
      const link = document.createElement("a");
      link.href = url;
      link.download = fileNameOf(reply.response.headers.get("Content-Disposition"), "ho-so.zip");
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      await queries.invalidateQueries({ queryKey: ["records", "file-access", id] });
    } finally {
      setBusy(false);
    }
  };
  return <Button loading={busy} onClick={() => void download()}>{rec.file.export}</Button>;
}

/**
 * A file (/ho-so/:id): its metadata (mã hồ sơ, số và ký hiệu, thời hạn bảo quản, dates dd/mm/yyyy, hạn nộp lưu), its
 * documents, its history, and the gestures its state and the person allow — the file's creator thêm văn bản, bỏ văn
 * bản, đóng hồ sơ, nộp lưu; the archivist tiếp nhận or trả lại (with reasons) a deposit. The server judges again.
 */
export function FilePage() {
  const { id = "" } = useParams();
  const api = useApi();
  const queries = useQueryClient();
  const { message, modal } = App.useApp();
  const { person } = useAuth();
  const roles = person?.roles ?? [];
  const [dialog, setDialog] = useState<Dialog>("");
  const [form] = Form.useForm<Values>();
  const path = { params: { path: { file_id: id } } };
  const file = useQuery({
    queryKey: ["records", "file", id],
    queryFn: async () => unwrap(await api.GET("/api/v1/records/files/{file_id}", path)),
    retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
  });
  const history = useQuery({
    queryKey: ["records", "file-history", id],
    queryFn: async () => unwrap(await api.GET("/api/v1/records/files/{file_id}/history", path)),
    enabled: file.isSuccess,
  });
  const changed = async (f: RecordFile, text: string) => {
    queries.setQueryData(["records", "file", id], f);
    await queries.invalidateQueries({ queryKey: ["records", "files"] });
    await queries.invalidateQueries({ queryKey: ["records", "file-history", id] });
    setDialog("");
    void message.success(text);
  };
  const act = useMutation({
    mutationFn: async ({ action, values }: { action: "add" | "remove" | "close" | "submit" | "accept" | "return"
      | "retain" | "reopen"; values: Values }) => {
      const version = file.data?.version ?? 0;
      const nfc = (s?: string) => (s ?? "").trim().normalize("NFC");
      switch (action) {
        case "add":
          return { file: unwrap(await api.POST("/api/v1/records/files/{file_id}/documents",
            { ...path, body: { version, document_ids: values.documents ?? [], case_id: "" } })).file,
          text: rec.file.added(values.documents?.length ?? 0) };
        case "remove":
          return { file: unwrap(await api.DELETE("/api/v1/records/files/{file_id}/documents/{document_id}",
            { params: { path: { file_id: id, document_id: values.document ?? "" }, query: { version } } })),
          text: rec.file.remove };
        case "close":
          return { file: unwrap(await api.POST("/api/v1/records/files/{file_id}/close", { ...path, body: { version,
            title: "", end_date: values.end_date?.format("YYYY-MM-DD") ?? null, description: nfc(values.description),
            keywords: "", page_amounts: values.pages ?? {} } })), text: rec.file.closed };
        case "submit":
          return { file: unwrap(await api.POST("/api/v1/records/files/{file_id}/submit", { ...path, body: { version } })),
            text: rec.file.submitted };
        case "retain":
          return { file: unwrap(await api.POST("/api/v1/records/files/{file_id}/retain", { ...path, body: { version,
            approval: nfc(values.approval), years: values.years ?? 1 } })), text: rec.file.retained };
        case "reopen":
          return { file: unwrap(await api.POST("/api/v1/records/files/{file_id}/reopen",
            { ...path, body: { version, comment: "" } })), text: rec.file.reopened };
        case "accept":
          return { file: unwrap(await api.POST("/api/v1/records/files/{file_id}/accept", { ...path, body: { version } })),
            text: rec.file.accepted };
        default:
          return { file: unwrap(await api.POST("/api/v1/records/files/{file_id}/return",
            { ...path, body: { version, reason: nfc(values.reason) } })), text: rec.file.returnedDone };
      }
    },
    onSuccess: ({ file: f, text }) => changed(f, text),
  });
  if (file.isLoading) return <Skeleton active />;
  if (file.isError || !file.data) {
    const missing = file.error instanceof ApiError && file.error.status === 404;
    return <Result status={missing ? "404" : "error"} title={missing ? rec.file.notFound : common.error}
      subTitle={missing ? undefined : file.error?.message} extra={<Link to="/ho-so?tab=files">{rec.file.back}</Link>} />;
  }
  const f = file.data;
  const creator = !!person && f.creator_username === person.username && roles.some((r) => RECORD_KEEPERS.includes(r));
  const archivist = roles.includes("archivist");
  const filling = creator && (f.state === "open" || f.state === "collecting");
  const canSubmit = creator && ["closed", "returned", "retained"].includes(f.state);
  // a return asks for a correction: the creator reopens the file to add or remove documents, then closes it again
  const canReopen = creator && f.state === "returned";
  const receiving = archivist && f.state === "submitted";
  const leader = roles.includes("leader");
  const retaining = leader && f.state === "closed";
  const exportable = EXPORTABLE.includes(f.state);
  const auditor = leader || archivist || roles.includes("admin");
  // documents without a page count (no file, or one that could not be counted): closing needs it (PageAmount)
  const uncounted = f.documents.filter((d) => d.page_amount <= 0);
  const run = (action: "add" | "close" | "return" | "retain") =>
    void form.validateFields().then((values) => act.mutate({ action, values }), () => undefined);
  const titles: Record<Exclude<Dialog, "">, string> = { add: rec.file.addTitle, close: rec.file.closeTitle,
    return: rec.file.returnTitle, retain: rec.file.retainTitle };
  const okText: Record<Exclude<Dialog, "">, string> = { add: rec.file.add, close: rec.file.close, return: rec.file.return,
    retain: rec.file.retain };
  return (
    <Space direction="vertical" size="middle" style={{ width: "100%" }}>
      <Link to="/ho-so?tab=files">← {rec.file.back}</Link>
      <Typography.Title level={1} style={{ fontSize: 22, margin: 0 }}>
        {f.notation ? `${f.notation} — ` : ""}{f.title}
      </Typography.Title>
      <Space wrap><span data-testid="file-state"><FileState state={f.state} /></span></Space>
      {(filling || canSubmit || canReopen || receiving || retaining || exportable) && (
        <Space wrap>
          {filling && <Button onClick={() => setDialog("add")}>{rec.file.add}</Button>}
          {filling && <Button type="primary" onClick={() => setDialog("close")}>{rec.file.close}</Button>}
          {canSubmit && (
            <Button type="primary" loading={act.isPending} onClick={() => modal.confirm({ title: rec.file.submit,
              content: rec.file.submitConfirm, okText: rec.file.submit, cancelText: rec.cancel,
              onOk: () => act.mutateAsync({ action: "submit", values: {} }) })}>{rec.file.submit}</Button>
          )}
          {canReopen && (
            <Button loading={act.isPending} onClick={() => modal.confirm({ title: rec.file.reopen,
              content: rec.file.reopenConfirm, okText: rec.file.reopen, cancelText: rec.cancel,
              onOk: () => act.mutateAsync({ action: "reopen", values: {} }) })}>{rec.file.reopen}</Button>
          )}
          {receiving && (
            <Button type="primary" loading={act.isPending} onClick={() => modal.confirm({ title: rec.file.accept,
              content: rec.file.acceptConfirm, okText: rec.file.accept, cancelText: rec.cancel,
              onOk: () => act.mutateAsync({ action: "accept", values: {} }) })}>{rec.file.accept}</Button>
          )}
          {receiving && <Button danger onClick={() => setDialog("return")}>{rec.file.return}</Button>}
          {retaining && <Button onClick={() => setDialog("retain")}>{rec.file.retain}</Button>}
          {exportable && <ExportButton id={f.id} />}
        </Space>
      )}
      {act.isError && !dialog && <Alert type="error" showIcon message={act.error.message} />}
      <Card title={<h2 style={{ fontSize: 18, margin: 0 }}>{rec.file.metadata}</h2>}>
        <Descriptions column={{ xs: 1, sm: 1, md: 2 }} size="small" bordered>
          <Descriptions.Item label={rec.file.fields.fileCode}>{f.file_code}</Descriptions.Item>
          <Descriptions.Item label={rec.file.fields.notation}>{f.notation}</Descriptions.Item>
          <Descriptions.Item label={rec.file.fields.retention}>{rec.retention(f.retention_years)}</Descriptions.Item>
          <Descriptions.Item label={rec.file.fields.creator}>{f.creator}</Descriptions.Item>
          {!!f.unit && <Descriptions.Item label={rec.file.fields.unit}>{f.unit}</Descriptions.Item>}
          <Descriptions.Item label={rec.file.fields.start}>{formatDate(f.start_date)}</Descriptions.Item>
          <Descriptions.Item label={rec.file.fields.end}>{formatDate(f.end_date)}</Descriptions.Item>
          <Descriptions.Item label={rec.file.fields.total}>{f.document_total}</Descriptions.Item>
          <Descriptions.Item label={rec.file.fields.pages}>{f.page_total}</Descriptions.Item>
          {!!f.deposit_deadline && <Descriptions.Item label={rec.file.fields.deadline}>{formatDate(f.deposit_deadline)}</Descriptions.Item>}
          {!!f.deposited_at && <Descriptions.Item label={rec.file.fields.deposited}>{formatDate(f.deposited_at)}</Descriptions.Item>}
          {!!f.retain_approval && <Descriptions.Item label={rec.file.fields.retained} span={2}>{f.retain_approval}</Descriptions.Item>}
          {!!f.return_reason && <Descriptions.Item label={rec.file.fields.returned} span={2}>{f.return_reason}</Descriptions.Item>}
        </Descriptions>
      </Card>
      {receiving && <PlanCheck file={f} />}
      <Card title={<h2 style={{ fontSize: 18, margin: 0 }}>{rec.file.documents}</h2>}>
        <Table<FileDocument> size="small" rowKey="document_id" pagination={false} dataSource={f.documents}
          scroll={{ x: 640 }} aria-label={rec.file.documents} locale={{ emptyText: <span style={{ color: "#595959" }}>{rec.file.noDocuments}</span> }}
          columns={[
            { title: rec.file.docColumns.ordinal, dataIndex: "ordinal" },
            { title: rec.file.docColumns.code, key: "code",
              render: (_, d) => <Link to={`/van-ban/${d.document_id}`}>{[d.code_number, d.code_notation].filter(Boolean).join("/") || d.document_code}</Link> },
            { title: rec.file.docColumns.date, dataIndex: "issued_date", className: DATE_CELL, render: (v: string) => formatDate(v) },
            { title: rec.file.docColumns.subject, dataIndex: "subject" },
            { title: rec.file.docColumns.organ, dataIndex: "organ_name" },
            ...(f.state === "collecting" && creator ? [{ title: "", key: "remove", render: (_: unknown, d: FileDocument) => (
              <Button size="small" danger aria-label={`${rec.file.remove}: ${d.subject}`}
                onClick={() => act.mutate({ action: "remove", values: { document: d.document_id } })}>
                {rec.file.remove}</Button>) }] : []),
          ]} />
      </Card>
      <Card title={<h2 style={{ fontSize: 18, margin: 0 }}>{rec.file.history}</h2>}>
        {history.isError ? <Alert type="error" showIcon message={history.error.message} /> : (
          <Timeline items={(history.data?.entries ?? []).map((h) => ({ children: (
            <>
              <Typography.Text strong>{rec.file.step[h.action] ?? h.action}</Typography.Text>
              {" — "}{formatDateTime(h.at)} · {h.actor_name || h.actor}
              {h.comment && <div>{withCodes(h.comment, f.documents)}</div>}
            </>
          ) }))} />
        )}
      </Card>
      {auditor && <AccessLog id={f.id} />}
      <Modal open={!!dialog} title={dialog ? titles[dialog] : ""} okText={dialog ? okText[dialog] : ""}
        cancelText={rec.cancel} okButtonProps={{ danger: dialog === "return" }} confirmLoading={act.isPending}
        onCancel={() => setDialog("")} destroyOnHidden onOk={() => dialog && run(dialog)}>
        <Form form={form} layout="vertical" preserve={false}>
          {dialog === "add" && (
            <Form.Item name="documents" label={rec.file.addPick} extra={rec.file.addHelp}
              rules={[{ required: true, message: rec.plan.required }]}>
              <DocumentPicker />
            </Form.Item>
          )}
          {dialog === "close" && (
            <>
              <Typography.Paragraph>{rec.file.closeHelp}</Typography.Paragraph>
              {uncounted.length > 0 && <Typography.Paragraph>{rec.file.pagesHelp}</Typography.Paragraph>}
              {uncounted.map((d) => (
                <Form.Item key={d.document_id} name={["pages", d.document_id]} label={rec.file.pagesOf(d.subject)}>
                  <InputNumber min={1} max={9999} precision={0} />
                </Form.Item>
              ))}
              <Form.Item name="end_date" label={rec.file.endDate}>
                <DatePicker format="DD/MM/YYYY" placeholder="dd/mm/yyyy" />
              </Form.Item>
              <Form.Item name="description" label={rec.file.description}>
                <Input.TextArea rows={2} maxLength={MAX_REASON} />
              </Form.Item>
            </>
          )}
          {dialog === "return" && (
            <Form.Item name="reason" label={rec.file.returnReason} extra={rec.file.returnHelp}
              rules={[{ required: true, whitespace: true, message: rec.plan.required }]}>
              <Input.TextArea rows={3} maxLength={MAX_REASON} />
            </Form.Item>
          )}
          {dialog === "retain" && (
            <>
              <Typography.Paragraph>{rec.file.retainHelp}</Typography.Paragraph>
              <Form.Item name="approval" label={rec.file.retainApproval}
                rules={[{ required: true, whitespace: true, message: rec.plan.required }]}>
                <Input maxLength={MAX_REASON} />
              </Form.Item>
              <Form.Item name="years" label={rec.file.retainYears} initialValue={1}>
                <Radio.Group options={[1, 2].map((n) => ({ value: n, label: rec.file.retainYear(n) }))} />
              </Form.Item>
            </>
          )}
          {act.isError && <Alert type="error" showIcon message={act.error.message} />}
        </Form>
      </Modal>
    </Space>
  );
}
