import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  Alert, App, Breadcrumb, Button, DatePicker, Form, Input, Modal, Space, Table, Tag, Typography, type TableColumnsType,
} from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useState } from "react";
import { unwrap } from "../../api/client";
import { useApi } from "../../api/ApiProvider";
import type { components } from "../../api/schema";
import { common } from "../../components/messages";
import { adm } from "./messages";

type Agency = components["schemas"]["AgencyOut"];
type AgencyBody = components["schemas"]["AgencyIn"];
const t = adm.agencies;
/** The directory's identifier codes (Decision 20/2020/QĐ-TTg shape, e.g. 000.00.02.H61; up to 35 characters). */
const CODE = /^[A-Za-z0-9._-]{1,35}$/;

interface Values {
  code?: string;
  name?: string;
  short_name?: string;
  place?: string;
  address?: string;
  email?: string;
  phone?: string;
  valid_from?: Dayjs | null;
  valid_to?: Dayjs | null;
}

const nfc = (s: string | undefined) => (s ?? "").trim().normalize("NFC");

/** The body of ``PUT /api/v1/agencies/{code}`` from the form: the parent as stored (an edit never moves an entry). */
export function agencyBody(v: Values, parentCode: string | null, level: number | null): AgencyBody {
  return {
    name: nfc(v.name), short_name: nfc(v.short_name), place: nfc(v.place), address: nfc(v.address),
    email: nfc(v.email), phone: nfc(v.phone), parent_code: parentCode, level,
    valid_from: v.valid_from ? v.valid_from.format("YYYY-MM-DD") : null,
    valid_to: v.valid_to ? v.valid_to.format("YYYY-MM-DD") : null, source: "",
  };
}

function AgencyDialog({ agency, parent, onClose }: { agency?: Agency; parent: Agency; onClose: () => void }) {
  const api = useApi();
  const queries = useQueryClient();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const save = useMutation({
    mutationFn: async (v: Values) => {
      const code = agency?.code ?? nfc(v.code);
      const body = agency
        ? { ...agencyBody(v, agency.parent_code, agency.level), source: agency.source }
        : agencyBody(v, parent.code, null);
      return unwrap(await api.PUT("/api/v1/agencies/{code}", { params: { path: { code } }, body }));
    },
    onSuccess: async (written) => {
      await queries.invalidateQueries({ queryKey: ["admin-agencies"] });
      const notes = written.warnings.map((w) => w.message).join("; ");
      void message.success(notes ? `${adm.saved} ${t.warnings}: ${notes}` : adm.saved);
      onClose();
    },
  });
  const title = agency ? t.editTitle(agency.name) : t.addTitle(parent.name);
  return (
    <Modal open title={title} onCancel={onClose} cancelText={common.cancel} okText={adm.save}
      onOk={() => form.submit()} confirmLoading={save.isPending}>
      <Form form={form} layout="vertical" aria-label={title} onFinish={(v) => save.mutate(v)} initialValues={agency ? {
        ...agency, valid_from: agency.valid_from ? dayjs(agency.valid_from) : null,
        valid_to: agency.valid_to ? dayjs(agency.valid_to) : null } : {}}>
        {!agency && (
          <Form.Item name="code" label={t.code} rules={[{ required: true, whitespace: true, message: t.codeRequired },
            { pattern: CODE, message: t.codeInvalid }]}>
            <Input maxLength={35} style={{ maxWidth: 240 }} />
          </Form.Item>
        )}
        <Form.Item name="name" label={t.name} rules={[{ required: true, whitespace: true, message: t.nameRequired }]}>
          <Input maxLength={300} />
        </Form.Item>
        <Space wrap align="start">
          <Form.Item name="short_name" label={t.shortName}><Input maxLength={100} /></Form.Item>
          <Form.Item name="place" label={t.place} extra={t.placeHelp}><Input maxLength={100} /></Form.Item>
        </Space>
        <Form.Item name="address" label={t.address}><Input maxLength={300} /></Form.Item>
        <Space wrap align="start">
          <Form.Item name="email" label={t.email} rules={[{ type: "email", message: t.emailInvalid }]}>
            <Input maxLength={200} />
          </Form.Item>
          <Form.Item name="phone" label={t.phone}><Input maxLength={50} /></Form.Item>
        </Space>
        <Space wrap align="start">
          <Form.Item name="valid_from" label={t.validFrom}>
            <DatePicker format="DD/MM/YYYY" placeholder="dd/mm/yyyy" />
          </Form.Item>
          <Form.Item name="valid_to" label={t.validTo}>
            <DatePicker format="DD/MM/YYYY" placeholder="dd/mm/yyyy" />
          </Form.Item>
        </Space>
        {save.isError && <Alert type="error" showIcon message={save.error.message} />}
      </Form>
    </Modal>
  );
}

/**
 * Danh bạ cơ quan: the administrator's own agency and the entries under it (the only ones the registry lets them
 * change: policy.py UpsertAgency), a level at a time; edit one, or add one under the agency shown.
 */
export function AgenciesTab({ own }: { own: string }) {
  const api = useApi();
  const [trail, setTrail] = useState<Agency[]>([]);
  const [dialog, setDialog] = useState<{ agency?: Agency } | null>(null);
  const root = useQuery({
    queryKey: ["admin-agencies", "one", own],
    queryFn: async () => unwrap(await api.GET("/api/v1/agencies/{code}", { params: { path: { code: own } } })),
    enabled: !!own,
  });
  const current = trail[trail.length - 1] ?? root.data;
  const children = useQuery({
    queryKey: ["admin-agencies", "children", current?.code],
    queryFn: async () => unwrap(await api.GET("/api/v1/agencies", {
      params: { query: { parent_code: current?.code ?? "", page_size: 500 } } })),
    enabled: !!current,
  });
  if (root.isError) return <Alert type="error" showIcon message={common.error} description={root.error.message} />;
  if (!current) return null;
  const columns: TableColumnsType<Agency> = [
    { title: t.code, dataIndex: "code", key: "code", width: 160,
      render: (code: string, a) => <>{code}{!a.code_conforms && <Tag color="#ad6800">{t.nonConforming}</Tag>}</> },
    { title: t.name, dataIndex: "name", key: "name" },
    { title: t.place, dataIndex: "place", key: "place", width: 140 },
    {
      title: "", key: "actions", width: 210,
      render: (_: unknown, a) => (
        <Space wrap>
          <Button size="small" onClick={() => setDialog({ agency: a })} aria-label={`${adm.edit} ${a.name}`}>
            {adm.edit}
          </Button>
          {a.level < 4 && (
            <Button size="small" onClick={() => setTrail([...trail, a])} aria-label={`${t.open}: ${a.name}`}>
              {t.open}
            </Button>
          )}
        </Space>
      ),
    },
  ];
  const chain = [root.data, ...trail].filter((a): a is Agency => !!a);
  return (
    <>
      <Typography.Paragraph>{t.intro}</Typography.Paragraph>
      <Breadcrumb style={{ marginBottom: 12 }} items={chain.map((a, i) => ({
        title: i === chain.length - 1 ? a.name
          : <Button type="link" style={{ padding: 0, height: "auto" }} onClick={() => setTrail(trail.slice(0, i))}>
            {a.name}
          </Button>,
      }))} />
      <Space wrap style={{ marginBottom: 12 }}>
        <Typography.Text strong>{current.name} ({current.code})</Typography.Text>
        <Button onClick={() => setDialog({ agency: current })} aria-label={`${adm.edit} ${current.name}`}>{adm.edit}</Button>
        <Button type="primary" onClick={() => setDialog({})}>{t.add}</Button>
      </Space>
      <Typography.Title level={3} style={{ fontSize: 16 }}>{t.children}</Typography.Title>
      <Table<Agency> rowKey="code" size="small" loading={children.isLoading} columns={columns}
        dataSource={children.data?.items ?? []} pagination={{ pageSize: 20, hideOnSinglePage: true }}
        scroll={{ x: 700 }} aria-label={t.children}
        locale={{ emptyText: <span style={{ color: "#595959" }}>{t.none}</span> }} />
      {dialog && <AgencyDialog agency={dialog.agency} parent={current} onClose={() => setDialog(null)} />}
    </>
  );
}
