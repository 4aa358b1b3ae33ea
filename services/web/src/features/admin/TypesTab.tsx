import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Form, Input, Modal, Select, Table, Typography, type TableColumnsType } from "antd";
import { useState } from "react";
import { unwrap, type DocumentType } from "../../api/client";
import { useApi } from "../../api/ApiProvider";
import { formatDateTime } from "../../components/dates";
import { common } from "../../components/messages";
import { adm } from "./messages";

type ExchangeForm = "electronic" | "electronic_and_paper";
const t = adm.types;
const FORMS: ExchangeForm[] = ["electronic", "electronic_and_paper"];
/** The registry's rules for an agency's own type (services/registry domain/doctypes.py check_type). */
const TYPE_CODE = /^[a-z0-9_]{2,40}$/;
const ABBREVIATION = /^[A-Za-zĐđ0-9]{1,20}$/;

function AddType({ onClose }: { onClose: () => void }) {
  const api = useApi();
  const queries = useQueryClient();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ code: string; name: string; abbreviation: string }>();
  const add = useMutation({
    mutationFn: async (v: { code: string; name: string; abbreviation: string }) =>
      unwrap(await api.POST("/api/v1/document-types", { body: { code: v.code.trim(),
        name: v.name.trim().normalize("NFC"), abbreviation: v.abbreviation.trim().normalize("NFC") } })),
    onSuccess: async () => {
      await queries.invalidateQueries({ queryKey: ["document-types"] });
      void message.success(adm.saved);
      onClose();
    },
  });
  return (
    <Modal open title={t.addTitle} onCancel={onClose} cancelText={common.cancel} okText={adm.save}
      onOk={() => form.submit()} confirmLoading={add.isPending}>
      <Form form={form} layout="vertical" aria-label={t.addTitle} onFinish={(v) => add.mutate(v)}>
        <Form.Item name="code" label={t.code} rules={[{ required: true, whitespace: true, message: t.codeRequired },
          { pattern: TYPE_CODE, message: t.codeInvalid }]}>
          <Input maxLength={40} style={{ maxWidth: 280 }} />
        </Form.Item>
        <Form.Item name="name" label={t.name} rules={[{ required: true, whitespace: true, message: t.nameRequired }]}>
          <Input maxLength={100} />
        </Form.Item>
        <Form.Item name="abbreviation" label={t.abbreviation}
          rules={[{ required: true, whitespace: true, message: t.abbreviationRequired },
            { pattern: ABBREVIATION, message: t.abbreviationInvalid }]}>
          <Input maxLength={20} style={{ maxWidth: 160 }} />
        </Form.Item>
        {add.isError && <Alert type="error" showIcon message={add.error.message} />}
      </Form>
    </Modal>
  );
}

/**
 * Loại văn bản: the 29 types of Decree 30/2020 and the agency's own, with the exchange catalogue (danh mục gửi nhận:
 * chỉ gửi điện tử, or gửi điện tử và bản giấy) the admin sets per type (``PUT …/exchange-form``).
 */
export function TypesTab() {
  const api = useApi();
  const queries = useQueryClient();
  const { message } = App.useApp();
  const [adding, setAdding] = useState(false);
  const types = useQuery({
    queryKey: ["document-types"],
    queryFn: async () => unwrap(await api.GET("/api/v1/document-types")),
  });
  const setForm = useMutation({
    mutationFn: async ({ code, form }: { code: string; form: ExchangeForm }) =>
      unwrap(await api.PUT("/api/v1/document-types/{code}/exchange-form", {
        params: { path: { code } }, body: { exchange_form: form } })),
    onSuccess: (updated) => {
      queries.setQueryData<DocumentType[]>(["document-types"], (list) =>
        list?.map((d) => (d.code === updated.code ? updated : d)));
      void message.success(adm.saved);
    },
    onError: (e: Error) => void message.error(e.message),
  });
  const columns: TableColumnsType<DocumentType> = [
    { title: t.name, dataIndex: "name", key: "name" },
    { title: t.abbreviation, dataIndex: "abbreviation", key: "abbreviation", width: 100 },
    {
      title: t.form, dataIndex: "exchange_form", key: "form", width: 250,
      render: (value: string, d) => (
        <Select<ExchangeForm> value={(value || "electronic") as ExchangeForm} style={{ width: 230 }} aria-label={t.formFor(d.name)}
          disabled={setForm.isPending && setForm.variables?.code === d.code}
          onChange={(form: ExchangeForm) => setForm.mutate({ code: d.code, form })}
          options={FORMS.map((f) => ({ value: f, label: t.forms[f] }))} />
      ),
    },
    { title: t.setBy, key: "set", width: 200, render: (_: unknown, d) =>
      d.exchange_form_set_by ? `${d.exchange_form_set_by}, ${formatDateTime(d.exchange_form_set_at)}` : "" },
  ];
  if (types.isError) return <Alert type="error" showIcon message={common.error} description={types.error.message} />;
  return (
    <>
      <Typography.Paragraph>{t.intro}</Typography.Paragraph>
      <Button type="primary" onClick={() => setAdding(true)} style={{ marginBottom: 12 }}>{t.add}</Button>
      <Table<DocumentType> rowKey="code" size="small" loading={types.isLoading} columns={columns}
        dataSource={types.data ?? []} pagination={false} scroll={{ x: 700 }} aria-label={adm.tabs.types} />
      {adding && <AddType onClose={() => setAdding(false)} />}
    </>
  );
}
