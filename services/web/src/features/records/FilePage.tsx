import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  Alert, App, Button, Card, DatePicker, Descriptions, Form, Input, Modal, Result, Select, Skeleton, Space, Table,
  Timeline, Typography,
} from "antd";
import type { Dayjs } from "dayjs";
import { useState } from "react";
import { Link, useParams } from "react-router-dom";
import { ApiError, unwrap } from "../../api/client";
import { useApi } from "../../api/ApiProvider";
import { useAuth } from "../../auth/AuthProvider";
import { formatDate, formatDateTime } from "../../components/dates";
import { common } from "../../components/messages";
import { useDebounced, SEARCH_DELAY_MS } from "../outgoing/RecipientPicker";
import { FileState } from "./FilesList";
import { rec } from "./messages";
import { RECORD_KEEPERS, type RecordFile } from "./types";

const MAX_REASON = 500;
type FileDocument = RecordFile["documents"][number];
type Dialog = "" | "add" | "close" | "return";

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
    <Select id={id} mode="multiple" value={value} onChange={onChange} showSearch filterOption={false}
      onSearch={setTyped} loading={found.isLoading} options={options} notFoundContent={null} />
  );
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
  const [form] = Form.useForm<{ documents?: string[]; end_date?: Dayjs; description?: string; reason?: string }>();
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
    mutationFn: async ({ action, values }: { action: "add" | "remove" | "close" | "submit" | "accept" | "return";
      values: { documents?: string[]; document?: string; end_date?: Dayjs; description?: string; reason?: string } }) => {
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
            keywords: "", page_amounts: {} } })), text: rec.file.closed };
        case "submit":
          return { file: unwrap(await api.POST("/api/v1/records/files/{file_id}/submit", { ...path, body: { version } })),
            text: rec.file.submitted };
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
  const receiving = archivist && f.state === "submitted";
  const run = (action: "add" | "close" | "return") =>
    void form.validateFields().then((values) => act.mutate({ action, values }), () => undefined);
  const titles: Record<Exclude<Dialog, "">, string> = { add: rec.file.addTitle, close: rec.file.closeTitle,
    return: rec.file.returnTitle };
  const okText: Record<Exclude<Dialog, "">, string> = { add: rec.file.add, close: rec.file.close, return: rec.file.return };
  return (
    <Space direction="vertical" size="middle" style={{ width: "100%" }}>
      <Link to="/ho-so?tab=files">← {rec.file.back}</Link>
      <Typography.Title level={1} style={{ fontSize: 22, margin: 0 }}>
        {f.notation ? `${f.notation} — ` : ""}{f.title}
      </Typography.Title>
      <Space wrap><span data-testid="file-state"><FileState state={f.state} /></span></Space>
      {(filling || canSubmit || receiving) && (
        <Space wrap>
          {filling && <Button onClick={() => setDialog("add")}>{rec.file.add}</Button>}
          {filling && <Button type="primary" onClick={() => setDialog("close")}>{rec.file.close}</Button>}
          {canSubmit && (
            <Button type="primary" loading={act.isPending} onClick={() => modal.confirm({ title: rec.file.submit,
              content: rec.file.submitConfirm, okText: rec.file.submit, cancelText: rec.cancel,
              onOk: () => act.mutateAsync({ action: "submit", values: {} }) })}>{rec.file.submit}</Button>
          )}
          {receiving && (
            <Button type="primary" loading={act.isPending} onClick={() => modal.confirm({ title: rec.file.accept,
              content: rec.file.acceptConfirm, okText: rec.file.accept, cancelText: rec.cancel,
              onOk: () => act.mutateAsync({ action: "accept", values: {} }) })}>{rec.file.accept}</Button>
          )}
          {receiving && <Button danger onClick={() => setDialog("return")}>{rec.file.return}</Button>}
        </Space>
      )}
      {act.isError && !dialog && <Alert type="error" showIcon message={act.error.message} />}
      <Card title={<h2 style={{ fontSize: 18, margin: 0 }}>{rec.file.metadata}</h2>}>
        <Descriptions column={{ xs: 1, sm: 1, md: 2 }} size="small" bordered>
          <Descriptions.Item label={rec.file.fields.fileCode}>{f.file_code}</Descriptions.Item>
          <Descriptions.Item label={rec.file.fields.notation}>{f.notation}</Descriptions.Item>
          <Descriptions.Item label={rec.file.fields.retention}>{rec.retention(f.retention_years)}</Descriptions.Item>
          <Descriptions.Item label={rec.file.fields.creator}>{f.creator}</Descriptions.Item>
          {f.unit && <Descriptions.Item label={rec.file.fields.unit}>{f.unit}</Descriptions.Item>}
          <Descriptions.Item label={rec.file.fields.start}>{formatDate(f.start_date)}</Descriptions.Item>
          <Descriptions.Item label={rec.file.fields.end}>{formatDate(f.end_date)}</Descriptions.Item>
          <Descriptions.Item label={rec.file.fields.total}>{f.document_total}</Descriptions.Item>
          <Descriptions.Item label={rec.file.fields.pages}>{f.page_total}</Descriptions.Item>
          {f.deposit_deadline && <Descriptions.Item label={rec.file.fields.deadline}>{formatDate(f.deposit_deadline)}</Descriptions.Item>}
          {f.deposited_at && <Descriptions.Item label={rec.file.fields.deposited}>{formatDate(f.deposited_at)}</Descriptions.Item>}
          {f.return_reason && <Descriptions.Item label={rec.file.fields.returned} span={2}>{f.return_reason}</Descriptions.Item>}
        </Descriptions>
      </Card>
      <Card title={<h2 style={{ fontSize: 18, margin: 0 }}>{rec.file.documents}</h2>}>
        <Table<FileDocument> size="small" rowKey="document_id" pagination={false} dataSource={f.documents}
          scroll={{ x: true }} aria-label={rec.file.documents} locale={{ emptyText: <span style={{ color: "#595959" }}>{rec.file.noDocuments}</span> }}
          columns={[
            { title: rec.file.docColumns.ordinal, dataIndex: "ordinal" },
            { title: rec.file.docColumns.code, key: "code",
              render: (_, d) => <Link to={`/van-ban/${d.document_id}`}>{[d.code_number, d.code_notation].filter(Boolean).join("/") || d.document_code}</Link> },
            { title: rec.file.docColumns.date, dataIndex: "issued_date", render: (v: string) => formatDate(v) },
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
              {h.comment && <div>{h.comment}</div>}
            </>
          ) }))} />
        )}
      </Card>
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
          {act.isError && <Alert type="error" showIcon message={act.error.message} />}
        </Form>
      </Modal>
    </Space>
  );
}
