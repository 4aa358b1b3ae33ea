import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router-dom";
import { Alert, AutoComplete, Button, Form, Input, Progress, Radio, Select, Space, Upload, type UploadFile,
  type UploadProps } from "antd";
import { useEffect, useRef } from "react";
import { unwrap, type Document, type DocumentType } from "../../api/client";
import { useApi } from "../../api/ApiProvider";
import { useAuth } from "../../auth/AuthProvider";
import type { components } from "../../api/schema";
import { FieldSelect } from "../../components/FieldSelect";
import { fold, foldFilter } from "../../components/fold";
import { common } from "../../components/messages";
import { personLabel } from "../work/people";
import { out } from "./messages";
import { RecipientPicker, type Recipient } from "./RecipientPicker";
import type { ReplyStart } from "./Replies";
import { fileKind, isPdf } from "./fileKind";
import { emptyFileProblem, type StoredObject, type Uploader } from "./upload";
import { DraftCheck } from "../signing/DraftCheck";

export type DraftBody = components["schemas"]["DocumentCreate"];
type Competence = DraftBody["signer"]["competence"];
type RequestOptions = Parameters<NonNullable<UploadProps<StoredObject>["customRequest"]>>[0];

/** A unit's abbreviation in a ký hiệu (VP, TC&KH): letters and digits, '&' between two of them (as the registry's
 * NAME_ABBREVIATION; agencies write "và" so: NN&PTNT); empty allowed here (a letter's rule asks for it). */
const NAME_ABBREVIATION = /^(?:[A-Za-zĐđ0-9]+(?:&[A-Za-zĐđ0-9]+)*)?$/;
const t = out.form;
/** What the gateway accepts (services/gateway settings.max_upload_bytes). */
export const MAX_FILE_MB = 200;
const MAX_ABSTRACT = 500;
const URGENCIES = ["normal", "urgent", "very_urgent", "express"] as const;
const COMPETENCES: Competence[] = ["", "TM.", "KT.", "TL.", "TUQ.", "Q."];

interface Values {
  type_code?: string;
  abstract?: string;
  urgency: DraftBody["urgency"];
  unit_abbreviation?: string;
  signer_name?: string;
  signer_title?: string;
  competence: Competence;
  recipients: Recipient[];
  main: UploadFile<StoredObject>[];
  attachments: UploadFile<StoredObject>[];
  comment?: string;
}

function stored(doc: Document | undefined, role: "main" | "attachment"): UploadFile<StoredObject>[] {
  return (doc?.files ?? []).filter((f) => f.role === role).map((f) => ({
    uid: f.object_id, name: f.file_name, status: "done", response: { object_id: f.object_id } as StoredObject }));
}

/**
 * The appendices that are not PDF, each in the words of the registry's refusal at trình ký: the draft may keep them
 * for review (the server takes them), but they are signed only as PDF, so the drafter learns it when adding them.
 */
function NonPdfAttachments() {
  const files = (Form.useWatch("attachments") as UploadFile<StoredObject>[] | undefined) ?? [];
  const warnings = files.filter((f) => f.status !== "error" && !isPdf({ name: f.name, type: f.type }))
    .map((f) => ({ key: f.uid, text: t.attachmentNotPdf(f.name, fileKind(f.name, f.type)) }));
  if (!warnings.length) return null;
  return (
    <Alert type="warning" showIcon style={{ marginBottom: 16 }} message={warnings.length === 1 ? warnings[0]?.text
      : <ul style={{ margin: 0, paddingLeft: 16 }}>{warnings.map((w) => <li key={w.key}>{w.text}</li>)}</ul>} />
  );
}

type Person = components["schemas"]["PersonOut"];

/**
 * The ký hiệu of the drafter's own unit (đơn vị soạn thảo: TH for Phòng Tổng hợp, as in 01/UBND-TH): the code of the
 * one unit the signed-in person (by subject, else username) belongs to in the agency's people, or, in several, of
 * their primary unit (the gateway's ``primary_unit``: where they hold their highest position); none when they belong
 * to no unit or to several with no primary one (then they type it), or when the code cannot stand in a ký hiệu.
 */
export function ownUnitAbbreviation(people: Person[], me: { subject?: string; username: string } | null): string {
  if (!me) return "";
  const self = people.find((p) => (me.subject ? p.subject === me.subject : false) ||
    (!!me.username && p.username === me.username));
  const units = self?.units ?? [];
  const primary = self?.primary_unit && units.includes(self.primary_unit) ? self.primary_unit : "";
  const code = units.length === 1 ? (units[0] ?? "") : primary;
  return code.length <= 20 && NAME_ABBREVIATION.test(code) ? code : "";
}

/**
 * The người ký choices from the agency's people (GET /api/v1/people): the leaders (``leader``, who sign the
 * agency's documents) first, then the heads of units (``signer``: thừa lệnh, thừa ủy quyền), each
 * "Họ tên — Chức vụ" (the username when the identity provider has no title). An option's ``value`` is the name the
 * form keeps, ``key`` the person's subject, ``title`` their chức vụ (filled in when chosen).
 */
export function signerOptions(people: Person[]): SignerGroup[] {
  const option = (p: Person): SignerOption => ({ value: p.name, key: p.subject, title: p.title,
    label: personLabel(p) });
  const usable = people.filter((p) => p.enabled && p.name);
  const leaders = usable.filter((p) => p.leader);
  // only those who may sign: a clerk (văn thư) or an officer drafting is never offered as người ký
  const others = usable.filter((p) => !p.leader && p.signer);
  return [
    ...(leaders.length ? [{ label: t.signerLeaders, options: leaders.map(option) }] : []),
    ...(others.length ? [{ label: t.signerOthers, options: others.map(option) }] : []),
  ];
}

/** The list of an Upload as the form keeps it. */
function fileList(event: { fileList: UploadFile<StoredObject>[] } | UploadFile<StoredObject>[]) {
  return Array.isArray(event) ? event : event.fileList;
}

/** One person offered as the signer, and a group of them (leaders first). */
export type SignerOption = { value: string; key: string; title: string; label: string };
export type SignerGroup = { label: string; options: SignerOption[] };

/**
 * Soạn dự thảo (or sửa dự thảo): type, trích yếu, độ khẩn, the unit's abbreviation, người ký (name, title,
 * competence), nơi nhận from the directory, the main file (PDF) and attachments by drag and drop with their upload
 * progress. "Lưu dự thảo" needs the type and the abstract; "Lưu và gửi duyệt" also needs a recipient and the main
 * file. ``onSave`` gets the document body, whether to start the circuit, and the comment for the reviewer.
 * ``reply``: a new draft answering an arrival (soạn văn bản trả lời) starts as a công văn to its sender with a "V/v trả
 * lời …" trích yếu and the arrival's độ khẩn, and keeps the link (``answers_document_id``); a draft that answers one
 * keeps it when edited.
 */
export function DraftForm({ doc, reply, types, uploader, pending, error, onSave }: {
  doc?: Document;
  reply?: ReplyStart;
  types: DocumentType[];
  uploader: Uploader;
  pending?: boolean;
  error?: string;
  onSave: (body: DraftBody, start: boolean, comment: string) => void;
}) {
  const [form] = Form.useForm<Values>();
  const intent = useRef<"save" | "start">("save");
  const api = useApi();
  // người ký chosen from the agency's people keeps their account: a deputy then signs under that person's delegation
  // (services/workflow Actor.signing_delegation); a name typed by hand names nobody's account
  const people = useQuery({ queryKey: ["people"], queryFn: async () => unwrap(await api.GET("/api/v1/people")),
    staleTime: 300_000 });
  const { person: me } = useAuth();
  const chosen = useRef<{ name: string; subject: string } | null>(
    doc?.signer.subject ? { name: doc.signer.name, subject: doc.signer.subject } : null);
  const answering = !doc && reply ? reply : undefined;
  const initial: Values = {
    type_code: doc?.type_code || (answering && types.some((d) => d.code === "cong_van") ? "cong_van" : undefined),
    abstract: doc?.abstract ?? answering?.abstract,
    // a reply starts as urgent as the arrival it answers (a Hỏa tốc request is answered Hỏa tốc), editable
    urgency: (doc?.urgency ?? answering?.arrival.urgency ?? "normal") as DraftBody["urgency"],
    unit_abbreviation: doc?.unit_abbreviation,
    signer_name: doc?.signer.name,
    signer_title: doc?.signer.title,
    competence: (doc?.signer.competence ?? "") as Competence,
    recipients: doc ? doc.recipients.map((r) => ({ agency_code: r.agency_code, name: r.name }))
      : answering?.recipients ?? [],
    main: stored(doc, "main"),
    attachments: stored(doc, "attachment"),
  };
  /** A letter (công văn: a type without its own abbreviation) takes the drafting unit's in its symbol (15/UBND-VP):
   * the registry refuses to number one without it (services/registry numbering.py). */
  const isLetter = (code: string | undefined) =>
    !!code && (code === "cong_van" || types.find((d) => d.code === code)?.abbreviation === "");
  // a typed document's symbol is its type's and the agency's (15/QĐ-UBND): the unit's goes on letters only
  // (Decree 30/2020 Appendix I, Part I, II.3), so the field is offered for a letter, or to clear an old value
  const typeCode = Form.useWatch("type_code", form) as string | undefined;
  const mainFiles = Form.useWatch("main", form) as UploadFile<StoredObject>[] | undefined;
  const unitField = isLetter(typeCode ?? initial.type_code) || !!doc?.unit_abbreviation;
  // the drafter's own unit's ký hiệu, once the people are known, unless one is there already or was typed (editable)
  const ownUnit = ownUnitAbbreviation(people.data ?? [], me);
  useEffect(() => {
    if (ownUnit && !form.getFieldValue("unit_abbreviation") && !form.isFieldTouched("unit_abbreviation")) {
      form.setFieldValue("unit_abbreviation", ownUnit);
    }
  }, [ownUnit, form]);
  const whenStarting = (check: (v: unknown) => boolean, message: string) => ({
    validator: async (_: unknown, v: unknown) => {
      if (intent.current === "start" && !check(v)) throw new Error(message);
    },
  });
  const notUploading = {
    validator: async (_: unknown, v: UploadFile<StoredObject>[] | undefined) => {
      if ((v ?? []).some((f) => f.status === "uploading")) throw new Error(t.uploading);
      // the server's reason (the problem's detail, in Vietnamese: "không phải loại tệp được nhận; chỉ nhận PDF…")
      const failed = (v ?? []).find((f) => f.status === "error");
      if (failed) throw new Error(t.uploadFailed(failed.name, failed.error instanceof Error ? failed.error.message : ""));
    },
  };
  const request = (options: RequestOptions) => {
    const file = options.file as File;
    uploader(file, (percent) => options.onProgress?.({ percent }))
      .then((object) => options.onSuccess?.(object))
      .catch((e: Error) => options.onError?.(e));
  };
  const beforeUpload = (file: File, main: boolean) => {
    if (main && !isPdf(file)) {
      form.setFields([{ name: "main", errors: [t.mainFileOnlyPdf] }]);
      return Upload.LIST_IGNORE;
    }
    const empty = emptyFileProblem(file);
    if (empty) {
      form.setFields([{ name: main ? "main" : "attachments", errors: [empty] }]);
      return Upload.LIST_IGNORE;
    }
    if (file.size > MAX_FILE_MB * 1024 * 1024) {
      form.setFields([{ name: main ? "main" : "attachments", errors: [t.tooLarge(MAX_FILE_MB)] }]);
      return Upload.LIST_IGNORE;
    }
    return true;
  };
  const finish = (v: Values) => {
    const files = [
      ...v.main.map((f) => ({ f, role: "main" as const })),
      ...v.attachments.map((f) => ({ f, role: "attachment" as const })),
    ].filter(({ f }) => f.status === "done" && f.response?.object_id)
      .map(({ f, role }) => ({ object_id: f.response?.object_id ?? "", role, file_name: f.name, sha256: "" }));
    const nfc = (s: string | undefined) => (s ?? "").trim().normalize("NFC");
    onSave({
      direction: "outgoing",
      type_code: v.type_code ?? "",
      abstract: nfc(v.abstract),
      urgency: v.urgency,
      unit_abbreviation: isLetter(v.type_code) ? nfc(v.unit_abbreviation) : "",
      signer: { name: nfc(v.signer_name), title: nfc(v.signer_title), competence: v.competence,
        subject: chosen.current && nfc(chosen.current.name) === nfc(v.signer_name) ? chosen.current.subject : "" },
      recipients: v.recipients.map((r) => ({ agency_code: r.agency_code, name: r.name })),
      files,
      agency_code: "", answers_document_id: doc ? doc.answers_document_id : answering?.arrival.id ?? "",
      confidentiality: "none", drafting_unit: doc?.drafting_unit ?? "",
      exchange_form: "", paper: false, legal_normative: doc?.legal_normative ?? false, place: doc?.place ?? "",
    }, intent.current === "start", nfc(v.comment));
  };
  const go = (what: "save" | "start") => {
    intent.current = what;
    form.submit();
  };
  const progress = (file: UploadFile) =>
    file.status === "uploading" ? <Progress percent={Math.round(file.percent ?? 0)} size="small" aria-label={file.name} /> : null;
  return (
    <Form form={form} layout="vertical" initialValues={initial} onFinish={finish} aria-label={doc ? t.editTitle : t.newTitle}
      style={{ maxWidth: 820 }}>
      {answering && (
        <Alert type="info" showIcon data-testid="reply-to" style={{ marginBottom: 16 }}
          message={<Link to={`/van-ban/${answering.arrival.id}`}>{out.reply.answered(answering.arrival.number_symbol,
            answering.arrival.issuing_agency_name, answering.arrival.abstract)}</Link>}
          description={answering.unknownSender ? out.reply.notInDirectory(answering.unknownSender) : undefined} />
      )}
      <Form.Item name="type_code" label={t.type} rules={[{ required: true, message: t.typeRequired }]}>
        <FieldSelect showSearch filterOption={foldFilter} placeholder={t.chooseType}
          options={types.map((d) => ({ value: d.code, label: d.name }))} />
      </Form.Item>
      <Form.Item name="abstract" label={t.abstract} extra={t.abstractHelp}
        rules={[{ required: true, whitespace: true, message: t.abstractRequired }]}>
        <Input.TextArea rows={3} maxLength={MAX_ABSTRACT} />
      </Form.Item>
      <fieldset style={{ border: 0, padding: 0, margin: "0 0 16px" }}>
        <legend style={{ fontSize: 15, marginBottom: 8 }}>{t.urgency}</legend>
        <Form.Item name="urgency" noStyle>
          <Radio.Group options={URGENCIES.map((u) => ({ value: u, label: common.urgency[u] }))} />
        </Form.Item>
      </fieldset>
      <Form.Item name="unit_abbreviation" label={t.unitAbbreviation} hidden={!unitField}
        required={isLetter(typeCode ?? initial.type_code)}
        extra={isLetter(typeCode) ? t.unitAbbreviationHelp : t.unitAbbreviationTyped}
        dependencies={["type_code"]}
        rules={[{ pattern: NAME_ABBREVIATION, message: t.unitAbbreviationInvalid },
          whenStarting((v) => !isLetter(form.getFieldValue("type_code") as string | undefined) ||
            String(v ?? "").trim() !== "", t.unitAbbreviationLetter)]}>
        <Input maxLength={20} style={{ maxWidth: 200 }} />
      </Form.Item>
      <fieldset style={{ border: 0, padding: 0, margin: 0 }}>
        <legend style={{ fontSize: 15, marginBottom: 8 }}>{t.signer}</legend>
        <Space wrap align="start" style={{ width: "100%" }}>
          <Form.Item name="competence" label={t.competence}>
            <Select style={{ width: 200 }} options={COMPETENCES.map((c) => ({ value: c, label: out.competence[c] }))} />
          </Form.Item>
          <Form.Item name="signer_title" label={t.signerTitle} extra={t.signerTitleHelp}>
            <Input maxLength={100} style={{ width: 220 }} />
          </Form.Item>
          <Form.Item name="signer_name" label={t.signerName} extra={t.signerNameHelp}>
            <AutoComplete style={{ width: 240 }} maxLength={100} popupMatchSelectWidth={380}
              options={signerOptions(people.data ?? [])}
              filterOption={(input, option) => !!option && "key" in option &&
                fold(option.label).includes(fold(input))}
              onSelect={(value: string, option: SignerOption | SignerGroup) => {
                const person = "key" in option ? option : null;
                chosen.current = person?.key ? { name: value, subject: person.key } : null;
                if (person?.title) form.setFieldValue("signer_title", person.title);
              }} />
          </Form.Item>
        </Space>
      </fieldset>
      <Form.Item name="recipients" label={t.recipients} extra={t.recipientsHelp}
        rules={[whenStarting((v) => Array.isArray(v) && v.length > 0, t.recipientsRequired)]}>
        <RecipientPicker />
      </Form.Item>
      <Form.Item name="main" label={t.mainFile} valuePropName="fileList" getValueFromEvent={fileList}
        rules={[notUploading, whenStarting((v) => Array.isArray(v) && v.some((f: UploadFile) => f.status === "done"),
          t.mainFileRequired)]}>
        <Upload.Dragger accept=".pdf,application/pdf" maxCount={1} customRequest={request}
          beforeUpload={(file) => beforeUpload(file, true)} itemRender={(node, file) => <>{node}{progress(file)}</>}
          showUploadList={{ showRemoveIcon: true }}>
          <p style={{ margin: 0 }}>{t.dropMain}</p>
        </Upload.Dragger>
      </Form.Item>
      {/* a file uploaded now (one saved before was checked when it was uploaded; trình ký checks again) */}
      <DraftCheck objectId={mainFiles?.find((f) => f.status === "done" && f.originFileObj)?.response?.object_id} />
      <Form.Item name="attachments" label={t.attachments} valuePropName="fileList" getValueFromEvent={fileList}
        rules={[notUploading]}>
        <Upload.Dragger multiple customRequest={request} beforeUpload={(file) => beforeUpload(file, false)}
          itemRender={(node, file) => <>{node}{progress(file)}</>}>
          <p style={{ margin: 0 }}>{t.drop}</p>
        </Upload.Dragger>
      </Form.Item>
      <NonPdfAttachments />
      <Form.Item name="comment" label={t.comment}>
        <Input.TextArea rows={2} maxLength={2000} />
      </Form.Item>
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} />}
      <Space wrap>
        <Button onClick={() => go("save")} loading={pending}>{t.save}</Button>
        <Button type="primary" onClick={() => go("start")} loading={pending}>{t.start}</Button>
      </Space>
    </Form>
  );
}
