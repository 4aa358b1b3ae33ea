import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, DatePicker, Form, Grid, Input, List, Modal, Select, Space, Table, Tag, Typography } from "antd";
import type { ReactNode } from "react";
import type { Dayjs } from "dayjs";
import { useState } from "react";
import { useNavigate } from "react-router-dom";
import { unwrap } from "../../api/client";
import { useApi } from "../../api/ApiProvider";
import type { PersonEntry } from "../../api/client";
import { formatDate, formatDateTime } from "../../components/dates";
import { useHasRole } from "../../components/roles";
import { useSingleFlight } from "../../components/singleFlight";
import { foldFilter } from "../../components/fold";
import { READABLE_OPTIONS } from "../../components/FieldSelect";
import { personLabel, usePeopleNames } from "../work/people";
import { rec } from "./messages";
import { RetentionSelect } from "./RetentionSelect";
import { ABBREVIATION, editEntry, outline, PLAN_DRAFTERS, RECORD_KEEPERS, type EntryChange, type Plan, type PlanEntry } from "./types";

/** A row of the plan's table: a heading (I, II…), a sub-heading (1, 2…) or an entry (a file to open). */
interface Row {
  key: string;
  kind: "heading" | "subheading" | "entry";
  label: string;
  entry?: PlanEntry;
}

function rows(plan: Plan): Row[] {
  const out: Row[] = [];
  const entry = (e: PlanEntry) => out.push({ key: e.id, kind: "entry", label: e.title, entry: e });
  plan.headings.forEach((h, i) => {
    out.push({ key: `h${i}`, kind: "heading", label: `${h.numeral}. ${h.title}` });
    h.entries.forEach(entry);
    h.subheadings.forEach((s, j) => {
      out.push({ key: `h${i}s${j}`, kind: "subheading", label: `${s.number}. ${s.title}` });
      s.entries.forEach(entry);
    });
  });
  return out;
}

/**
 * Người lập hồ sơ: a person of the agency picked from the directory (GET /api/v1/people, the ["people"] query the
 * other pickers share), searched by name without tones; the server checks they belong to the caller's agency.
 */
function CreatorPicker({ id, value, onChange }: { id?: string; value?: string; onChange?: (v: string) => void }) {
  const api = useApi();
  const people = useQuery({ queryKey: ["people"], queryFn: async () => unwrap(await api.GET("/api/v1/people")),
    staleTime: 300_000 });
  const options = (people.data ?? []).filter((p: PersonEntry) => p.enabled && p.subject)
    .map((p: PersonEntry) => ({ value: p.subject, label: personLabel(p) }));
  return (
    <Select {...READABLE_OPTIONS} id={id} value={value || undefined} onChange={(v?: string) => onChange?.(v ?? "")} options={options}
      showSearch allowClear filterOption={foldFilter} loading={people.isLoading} placeholder={rec.plan.creatorPick}
      notFoundContent={rec.plan.creatorNone} />
  );
}

const STATE_COLOR: Record<string, string> = { draft: "#874d00", submitted: "#0958d9", approved: "#237804",
  superseded: "#595959" };

/** Trình duyệt: the clerk or archivist sends the draft to the leaders (who are notified); it waits unchanged. */
function SubmitDialog({ plan, open, onClose, onDone }: { plan: Plan; open: boolean; onClose: () => void;
  onDone: (p: Plan) => void }) {
  const api = useApi();
  const submit = useMutation({
    mutationFn: async () => unwrap(await api.POST("/api/v1/records/plans/{plan_id}/submit",
      { params: { path: { plan_id: plan.id } }, body: { version: plan.version } })),
    onSuccess: (p) => { onDone(p); onClose(); },
  });
  return (
    <Modal open={open} title={rec.plan.submit} okText={rec.plan.submit} cancelText={rec.cancel}
      confirmLoading={submit.isPending} onCancel={onClose} destroyOnHidden onOk={() => submit.mutate()}>
      <Typography.Paragraph>{rec.plan.submitConfirm}</Typography.Paragraph>
      {submit.isError && <Alert type="error" showIcon message={submit.error.message} />}
    </Modal>
  );
}

/** Trả lại: a leader returns a submitted plan with a reason; it is a draft again and its submitter is notified. */
function ReturnDialog({ plan, open, onClose, onDone }: { plan: Plan; open: boolean; onClose: () => void;
  onDone: (p: Plan) => void }) {
  const api = useApi();
  const [form] = Form.useForm<{ reason: string }>();
  const back = useMutation({
    mutationFn: async (v: { reason: string }) => unwrap(await api.POST("/api/v1/records/plans/{plan_id}/return",
      { params: { path: { plan_id: plan.id } }, body: { version: plan.version,
        reason: v.reason.trim().normalize("NFC") } })),
    onSuccess: (p) => { onDone(p); onClose(); },
  });
  return (
    <Modal open={open} title={rec.plan.returnTitle} okText={rec.plan.return} cancelText={rec.cancel}
      confirmLoading={back.isPending} onCancel={onClose} destroyOnHidden
      onOk={() => void form.validateFields().then((v) => back.mutate(v), () => undefined)}>
      <Form form={form} layout="vertical" preserve={false}>
        <Form.Item name="reason" label={rec.plan.returnReason} extra={rec.plan.returnHelp}
          rules={[{ required: true, whitespace: true, message: rec.plan.required }]}>
          <Input.TextArea rows={3} maxLength={2000} />
        </Form.Item>
        {back.isError && <Alert type="error" showIcon message={back.error.message} />}
      </Form>
    </Modal>
  );
}

/** The clerk's or archivist's additions to a draft: a heading (title, abbreviation) or an entry under a heading. */
function DraftEditor({ plan, onSaved }: { plan: Plan; onSaved: (p: Plan) => void }) {
  const api = useApi();
  const [dialog, setDialog] = useState<"" | "heading" | "entry">("");
  const [form] = Form.useForm<{ heading?: number; title: string; abbreviation?: string; retention_years?: number;
    creator_subject?: string; notes?: string }>();
  const save = useMutation({
    mutationFn: async (v: { heading?: number; title: string; abbreviation?: string; retention_years?: number;
      creator_subject?: string; notes?: string }) => {
      const headings = outline(plan);
      const nfc = (s?: string) => (s ?? "").trim().normalize("NFC");
      if (dialog === "heading") {
        headings.push({ title: nfc(v.title), abbreviation: nfc(v.abbreviation).toUpperCase(), entries: [], subheadings: [] });
      } else {
        const target = headings[v.heading ?? 0];
        if (target) target.entries = [...(target.entries ?? []), { id: "", title: nfc(v.title),
          retention_years: v.retention_years ?? 0, creator: "", creator_subject: v.creator_subject ?? "",
          notes: nfc(v.notes) }];
      }
      return unwrap(await api.PUT("/api/v1/records/plans/{plan_id}", putPlan(plan, headings)));
    },
    onSuccess: (p) => { onSaved(p); setDialog(""); },
  });
  return (
    <>
      <Space wrap>
        <Button onClick={() => setDialog("heading")}>{rec.plan.addHeading}</Button>
        <Button onClick={() => setDialog("entry")} disabled={!plan.headings.length}>{rec.plan.addEntry}</Button>
        {/* the disabled button said nothing of why (trial 16): files go under a heading, so one comes first */}
        {!plan.headings.length && <Typography.Text type="secondary">{rec.plan.headingFirst}</Typography.Text>}
      </Space>
      <Modal open={!!dialog} title={dialog === "heading" ? rec.plan.addHeading : rec.plan.addEntry}
        okText={rec.plan.save} cancelText={rec.cancel} confirmLoading={save.isPending}
        onCancel={() => setDialog("")} destroyOnHidden
        onOk={() => void form.validateFields().then((v) => save.mutate(v), () => undefined)}>
        <Form form={form} layout="vertical" preserve={false} initialValues={{ heading: 0, retention_years: 10 }}>
          {dialog === "heading" ? (
            <>
              <Form.Item name="title" label={rec.plan.headingTitle}
                rules={[{ required: true, whitespace: true, message: rec.plan.required }]}>
                <Input maxLength={500} />
              </Form.Item>
              <Form.Item name="abbreviation" label={rec.plan.abbreviation} extra={rec.plan.abbreviationHelp}
                normalize={(v?: string) => (v ?? "").normalize("NFC")}
                rules={[{ required: true, whitespace: true, message: rec.plan.required },
                  { pattern: ABBREVIATION, message: rec.plan.abbreviationRule }]}>
                <Input maxLength={10} />
              </Form.Item>
            </>
          ) : (
            <>
              <Form.Item name="heading" label={rec.plan.heading}>
                <Select options={plan.headings.map((h, i) => ({ value: i, label: `${h.numeral}. ${h.title}` }))} />
              </Form.Item>
              <Form.Item name="title" label={rec.plan.entryTitle}
                rules={[{ required: true, whitespace: true, message: rec.plan.required }]}>
                <Input maxLength={500} />
              </Form.Item>
              <Form.Item name="retention_years" label={rec.plan.retentionYears} extra={rec.plan.retentionOther}>
                <RetentionSelect />
              </Form.Item>
              <Form.Item name="creator_subject" label={rec.plan.creator}>
                <CreatorPicker />
              </Form.Item>
              <Form.Item name="notes" label={rec.plan.notes}>
                <Input maxLength={500} />
              </Form.Item>
            </>
          )}
          {save.isError && <Alert type="error" showIcon message={save.error.message} />}
        </Form>
      </Modal>
    </>
  );
}

/** The PUT of a draft plan with a new outline (its title and numbering kept; the version as read). */
function putPlan(plan: Plan, headings: ReturnType<typeof outline>) {
  return { params: { path: { plan_id: plan.id } }, body: { version: plan.version, title: plan.title,
    numbering: plan.numbering === "per_heading" ? "per_heading" as const : "continuous" as const, headings } };
}

/** Sửa an entry of a draft plan (tiêu đề, thời hạn bảo quản, đơn vị lập, ghi chú): the outline is saved whole. */
function EntryEditor({ plan, entry, onClose, onSaved }: { plan: Plan; entry: PlanEntry | null; onClose: () => void;
  onSaved: (p: Plan) => void }) {
  const api = useApi();
  const [form] = Form.useForm<EntryChange>();
  const save = useMutation({
    mutationFn: async (v: EntryChange) => unwrap(await api.PUT("/api/v1/records/plans/{plan_id}",
      putPlan(plan, editEntry(outline(plan), entry?.id ?? "", v)))),
    onSuccess: (p) => { onSaved(p); onClose(); },
  });
  return (
    <Modal open={!!entry} title={rec.plan.editTitle} okText={rec.plan.save} cancelText={rec.cancel}
      confirmLoading={save.isPending} onCancel={onClose} destroyOnHidden
      onOk={() => void form.validateFields().then((v) => save.mutate(v), () => undefined)}>
      {entry && (
        <Form form={form} layout="vertical" preserve={false} initialValues={{ title: entry.title,
          retention_years: entry.retention_years, creator_subject: entry.creator_subject ?? "", notes: entry.notes }}>
          <Typography.Paragraph>{entry.notation}</Typography.Paragraph>
          <Form.Item name="title" label={rec.plan.entryTitle}
            rules={[{ required: true, whitespace: true, message: rec.plan.required }]}>
            <Input maxLength={500} />
          </Form.Item>
          <Form.Item name="retention_years" label={rec.plan.retentionYears} extra={rec.plan.retentionOther}
            rules={[{ required: true, message: rec.plan.required }]}>
            <RetentionSelect />
          </Form.Item>
          <Form.Item name="creator_subject" label={rec.plan.creator}
            extra={entry.creator && !entry.creator_subject ? rec.plan.creatorBefore(entry.creator) : undefined}>
            <CreatorPicker />
          </Form.Item>
          <Form.Item name="notes" label={rec.plan.notes}>
            <Input maxLength={500} />
          </Form.Item>
          {save.isError && <Alert type="error" showIcon message={save.error.message} />}
        </Form>
      )}
    </Modal>
  );
}

/** Phê duyệt: the leader approves a draft, naming the decision that issues it (số, ký hiệu and date) if there is one. */
function ApproveDialog({ plan, open, onClose, onApproved }: { plan: Plan; open: boolean; onClose: () => void;
  onApproved: (p: Plan) => void }) {
  const api = useApi();
  const [form] = Form.useForm<{ decision_number?: string; decision_date?: Dayjs }>();
  const approve = useMutation({
    mutationFn: async (v: { decision_number?: string; decision_date?: Dayjs }) => unwrap(await api.POST(
      "/api/v1/records/plans/{plan_id}/approve", { params: { path: { plan_id: plan.id } }, body: {
        version: plan.version, decision_number: (v.decision_number ?? "").trim().normalize("NFC"),
        decision_date: v.decision_date?.format("YYYY-MM-DD") ?? "" } })),
    onSuccess: (p) => { onApproved(p); onClose(); },
  });
  const both = ({ getFieldValue }: { getFieldValue: (name: string) => unknown }) => ({
    validator: async () => {
      const number = String(getFieldValue("decision_number") ?? "").trim();
      if (!number !== !getFieldValue("decision_date")) throw new Error(rec.plan.decisionBoth);
    },
  });
  return (
    <Modal open={open} title={rec.plan.approve} okText={rec.plan.approve} cancelText={rec.cancel}
      confirmLoading={approve.isPending} onCancel={onClose} destroyOnHidden
      onOk={() => void form.validateFields().then((v) => approve.mutate(v), () => undefined)}>
      <Typography.Paragraph>{rec.plan.approveConfirm}</Typography.Paragraph>
      <Form form={form} layout="vertical" preserve={false}>
        <Typography.Paragraph type="secondary">{rec.plan.decisionHelp}</Typography.Paragraph>
        <Form.Item name="decision_number" label={rec.plan.decisionNumber} rules={[both]}
          dependencies={["decision_date"]}>
          <Input maxLength={50} />
        </Form.Item>
        <Form.Item name="decision_date" label={rec.plan.decisionDate} rules={[both]} dependencies={["decision_number"]}>
          <DatePicker format="DD/MM/YYYY" placeholder="dd/mm/yyyy" />
        </Form.Item>
        {approve.isError && <Alert type="error" showIcon message={approve.error.message} />}
      </Form>
    </Modal>
  );
}

/**
 * The plan on a phone (under 768 px): its table squeezed five columns into 366 px, a letter a line in the headers
 * (trial 17). Here each heading is a line of its own and each entry a card: số, ký hiệu and thời hạn bảo quản, the
 * title, đơn vị/người lập, then what the person may do with it; everything wraps, nothing scrolls sideways.
 */
function PlanCards({ rows: list, loading, action }: { rows: Row[]; loading: boolean;
  action?: (entry: PlanEntry) => ReactNode }) {
  return (
    <List<Row> loading={loading} dataSource={list} rowKey="key" aria-label={rec.tabs.plans} data-testid="plan-cards"
      locale={{ emptyText: <span style={{ color: "#595959" }}>{rec.plan.empty}</span> }}
      renderItem={(r) => r.entry ? (
        <List.Item style={{ display: "block", padding: "8px 0" }} data-testid="plan-entry">
          <Space size={[8, 0]} wrap>
            <Typography.Text strong>{r.entry.notation}</Typography.Text>
            <span><Typography.Text type="secondary">{rec.plan.columns.retention}: </Typography.Text>
              <span>{rec.retention(r.entry.retention_years)}</span></span>
          </Space>
          <div style={{ overflowWrap: "break-word" }}>{r.label}</div>
          {!!r.entry.creator && (
            <div><Typography.Text type="secondary">{rec.plan.columns.creator}: </Typography.Text>
              <span>{r.entry.creator}</span></div>
          )}
          {action && <div style={{ marginTop: 4 }}>{action(r.entry)}</div>}
        </List.Item>
      ) : (
        <List.Item style={{ display: "block", padding: r.kind === "heading" ? "12px 0 4px" : "8px 0 4px" }}
          data-testid="plan-heading">
          <Typography.Text strong>{r.label}</Typography.Text>
        </List.Item>
      )} />
  );
}

/**
 * Danh mục hồ sơ of a year: the plan's headings and entries (số, ký hiệu; tiêu đề; thời hạn bảo quản; đơn vị lập);
 * the clerk or archivist drafts it (lập danh mục, thêm đề mục, thêm hồ sơ), the leader approves it (phê duyệt), and
 * once approved the people who keep files open one from an entry (lập hồ sơ).
 */
export function PlanView({ year }: { year: number }) {
  const api = useApi();
  const queries = useQueryClient();
  const navigate = useNavigate();
  const { message } = App.useApp();
  const nameOf = usePeopleNames();
  const [editing, setEditing] = useState<PlanEntry | null>(null);
  const [approving, setApproving] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const [returning, setReturning] = useState(false);
  const drafter = useHasRole(...PLAN_DRAFTERS);
  const keeper = useHasRole(...RECORD_KEEPERS);
  const leader = useHasRole("leader");
  const wide = Grid.useBreakpoint().md ?? false;
  const plans = useQuery({
    queryKey: ["records", "plans", year],
    queryFn: async () => unwrap(await api.GET("/api/v1/records/plans", { params: { query: { year } } })),
  });
  const list = plans.data?.plans ?? [];
  const chosen = list.find((p) => p.state === "draft" || p.state === "submitted")
    ?? list.find((p) => p.state === "approved") ?? list[0];
  // the list names the plans; the plan itself (its headings and entries) is read on its own
  const detail = useQuery({
    queryKey: ["records", "plan", chosen?.id],
    queryFn: async () => unwrap(await api.GET("/api/v1/records/plans/{plan_id}",
      { params: { path: { plan_id: chosen?.id ?? "" } } })),
    enabled: !!chosen,
  });
  const plan = detail.data && detail.data.id === chosen?.id ? detail.data : chosen;
  const saved = (p: Plan) => { queries.setQueryData(["records", "plan", p.id], p); };
  // a new plan needs its title (the service refuses none); a new version keeps the approved plan's
  const [title, setTitle] = useState(() => rec.plan.defaultTitle(year));
  const create = useMutation({
    mutationFn: async (revise: string) => unwrap(await api.POST("/api/v1/records/plans",
      { body: { year, title: revise ? "" : title.trim().normalize("NFC"), revise_plan_id: revise } })),
    onSuccess: async () => { await queries.invalidateQueries({ queryKey: ["records", "plans", year] });
      void message.success(rec.plan.created); },
  });
  const changed = async (p: Plan, done: string) => { queries.setQueryData(["records", "plan", p.id], p);
    await queries.invalidateQueries({ queryKey: ["records", "plans", year] });
    void message.success(done); };
  const approved = (p: Plan) => changed(p, rec.plan.approved);
  const entries = plan ? plan.headings.some((h) => h.entries.length || h.subheadings.some((s) => s.entries.length))
    : false;
  const open = useMutation({
    mutationFn: async (entry: PlanEntry) => unwrap(await api.POST("/api/v1/records/files",
      { body: { plan_entry_id: entry.id, title: "", notation: "", language: "", rights: "", description: "", unit: "",
        year: 0 } })),
    onSuccess: async (file) => { await queries.invalidateQueries({ queryKey: ["records", "files"] });
      void message.success(rec.plan.opened); navigate(`/ho-so/${file.id}`); },
  });
  const createOnce = useSingleFlight(create);
  const openOnce = useSingleFlight(open);
  const error = create.error ?? open.error;
  if (plans.isError) return <Alert type="error" showIcon message={plans.error.message} />;
  if (!plans.isLoading && !plan) {
    return (
      <Space direction="vertical">
        <Alert type="info" showIcon message={rec.plan.none(year)} data-testid="plan-none"
          description={drafter ? rec.plan.noneDrafter : rec.plan.noneOthers(year)} />
        {drafter && (
          <Form layout="vertical" style={{ maxWidth: 560 }} onFinish={() => createOnce("")}>
            <Form.Item label={rec.plan.title} htmlFor="plan-title" required>
              <Input id="plan-title" value={title} maxLength={500} onChange={(e) => setTitle(e.target.value)} />
            </Form.Item>
            <Button type="primary" htmlType="submit" loading={create.isPending} disabled={!title.trim()}>
              {rec.plan.create(year)}</Button>
          </Form>
        )}
        {error && <Alert type="error" showIcon message={error.message} />}
      </Space>
    );
  }
  // what a person does with an entry: the drafter edits it in a draft, a keeper opens a file from the approved plan
  const action = plan?.state === "draft" && drafter
    ? (entry: PlanEntry) => (
      <Button size="small" aria-label={rec.plan.editLabel(entry.title)} onClick={() => setEditing(entry)}>
        {rec.plan.edit}</Button>)
    : plan?.state === "approved" && keeper
      ? (entry: PlanEntry) => (
        <Button size="small" loading={open.isPending && open.variables?.id === entry.id}
          aria-label={`${rec.plan.openFile}: ${entry.title}`} onClick={() => openOnce(entry)}>
          {rec.plan.openFile}
        </Button>)
      : undefined;
  return (
    <Space direction="vertical" size="middle" style={{ width: "100%" }}>
      {plan && (
        <Space wrap align="center">
          <Typography.Text strong>{plan.title}</Typography.Text>
          <Tag color={STATE_COLOR[plan.state]} data-testid="plan-state">{rec.plan.state[plan.state] ?? plan.state}</Tag>
          <Typography.Text>{rec.plan.version(plan.plan_version)}</Typography.Text>
          {plan.created_by && <Typography.Text>{rec.plan.createdBy(nameOf(plan.created_by))}</Typography.Text>}
          {plan.approved_at && <Typography.Text>{rec.plan.approvedBy(nameOf(plan.approved_by), formatDateTime(plan.approved_at))}</Typography.Text>}
          {plan.decision_number && <Typography.Text data-testid="plan-decision">
            {rec.plan.decision(plan.decision_number, formatDate(plan.decision_date))}</Typography.Text>}
          {plan.state === "submitted" && plan.submitted_at && <Typography.Text>
            {rec.plan.submittedBy(nameOf(plan.submitted_by), formatDateTime(plan.submitted_at))}</Typography.Text>}
        </Space>
      )}
      {plan?.state === "draft" && plan.return_reason && (
        <Alert type="warning" showIcon data-testid="plan-returned" message={rec.plan.returned(plan.return_reason)} />
      )}
      {plan?.state === "submitted" && !leader && <Alert type="info" showIcon message={rec.plan.waiting} />}
      {plan?.state === "draft" && (
        <Space wrap>
          {drafter && <DraftEditor plan={plan} onSaved={saved} />}
          {drafter && (
            <Button type="primary" disabled={!entries} onClick={() => setSubmitting(true)}>{rec.plan.submit}</Button>
          )}
          {drafter && <SubmitDialog plan={plan} open={submitting} onClose={() => setSubmitting(false)}
            onDone={(p) => void changed(p, rec.plan.submitted)} />}
          {/* a leader may approve a draft directly (the service allows it), but not one they returned and that was
              not submitted again: its drafter is still correcting it */}
          {leader && !plan.return_reason && (
            <Button type="primary" disabled={!plan.headings.length} onClick={() => setApproving(true)}>
              {rec.plan.approve}
            </Button>
          )}
          {leader && <ApproveDialog plan={plan} open={approving} onClose={() => setApproving(false)}
            onApproved={(p) => void approved(p)} />}
          {drafter && <EntryEditor plan={plan} entry={editing} onClose={() => setEditing(null)} onSaved={saved} />}
        </Space>
      )}
      {plan?.state === "submitted" && leader && (
        <Space wrap>
          <Button type="primary" onClick={() => setApproving(true)}>{rec.plan.approve}</Button>
          <Button danger onClick={() => setReturning(true)}>{rec.plan.return}</Button>
          <ApproveDialog plan={plan} open={approving} onClose={() => setApproving(false)}
            onApproved={(p) => void approved(p)} />
          <ReturnDialog plan={plan} open={returning} onClose={() => setReturning(false)}
            onDone={(p) => void changed(p, rec.plan.returnedDone)} />
        </Space>
      )}
      {plan?.state === "approved" && drafter && (
        <Button onClick={() => createOnce(plan.id)} loading={create.isPending}>{rec.plan.revise}</Button>
      )}
      {error && <Alert type="error" showIcon message={error.message} />}
      {wide ? (
        <Table<Row> size="small" rowKey="key" pagination={false} loading={plans.isLoading || detail.isLoading}
          scroll={{ x: true }}
          dataSource={plan ? rows(plan) : []} locale={{ emptyText: <span style={{ color: "#595959" }}>{rec.plan.empty}</span> }}
          aria-label={rec.tabs.plans}
          columns={[
            { title: rec.plan.columns.notation, key: "notation", render: (_, r) => r.entry?.notation ?? "" },
            { title: rec.plan.columns.title, key: "title",
              render: (_, r) => r.kind === "entry" ? r.label : <Typography.Text strong>{r.label}</Typography.Text> },
            { title: rec.plan.columns.retention, key: "retention",
              render: (_, r) => r.entry ? rec.retention(r.entry.retention_years) : "" },
            { title: rec.plan.columns.creator, key: "creator", render: (_, r) => r.entry?.creator ?? "" },
            ...(action ? [{ title: rec.plan.columns.action, key: "action",
              render: (_: unknown, r: Row) => r.entry ? action(r.entry) : null }] : []),
          ]} />
      ) : (
        <PlanCards rows={plan ? rows(plan) : []} loading={plans.isLoading || detail.isLoading} action={action} />
      )}
    </Space>
  );
}
