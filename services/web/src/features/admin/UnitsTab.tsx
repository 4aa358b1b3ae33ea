import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  Alert, App, Button, Checkbox, Form, Input, Modal, Popconfirm, Select, Space, Table, Tag, Typography,
  type TableColumnsType,
} from "antd";
import { useState } from "react";
import { ApiError, unwrap, type Member, type Unit } from "../../api/client";
import { useApi } from "../../api/ApiProvider";
import type { components } from "../../api/schema";
import { FieldSelect, READABLE_OPTIONS } from "../../components/FieldSelect";
import { common } from "../../components/messages";
import { SEARCH_DELAY_MS, useDebounced } from "../outgoing/RecipientPicker";
import { adm } from "./messages";
import { usePeopleNames } from "../work/people";

type Position = components["schemas"]["MemberIn"]["position"];
type Kind = components["schemas"]["UnitIn"]["kind"];
const t = adm.units;
const KINDS: Kind[] = ["office", "division", "board", "section", "other"];
const POSITIONS: Position[] = ["head", "deputy", "officer", "staff"];
/** The registry's unit codes (services/gateway routes/units.py UnitCode). */
export const UNIT_CODE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$/;

function UnitDialog({ unit, units, onClose }: { unit?: Unit; units: Unit[]; onClose: () => void }) {
  const api = useApi();
  const queries = useQueryClient();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ code: string; name: string; kind: Kind; parent_code?: string; active: boolean }>();
  const save = useMutation({
    mutationFn: async (v: { code: string; name: string; kind: Kind; parent_code?: string; active: boolean }) =>
      unwrap(await api.PUT("/api/v1/units/{code}", {
        params: { path: { code: unit?.code ?? v.code.trim() } },
        body: { name: v.name.trim().normalize("NFC"), kind: v.kind, parent_code: v.parent_code || null,
          active: v.active } })),
    onSuccess: async () => {
      await queries.invalidateQueries({ queryKey: ["admin-units"] });
      void message.success(adm.saved);
      onClose();
    },
  });
  const title = unit ? t.editTitle(unit.name) : t.addTitle;
  return (
    <Modal open title={title} onCancel={onClose} cancelText={common.cancel} okText={adm.save}
      onOk={() => form.submit()} confirmLoading={save.isPending}>
      <Form form={form} layout="vertical" aria-label={title} onFinish={(v) => save.mutate(v)}
        initialValues={unit ? { ...unit, parent_code: unit.parent_code ?? undefined } : { kind: "division", active: true }}>
        {!unit && (
          <Form.Item name="code" label={t.code} rules={[{ required: true, whitespace: true, message: t.codeRequired },
            { pattern: UNIT_CODE, message: t.codeInvalid }]}>
            <Input maxLength={20} style={{ maxWidth: 200 }} />
          </Form.Item>
        )}
        <Form.Item name="name" label={t.name} rules={[{ required: true, whitespace: true, message: t.nameRequired }]}>
          <Input maxLength={200} />
        </Form.Item>
        <Form.Item name="kind" label={t.kind}>
          <FieldSelect options={KINDS.map((k) => ({ value: k, label: t.kinds[k] }))} style={{ maxWidth: 240 }} />
        </Form.Item>
        <Form.Item name="parent_code" label={t.parent}>
          <FieldSelect allowClear options={units.filter((u) => u.code !== unit?.code)
            .map((u) => ({ value: u.code, label: u.name }))} />
        </Form.Item>
        <Form.Item name="active" valuePropName="checked"><Checkbox>{t.active}</Checkbox></Form.Item>
        {save.isError && <Alert type="error" showIcon message={save.error.message} />}
      </Form>
    </Modal>
  );
}

/** Thêm thành viên: a person of the agency (the identity provider's list, searched as the admin types). */
function AddMember({ unit }: { unit: Unit }) {
  const api = useApi();
  const queries = useQueryClient();
  const { message } = App.useApp();
  const [text, setText] = useState("");
  const [subject, setSubject] = useState<string | undefined>();
  const [position, setPosition] = useState<Position>("officer");
  const [missing, setMissing] = useState(false);
  const typed = useDebounced(text.trim(), SEARCH_DELAY_MS);
  const people = useQuery({
    queryKey: ["people", typed],
    queryFn: async () => unwrap(await api.GET("/api/v1/people", { params: { query: typed ? { q: typed } : {} } })),
  });
  const add = useMutation({
    mutationFn: async () => unwrap(await api.PUT("/api/v1/units/{code}/members/{subject}", {
      params: { path: { code: unit.code, subject: subject ?? "" } }, body: { position } })),
    onSuccess: async () => {
      await queries.invalidateQueries({ queryKey: ["admin-units"] });
      void message.success(adm.saved);
      setSubject(undefined);
    },
  });
  return (
    <Space wrap align="start" style={{ marginBottom: 12 }}>
      <Select {...READABLE_OPTIONS} showSearch filterOption={false} value={subject} onSearch={setText} placeholder={t.choosePerson}
        aria-label={t.person} style={{ width: 280, maxWidth: "100%" }} loading={people.isFetching}
        onChange={(v: string) => { setSubject(v); setMissing(false); }}
        options={(people.data ?? []).filter((p) => p.enabled)
          .map((p) => ({ value: p.subject, label: `${p.name} (${p.username})` }))} />
      <Select value={position} onChange={setPosition} aria-label={t.position} style={{ width: 190 }}
        options={POSITIONS.map((p) => ({ value: p, label: t.positions[p] }))} />
      <Button type="primary" loading={add.isPending}
        onClick={() => (subject ? add.mutate() : setMissing(true))}>
        {t.addMember}
      </Button>
      {missing && <Typography.Text type="danger" role="alert">{t.personRequired}</Typography.Text>}
      {add.isError && <Typography.Text type="danger" role="alert">{add.error.message}</Typography.Text>}
    </Space>
  );
}

function Members({ unit }: { unit: Unit }) {
  const api = useApi();
  const queries = useQueryClient();
  const { message } = App.useApp();
  const members = useQuery({
    queryKey: ["admin-units", "members", unit.code],
    queryFn: async () => unwrap(await api.GET("/api/v1/units/{code}/members", { params: { path: { code: unit.code } } })),
  });
  const refresh = async () => queries.invalidateQueries({ queryKey: ["admin-units"] });
  const makeHead = useMutation({
    mutationFn: async (m: Member) => unwrap(await api.PUT("/api/v1/units/{code}/members/{subject}", {
      params: { path: { code: unit.code, subject: m.subject } }, body: { position: "head" } })),
    onSuccess: async () => { await refresh(); void message.success(adm.saved); },
    onError: (e: Error) => void message.error(e.message),
  });
  const remove = useMutation({
    mutationFn: async (m: Member) => {
      const reply = await api.DELETE("/api/v1/units/{code}/members/{subject}", {
        params: { path: { code: unit.code, subject: m.subject } } });
      if (!reply.response.ok) throw new ApiError(reply.response.status, (reply.error ?? {}) as object);
    },
    onSuccess: async () => { await refresh(); void message.success(t.removed); },
    onError: (e: Error) => void message.error(e.message),
  });
  const columns: TableColumnsType<Member> = [
    { title: t.person, key: "name", render: (_: unknown, m) => `${m.name} (${m.username})` },
    { title: t.position, dataIndex: "position", key: "position", width: 170,
      render: (p: string) => t.positions[p] ?? p },
    {
      title: "", key: "actions", width: 280,
      render: (_: unknown, m) => (
        <Space wrap>
          {m.position !== "head" && (
            <Button size="small" onClick={() => makeHead.mutate(m)} aria-label={`${t.makeHead}: ${m.name}`}>
              {t.makeHead}
            </Button>
          )}
          <Popconfirm title={t.removeConfirm(m.name, unit.name)} okText={adm.remove} cancelText={common.cancel}
            onConfirm={() => remove.mutate(m)}>
            <Button size="small" danger aria-label={`${adm.remove}: ${m.name}`}>{adm.remove}</Button>
          </Popconfirm>
        </Space>
      ),
    },
  ];
  return (
    <section aria-label={t.members(unit.name)}>
      <Typography.Title level={3} style={{ fontSize: 16 }}>{t.members(unit.name)}</Typography.Title>
      <AddMember unit={unit} />
      <Table<Member> rowKey="subject" size="small" loading={members.isLoading} columns={columns}
        dataSource={members.data ?? []} pagination={false} scroll={{ x: 600 }} aria-label={t.members(unit.name)}
        locale={{ emptyText: <span style={{ color: "#595959" }}>{t.noMembers}</span> }} />
    </section>
  );
}

/** Đơn vị và thành viên: the agency's units (also the inactive ones), each one's head and people (admin). */
export function UnitsTab() {
  const api = useApi();
  const [chosen, setChosen] = useState("");
  const [dialog, setDialog] = useState<{ unit?: Unit } | null>(null);
  const units = useQuery({
    queryKey: ["admin-units", "list"],
    queryFn: async () => unwrap(await api.GET("/api/v1/units", { params: { query: { include_inactive: true } } })),
  });
  const nameOf = usePeopleNames();
  const list = units.data ?? [];
  const unit = list.find((u) => u.code === chosen);
  const columns: TableColumnsType<Unit> = [
    { title: t.code, dataIndex: "code", key: "code", width: 100 },
    { title: t.name, dataIndex: "name", key: "name",
      render: (name: string, u) => <>{name}{!u.active && <Tag style={{ marginLeft: 8 }}>{t.inactive}</Tag>}</> },
    { title: t.kind, dataIndex: "kind", key: "kind", width: 110, render: (k: string) => t.kinds[k] ?? k },
    { title: t.head, dataIndex: "head_username", key: "head", width: 160,
      render: (h: string | null) => (h ? nameOf(h) : <span style={{ color: "#595959" }}>{t.noHead}</span>) },
    {
      title: "", key: "actions", width: 200,
      render: (_: unknown, u) => (
        <Space wrap>
          <Button size="small" aria-pressed={u.code === chosen} onClick={() => setChosen(u.code)}
            aria-label={t.members(u.name)}>
            {t.membersButton}
          </Button>
          <Button size="small" onClick={() => setDialog({ unit: u })} aria-label={`${adm.edit} ${u.name}`}>
            {adm.edit}
          </Button>
        </Space>
      ),
    },
  ];
  if (units.isError) return <Alert type="error" showIcon message={common.error} description={units.error.message} />;
  return (
    <>
      <Typography.Paragraph>{t.intro}</Typography.Paragraph>
      <Button type="primary" onClick={() => setDialog({})} style={{ marginBottom: 12 }}>{t.add}</Button>
      <Table<Unit> rowKey="code" size="small" loading={units.isLoading} columns={columns} dataSource={list}
        rowClassName={(u) => (u.code === chosen ? "ant-table-row-selected" : "")}
        pagination={false} scroll={{ x: 700 }} aria-label={adm.tabs.units} style={{ marginBottom: 16 }} />
      {unit ? <Members unit={unit} /> : <Typography.Paragraph type="secondary">{t.choose}</Typography.Paragraph>}
      {dialog && <UnitDialog unit={dialog.unit} units={list} onClose={() => setDialog(null)} />}
    </>
  );
}
