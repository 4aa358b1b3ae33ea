import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  Alert, App, AutoComplete, Button, Form, Input, Progress, Radio, Result, Space, Tag, Typography, Upload,
  type UploadFile, type UploadProps,
} from "antd";
import { useState } from "react";
import { Link, useNavigate } from "react-router-dom";
import { unwrap, type DocumentType } from "../../api/client";
import { useApi } from "../../api/ApiProvider";
import type { components } from "../../api/schema";
import { DateField, dateRule } from "../../components/DateField";
import { FieldSelect } from "../../components/FieldSelect";
import { foldFilter } from "../../components/fold";
import { common } from "../../components/messages";
import { useHasRole } from "../../components/roles";
import { useDebounced, SEARCH_DELAY_MS } from "../outgoing/RecipientPicker";
import { emptyFileProblem, useUploader, type StoredObject, type Uploader } from "../outgoing/upload";
import { paper } from "./paperMessages";
import { useSingleFlight } from "../../components/singleFlight";

export type ArrivalBody = components["schemas"]["DocumentCreate"];
type RequestOptions = Parameters<NonNullable<UploadProps<StoredObject>["customRequest"]>>[0];
const URGENCIES = ["normal", "urgent", "very_urgent", "express"] as const;
/** What the gateway accepts (services/gateway settings.max_upload_bytes). */
const MAX_FILE_MB = 200;

interface Values {
  sender_name?: string;
  number_symbol?: string;
  /** YYYY-MM-DD (DateField). */
  document_date?: string;
  type_code?: string;
  abstract?: string;
  urgency: ArrivalBody["urgency"];
  scan: UploadFile<StoredObject>[];
}

const nfc = (s: string | undefined) => (s ?? "").trim().normalize("NFC");

/** How the sender was chosen: an entry of the directory (its code), or the typed name taken as it is. */
export interface SenderPick {
  code: string;
  free: boolean;
}

/** The value of the option that takes the typed name as it is (never an agency's name: it ends with a NUL). */
const FREE = "\u0000free";

/**
 * The sender from the directory (server-side search as the clerk types), or any name (a citizen, a firm) taken
 * explicitly: the first match is highlighted, so Enter picks it; once the search answered, the last option "Dùng
 * tên đã nhập: …" takes the typed name as it is (not offered when a match has exactly that name), marked below the
 * field as outside the directory. Typing again clears the choice (``onPick``), which the form then asks for.
 */
function SenderInput({ value, onChange, picked, onPick, id }: {
  value?: string; onChange?: (v: string) => void; picked: SenderPick; onPick: (pick: SenderPick) => void; id?: string;
}) {
  const api = useApi();
  const text = (value ?? "").trim();
  const typed = useDebounced(text, SEARCH_DELAY_MS);
  const found = useQuery({
    queryKey: ["agencies", "search", typed],
    queryFn: async () => unwrap(await api.GET("/api/v1/agencies", { params: { query: { q: typed, page_size: 10 } } })),
    enabled: typed.length >= 2,
    staleTime: 60_000,
  });
  const matches = (found.data?.items ?? []).map((a) => ({ value: a.name, label: a.name, code: a.code }));
  // the typed name as it is: only once the search for it answered (Enter meanwhile picks nothing by accident)
  const settled = typed === text && (typed.length < 2 || found.isSuccess || found.isError);
  const free = text && settled && !matches.some((m) => m.value.normalize("NFC") === text.normalize("NFC"))
    ? [{ value: FREE, label: paper.useTyped(text), code: "" }] : [];
  return (
    <>
      <AutoComplete id={id} value={value} maxLength={300} defaultActiveFirstOption
        options={[...matches, ...free]}
        onChange={(v: string) => { if (v !== FREE) { onChange?.(v); onPick({ code: "", free: false }); } }}
        onSelect={(v: string, option: { code?: string }) => {
          if (v === FREE) {
            onChange?.(text);
            onPick({ code: "", free: true });
          } else {
            onChange?.(v);
            onPick({ code: option.code ?? "", free: false });
          }
        }} />
      {picked.free && <div style={{ marginTop: 4 }} data-testid="sender-outside">
        <Tag color="#ad4e00">{paper.outside}</Tag>{paper.outsideHelp}</div>}
      {!!picked.code && <div style={{ marginTop: 4, color: "#595959" }} data-testid="sender-code">
        {paper.inDirectory(picked.code)}</div>}
    </>
  );
}

/**
 * The form of a paper arrival: the sender (from the directory or typed), số và ký hiệu, ngày văn bản (dd/mm/yyyy),
 * loại, trích yếu, độ khẩn and the scan, uploaded by drag and drop with its progress. ``onSave`` gets the body of
 * ``POST /api/v1/documents`` (direction incoming: the registry makes it an arrival waiting for vào sổ).
 */
export function PaperArrivalForm({ types, uploader, pending, error, onSave }: {
  types: DocumentType[]; uploader: Uploader; pending?: boolean; error?: string; onSave: (body: ArrivalBody) => void;
}) {
  const [form] = Form.useForm<Values>();
  const [sender, setSender] = useState<SenderPick>({ code: "", free: false });
  const request = (options: RequestOptions) => {
    uploader(options.file as File, (percent) => options.onProgress?.({ percent }))
      .then((object) => options.onSuccess?.(object))
      .catch((e: Error) => options.onError?.(e));
  };
  const beforeUpload = (file: File) => {
    const empty = emptyFileProblem(file);
    if (empty) {
      form.setFields([{ name: "scan", errors: [empty] }]);
      return Upload.LIST_IGNORE;
    }
    if (file.size > MAX_FILE_MB * 1024 * 1024) {
      form.setFields([{ name: "scan", errors: [paper.tooLarge(MAX_FILE_MB)] }]);
      return Upload.LIST_IGNORE;
    }
    return true;
  };
  const progress = (file: UploadFile) =>
    file.status === "uploading"
      ? <Progress percent={Math.round(file.percent ?? 0)} size="small" aria-label={file.name} /> : null;
  const finish = (v: Values) => {
    const files = v.scan.filter((f) => f.status === "done" && f.response?.object_id).map((f, i) => ({
      object_id: f.response?.object_id ?? "", role: i === 0 ? "main" as const : "attachment" as const,
      file_name: f.name, sha256: "" }));
    onSave({
      direction: "incoming", type_code: v.type_code ?? "", abstract: nfc(v.abstract), urgency: v.urgency,
      sender: { agency_code: sender.code, agency_name: nfc(v.sender_name), number_symbol: nfc(v.number_symbol),
        document_date: v.document_date ?? null },
      files, agency_code: "", answers_document_id: "", confidentiality: "none", drafting_unit: "",
      exchange_form: "", legal_normative: false, paper: true, place: "", recipients: [], unit_abbreviation: "",
      signer: { name: "", title: "", competence: "", subject: "" },
    });
  };
  return (
    <Form form={form} layout="vertical" onFinish={finish} aria-label={paper.title} style={{ maxWidth: 820 }}
      initialValues={{ urgency: "normal", scan: [] }}>
      <Form.Item name="sender_name" label={paper.sender} extra={paper.senderHelp}
        rules={[{ required: true, whitespace: true, message: paper.senderRequired },
          { validateTrigger: "onBlur", validator: async (_, v?: string) => {
            if ((v ?? "").trim() && !sender.code && !sender.free) throw new Error(paper.senderChoose);
          } }]}>
        <SenderInput picked={sender} onPick={setSender} />
      </Form.Item>
      <Space wrap align="start" style={{ width: "100%" }}>
        <Form.Item name="number_symbol" label={paper.numberSymbol} extra={paper.numberSymbolHelp}
          rules={[{ required: true, whitespace: true, message: paper.numberSymbolRequired }]}>
          <Input maxLength={100} style={{ width: 240 }} />
        </Form.Item>
        <Form.Item name="document_date" label={paper.documentDate}
          rules={[{ required: true, message: paper.documentDateRequired }, dateRule]}>
          <DateField />
        </Form.Item>
      </Space>
      <Form.Item name="type_code" label={paper.type} rules={[{ required: true, message: paper.typeRequired }]}>
        <FieldSelect showSearch filterOption={foldFilter} placeholder={paper.chooseType}
          options={types.map((d) => ({ value: d.code, label: d.name }))} />
      </Form.Item>
      <Form.Item name="abstract" label={paper.abstract}
        rules={[{ required: true, whitespace: true, message: paper.abstractRequired }]}>
        <Input.TextArea rows={3} maxLength={500} />
      </Form.Item>
      <fieldset style={{ border: 0, padding: 0, margin: "0 0 16px" }}>
        <legend style={{ fontSize: 15, marginBottom: 8 }}>{paper.urgency}</legend>
        <Form.Item name="urgency" noStyle>
          <Radio.Group options={URGENCIES.map((u) => ({ value: u, label: common.urgency[u] }))} />
        </Form.Item>
      </fieldset>
      <Form.Item name="scan" label={paper.scan} extra={paper.scanHelp} valuePropName="fileList" required
        getValueFromEvent={(e: { fileList: UploadFile<StoredObject>[] }) => e.fileList}
        rules={[{
          validator: async (_: unknown, v: UploadFile<StoredObject>[] | undefined) => {
            const list = v ?? [];
            if (list.some((f) => f.status === "uploading")) throw new Error(paper.uploading);
            if (list.some((f) => f.status === "error")) throw new Error(paper.uploadFailed);
            if (!list.some((f) => f.status === "done")) throw new Error(paper.scanRequired);
          },
        }]}>
        <Upload.Dragger multiple accept=".pdf,application/pdf,image/png,image/jpeg,image/tiff" customRequest={request}
          beforeUpload={beforeUpload} itemRender={(node, file) => <>{node}{progress(file)}</>}>
          <p style={{ margin: 0 }}>{paper.drop}</p>
        </Upload.Dragger>
      </Form.Item>
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} />}
      <Button type="primary" htmlType="submit" loading={pending}>{paper.save}</Button>
    </Form>
  );
}

/**
 * Văn bản đến bản giấy (``/van-ban-den/nhap-ban-giay``, clerks only): enters the arrival with its scan, then opens
 * its page, where the clerk registers it (vào sổ) as any arrival.
 */
export function PaperArrival() {
  const api = useApi();
  const navigate = useNavigate();
  const queries = useQueryClient();
  const { message } = App.useApp();
  const uploader = useUploader();
  const clerk = useHasRole("clerk");
  const types = useQuery({
    queryKey: ["document-types"],
    queryFn: async () => unwrap(await api.GET("/api/v1/document-types")),
    staleTime: 3_600_000,
    enabled: clerk,
  });
  const save = useMutation({
    mutationFn: async (body: ArrivalBody) => unwrap(await api.POST("/api/v1/documents", { body })),
    onSuccess: async (doc) => {
      queries.setQueryData(["document", doc.id], doc);
      await queries.invalidateQueries({ queryKey: ["documents", "incoming"] });
      void message.success(paper.saved);
      navigate(`/van-ban/${doc.id}`);
    },
  });
  const submit = useSingleFlight(save);
  if (!clerk) {
    return <Result status="403" title={paper.onlyClerk} extra={<Link to="/van-ban-den">{common.menu.incoming}</Link>} />;
  }
  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 22 }}>{paper.title}</Typography.Title>
      <Typography.Paragraph>{paper.intro}</Typography.Paragraph>
      {types.isError && <Alert type="error" showIcon message={common.error} description={types.error.message} />}
      <PaperArrivalForm types={types.data ?? []} uploader={uploader} pending={save.isPending}
        error={save.error?.message} onSave={(body) => submit(body)} />
    </>
  );
}
