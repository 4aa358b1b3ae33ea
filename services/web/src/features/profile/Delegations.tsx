import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Card, Form, Input, List, Modal, Popconfirm, Radio, Space, Tag, Typography } from "antd";
import { useEffect, useState } from "react";
import { unwrap, type Delegation, type PersonEntry } from "../../api/client";
import { useApi } from "../../api/ApiProvider";
import { useAuth } from "../../auth/AuthProvider";
import { DateField, dateRule, isInvalidDate } from "../../components/DateField";
import { FieldSelect } from "../../components/FieldSelect";
import { formatDate } from "../../components/dates";
import { common } from "../../components/messages";
import { vietnamToday } from "../work/deadline";
import { delegationState, receivedBy, useDelegations, type DelegationState } from "../work/delegations";
import { prof } from "./messages";
import { foldFilter } from "../../components/fold";

const t = prof.delegation;
/** The last day a delegation may reach: the workflow refuses 366 days or more (domain/delegation.py MAX_DAYS). */
const MAX_SPAN_DAYS = 365;
/** Solid tags (white text: AA contrast; antd's light presets are not). */
const STATE_COLORS: Record<DelegationState, string | undefined> = { active: "#237804", pending: "#0958d9",
  expired: undefined, revoked: "#a8071a" };

/** ``iso`` (YYYY-MM-DD) plus ``days`` calendar days. */
export function addDays(iso: string, days: number): string {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** "Họ tên — Chức vụ" (the username when the identity provider has no title). */
export function personLabel(p: PersonEntry): string {
  return p.title ? `${p.name} — ${p.title}` : `${p.name || p.username} (${p.username})`;
}

interface Values {
  scope: string;
  deputy?: string;
  valid_from?: string;
  valid_to?: string;
  competence: "KT." | "TUQ.";
  deputy_position?: string;
  reason?: string;
}

/**
 * Ủy quyền mới: whose tasks (a leader their own; a head a unit they head — the workflow lets a head delegate only the
 * unit's), to whom (a person of the agency, of the unit for a unit's tasks, found by typing the name), from when to
 * when (at most a year: the last day allowed is shown), with which competence (each explained: TUQ.; KT. only for a
 * leader's own tasks given to another leader, the agency head's deputy, as Decree 30/2020 Art. 13 has it), the
 * deputy's position (filled from the chosen person's title) and why. ``onClose`` once the workflow has it; a refusal
 * is shown as the gateway says it (Vietnamese). Rendered while open.
 */
function DelegationForm({ today, onClose }: { today: string; onClose: () => void }) {
  const api = useApi();
  const queries = useQueryClient();
  const { message } = App.useApp();
  const { person } = useAuth();
  const [form] = Form.useForm<Values>();
  const leader = !!person?.roles.includes("leader");
  const head = !!person?.roles.includes("head");
  const people = useQuery({ queryKey: ["people"], queryFn: async () => unwrap(await api.GET("/api/v1/people")),
    staleTime: 300_000 });
  const units = useQuery({ queryKey: ["units"], queryFn: async () => unwrap(await api.GET("/api/v1/units")),
    staleTime: 300_000, enabled: head });
  const mine = (units.data ?? []).filter((u) => u.active && u.head_username === person?.username);
  const scopes = [...(leader ? [{ value: "", label: t.ownTasks }] : []),
    ...mine.map((u) => ({ value: u.code, label: t.unitTasks(u.name) }))];
  const scope = (Form.useWatch("scope", form) as string | undefined) ?? "";
  const firstUnit = mine[0]?.code ?? "";
  // a head who is not a leader delegates a unit they head: the first one, once the units are read
  useEffect(() => {
    if (!leader && firstUnit && !form.getFieldValue("scope")) form.setFieldValue("scope", firstUnit);
  }, [leader, firstUnit, form]);
  const members = useQuery({
    queryKey: ["members", scope],
    queryFn: async () => unwrap(await api.GET("/api/v1/units/{code}/members", { params: { path: { code: scope } } })),
    staleTime: 300_000, enabled: !!scope,
  });
  const inUnit = new Set((members.data ?? []).map((m) => m.subject));
  const candidates = (people.data ?? []).filter((p) => p.enabled && p.username !== person?.username
    && (!scope || inUnit.has(p.subject)))
    .sort((a, b) => a.name.localeCompare(b.name, "vi"));
  const from = Form.useWatch("valid_from", form) as string | undefined;
  const deputy = Form.useWatch("deputy", form) as string | undefined;
  // KT. (ký thay) is a deputy of the agency's head signing for them (Decree 30/2020 Art. 13): offered only for a
  // leader's own tasks given to another leader of the agency; the workflow refuses it otherwise
  const ktAllowed = !scope && !!candidates.find((p) => p.subject === deputy)?.leader;
  const competences = ktAllowed ? ["KT.", "TUQ."] : ["TUQ."];
  const competence = (Form.useWatch("competence", form) as string | undefined) ?? "TUQ.";
  useEffect(() => {
    if (!ktAllowed && form.getFieldValue("competence") === "KT.") form.setFieldValue("competence", "TUQ.");
  }, [ktAllowed, form]);
  const start = from && !isInvalidDate(from) ? from : today;
  const last = addDays(start, MAX_SPAN_DAYS);
  const create = useMutation({
    mutationFn: async (v: Values) => unwrap(await api.POST("/api/v1/workflow/delegations", { body: {
      deputy: v.deputy ?? "", unit_code: v.scope ?? "", valid_from: v.valid_from ?? "", valid_to: v.valid_to ?? "",
      competence: v.competence, deputy_position: (v.deputy_position ?? "").trim().normalize("NFC"),
      reason: (v.reason ?? "").trim().normalize("NFC") } })),
    onSuccess: async () => {
      await queries.invalidateQueries({ queryKey: ["delegations"] });
      void message.success(t.created);
      onClose();
    },
  });
  const toRules = [{ required: true, message: t.toRequired }, dateRule, {
    validator: async (_: unknown, value: unknown) => {
      if (typeof value !== "string" || isInvalidDate(value)) return;
      if (from && !isInvalidDate(from) && value < from) throw new Error(t.toBeforeFrom);
      if (value < today) throw new Error(t.toPast);
      if (value > last) throw new Error(t.tooLong(formatDate(last)));
    } }];
  return (
    <Modal open title={t.create} okText={t.send} cancelText={t.cancel} confirmLoading={create.isPending}
      onCancel={onClose} destroyOnHidden
      onOk={() => void form.validateFields().then((v) => create.mutate(v), () => undefined)}>
      <Form form={form} layout="vertical" preserve={false}
        initialValues={{ scope: leader ? "" : firstUnit, valid_from: today, competence: "TUQ." }}>
        {scopes.length > 1 ? (
          <Form.Item name="scope" label={t.scope} rules={[{ required: true, message: t.scopeRequired }]}>
            <Radio.Group options={scopes} onChange={() => form.setFieldValue("deputy", undefined)} />
          </Form.Item>
        ) : (
          <>
            <Form.Item name="scope" hidden><Input /></Form.Item>
            <Typography.Paragraph data-testid="delegation-scope">{t.scope}: {scopes[0]?.label ?? ""}</Typography.Paragraph>
          </>
        )}
        <Form.Item name="deputy" label={t.deputy} extra={scope ? t.unitDeputyHelp : t.deputyHelp}
          rules={[{ required: true, message: t.deputyRequired }]}>
          <FieldSelect showSearch loading={people.isLoading || members.isLoading}
            options={candidates.map((p) => ({ value: p.subject, label: personLabel(p) }))}
            filterOption={foldFilter}
            onChange={(subject: string) => {
              const chosen = candidates.find((p) => p.subject === subject);
              form.setFieldValue("deputy_position", chosen?.title ?? "");
            }} />
        </Form.Item>
        <Space wrap align="start">
          <Form.Item name="valid_from" label={t.from} rules={[{ required: true, message: t.fromRequired }, dateRule]}>
            <DateField />
          </Form.Item>
          <Form.Item name="valid_to" label={t.to} rules={toRules} dependencies={["valid_from"]}>
            {/* no min/max: a typed day outside them would be dropped silently; the rules above say why instead */}
            <DateField />
          </Form.Item>
        </Space>
        <Typography.Paragraph type="secondary" data-testid="delegation-max" style={{ marginTop: -8 }}>
          {t.maxYear(formatDate(last))}
        </Typography.Paragraph>
        <Form.Item name="competence" label={t.competence} extra={<>{t.competenceHelp[competence]}
          {!ktAllowed && <div data-testid="kt-only-deputies">{t.ktOnlyDeputies}</div>}</>}>
          <Radio.Group options={competences.map((c) => ({ value: c, label: t.competences[c] }))} />
        </Form.Item>
        <Form.Item name="deputy_position" label={t.position} extra={t.positionHelp}>
          <Input maxLength={100} />
        </Form.Item>
        <Form.Item name="reason" label={t.reason}>
          <Input.TextArea rows={2} maxLength={500} placeholder={t.reasonPlaceholder} />
        </Form.Item>
        {create.isError && <Alert type="error" showIcon message={create.error.message} />}
      </Form>
    </Modal>
  );
}

/**
 * Ủy quyền on the person's own page: the delegations they gave and received (a leader: the agency's), newest first,
 * each with whose tasks, the competence, the period (dd/mm/yyyy) and where it stands; leaders and heads create one
 * (Ủy quyền mới) and end one they gave — a leader any of the agency's — with Thu hồi ủy quyền, after confirming.
 * Others see the section only when someone delegated to them. ``today``: Vietnam date (tests give one).
 */
export function Delegations({ today = vietnamToday() }: { today?: string }) {
  const api = useApi();
  const queries = useQueryClient();
  const { message } = App.useApp();
  const { person } = useAuth();
  const leader = !!person?.roles.includes("leader");
  const gives = leader || !!person?.roles.includes("head");
  const [creating, setCreating] = useState(false);
  const list = useDelegations();
  const shown = gives ? list.data ?? [] : (list.data ?? []).filter((d) => receivedBy(d, person));
  const units = useQuery({ queryKey: ["units"], queryFn: async () => unwrap(await api.GET("/api/v1/units")),
    staleTime: 300_000, enabled: shown.some((d) => !!d.unit_code) });
  const unitName = (code: string) => units.data?.find((u) => u.code === code)?.name ?? code;
  const revoke = useMutation({
    mutationFn: async (d: Delegation) => unwrap(await api.POST("/api/v1/workflow/delegations/{delegation_id}/revoke",
      { params: { path: { delegation_id: d.id } } })),
    onSuccess: async () => {
      await queries.invalidateQueries({ queryKey: ["delegations"] });
      void message.success(t.revoked);
    },
  });
  if (!gives && !shown.length) return null;
  return (
    <Card title={<h2 style={{ fontSize: 17, margin: 0 }}>{t.title}</h2>} style={{ marginBottom: 16 }}
      extra={gives && <Button type="primary" onClick={() => setCreating(true)}>{t.create}</Button>}>
      {gives && <Typography.Paragraph type="secondary">{t.help}{leader ? ` ${t.leaderSees}` : ""}</Typography.Paragraph>}
      {list.isError && <Alert type="error" showIcon message={common.error} description={list.error.message} />}
      {revoke.isError && <Alert type="error" showIcon message={revoke.error.message} style={{ marginBottom: 8 }} />}
      <List loading={list.isLoading} dataSource={shown} locale={{ emptyText: <Typography.Text>{t.empty}</Typography.Text> }} aria-label={t.title}
        renderItem={(d) => {
          const state = delegationState(d, today);
          const canRevoke = (state === "active" || state === "pending")
            && (leader || d.delegator_username === person?.username);
          return (
            <List.Item data-testid="delegation" actions={canRevoke ? [
              <Popconfirm key="revoke" title={t.revokeConfirm} description={t.revokeWhat(d.deputy_name)}
                okText={t.revokeOk} cancelText={t.cancel} okButtonProps={{ danger: true, loading: revoke.isPending }}
                onConfirm={() => revoke.mutateAsync(d).catch(() => undefined)}>
                <Button danger>{t.revoke}</Button>
              </Popconfirm>] : []}>
              <List.Item.Meta
                title={<Space wrap size={4}>
                  <span>{d.delegator_name || d.delegator_username} → {d.deputy_name}</span>
                  <Tag color={STATE_COLORS[state]} data-testid="delegation-state">{t.states[state]}</Tag>
                </Space>}
                description={<Space direction="vertical" size={0}>
                  <span>{t.scope}: {d.unit_code ? t.unitTasks(unitName(d.unit_code)) : t.ownTasks}</span>
                  <span>{t.competence}: {t.competences[d.competence] ?? d.competence}
                    {d.deputy_position ? ` — ${d.deputy_position}` : ""}</span>
                  <span data-testid="delegation-period">{t.period}: {t.periodText(formatDate(d.valid_from),
                    formatDate(d.valid_to))}</span>
                  {d.reason && <span>{t.reason}: {d.reason}</span>}
                </Space>} />
            </List.Item>
          );
        }} />
      {gives && creating && <DelegationForm today={today} onClose={() => setCreating(false)} />}
    </Card>
  );
}
